"""ISO 20022 XML (pain.001, pacs.008, camt.053...): parsed by ``defusedxml``, elements by their meaning.

The document (from its ``<Document>`` or ``<AppHdr>`` to the matching end tag, or a
fragment such as ``<CdtTrfTxInf>`` or ``<Dbtr>`` pasted on its own) is parsed safely:
``defusedxml`` refuses DTDs and entity expansion. ElementTree keeps no offsets, so start
tags are matched to the parsed elements in document order (a mismatch drops the
document rather than report a wrong span). Then: ``IBAN`` is an IBAN, an account's
``Othr/Id`` an account number, ``BIC``/``BICFI``/``AnyBIC`` a BIC, ``BirthDt`` a birth date;
a party's ``Nm``, postal address and contact details count when the party is a person (a
``PrvtId``, or a name shaped like a person's and no ``OrgId``); a ``PrvtId`` number counts
when its scheme says passport, driver's licence or social security number.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from gateway.recognizers.formats.fields import (
    QUALIFIER_WORDS,
    Field,
    Layout,
    Piece,
    Span,
    looks_like_name,
    read_once,
    trim,
    value_ok,
)

# Where a document, or a fragment pasted on its own, opens (outermost first: a Document holds the others).
_ROOT = re.compile(
    r"<(?:[A-Za-z_][\w.-]*:)?(?P<name>Document|AppHdr|BizMsgEnvlp|CstmrCdtTrfInitn|FIToFICstmrCdtTrf|BkToCstmrStmt"
    r"|BkToCstmrDbtCdtNtfctn|CstmrDrctDbtInitn|PmtInf|CdtTrfTxInf|DrctDbtTxInf|Stmt|Ntry|TxDtls|RltdPties"
    r"|Dbtr|Cdtr|UltmtDbtr|UltmtCdtr|DbtrAcct|CdtrAcct)[\s>]"
)
_START_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?P<name>[A-Za-z_][\w.-]*)(?:\s[^<>]*?)?(?P<empty>/?)>")
_MAX_DOCUMENT = 2_000_000
_MAX_OPENINGS = 64

_BICS = frozenset({"BIC", "BICFI", "AnyBIC", "BICOrBEI"})
_ADDRESS_PARTS = frozenset({"StrtNm", "BldgNb", "BldgNm", "Flr", "Room", "PstCd", "TwnNm", "TwnLctnNm", "AdrLine"})
_CONTACTS = {"PhneNb": "PHONE_NUMBER", "MobNb": "PHONE_NUMBER", "FaxNb": "PHONE_NUMBER", "EmailAdr": "EMAIL_ADDRESS"}
_PRIVATE_SCHEMES = {"CCPT": "US_PASSPORT", "DRLC": "US_DRIVER_LICENSE", "SOSE": "US_SSN"}
# What an element's value is, written before it in the layout view.
_LABELS = {"IBAN": "IBAN", "BirthDt": "date of birth"}


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _documents(text: str) -> Iterator[Span]:
    """Spans of whole documents or fragments; in a cut-off document, the whole fragments inside it.

    At most ``_MAX_OPENINGS`` openings are tried per text, so unclosed tags cost a bounded number of passes.
    """
    position = 0
    for _ in range(_MAX_OPENINGS):
        root = _ROOT.search(text, position)
        if root is None:
            return
        closing = re.compile(rf"</(?:[A-Za-z_][\w.-]*:)?{root.group('name')}\s*>")
        end = closing.search(text, root.end(), root.start() + _MAX_DOCUMENT)
        if end is None:
            position = root.end()
            continue
        yield root.start(), end.end()
        position = end.end()


def fields(text: str) -> Iterator[Field]:
    for root, values in _parsed(text):
        yield from _judge(text, root, values)


def layout(text: str) -> list[Layout]:
    """The view of the documents in ``text``: the text of each element on a line of its own, after what
    it holds where the element or its scheme says so (``phone: ...``; an ``Othr/Id`` after its scheme's
    code as words, or after its proprietary scheme name as written)."""
    pieces: Layout = []
    for root, spans in _parsed(text):
        parents = {id(child): parent for parent in root.iter() for child in parent}
        for element in root.iter():
            span = spans.get(id(element))
            name = _local(element)
            if span is None or span[1] <= span[0] or _local(parents.get(id(element), root)) == "SchmeNm":
                continue  # a scheme's name is written before the id it names
            label = _label(element, name, parents, spans, span)
            if label is not None:
                pieces.append(label)
            pieces.append(Piece(span[0], span[1], "\n"))
    return [pieces] if pieces else []


def _label(
    element: ET.Element, name: str, parents: dict[int, ET.Element], spans: dict[int, Span], span: Span
) -> Piece | None:
    """What the element's value is, as a label piece before it, or None."""
    words = _LABELS.get(name)
    if name in _CONTACTS:
        words = QUALIFIER_WORDS[_CONTACTS[name]]
    elif name == "Id" and _local(parents.get(id(element), element)) == "Othr":
        other = parents[id(element)]
        entity = _PRIVATE_SCHEMES.get(_scheme(other))
        proprietary = other.find("{*}SchmeNm/{*}Prtry")
        if entity is not None:
            words = QUALIFIER_WORDS[entity]
        elif proprietary is not None and (named := spans.get(id(proprietary))) and named[1] > named[0]:
            return Piece(named[0], named[1], ": ", label=True)
    if words is None:
        return None
    return Piece(span[0] - 1, span[0], ": ", label=True, text=words)  # over the start tag's ">"


@read_once
def _parsed(text: str) -> Iterator[tuple[ET.Element, dict[int, Span]]]:
    """Each document or fragment in ``text`` that parses, with the span of each element's text."""
    if "<" not in text:
        return
    for start, end in _documents(text):
        try:
            root = SafeET.fromstring(text[start:end])
        except (ET.ParseError, DefusedXmlException):
            continue
        values = _value_spans(text, start, end, root)
        if values is not None:
            yield root, values


def _value_spans(text: str, start: int, end: int, root: ET.Element) -> dict[int, Span] | None:
    """The span of each element's text (by ``id`` of the element), matched in document order."""
    spans: dict[int, Span] = {}
    tags = _START_TAG.finditer(text, start, end)
    for element in root.iter():
        tag = next(tags, None)
        if tag is None or tag.group("name") != _local(element):
            return None
        if not tag.group("empty"):
            closing = text.find("<", tag.end(), end)
            spans[id(element)] = trim(text, (tag.end(), closing))
    return spans


def _judge(text: str, root: ET.Element, spans: dict[int, Span]) -> Iterator[Field]:
    parents = {id(child): parent for parent in root.iter() for child in parent}

    def parent_name(element: ET.Element, levels: int = 1) -> str:
        for _ in range(levels):
            element = parents.get(id(element), root)
        return _local(element)

    people = {id(party) for party in root.iter() if _is_person(party)}

    def in_person(element: ET.Element) -> bool:
        while id(element) in parents:
            element = parents[id(element)]
            if id(element) in people:
                return True
        return False

    for element in root.iter():
        name, entity = _local(element), None
        if name == "IBAN":
            entity = "IBAN_CODE"
        elif name in _BICS:
            entity = "SWIFT_BIC"
        elif name == "BirthDt":
            entity = "DATE_OF_BIRTH"
        elif name == "Id" and parent_name(element) == "Othr" and parent_name(element, 3).endswith("Acct"):
            entity = "US_BANK_ACCOUNT"  # Acct/Id/Othr/Id
        elif name == "Id" and parent_name(element) == "Othr" and parent_name(element, 2) == "PrvtId":
            entity = _PRIVATE_SCHEMES.get(_scheme(parents[id(element)]))
        elif name == "Nm" and id(parents.get(id(element))) in people:
            entity = "PERSON"
        elif name in _ADDRESS_PARTS and parent_name(element) == "PstlAdr" and in_person(element):
            entity = "STREET_ADDRESS"
        elif name in _CONTACTS and in_person(element):
            entity = _CONTACTS[name]
        span = spans.get(id(element))
        if entity and span and span[1] > span[0] and value_ok(entity, text[span[0] : span[1]]):
            yield Field(entity, span[0], span[1], f"ISO 20022 {parent_name(element)}/{name}")


def _is_person(party: ET.Element) -> bool:
    """A party (an element with a ``Nm``) that is a person, not an organisation or a bank."""
    if _local(party) in ("FinInstnId", "Agt") or party.find("{*}Nm") is None:
        return False
    names = {_local(e) for e in party.iter()}
    if "PrvtId" in names:
        return True
    return "OrgId" not in names and looks_like_name(party.findtext("{*}Nm") or "")


def _scheme(other: ET.Element) -> str:
    code = other.find("{*}SchmeNm/{*}Cd")
    return (code.text or "").strip() if code is not None else ""
