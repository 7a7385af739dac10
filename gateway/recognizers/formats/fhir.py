"""FHIR JSON resources: elements judged by their FHIR meaning, wherever the resource sits.

A maintained model library (``fhir.resources``) validates whole resources and rejects the
fragments and partial resources that prompts hold, and keeps no offsets; so the JSON is read
here by a small parser that keeps each string's position, and walked by element meaning:
``HumanName.family``/``given``/``text`` are names, ``birthDate`` a birth date, ``telecom`` a
phone or e-mail by its ``system``, ``address`` parts an address, ``identifier.value`` an id whose
``system`` or ``type`` code says which (an MRN by default in a Patient), a ``Reference.display``
to a Patient or Practitioner a name. Contact details count in person resources (Patient,
RelatedPerson, Person, Practitioner) and in any ``contact``; an Organization's phone does not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from gateway.recognizers.formats.fields import Field, value_ok
from gateway.recognizers.formats.hl7v2 import IDENTIFIER_TYPES

_RESOURCE_TYPE = re.compile(r'"resourceType"\s*:')
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_MAX_DEPTH = 64
_MAX_PARSES = 256

PERSON_RESOURCES = frozenset({"Patient", "RelatedPerson", "Person", "Practitioner"})
_PEOPLE_REFERENCED = re.compile(r"(?:Patient|RelatedPerson|Person|Practitioner)/")
_SYSTEMS = {
    "http://hl7.org/fhir/sid/us-ssn": "US_SSN",
    "http://hl7.org/fhir/sid/us-npi": "US_NPI",
    "http://hl7.org/fhir/sid/us-mbi": "US_MBI",
    "http://hl7.org/fhir/sid/us-medicare": "HEALTH_PLAN_ID",
    "https://fhir.nhs.uk/Id/nhs-number": "UK_NHS",
}
_PHONE_SYSTEMS = frozenset({"phone", "fax", "sms", "pager"})
_ADDRESS_PARTS = ("line", "city", "district", "postalCode", "text")


@dataclass(frozen=True, slots=True)
class _String:
    """A JSON string value and the span of its raw text (inside the quotes)."""

    value: str
    start: int
    end: int


class _Parser:
    """JSON (RFC 8259) whose strings keep their offsets in the text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def value(self, index: int, depth: int = 0) -> tuple[object, int]:
        if depth > _MAX_DEPTH:
            raise ValueError("too deep")
        index = _WHITESPACE.match(self.text, index).end()
        char = self.text[index : index + 1]
        if char == "{":
            return self._object(index + 1, depth)
        if char == "[":
            return self._array(index + 1, depth)
        if char == '"':
            value, end = json.decoder.scanstring(self.text, index + 1)
            return _String(value, index + 1, end - 1), end
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, index):
                return literal, index + len(word)
        number = _NUMBER.match(self.text, index)
        if number is None:
            raise ValueError("not JSON")
        return number.group(0), number.end()

    def _object(self, index: int, depth: int) -> tuple[dict[str, object], int]:
        members: dict[str, object] = {}
        index = self._skip(index)
        if self.text.startswith("}", index):
            return members, index + 1
        while True:
            key, index = self.value(index, depth + 1)
            index = self._skip(index)
            if not isinstance(key, _String) or not self.text.startswith(":", index):
                raise ValueError("bad member")
            members[key.value], index = self.value(index + 1, depth + 1)
            index = self._skip(index)
            if self.text.startswith("}", index):
                return members, index + 1
            if not self.text.startswith(",", index):
                raise ValueError("bad object")
            index += 1

    def _array(self, index: int, depth: int) -> tuple[list[object], int]:
        items: list[object] = []
        index = self._skip(index)
        if self.text.startswith("]", index):
            return items, index + 1
        while True:
            item, index = self.value(index, depth + 1)
            items.append(item)
            index = self._skip(index)
            if self.text.startswith("]", index):
                return items, index + 1
            if not self.text.startswith(",", index):
                raise ValueError("bad array")
            index += 1

    def _skip(self, index: int) -> int:
        return _WHITESPACE.match(self.text, index).end()


def _documents(text: str) -> Iterator[dict[str, object]]:
    """Each JSON object holding a ``resourceType``, outermost first, each once.

    At most ``_MAX_PARSES`` parses per text, so broken JSON or many braces cost a bounded number of passes.
    """
    parser, covered, parses = _Parser(text), 0, 0
    for match in _RESOURCE_TYPE.finditer(text):
        if match.start() < covered:
            continue
        opening = match.start()
        while parses < _MAX_PARSES:  # the nearest "{" before, or one further out
            opening = text.rfind("{", covered, opening)
            if opening < 0:
                break
            parses += 1
            try:
                document, end = parser.value(opening)
            except (ValueError, IndexError):
                continue
            if end > match.start() and isinstance(document, dict):
                covered = end
                yield document
                break


def fields(text: str) -> Iterator[Field]:
    if '"resourceType"' not in text:
        return
    for document in _documents(text):
        yield from _walk(document, "", personal=False)


def _walk(node: object, resource: str, *, personal: bool) -> Iterator[Field]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, resource, personal=personal)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("resourceType")
    if isinstance(kind, _String):
        resource, personal = kind.value, kind.value in PERSON_RESOURCES
    if _refers_to_person(node):  # a Reference to a person: its display is their name
        yield from _strings("PERSON", [node.get("display")], f"FHIR {resource or 'element'} reference")
    for key, value in node.items():
        yield from _element(key, value, resource, personal)
        yield from _walk(value, resource, personal=personal or key == "contact")


def _element(key: str, value: object, resource: str, personal: bool) -> Iterator[Field]:
    """What one element means, by its name (and the resource holding it)."""
    where = f"FHIR {resource or 'element'}.{key}"
    if key == "name":
        for name in _items(value):
            if isinstance(name, dict) and ({"family", "given", "text"} & name.keys()):
                yield from _strings("PERSON", [name.get("family"), name.get("given"), name.get("text")], where)
    elif key == "birthDate":
        yield from _strings("DATE_OF_BIRTH", [value], where)
    elif key == "telecom" and personal:
        for point in _items(value):
            if isinstance(point, dict):
                system = point.get("system")
                entity = "EMAIL_ADDRESS" if isinstance(system, _String) and system.value == "email" else "PHONE_NUMBER"
                if entity == "EMAIL_ADDRESS" or system is None or system.value in _PHONE_SYSTEMS:
                    yield from _strings(entity, [point.get("value")], where)
    elif key == "address" and personal:
        for address in _items(value):
            if isinstance(address, dict):
                yield from _strings("STREET_ADDRESS", [address.get(part) for part in _ADDRESS_PARTS], where)
    elif key == "identifier" and (personal or resource == "Coverage"):
        default = {"Patient": "MEDICAL_RECORD_NUMBER", "Coverage": "HEALTH_PLAN_ID"}.get(resource)
        for identifier in _items(value):
            if isinstance(identifier, dict) and (entity := _identifier_entity(identifier, default)):
                yield from _strings(entity, [identifier.get("value")], where)
    elif key == "subscriberId" and resource == "Coverage":
        yield from _strings("HEALTH_PLAN_ID", [value], where)


def _refers_to_person(reference: dict[str, object]) -> bool:
    target = reference.get("reference")
    return isinstance(target, _String) and bool(_PEOPLE_REFERENCED.match(target.value))


def _identifier_entity(identifier: dict[str, object], default: str | None) -> str | None:
    """The entity an Identifier holds: by its ``system``, then its ``type`` code, then the resource's default."""
    system = identifier.get("system")
    if isinstance(system, _String) and system.value in _SYSTEMS:
        return _SYSTEMS[system.value]
    kind = identifier.get("type")
    codings = kind.get("coding") if isinstance(kind, dict) else None
    for coding in _items(codings):
        code = coding.get("code") if isinstance(coding, dict) else None
        if isinstance(code, _String) and code.value in IDENTIFIER_TYPES:
            return IDENTIFIER_TYPES[code.value]
    return default


def _items(value: object) -> list[object]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _strings(entity: str, values: list[object], where: str) -> Iterator[Field]:
    """Fields for the strings among ``values`` (lists of strings too) that have ``entity``'s shape."""
    for value in values:
        for item in _items(value):
            if isinstance(item, _String) and item.end > item.start and value_ok(entity, item.value):
                yield Field(entity, item.start, item.end, where)
