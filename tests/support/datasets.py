"""Generated training data sets with planted values of every entity type, in JSONL, CSV and Parquet.

Every planted text holds exactly one value the detector must find (checked by
the tests: exact counts); every look-alike (a wrong check digit, a value with no
context) must stay as it is; the other rows are clean prose.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# (entity type, text, the value planted in it)
PLANTED = [
    ("SECRET", "deploy key AKIAGEDN73U55XTPLPFT in the script", "AKIAGEDN73U55XTPLPFT"),
    ("CREDIT_CARD", "Visa 4111 1111 1111 1111 on file", "4111 1111 1111 1111"),
    ("CLASSIFICATION_MARKING", "SECRET//NOFORN summary follows", "SECRET//NOFORN"),
    ("PERSON", "Patient John Smith has a fever", "John Smith"),
    ("EMAIL_ADDRESS", "write to jane.doe@example.org today", "jane.doe@example.org"),
    ("PHONE_NUMBER", "call 217-555-0143 after lunch", "217-555-0143"),
    ("STREET_ADDRESS", "she lives at 42 Elm Street", "42 Elm Street"),
    ("IP_ADDRESS", "server 10.20.30.40 is down", "10.20.30.40"),
    ("DATE_OF_BIRTH", "DOB 03/14/1962", "03/14/1962"),
    ("US_SSN", "My SSN is 219-09-9999", "219-09-9999"),
    ("US_ITIN", "ITIN 912-70-1234", "912-70-1234"),
    ("US_PASSPORT", "passport number 912803456", "912803456"),
    ("US_DRIVER_LICENSE", "driver license D1234567", "D1234567"),
    ("MEDICAL_RECORD_NUMBER", "MRN: 00482913", "00482913"),
    ("HEALTH_PLAN_ID", "Member ID: XYZ123456789", "XYZ123456789"),
    ("US_MBI", "Medicare MBI 1EG4-TE5-MK73", "1EG4-TE5-MK73"),
    ("US_NPI", "Refill for NPI 1245319599", "1245319599"),
    ("US_DEA", "DEA number AB1234563", "AB1234563"),
    ("IBAN_CODE", "IBAN DE89370400440532013000 for rent", "DE89370400440532013000"),
    ("US_BANK_ACCOUNT", "account number 123456789012", "123456789012"),
    ("ABA_ROUTING", "ABA routing number 021000021", "021000021"),
    ("SWIFT_BIC", "SWIFT code DEUTDEFF", "DEUTDEFF"),
    ("EXPORT_CONTROL", "This file is ITAR controlled", "ITAR"),
    ("CUI_MARKING", "CUI//SP-PRVCY", "CUI//SP-PRVCY"),
    ("PROPRIETARY_MARKING", "COMPANY CONFIDENTIAL roadmap", "COMPANY CONFIDENTIAL"),
    ("UK_NHS", "her NHS no is 9458073022", "9458073022"),
    ("UK_NINO", "NINO: JG103759A", "JG103759A"),
    ("DE_TAX_ID", "Steuer-ID 36574261809 laut Bescheid", "36574261809"),
    ("FR_NIR", "NIR 295109912611193.", "295109912611193"),
    ("ES_NIF", "DNI 54362315K", "54362315K"),
    ("IT_FISCAL_CODE", "codice fiscale RCCMNL83S18D969H", "RCCMNL83S18D969H"),
    ("NL_BSN", "BSN: 111222333", "111222333"),
    ("PL_PESEL", "PESEL 44051401359", "44051401359"),
    ("SE_PERSONNUMMER", "personnummer 880320-0016", "880320-0016"),
    ("CA_SIN", "SIN 473 264 158", "473 264 158"),
    ("AU_TFN", "TFN 123 456 782", "123 456 782"),
    ("AU_MEDICARE", "Medicare card 2123 45670 1", "2123 45670 1"),
    ("IN_AADHAAR", "Aadhaar 2341 2341 2346", "2341 2341 2346"),
    ("IN_PAN", "PAN ACUPA7085R for the return", "ACUPA7085R"),
    ("EU_VAT", "VAT DE136695976", "DE136695976"),
    ("VIN", "VIN 1M8GDM9AXKP042788", "1M8GDM9AXKP042788"),
    ("GEOLOCATION", "she lives at 48.85837, 2.29448", "48.85837, 2.29448"),
    ("GENETIC_DATA", "Patient is BRCA1 positive", "BRCA1 positive"),
    (
        "BIOMETRIC_DATA",
        "fingerprint template: 3f9a6c0d2b7e4f18a9c3d5e7f0b1a2c4d6e8f0a1",
        "fingerprint template: 3f9a6c0d2b7e4f18a9c3d5e7f0b1a2c4d6e8f0a1",
    ),
]

# Values that only look like one: a wrong check digit, or digits with no context. They must stay.
LOOK_ALIKES = [
    "Steuer-ID 36574261808",
    "ticket 111222333 closed",
    "VIN 1M8GDM9AXKP042789",
    "version 48.85, 2.29",
    "BRCA1 is a gene on chromosome 17",
    "card 4111 1111 1111 1112",
    "build 3f2a9c1e4b7d8a0c5",
    "PESEL 44051401358",
    "SIN 473 264 159",
    "Aadhaar 2341 2341 2347",
    "released 1.2.3, 4.5.6",
    "NINO: QQ123456C",
    "SSN 000-12-3456",
]

CLEAN = [
    "Explain the difference between a cohort study and a case-control study.",
    "Summarise the new visiting hours for the cardiology ward.",
    "List three ways to reduce waiting times in an outpatient clinic.",
    "What is the boiling point of water at sea level?",
]


@dataclass(frozen=True)
class Dataset:
    path: Path
    rows: int
    expected: Counter[str]  # findings per entity type
    flagged_rows: frozenset[int]  # rows holding a planted value
    values: tuple[str, ...]  # every planted value (none may be in a cleaned copy)
    look_alikes: tuple[str, ...]


def _flat_rows() -> list[dict[str, str]]:
    """One row per planted value, look-alike and clean text: fields ``id``, ``text``, ``note``."""
    rows = []
    for n, (_, text, _) in enumerate(PLANTED):
        rows.append({"id": f"p{n}", "text": text, "note": CLEAN[n % len(CLEAN)]})
    for n, text in enumerate(LOOK_ALIKES):
        rows.append({"id": f"l{n}", "text": CLEAN[n % len(CLEAN)], "note": text})
    for n, text in enumerate(CLEAN):
        rows.append({"id": f"c{n}", "text": text, "note": "no identifiers, just prose"})
    return rows


def _expected() -> tuple[Counter[str], frozenset[int]]:
    return Counter(entity for entity, _, _ in PLANTED), frozenset(range(len(PLANTED)))


def write_jsonl(path: Path) -> Dataset:
    """Flat rows, then chat rows (``messages``) and a nested row, one more planted value each."""
    lines = [json.dumps(row) for row in _flat_rows()]
    chat = {
        "messages": [
            {"role": "system", "content": "You are a ward assistant."},
            {"role": "user", "content": "Book a scan for the patient with SSN 536-90-4399 please."},
            {"role": "assistant", "content": "Booked for Tuesday."},
        ]
    }
    nested = {"id": "n0", "meta": {"source": "intake", "extra": {"contact": "reach me at ward7@example.com"}}}
    clean_chat = {"messages": [{"role": "user", "content": CLEAN[0]}, {"role": "assistant", "content": CLEAN[1]}]}
    lines += [json.dumps(chat), json.dumps(nested, ensure_ascii=False), json.dumps(clean_chat)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected, flagged = _expected()
    expected.update({"US_SSN": 1, "EMAIL_ADDRESS": 1})
    flagged = flagged | {len(lines) - 3, len(lines) - 2}
    values = (*[v for _, _, v in PLANTED], "536-90-4399", "ward7@example.com")
    return Dataset(path, len(lines), expected, flagged, values, tuple(LOOK_ALIKES))


def write_csv(path: Path) -> Dataset:
    """The flat rows, a quoted field spanning two lines among them, CRLF line endings."""
    rows = _flat_rows()
    rows[len(PLANTED)] = {**rows[len(PLANTED)], "text": "first line of a note,\nand its second line"}
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["id", "text", "note"], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(text.getvalue().encode())
    expected, flagged = _expected()
    return Dataset(path, len(rows), expected, flagged, tuple(v for _, _, v in PLANTED), tuple(LOOK_ALIKES))


def write_parquet(path: Path, row_group_size: int = 16) -> Dataset:
    """The flat rows with a nested struct column (``meta.tags``: a list of strings) and an integer column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    for n, row in enumerate(_flat_rows()):
        rows.append({**row, "n": n, "meta": {"tags": ["train", "v1"], "source": "export"}})
    rows[-1]["meta"] = {"tags": ["train", "owner contact jane.roe@example.net"], "source": "export"}
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    expected, flagged = _expected()
    expected.update({"EMAIL_ADDRESS": 1})
    values = (*[v for _, _, v in PLANTED], "jane.roe@example.net")
    return Dataset(path, len(rows), expected, flagged | {len(rows) - 1}, values, tuple(LOOK_ALIKES))


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}


def write_training_policy(directory: Path) -> str:
    """A policy for training data: credentials and card numbers block, every other entity type redacts."""
    from gateway.entities import ENTITY_TYPES

    others = sorted(ENTITY_TYPES - {"SECRET", "CREDIT_CARD"})
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "training.yaml").write_text(
        "name: training\n"
        "description: Fine-tuning data; nothing regulated may be learnt.\n"
        "retention: {payload_days: 30, metadata_days: 365}\n"
        "unscannable: block\n"
        "rules:\n"
        "  - id: credentials-block\n"
        "    action: block\n"
        "    when: {any: [SECRET, CREDIT_CARD]}\n"
        "    reason: Credentials and card numbers never go into training data.\n"
        "    regulation: Security baseline\n"
        "  - id: identifiers-redact\n"
        "    action: redact\n"
        f"    when: {{any: [{', '.join(others)}]}}\n"
        "    reason: Identifiers are replaced before training.\n"
        "    regulation: GDPR Art. 5(1)(c)\n",
        encoding="utf-8",
    )
    return "training"
