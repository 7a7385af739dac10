"""Names and dates of birth in structured data: JSON / YAML fields and CSV / pipe-table columns.

The key or column header is the label: ``"name": "Sofia Fernandez"``, a ``birth_date``
column of a SQL result, a ``first_name`` column of a CSV paste. A bare ``name`` key or
column counts only when the same record or table also has a personal field (e-mail,
phone, date of birth, SSN, address...), so ``"name": "build-tools"`` in a package
manifest does not. Dates of birth in ``key: value`` form are the DOB recogniser's.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.recognizers.identity import _DATE, NOT_NAMES, parse_birth_date

PERSON_KEYS = frozenset(
    """full_name fullname first_name firstname given_name givenname last_name lastname surname family_name
    middle_name patient patient_name employee employee_name customer customer_name client_name contact_name
    cardholder cardholder_name card_holder account_holder holder_name traveler traveller passenger passenger_name
    insured insured_name beneficiary beneficiary_name recipient_name payee payee_name guarantor emergency_contact
    next_of_kin spouse member_name subscriber_name applicant applicant_name candidate_name legal_name""".split()
)
DOB_KEYS = frozenset("dob d_o_b date_of_birth dateofbirth birth_date birthdate birthday born".split())
# Fields that make a record personal, so that its bare "name" is a person's name.
_PERSONAL_KEY = re.compile(
    r"(?i)e-?mail|phone|mobile|dob|birth|ssn|social|address|street|mrn|patient|employee|customer|account|salary"
)
_KEY_VALUE = re.compile(
    r"(?P<q>[\"']?)(?P<key>[A-Za-z][\w .-]{0,40}?)(?P=q)[ \t]*[:=][ \t]*"
    r"(?P<vq>[\"']?)(?P<value>[^\"'\n{}\[\],;:=]{1,80}?)(?P=vq)[ \t]*(?=[,}\]\n;]|$)"
)
_NAME_VALUE = re.compile(
    r"(?:[A-Z][a-z]+|[A-Z]{2,}|(?:O'|Mc|Mac)[A-Z][a-z]+)(?:[-'][A-Za-z][a-z]+)?"
    r"(?:(?:,?\s+|\s+[A-Z]\.\s+)(?:[A-Z][a-z]+|[A-Z]{2,}|(?:O'|Mc|Mac)[A-Z][a-z]+)(?:[-'][A-Za-z][a-z]+)?){0,3}"
)
# Delimiters, and how many a header line needs (a tab-separated header of two columns has one).
_DELIMITERS = (("|", 2), ("\t", 1), (",", 2), (";", 2))
_SEPARATOR_ROW = re.compile(r"^[\s|+:=-]*$")
_RECORD_WINDOW = 300


def _key(raw: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", raw.strip().lower()).strip("_")


def _is_name(value: str, *, single_word_ok: bool) -> bool:
    value = value.strip()
    if not _NAME_VALUE.fullmatch(value):
        return False
    words = re.findall(r"[^\W\d_]+", value.lower())
    if any(word in NOT_NAMES for word in words):
        return False
    return single_word_ok or len(words) >= 2


def _split(line: str, delimiter: str) -> list[tuple[int, int]]:
    """Cell spans of ``line`` (quotes respected, surrounding spaces and quotes trimmed)."""
    spans, start, quoted = [], 0, False
    for index, char in enumerate(line + delimiter):
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            spans.append((start, index))
            start = index + 1
    trimmed = []
    for a, b in spans:
        while a < b and line[a] in " \t\"'":
            a += 1
        while b > a and line[b - 1] in " \t\"'":
            b -= 1
        trimmed.append((a, b))
    return trimmed


class StructuredFieldRecognizer(EntityRecognizer):
    """PERSON and DATE_OF_BIRTH values found through the key or column that holds them."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON", "DATE_OF_BIRTH"],
            name="StructuredFieldRecognizer",
            supported_language=supported_language,
        )

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if not any(d in text for d in (":", "=", "|", ",", "\t", ";")):
            return []
        spans = [*self._fields(text), *self._table_cells(text)]
        return [self._result(entity, start, end, how) for entity, start, end, how in spans if entity in entities]

    def _fields(self, text: str) -> list[tuple[str, int, int, str]]:
        found = []
        for match in _KEY_VALUE.finditer(text):
            key, value = _key(match.group("key")), match.group("value")
            start, end = match.span("value")
            if key in PERSON_KEYS and _is_name(value, single_word_ok=True):
                found.append(("PERSON", start, end, f"field {key}"))
            elif key == "name" and _is_name(value, single_word_ok=False):
                record = text[max(0, match.start() - _RECORD_WINDOW) : match.end() + _RECORD_WINDOW]
                if _PERSONAL_KEY.search(record.replace(match.group(0), "")):
                    found.append(("PERSON", start, end, "field name"))
        return found

    def _table_cells(self, text: str) -> list[tuple[str, int, int, str]]:
        found: list[tuple[str, int, int, str]] = []
        lines, offset = [], 0
        for line in text.split("\n"):
            lines.append((offset, line))
            offset += len(line) + 1
        index = 0
        while index < len(lines):
            header_offset, header = lines[index]
            index += 1
            delimiter = next((d for d, count in _DELIMITERS if header.count(d) >= count), None)
            if delimiter is None:
                continue
            columns = [_key(header[a:b]) for a, b in _split(header, delimiter)]
            wanted = {
                i: ("PERSON" if c in PERSON_KEYS or c == "name" else "DATE_OF_BIRTH")
                for i, c in enumerate(columns)
                if c in PERSON_KEYS or c in DOB_KEYS or c == "name"
            }
            if "name" in columns and not any(_PERSONAL_KEY.search(c) for c in columns if c != "name"):
                wanted = {i: e for i, e in wanted.items() if columns[i] != "name"}
            if not wanted:
                continue
            while index < len(lines):
                row_offset, row = lines[index]
                if _SEPARATOR_ROW.match(row) and row.strip():
                    index += 1
                    continue
                cells = _split(row, delimiter)
                if len(cells) != len(columns):
                    break
                index += 1
                for column, entity in wanted.items():
                    a, b = cells[column]
                    value = row[a:b]
                    if entity == "PERSON" and _is_name(value, single_word_ok=columns[column] != "name"):
                        found.append((entity, row_offset + a, row_offset + b, f"column {columns[column]}"))
                    elif entity == "DATE_OF_BIRTH" and re.fullmatch(_DATE, value) and parse_birth_date(value):
                        found.append((entity, row_offset + a, row_offset + b, f"column {columns[column]}"))
        return found

    def _result(self, entity: str, start: int, end: int, how: str) -> RecognizerResult:
        explanation = AnalysisExplanation(recognizer=self.name, original_score=0.85, textual_explanation=how)
        return RecognizerResult(
            entity_type=entity,
            start=start,
            end=end,
            score=0.85,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
