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
    ],
)
def test_structured_fields(text: str, expected: list[str]) -> None:
    assert matched(StructuredFieldRecognizer(), text) == expected
