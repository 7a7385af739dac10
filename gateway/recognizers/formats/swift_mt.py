"""SWIFT MT messages (MT103 payments, MT940 statements): fields by their tag.

No maintained PyPI parser reads MT103 (``mt-940`` reads statements only, and keeps no
offsets); the block 4 layout is simple: a field opens a line with ``:TAG:`` and runs to the
next. ``:50K:``/``:50H:``/``:59:`` hold an optional ``/account`` line, then the customer's name and
address lines; ``:50F:``/``:59F:`` number their lines (``1/`` name, ``2/`` address, ``3/``
country and town, ``4/`` birth date); ``:xxA:`` fields hold an optional account and a BIC;
``:25:`` is the statement's account. An account is an IBAN when it validates as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gateway.recognizers.formats.fields import (
    Field,
    Layout,
    Piece,
    Span,
    looks_like_name,
    read_once,
    split_spans,
    trim,
    value_ok,
)

_TAG = re.compile(r"(?m)^:(?P<tag>\d{2}[A-Z]?):")
_MIN_TAGS = 2
_CUSTOMERS = frozenset({"50", "50H", "50K", "59"})
_NUMBERED_CUSTOMERS = frozenset({"50F", "59F"})
_BIC_FIELDS = frozenset({"50A", "52A", "53A", "54A", "56A", "57A", "59A"})
_ACCOUNTS = frozenset({"25", "25P"})
_END = re.compile(r"\n-\}|\n-\s*$|\n\{")


def fields(text: str) -> Iterator[Field]:
    for tag, lines in _fields(text):
        yield from _field(text, tag, lines)


def layout(text: str) -> list[Layout]:
    """The view of the message in ``text``: each line of each field on a line of its own, without the
    field's tag (``:70:MRN 00482913`` reads ``MRN 00482913``) or an account line's ``/``."""
    pieces = [Piece(line[0] + (text[line[0]] == "/"), line[1], "\n") for _, lines in _fields(text) for line in lines]
    return [pieces] if pieces else []


@read_once
def _fields(text: str) -> Iterator[tuple[str, list[Span]]]:
    """(tag, its non-blank lines) of each field of a block 4 in ``text``."""
    if ":" not in text:
        return
    tags = list(_TAG.finditer(text))
    if len(tags) < _MIN_TAGS or not any(t.group("tag") in ("20", "25") for t in tags):
        return
    for tag, following in zip(tags, [*tags[1:], None], strict=True):
        end = following.start() if following else len(text)
        closing = _END.search(text, tag.end(), end)
        lines = [trim(text, line) for line in split_spans(text, (tag.end(), closing.start() if closing else end), "\n")]
        yield tag.group("tag"), [line for line in lines if line[1] > line[0]]


def _field(text: str, tag: str, lines: list[Span]) -> Iterator[Field]:
    where = f"SWIFT MT :{tag}:"
    found: list[tuple[str, Span]] = []
    if lines and text.startswith("/", lines[0][0]) and tag in _CUSTOMERS | _NUMBERED_CUSTOMERS | _BIC_FIELDS:
        found.append(_account(text, (lines[0][0] + 1, lines[0][1])))
        lines = lines[1:]
    if tag in _CUSTOMERS and lines and looks_like_name(text[slice(*lines[0])]):
        found.append(("PERSON", lines[0]))
        found.extend(("STREET_ADDRESS", line) for line in lines[1:4])
    elif tag in _NUMBERED_CUSTOMERS:
        found.extend(_numbered(text, lines))
    elif tag in _BIC_FIELDS and lines:
        found.append(("SWIFT_BIC", lines[0]))
    elif tag in _ACCOUNTS and lines:
        bank, slash, account = text[slice(*lines[0])].partition("/")
        if slash and value_ok("SWIFT_BIC", bank):
            found.append(("SWIFT_BIC", (lines[0][0], lines[0][0] + len(bank))))
            found.append(_account(text, (lines[0][0] + len(bank) + 1, lines[0][1])))
        else:
            found.append(_account(text, lines[0]))
    for entity, span in found:
        if span[1] > span[0] and value_ok(entity, text[span[0] : span[1]]):
            yield Field(entity, span[0], span[1], where)


def _account(text: str, span: Span) -> tuple[str, Span]:
    return ("IBAN_CODE" if value_ok("IBAN_CODE", text[span[0] : span[1]]) else "US_BANK_ACCOUNT"), span


def _numbered(text: str, lines: list[Span]) -> Iterator[tuple[str, Span]]:
    """``1/NAME``, ``2/ADDRESS``, ``3/CC/TOWN``, ``4/YYYYMMDD`` lines of an F option."""
    person = any(text.startswith("1/", start) and looks_like_name(text[start + 2 : end]) for start, end in lines)
    for start, end in lines:
        number = text[start : start + 2]
        if number == "1/" and person:
            yield "PERSON", (start + 2, end)
        elif number in ("2/", "3/") and person:
            yield "STREET_ADDRESS", (start + 2, end)
        elif number == "4/":
            yield "DATE_OF_BIRTH", (start + 2, end)
