"""Identifiers outside the US: valid values found, bad check digits and look-alikes not; every policy keeps them local.

Run through the real detector (the bare digit runs need their name nearby, which only the
analyzer's context enhancement provides), plus the check-digit functions of our own.
"""

from __future__ import annotations

import pytest

from gateway.pipeline.decide import decide
from gateway.pipeline.detect import Detector
from gateway.policy import load_policies
from gateway.recognizers.international import medicare_valid, vin_valid
from gateway.settings import BUNDLED_POLICY_DIR
from gateway.types import Action, Finding, Message
from tests.detect_fixtures import detector  # noqa: F401  (the session-wide real Detector)

INTERNATIONAL = """UK_NHS UK_NINO DE_TAX_ID FR_NIR ES_NIF IT_FISCAL_CODE NL_BSN PL_PESEL SE_PERSONNUMMER CA_SIN AU_TFN
AU_MEDICARE IN_AADHAAR IN_PAN EU_VAT VIN GEOLOCATION GENETIC_DATA BIOMETRIC_DATA""".split()

# (entity, text, the value that must be found), valid check digits.
VALID = [
    ("UK_NHS", "NHS number: 943 476 5919, seen today", "943 476 5919"),
    ("UK_NHS", "her NHS no is 9458073022", "9458073022"),
    ("UK_NINO", "National Insurance number AB 12 34 56 C", "AB 12 34 56 C"),
    ("UK_NINO", "NINO: JG103759A", "JG103759A"),
    ("DE_TAX_ID", "Steuer-ID 36574261809 laut Bescheid", "36574261809"),
    ("DE_TAX_ID", "steuerliche Identifikationsnummer: 86 095 742 719", "86 095 742 719"),
    ("FR_NIR", "numéro de sécurité sociale 2 95 10 99 126 111 93", "2 95 10 99 126 111 93"),
    ("FR_NIR", "NIR 295109912611193.", "295109912611193"),
    ("ES_NIF", "DNI 54362315K", "54362315K"),
    ("ES_NIF", "su NIE es X2482300W", "X2482300W"),
    ("IT_FISCAL_CODE", "codice fiscale RCCMNL83S18D969H", "RCCMNL83S18D969H"),
    ("NL_BSN", "BSN: 111222333", "111222333"),
    ("NL_BSN", "burgerservicenummer 7629 84 594", "7629 84 594"),
    ("PL_PESEL", "PESEL 44051401359", "44051401359"),
    ("SE_PERSONNUMMER", "personnummer 880320-0016", "880320-0016"),
    ("SE_PERSONNUMMER", "Kund 880320-0016 ringde", "880320-0016"),  # written with its separator: self-evident
    ("CA_SIN", "SIN 473 264 158", "473 264 158"),
    ("CA_SIN", "social insurance number: 283-814-267", "283-814-267"),
    ("AU_TFN", "TFN 123 456 782", "123 456 782"),
    ("AU_TFN", "tax file number 179984047", "179984047"),
    ("AU_MEDICARE", "Medicare card 2123 45670 1", "2123 45670 1"),
    ("IN_AADHAAR", "Aadhaar 2341 2341 2346", "2341 2341 2346"),
    ("IN_AADHAAR", "aadhaar no: 753187788149", "753187788149"),
    ("IN_PAN", "PAN ACUPA7085R for the return", "ACUPA7085R"),
    ("EU_VAT", "VAT DE136695976", "DE136695976"),
    ("EU_VAT", "our supplier FR40303265045 invoices monthly", "FR40303265045"),
    ("EU_VAT", "BTW-nummer NL004495445B01", "NL004495445B01"),
    ("VIN", "VIN 1M8GDM9AXKP042788", "1M8GDM9AXKP042788"),
    ("VIN", "the car (1HGCM82633A004352) was towed", "1HGCM82633A004352"),
    ("GEOLOCATION", "she lives at 48.85837, 2.29448", "48.85837, 2.29448"),
    ("GEOLOCATION", "found at 40°26'46\"N 79°58'56\"W", "40°26'46\"N 79°58'56\"W"),
    ("GEOLOCATION", "GPS coordinates 51.50, -0.12 for the pickup", "51.50, -0.12"),
    ("GENETIC_DATA", "his 23andMe raw data shows rs429358 C/T and rs7412 CC", "rs429358 C/T"),
    ("GENETIC_DATA", "Patient is BRCA1 positive", "BRCA1 positive"),
    ("GENETIC_DATA", "heterozygous for HFE C282Y", "heterozygous for HFE"),
    ("GENETIC_DATA", "variant c.68_69delAG in exon 2", "c.68_69delAG"),
    ("BIOMETRIC_DATA", "fingerprint template: 3f9a6c0d2b7e4f18a9c3d5e7f0b1a2c4d6e8f0a1", "fingerprint template"),
    ("BIOMETRIC_DATA", "face embedding [0.12, -0.33, 0.05, 0.91, -0.4, 0.27, 0.18, -0.02, 0.66]", "face embedding"),
]

# (entity, text): a wrong check digit, or a value that only looks like one.
NOT_FOUND = [
    ("UK_NHS", "NHS number: 943 476 5918"),  # check digit
    ("UK_NHS", "order 943 476 5919 shipped"),  # valid mod 11, but nothing says NHS: an order number
    ("UK_NINO", "NINO: QQ123456C"),  # Q is never a prefix letter
    ("UK_NINO", "NINO: GB123456A"),  # GB is not allocated
    ("UK_NINO", "part AB123456E"),  # suffix is A-D
    ("DE_TAX_ID", "Steuer-ID 36574261808"),  # check digit
    ("DE_TAX_ID", "invoice 36574261809 paid"),  # valid, no context
    ("FR_NIR", "NIR 295109912611192"),  # key
    ("FR_NIR", "tracking 395109912611193"),  # first digit is the sex: 1 or 2
    ("ES_NIF", "DNI 54362315Z"),  # control letter
    ("ES_NIF", "NIE X2482300A"),
    ("IT_FISCAL_CODE", "codice fiscale RCCMNL83S18D969A"),  # check letter
    ("NL_BSN", "BSN 111222334"),
    ("NL_BSN", "ticket 111222333 closed"),  # valid, no context
    ("PL_PESEL", "PESEL 44051401358"),
    ("PL_PESEL", "ref 44051401359"),
    ("SE_PERSONNUMMER", "personnummer 880320-0018"),  # Luhn
    ("SE_PERSONNUMMER", "personnummer 881320-0016"),  # month 13
    ("CA_SIN", "SIN 473 264 159"),
    ("CA_SIN", "call 473 264 158"),  # valid Luhn, no context
    ("CA_SIN", "SIN 046 454 286"),  # first digit 0 is never issued
    ("AU_TFN", "TFN 123 456 789"),
    ("AU_TFN", "lot 123 456 782"),
    ("AU_MEDICARE", "Medicare card 2123 45671 1"),  # check digit
    ("AU_MEDICARE", "Medicare card 7123 45670 1"),  # first digit 2-6
    ("IN_AADHAAR", "Aadhaar 2341 2341 2347"),  # Verhoeff
    ("IN_AADHAAR", "Aadhaar 1341 2341 2346"),  # never starts with 0 or 1
    ("IN_AADHAAR", "serial 2341 2341 2346"),  # valid, no context
    ("IN_PAN", "PAN ACUXA7085R"),  # fourth letter is the holder type
    ("EU_VAT", "VAT DE136695977"),
    ("EU_VAT", "US123456789 is not European"),
    ("VIN", "VIN 1M8GDM9AXKP042789"),  # check digit
    ("VIN", "VIN 11111111111111111"),  # placeholder
    ("VIN", "build 3f2a9c1e4b7d8a0c5"),  # a hash
    ("GEOLOCATION", "version 48.85, 2.29"),  # two decimals, no coordinate wording
    ("GEOLOCATION", "ratio 95.123, 200.456"),  # out of range
    ("GEOLOCATION", "released 1.2.3, 4.5.6"),
    ("GENETIC_DATA", "BRCA1 is a gene on chromosome 17"),  # a fact about a gene, no result
    ("BIOMETRIC_DATA", "we use fingerprint templates to unlock phones"),  # no data
]


def _found(found_by: Detector, text: str, entity: str) -> list[str]:
    return [text[f.start : f.end] for f in found_by.detect([Message(0, "user", text)]) if f.entity_type == entity]


@pytest.mark.parametrize(("entity", "text", "value"), VALID)
def test_valid_identifier_is_found(detector: Detector, entity: str, text: str, value: str) -> None:  # noqa: F811
    assert value in _found(detector, text, entity) or any(value in f for f in _found(detector, text, entity))


@pytest.mark.parametrize(("entity", "text"), NOT_FOUND)
def test_bad_check_digit_or_look_alike_is_not_found(detector: Detector, entity: str, text: str) -> None:  # noqa: F811
    assert _found(detector, text, entity) == []


@pytest.mark.parametrize(
    ("value", "valid"),
    [("2123456701", True), ("21234567011", True), ("2123456711", False), ("1123456701", False), ("212345670", False)],
)
def test_medicare_check_digit(value: str, valid: bool) -> None:
    assert medicare_valid(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("1M8GDM9AXKP042788", True),
        ("1HGCM82633A004352", True),
        ("1M8GDM9AXKP042789", False),
        ("1M8GDM9AXKP04278", False),  # 16 characters
        ("1M8GDM9AXKP04278I", False),  # I is never used
        ("11111111111111111", False),
    ],
)
def test_vin_check_digit(value: str, valid: bool) -> None:
    assert vin_valid(value) is valid


@pytest.mark.parametrize("policy", ["healthcare", "finance", "manufacturing", "general"])
@pytest.mark.parametrize("entity", INTERNATIONAL)
def test_every_bundled_policy_keeps_them_local(policy: str, entity: str) -> None:
    decision = decide(load_policies(BUNDLED_POLICY_DIR)[policy], [Finding(entity, 0, 0, 5, 0.9, "test")])
    assert decision.action is Action.ROUTE_LOCAL


def test_every_identifier_has_a_valid_case_and_a_negative_case() -> None:
    assert {entity for entity, _, _ in VALID} == set(INTERNATIONAL)
    assert {entity for entity, _ in NOT_FOUND} == set(INTERNATIONAL)
