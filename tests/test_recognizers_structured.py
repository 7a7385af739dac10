"""Names and dates of birth found through JSON / YAML keys and CSV / table columns."""

from __future__ import annotations

import pytest

from gateway.recognizers.structured import StructuredFieldRecognizer
from tests.recognizer_helpers import matched

_SQL = (
    "| id | name | ssn | birth_date | status |\n"
    "|----+------+-----+------------+--------|\n"
    "| 1042 | Raghunathan, Keisha | 219-09-9999 | 1980-02-28 | ACTIVE |\n"
    "| 1043 | Petrov, Mei | 219-09-9998 | 1979-13-40 | TERM |"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"name": "Kwame Boateng", "email": "k@example.com"}', ["Kwame Boateng"]),
        ('"customer": {"name": "Sofia Fernandez", "phone": "555"}', ["Sofia Fernandez"]),
        ('{"first_name": "Priya", "last_name": "Raman"}', ["Priya", "Raman"]),
        ("patient_name: GRACE ZHANG\nward: 4B", ["GRACE ZHANG"]),
        ('{"name": "Build Tools", "version": "1.0.0"}', []),  # no personal field in the record
        ('{"name": "my-package", "email": "x@example.com"}', []),  # not a name
        ('{"first_name": "the"}', []),
        (
            'id,name,email,phone\n1,Mateo Moreau,m@example.com,555\n2,"Okafor, Mei",a@example.com,6',
            ["Mateo Moreau", "Okafor, Mei"],
        ),
        ("sku,name,price\n1,Widget Large,9.99", []),  # a product table
        (_SQL, ["Raghunathan, Keisha", "1980-02-28", "Petrov, Mei"]),  # 1979-13-40 is no date
        ("employee\tdob\nJames Okafor\t03/14/1962", ["James Okafor", "03/14/1962"]),
        (
            "INSERT INTO payouts (holder_name, routing_number, account_number, amount_cents)\n"
            "VALUES ('Diego Haddad', '021000021', '8171500784', 756107);",
            ["Diego Haddad", "021000021", "8171500784"],
        ),
        (
            "INSERT INTO patients (mrn, first_name, last_name, dob, ssn)\n"
            "VALUES ('43746083', 'Chidi', 'Tanaka', 'September 3, 1945', '422-74-3471'",  # unclosed
            ["43746083", "Chidi", "Tanaka", "September 3, 1945"],
        ),
        (
            "INSERT INTO employees (name, mobile) VALUES ('Sofia O'Connor', '555'), ('Ana Ruiz', '556');",
            ["Sofia O'Connor", "Ana Ruiz"],
        ),
        ("INSERT INTO t (routing_number, account) VALUES ('123456789', 'acme-prod');", []),  # bad ABA, no number
        ("INSERT INTO skus (name, price) VALUES ('Widget Large', 9);", []),
        (
            "| Patient | DOB | MRN | Dx |\n|---|---|---|---|\n| Declan Kavanagh | 23 Jan 1950 | MR6583721 | COPD |",
            ["Declan Kavanagh", "23 Jan 1950", "MR6583721"],
        ),
        (
            "| Beneficiary | IBAN | BIC |\n|---|---|---|\n| Fenwick Plastics Ltd | CH64 | MYLMCHKJ |",
            ["MYLMCHKJ"],  # a company is no person
        ),
        ("| Vendor | SWIFT |\n|---|---|\n| Acme | ACMEXX12 |", []),  # no such country code
        ('{"vendor": "Brightline SARL", "contact": "Eleanor Rossi", "iban": "ES33"}', ["Eleanor Rossi"]),
        ('{"basic": {"name": "SOFIA PETROVA", "credential": "MD", "status": "A"}}', ["SOFIA PETROVA"]),
        ('{"member_id": "W528571907", "routing": "021000021"}', ["W528571907", "021000021"]),
    ],
)
def test_structured_fields(text: str, expected: list[str]) -> None:
    assert matched(StructuredFieldRecognizer(), text) == expected
