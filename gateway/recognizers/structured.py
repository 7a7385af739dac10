"""Values labelled only by their field: JSON / YAML keys, CSV / pipe / markdown table columns, SQL INSERTs.

The key or column header is the label: ``"name": "Sofia Fernandez"``, a ``birth_date``
column of a SQL result, a ``first_name`` column of a CSV paste, the ``mrn`` and
``routing_number`` columns of ``INSERT INTO t (mrn, routing_number) VALUES ('...', '...')``.
Names, dates of birth, record numbers, routing and account numbers, BICs and member ids
are found this way; each value must still have its type's shape (and checksum, for ABA).
A bare ``name`` key or column counts only when the same record or table also has a
personal field (e-mail, phone, date of birth, SSN, address...), so ``"name": "build-tools"``
in a package manifest does not. Dates of birth in ``key: value`` form are the DOB recogniser's.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.recognizers.checksums import aba_valid
from gateway.recognizers.finance import ISO_COUNTRIES
from gateway.recognizers.identity import _DATE, NOT_NAMES, parse_birth_date
from gateway.recognizers.ner import COMPANY_FORM

PERSON_KEYS = frozenset(
    """full_name fullname first_name firstname given_name givenname last_name lastname surname family_name
    middle_name patient patient_name employee employee_name customer customer_name client_name contact_name
    cardholder cardholder_name card_holder account_holder holder_name traveler traveller passenger passenger_name
    insured insured_name beneficiary beneficiary_name recipient_name payee payee_name guarantor emergency_contact
    next_of_kin spouse member_name subscriber_name applicant applicant_name candidate_name legal_name contact
    contact_person primary_contact""".split()
)
DOB_KEYS = frozenset("dob d_o_b date_of_birth dateofbirth birth_date birthdate birthday born".split())
# Identifier fields and the shape their values must have.
ID_KEYS: dict[str, str] = {
    **dict.fromkeys(
        "mrn medical_record_number medical_record_no medical_record chart_number chart_no".split(),
        "MEDICAL_RECORD_NUMBER",
    ),
    **dict.fromkeys(
        "routing routing_number routing_no aba aba_number aba_routing rtn transit_number".split(), "ABA_ROUTING"
    ),
    **dict.fromkeys(
        "account account_number account_no acct acct_no acct_number bank_account bank_account_number".split(),
        "US_BANK_ACCOUNT",
    ),
    **dict.fromkeys("bic swift swift_bic bic_swift swift_code bic_code".split(), "SWIFT_BIC"),
    **dict.fromkeys(
        "member_id member_number subscriber_id insurance_id policy_number medicaid_id health_plan_id".split(),
        "HEALTH_PLAN_ID",
    ),
}
_ID_SHAPES = {
    "MEDICAL_RECORD_NUMBER": re.compile(r"[A-Z]{0,4}-?\d[\d-]{3,14}\d"),
    "ABA_ROUTING": re.compile(r"\d{9}"),
    "US_BANK_ACCOUNT": re.compile(r"\d{6,17}"),
    "SWIFT_BIC": re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?"),
    "HEALTH_PLAN_ID": re.compile(r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,19}[A-Z0-9]"),
}


def _id_valid(entity: str, value: str) -> bool:
    if not _ID_SHAPES[entity].fullmatch(value):
        return False
    if entity == "ABA_ROUTING":
        return aba_valid(value)
    return entity != "SWIFT_BIC" or value[4:6] in ISO_COUNTRIES


# Fields that make a record personal, so that its bare "name" is a person's name.
_PERSONAL_KEY = re.compile(
    r"(?i)e-?mail|phone|mobile|dob|birth|ssn|social|address|street|mrn|patient|employee|customer|account|salary"
    r"|credential|npi|routing|gender"
)
# The lookahead (a cheap, possessive test that a ":" or "=" follows a key-like run) only
# rejects positions where the pattern cannot match; it does not change what matches.
_KEY_VALUE = re.compile(
    r"(?=[\"']?[A-Za-z][\w .\-\"']{0,42}+[ \t]*+[:=])"
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


_NON_KEY = re.compile(r"[^a-z0-9]+")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_BIRTH_DATE = re.compile(_DATE)
# Pieces of a SQL ``VALUES`` list (``_sql_rows``).
_ROW_OPENING = re.compile(r"\s*,?\s*\(")
_BLANKS = re.compile(r"[ \t]*")
_VALUE_END = re.compile(r"[ \t]*([,)])")


def _key(raw: str) -> str:
    return _NON_KEY.sub("_", raw.strip().lower()).strip("_")


def _is_name(value: str, *, single_word_ok: bool) -> bool:
    value = value.strip()
    if not _NAME_VALUE.fullmatch(value):
        return False
    words = _LETTER_RUN.findall(value.lower())
    if any(word in NOT_NAMES for word in words) or COMPANY_FORM.search(value):
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


def _wanted_columns(columns: list[str]) -> dict[int, str]:
    """Column index to the entity its values are, for the columns that label one."""
    wanted = {}
    for index, column in enumerate(columns):
        if column in PERSON_KEYS or column == "name":
            wanted[index] = "PERSON"
        elif column in DOB_KEYS:
            wanted[index] = "DATE_OF_BIRTH"
        elif column in ID_KEYS:
            wanted[index] = ID_KEYS[column]
    if "name" in columns and not any(_PERSONAL_KEY.search(c) for c in columns if c != "name"):
        wanted = {i: e for i, e in wanted.items() if columns[i] != "name"}
    return wanted


def _cell_holds(entity: str, column: str, value: str) -> bool:
    if entity == "PERSON":
        return _is_name(value, single_word_ok=column != "name")
    if entity == "DATE_OF_BIRTH":
        return bool(_BIRTH_DATE.fullmatch(value)) and parse_birth_date(value) is not None
    return _id_valid(entity, value)


_INSERT = re.compile(r"(?i)\bINSERT\s+(?:IGNORE\s+)?INTO\s+[\w.`\"\[\]]+\s*\((?P<columns>[^()]{1,2000})\)\s*VALUES\s*")
# A quote inside a value ends it only before a separator: ``'O''Connor'`` and ``'O'Connor'`` are both one value.
_SQL_VALUE = re.compile(
    r"'((?:[^'\n]|''|'(?![ \t]*(?:[,);]|$)))*)'|\"([^\"\n]*)\"|([^,()\s;][^,()\n;]*?)(?=\s*[,)\n;]|\s*$)"
)


def _sql_rows(text: str, position: int) -> list[list[tuple[int, int]]]:
    """Value spans (inside any quotes) of each ``( ... )`` tuple from ``position`` on; a last unclosed tuple counts."""
    rows: list[list[tuple[int, int]]] = []
    while True:
        opening = _ROW_OPENING.match(text, position)
        if opening is None:
            return rows
        position, row = opening.end(), []
        while True:
            value = _SQL_VALUE.match(text, _BLANKS.match(text, position).end())
            if value is None:
                break
            group = next(g for g in (1, 2, 3) if value.group(g) is not None)
            row.append(value.span(group))
            position = value.end()
            separator = _VALUE_END.match(text, position)
            if separator is None or separator.group(1) == ")":
                position = separator.end() if separator else position
                break
            position = separator.end()
        rows.append(row)
        if len(rows) > 1000 or not text.startswith(")", position - 1):
            return rows


class StructuredFieldRecognizer(EntityRecognizer):
    """PERSON and DATE_OF_BIRTH values found through the key or column that holds them."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON", "DATE_OF_BIRTH", *sorted(set(ID_KEYS.values()))],
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
        spans = [*self._fields(text), *self._table_cells(text), *self._sql_values(text)]
        unique = {(entity, start, end): how for entity, start, end, how in reversed(spans) if entity in entities}
        return [self._result(entity, start, end, how) for (entity, start, end), how in unique.items()]

    def _fields(self, text: str) -> list[tuple[str, int, int, str]]:
        found = []
        for match in _KEY_VALUE.finditer(text):
            key, value = _key(match.group("key")), match.group("value")
            start, end = match.span("value")
            if key in PERSON_KEYS and _is_name(value, single_word_ok=True):
                found.append(("PERSON", start, end, f"field {key}"))
            elif key in ID_KEYS and _id_valid(ID_KEYS[key], value.strip()):
                found.append((ID_KEYS[key], start, end, f"field {key}"))
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
            wanted = _wanted_columns(columns)
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
                    if _cell_holds(entity, columns[column], row[a:b]):
                        found.append((entity, row_offset + a, row_offset + b, f"column {columns[column]}"))
        return found

    def _sql_values(self, text: str) -> list[tuple[str, int, int, str]]:
        """Values of ``INSERT INTO t (col, ...) VALUES (...), (...)`` by their column."""
        found: list[tuple[str, int, int, str]] = []
        if "(" not in text:
            return found
        for insert in _INSERT.finditer(text):
            columns = [_key(c.strip(' \t\n`"[]')) for c in insert.group("columns").split(",")]
            wanted = _wanted_columns(columns)
            if not wanted:
                continue
            for row in _sql_rows(text, insert.end()):
                if len(row) != len(columns):
                    continue
                for column, entity in wanted.items():
                    a, b = row[column]
                    if _cell_holds(entity, columns[column], text[a:b]):
                        found.append((entity, a, b, f"column {columns[column]}"))
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
