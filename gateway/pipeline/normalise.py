"""Normalise stage: views of a message that undo disguises, each mapped back exactly.

A view is a :class:`NormalisedText`: its text plus, for every character, the
original span it came from. Recognisers run on views; their offsets are taken
back to the text as sent with :meth:`NormalisedText.to_original`.

- :func:`fold` removes zero-width characters, maps Unicode digits to ASCII,
  folds Latin-looking Cyrillic/Greek letters and compatibility forms (NFKC).
- :func:`collapse` additionally removes separators inside digit runs
  (``123 45\\n6789``) and between spaced single letters (``i t a r``).
- :func:`decoded_views` decodes base64, hex and percent-encoded segments; every
  character of such a view maps to the whole encoded segment.
- :func:`unescape` undoes JSON string escapes (``\\"`` in a tool call's ``arguments``);
  each character maps to its escape sequence.
- :func:`unreference` undoes HTML character references, ``\\u`` escapes and percent-escapes anywhere;
  :func:`spelled` reads digits written as words and ``(at)``/``[dot]``; :func:`unleet` reads leetspeak
  capitals (``1T4R``); :func:`removed` drops a pattern (string concatenation, table cell borders).
- :func:`spliced` lays pieces of the text out anew: the fields of a fixed-width record apart, the
  addenda text of a NACHA entry joined, a CSV column's header before each of its cells.
"""

from __future__ import annotations

import base64
import binascii
import html.entities
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from gateway.recognizers.formats.fields import Piece

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f")
DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
DIGIT_SEPARATORS = frozenset(" \t\r\n.-_/")
LETTER_SEPARATORS = frozenset(" .-_*")
MAX_SEPARATOR_RUN = 3

# Cyrillic and Greek letters that render like Latin ones.
_LOOKALIKES = (
    "АA ВB ЕE ЅS ІI ЈJ КK МM НH ОO РP СC ТT ХX УY ԜW ӀI "
    "аa еe ѕs іi јj оo рp сc хx уy ԁd ԛq ԝw ѵv "
    "ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX "
    "αa οo ιi ρp νv τt κk χx"
)
HOMOGLYPHS: dict[str, str] = {pair[0]: pair[1] for pair in _LOOKALIKES.split()}


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """A normalised view: ``text[i]`` came from ``original[starts[i]:ends[i]]``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the view span ``[start, end)`` to the original span that produced it."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside view of length {len(self.text)}")
        return self.starts[start], self.ends[end - 1]


class _Builder:
    """Accumulates characters with their original spans."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, chars: str, start: int, end: int) -> None:
        for char in chars:
            self.chars.append(char)
            self.starts.append(start)
            self.ends.append(end)

    def build(self) -> NormalisedText:
        return NormalisedText("".join(self.chars), tuple(self.starts), tuple(self.ends))


def fold_char(char: str) -> str:
    """The normalised form of one character (may be empty or several characters)."""
    if char in ZERO_WIDTH:
        return ""
    if char.isascii():
        return char
    if char in HOMOGLYPHS:
        return HOMOGLYPHS[char]
    if char in DASHES:
        return "-"
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    folded = unicodedata.normalize("NFKC", char)
    return "".join(HOMOGLYPHS.get(c, c) for c in folded)


def fold(text: str) -> NormalisedText:
    """Character-level view: zero-width removed, digits, homoglyphs and NFKC forms folded."""
    if text.isascii():  # every ASCII character folds to itself
        return _identity(text)
    table = {ord(char): fold_char(char) for char in set(_NON_ASCII.findall(text))}
    if all(len(folded) == 1 for folded in table.values()):  # character for character: offsets do not move
        return _identity(text.translate(table))
    builder = _Builder()
    for index, char in enumerate(text):
        builder.add(fold_char(char), index, index + 1)
    return builder.build()


def _identity(view: str) -> NormalisedText:
    """``view`` of a text of the same length, its character ``i`` from the text's character ``i``."""
    return NormalisedText(view, tuple(range(len(view))), tuple(range(1, len(view) + 1)))


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _kept(view: NormalisedText, text: str, drop: Iterable[int]) -> NormalisedText:
    """``text`` (``view``'s text or a same-length variant of it) without the characters at ``drop``."""
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for index in sorted(drop):
        if index > last:
            parts.append(text[last:index])
            starts.extend(view.starts[last:index])
            ends.extend(view.ends[last:index])
        last = max(last, index + 1)
    parts.append(text[last:])
    starts.extend(view.starts[last:])
    ends.extend(view.ends[last:])
    return NormalisedText("".join(parts), tuple(starts), tuple(ends))


def _spaced_letter_runs(text: str) -> tuple[set[int], set[int]]:
    """Separators to drop and letters to upper-case in runs of 3 or more spaced single letters.

    ``i t a r`` becomes ``ITAR``; words of spaced letters may be set apart by a wider gap
    and slashes may be spaced too (``t o p  s e c r e t / / s c i`` becomes
    ``TOP SECRET//SCI``): a gap keeps one space. Spelling a word out letter by letter is
    emphasis, like capitals, so the letters are upper-cased and marking patterns that
    need capitals see them.
    """
    drop: set[int] = set()
    upper: set[int] = set()
    for match in _SPACED_RUN.finditer(text):
        if sum(1 for char in match.group() if char.isalpha()) < 3:
            continue
        for gap in _SPACED_GAP.finditer(text, match.start(), match.end()):
            # A single separator goes; a wider gap between spaced words keeps one space, except around a slash.
            keep_one = gap.end() - gap.start() > 1 and text[gap.start() - 1] != "/" and text[gap.end()] != "/"
            drop.update(range(gap.start() + (1 if keep_one else 0), gap.end()))
        upper.update(i for i in range(match.start(), match.end()) if text[i].isalpha())  # ASCII ones only
    return drop, upper


_SPACED_CHAR = r"(?:[^\W\d_]|/)"
_SPACED_RUN = re.compile(rf"(?<![^\W\d_/]){_SPACED_CHAR}(?:(?:[ .\-_*]|  {{1,2}}){_SPACED_CHAR}){{2,}}(?![^\W\d_/])")
_SPACED_GAP = re.compile(r"[ .\-_*]+")


def _separators_between_digits(text: str) -> set[int]:
    """Indices of the separators inside digit runs that are written like one disguised number.

    A chain of digit groups joined by short separator runs is collapsed only when its
    separators are uniform (all spaces, all dots, all dashes...; a line break may stand
    anywhere, for a wrapped value). Mixed separators are how dates, times and log lines
    are written (``494\n2024-05-04 10:21``): collapsing them would invent numbers.
    """
    drop: set[int] = set()
    for chain in _DIGIT_CHAIN.finditer(text):
        runs = [m.span() for m in _SEPARATOR_RUN.finditer(text, chain.start(), chain.end())]
        kinds = {kind for a, b in runs if (kind := _separator_kind(text[a:b]))}
        if len(kinds) <= 1:
            for start, end in runs:
                drop.update(range(start, end))
    return drop


def _separator_kind(run: str) -> frozenset[str]:
    """The characters a separator run is made of, a line break (and indentation around it) aside."""
    if "\n" in run or "\r" in run:
        return frozenset(run.replace("\r", "").replace("\n", "").strip())
    return frozenset(run)


_SEPARATOR_CLASS = "[" + re.escape("".join(sorted(DIGIT_SEPARATORS))) + "]"
_SEPARATOR_RUN = re.compile(f"{_SEPARATOR_CLASS}+")
# Digit groups joined by runs of 1 to MAX_SEPARATOR_RUN separators.
_DIGIT_CHAIN = re.compile(rf"\d+(?:{_SEPARATOR_CLASS}{{1,{MAX_SEPARATOR_RUN}}}\d+)+")


# A value spelt out one character at a time, letters and digits mixed ("D E 8 9 3 7 0 4 ..."): 8 or more.
_SPACED_ALNUM = re.compile(r"(?<![\w])[A-Za-z0-9](?: [A-Za-z0-9]){7,}(?![\w])")


def collapse(view: NormalisedText) -> NormalisedText:
    """Remove separators inside digit runs and between spaced single letters (``view`` itself if none)."""
    text = view.text
    drop, upper = _spaced_letter_runs(text)
    drop |= _separators_between_digits(text)
    for run in _SPACED_ALNUM.finditer(text):
        drop.update(i for i in range(run.start(), run.end()) if text[i] == " ")
    if not drop:
        return view
    if upper:
        chars = list(text)
        for index in upper:
            if chars[index].isascii():
                chars[index] = chars[index].upper()
        text = "".join(chars)
    return _kept(view, text, drop)


def normalise(text: str) -> NormalisedText:
    """The fully collapsed view (fold then collapse)."""
    return collapse(fold(text))


# A segment may follow "=" or ":" (``card_b64=NDUz...Mg==``): a key glued to it is not part of it.
# 12 characters or more, or 8 to 11 with padding (an 8-digit record number encodes to 12 with "="): an
# ordinary word never ends in "=", and decoding every 8-letter word would cost a view each.
_BASE64 = re.compile(
    r"(?<![A-Za-z0-9+/_-])(?:[A-Za-z0-9+/_-]{12,}={0,2}|[A-Za-z0-9+/_-]{8,11}={1,2})(?![A-Za-z0-9+/=_-])"
)
# A run of hex pairs on its own; one group of a UUID or another dashed hex id is no encoded text.
_HEX = re.compile(r"(?<![0-9A-Za-z])(?<![0-9A-Fa-f]-)(?:0x)?((?:[0-9A-Fa-f]{2}){6,})(?![0-9A-Za-z])(?!-[0-9A-Fa-f])")
_HEX_ESCAPED = re.compile(r"(?:\\x[0-9A-Fa-f]{2}){4,}")
# Two escapes or more, or one encoded "@" (``email=user%40example.com``).
_PERCENT = re.compile(r"[^\s%]*(?:%[0-9A-Fa-f]{2}[^\s%]*){2,}|[^\s%]*%40[^\s%]*")


def _printable(decoded: str) -> bool:
    return bool(decoded.strip()) and all(c.isprintable() or c in "\r\n\t" for c in decoded)


def _utf8(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return decoded if _printable(decoded) else None


def _decode_base64(segment: str) -> str | None:
    body = segment.rstrip("=")
    if len(body) % 4 == 1 or not re.search(r"[A-Za-z]", body):
        return None
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in body or "_" in body:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return _utf8(raw)


def _decode_hex(segment: str) -> str | None:
    return _utf8(bytes.fromhex(segment))


def _decode_percent(segment: str) -> str | None:
    decoded = urllib.parse.unquote(segment, errors="strict") if segment else ""
    return decoded if decoded != segment and _printable(decoded) else None


# Characters of the text kept on each side of a decoded segment, so that a label before it still applies
# ("MRN TU5PTjEyMzQ1Ng==": the record number is decoded, "MRN" stays in front of it).
DECODED_CONTEXT = 48


def _decoded_view(decoded: str, start: int, end: int, text: str = "") -> NormalisedText:
    folded = fold(decoded)
    count = len(folded.text)
    before = max(0, start - DECODED_CONTEXT)
    after = min(len(text), end + DECODED_CONTEXT)
    head, tail = text[before:start], text[end:after]
    if "\n" in head:
        before += head.rindex("\n") + 1
        head = text[before:start]
    if "\n" in tail:
        after = end + tail.index("\n")
        tail = text[end:after]
    return NormalisedText(
        head + folded.text + tail,
        (*range(before, start), *((start,) * count), *range(end, after)),
        (*range(before + 1, start + 1), *((end,) * count), *range(end + 1, after + 1)),
    )


def decoded_views(text: str) -> list[NormalisedText]:
    """Views of the decoded base64, hex and percent-encoded segments of ``text``.

    Each character of a view maps to the whole encoded segment in ``text``.
    """
    views: list[NormalisedText] = []
    if len(text) < 12:
        return views
    for match in _HEX.finditer(text):
        decoded = _decode_hex(match.group(1))
        if decoded is not None:
            views.append(_decoded_view(decoded, match.start(), match.end(), text))
    for match in _HEX_ESCAPED.finditer(text):
        decoded = _decode_hex(match.group(0).replace("\\x", ""))
        if decoded is not None:
            views.append(_decoded_view(decoded, match.start(), match.end(), text))
    for match in _BASE64.finditer(text):
        if _HEX.fullmatch(match.group(0)):
            continue
        decoded = _decode_base64(match.group(0))
        if decoded is not None:
            views.append(_decoded_view(decoded, match.start(), match.end(), text))
    if "%" in text:
        for match in _PERCENT.finditer(text):
            try:
                decoded = _decode_percent(match.group(0))
            except UnicodeDecodeError:
                continue
            if decoded is not None:
                views.append(_decoded_view(decoded, match.start(), match.end(), text))
    return [view for view in views if view.text]


_JSON_ESCAPE = re.compile(r'\\(?:u[0-9A-Fa-f]{4}|["\\/bfnrt])')
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def unescape(view: NormalisedText) -> NormalisedText:
    """``view`` with JSON string escapes undone (``view`` itself if there are none).

    JSON inside a JSON string (a tool call's ``arguments``) hides its keys behind
    ``\\"``; undoing the escapes lets key-based recognisers read it. Each character
    maps to the escape sequence it came from.
    """
    text = view.text
    if "\\" not in text:
        return view
    builder = _Builder()
    position = 0
    for match in _JSON_ESCAPE.finditer(text):
        for index in range(position, match.start()):
            builder.add(text[index], view.starts[index], view.ends[index])
        escape = match.group()
        char = chr(int(escape[2:], 16)) if escape[1] == "u" else _SIMPLE_ESCAPES[escape[1]]
        if 0xD800 <= ord(char) <= 0xDFFF:  # half of a surrogate pair: left as written
            for index in range(match.start(), match.end()):
                builder.add(text[index], view.starts[index], view.ends[index])
        else:
            builder.add(char, view.starts[match.start()], view.ends[match.end() - 1])
        position = match.end()
    if position == 0:
        return view
    for index in range(position, len(text)):
        builder.add(text[index], view.starts[index], view.ends[index])
    return builder.build()


# Character references and escapes a value can hide behind in any container: HTML/XML character references
# (``&#64;``, ``&#x40;``, ``&commat;``), JSON/JavaScript ``\u0040`` escapes and percent-escapes (``%40``).
_REFERENCE = re.compile(
    r"&#(?P<dec>\d{1,7});|&#[xX](?P<hex>[0-9A-Fa-f]{1,6});|&(?P<name>[A-Za-z][A-Za-z0-9]{1,31};)"
    r"|\\u(?P<u>[0-9A-Fa-f]{4})|%(?P<pct>[0-7][0-9A-Fa-f])"
)
_REFERENCE_HINT = re.compile(r"&#|&[A-Za-z]{2,31};|\\u[0-9A-Fa-f]{4}|%[0-7][0-9A-Fa-f]")


def _reference_char(match: re.Match[str]) -> str | None:
    """The character a reference stands for, or None (an unknown name, a surrogate, a control character)."""
    if match.group("name") is not None:
        char = html.entities.html5.get(match.group("name"))
        return char if char and len(char) == 1 else None
    digits, base = next((match.group(g), b) for g, b in (("dec", 10), ("hex", 16), ("u", 16), ("pct", 16))
                        if match.group(g) is not None)  # fmt: skip
    code = int(digits, base)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    char = chr(code)
    return char if char.isprintable() or char in "\t\n" else None


def unreference(view: NormalisedText) -> NormalisedText:
    """``view`` with character references and escapes undone (``view`` itself if it has none).

    ``&#52;&#x31;...``, ``maria&#64;example&#46;com``, ``\\u0034\\u0031...`` and ``%34%31...``: each decoded
    character maps to its reference, so a finding covers the references as written. Percent-escapes are
    decoded one ASCII byte at a time (multi-byte UTF-8 sequences are left to :func:`decoded_views`).
    """
    text = view.text
    if not _REFERENCE_HINT.search(text):
        return view
    builder = _Builder()
    position = 0
    changed = False
    for match in _REFERENCE.finditer(text):
        char = _reference_char(match)
        if char is None:
            continue
        for index in range(position, match.start()):
            builder.add(text[index], view.starts[index], view.ends[index])
        builder.add(char, view.starts[match.start()], view.ends[match.end() - 1])
        position = match.end()
        changed = True
    if not changed:
        return view
    for index in range(position, len(text)):
        builder.add(text[index], view.starts[index], view.ends[index])
    return builder.build()


# Digits written as words ("five zero one four ..."), four or more in a row, and e-mail addresses written
# with bracketed words ("maria (at) example (dot) com", "[at]", "{dot}").
_DIGIT_WORDS = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine".split())}
_DIGIT_WORD = r"(?:zero|one|two|three|four|five|six|seven|eight|nine)"
_DIGIT_WORD_RUN = re.compile(rf"(?i)\b{_DIGIT_WORD}(?:[\s,-]+{_DIGIT_WORD}){{3,}}\b")
_WORD = re.compile(rf"(?i){_DIGIT_WORD}")
_BRACKETED = re.compile(r"(?i)\s*[(\[{<][ \t]*(?P<word>at|dot)[ \t]*[)\]}>]\s*")


def may_hide_a_value(text: str) -> bool:
    """Cheap test: whether :func:`unreference` or :func:`spelled` could change ``text``."""
    return bool(_REFERENCE_HINT.search(text) or _BRACKETED.search(text) or _DIGIT_WORD_RUN.search(text))


def spelled(view: NormalisedText) -> NormalisedText:
    """``view`` with digits written as words turned into digits and bracketed ``(at)``/``[dot]`` into ``@``/``.``.

    Each digit maps to its word, ``@`` and ``.`` to the bracketed word with the spaces around it; the
    separators between digit words are dropped, so the digits form one number (``501472239``).
    """
    text = view.text
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement): spans of text replaced
    for run in _DIGIT_WORD_RUN.finditer(text):
        for word in _WORD.finditer(text, run.start(), run.end()):
            edits.append((word.start(), word.end(), _DIGIT_WORDS[word.group().lower()]))
        words = [(w.start(), w.end()) for w in _WORD.finditer(text, run.start(), run.end())]
        for (_, end), (start, _) in zip(words, words[1:], strict=False):
            edits.append((end, start, ""))
    for match in _BRACKETED.finditer(text):
        edits.append((match.start(), match.end(), "@" if match.group("word").lower() == "at" else "."))
    if not edits:
        return view
    builder = _Builder()
    position = 0
    for start, end, replacement in sorted(edits):
        if start < position:
            continue
        for index in range(position, start):
            builder.add(text[index], view.starts[index], view.ends[index])
        if replacement:
            builder.add(replacement, view.starts[start], view.ends[end - 1])
        position = end
    for index in range(position, len(text)):
        builder.add(text[index], view.starts[index], view.ends[index])
    return builder.build()


# Leetspeak in capitals: digits standing for letters inside an upper-case word ("1T4R C0NTR0LL3D", "S3CR3T").
_LEET_WORD = re.compile(r"(?<![A-Za-z0-9])(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*[013457])[A-Z0-9]{2,}(?![a-z0-9])")
_LEET = str.maketrans("013457", "OIEAST")


def unleet(view: NormalisedText) -> NormalisedText:
    """``view`` with leetspeak digits in upper-case words read as the letters they stand for (same length)."""
    text = view.text
    changed = _LEET_WORD.sub(lambda m: m.group().translate(_LEET), text)
    if changed == text:
        return view
    return NormalisedText(changed, view.starts, view.ends)


def spliced(text: str, pieces: Sequence[Piece]) -> NormalisedText:
    """``text``'s ``pieces`` one after the other, each followed by its ``after`` separator.

    A piece's characters map to themselves (a piece's own ``text`` maps to its whole span); its separator
    maps to the piece's last character (to its start when it is empty), so a value found across two pieces
    maps to the span from one to the other.
    """
    builder = _Builder()
    for piece in pieces:
        if piece.text is not None:
            builder.add(piece.text, piece.start, max(piece.end, piece.start + 1))
        else:
            for index in range(piece.start, piece.end):
                builder.add(text[index], index, index + 1)
        anchor = piece.end - 1 if piece.end > piece.start else piece.start
        builder.add(piece.after, anchor, anchor + 1)
    return builder.build()


def removed(
    view: NormalisedText, pattern: re.Pattern[str], where: Callable[[str, re.Match[str]], bool] | None = None
) -> NormalisedText:
    """``view`` with every match of ``pattern`` (for which ``where(text, match)`` holds) removed.

    ``view`` itself if nothing is removed.
    """
    text = view.text
    drop: list[int] = []
    for match in pattern.finditer(text):
        if where is None or where(text, match):
            drop.extend(range(match.start(), match.end()))
    return _kept(view, text, drop) if drop else view


# Markdown / pipe table cell borders between two value fragments ("| 4398 2597 91 | 90 7482 ... |").
CELL_BORDER = re.compile(r"(?<=[A-Za-z0-9+/_-])[ \t]*\|[ \t]*(?=[A-Za-z0-9+/_-])")
_FRAGMENT_BEFORE = re.compile(r"[A-Za-z0-9+/_ -]{1,64}\Z")


def splits_a_value(text: str, match: re.Match[str]) -> bool:
    """Whether the cell before a border ends a value fragment: a digit or a token separator in it
    (``4398 2597 91``, ``ghp_Ab``), not a word (``card``, a column's name)."""
    before = _FRAGMENT_BEFORE.search(text, max(0, match.start() - 64), match.start())
    return before is not None and any(c.isdigit() or c == "_" for c in before.group().split(" ")[-1] + before.group())


# String concatenation in code ("4111 1111" + "1111 1111", PHP ".", SQL "||", adjacent literals) and a line
# break inside a word (a wrapped value): both removed in a view, for every entity type.
CONCATENATION = re.compile(
    r"(?<=[A-Za-z0-9_+/=~.@()-])[ \t]?[\"'`][ \t]*(?:\+|\.\.?|\|\||&)?[ \t]*\\?\r?\n?[ \t]*[\"'`][ \t]?"
    r"(?=[\w+/=~.@()-])"
)
_TOKEN_BEFORE = re.compile(r"[A-Za-z0-9_+/~.@-]{1,64}\Z")
_TOKEN_AFTER = re.compile(r"[A-Za-z0-9_+/~.@-]{1,64}")


def joins_a_value(text: str, match: re.Match[str]) -> bool:
    """Whether removing ``match`` joins two halves of a value: 8 or more token characters with a digit or
    an ``@`` among them (a word wrapped at the end of a line of prose is not worth a view)."""
    before = _TOKEN_BEFORE.search(text, max(0, match.start() - 64), match.start())
    after = _TOKEN_AFTER.match(text, match.end())
    joined = (before.group() if before else "") + (after.group() if after else "")
    return len(joined) >= 8 and any(c.isdigit() or c == "@" for c in joined)


# Digits on both sides are left to :func:`collapse`, which joins digit groups only when their separators
# are uniform (a log line's "494" and the next line's date are not one number).
LINE_BREAK = re.compile(
    r"(?<=[A-Za-z0-9_+/~.@-])(?<!\d(?=[ \t]*\\?\r?\n[ \t]*\d))"
    r"[ \t]*\\?\r?\n[ \t]*(?=[A-Za-z0-9_+/~.@-])"
)
