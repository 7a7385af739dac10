"""Structured formats (HL7 v2, FHIR JSON, X12, ISO 20022, SWIFT MT, NACHA): fields by meaning, exact offsets.

Each table row is a message in which every expected finding is marked ``⟦ENTITY:value⟧``; the
markers are taken out before the recogniser runs, and the findings must be exactly the marked
spans (type and offsets into the text as given). Rows without markers are look-alikes.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.pipeline.decide import decide
from gateway.pipeline.detect import Detector
from gateway.policy import load_policies
from gateway.recognizers.finance import CardNumberRecognizer, inside_iban
from gateway.recognizers.formats import StructuredFormatRecognizer
from gateway.settings import BUNDLED_POLICY_DIR
from gateway.types import Action, Segment
from tests.detect_fixtures import detector  # noqa: F401  (the session-wide fixture)
from tests.support.format_samples import (
    BATCH_CCD,
    BATCH_PPD,
    COMPANY_ENTRY,
    ENTRY,
    FHIR_PATIENT,
    HL7_ADT,
    MT103,
    NACHA_PPD,
    PAIN_001,
    SAMPLES,
    X12_837,
    unmark,
)


def _found(text: str) -> list[tuple[str, int, int]]:
    recognizer = StructuredFormatRecognizer()
    results = recognizer.analyze(text, entities=recognizer.supported_entities)
    return sorted((r.entity_type, r.start, r.end) for r in results)


def _check(marked: str) -> None:
    text, expected = unmark(marked)
    found = _found(text)
    shown = [(entity, text[start:end]) for entity, start, end in found]
    assert found == sorted(expected), shown


HL7_CASES = [
    pytest.param(HL7_ADT, id="adt-a01"),
    pytest.param(HL7_ADT.replace("\r", "\n"), id="adt-a01-line-feeds"),
    pytest.param(
        "Can you check this segment?\n"
        "PID|1||⟦MEDICAL_RECORD_NUMBER:00482913⟧||⟦PERSON:ZHANG^WEI⟧||⟦DATE_OF_BIRTH:19800228⟧\n"
        "Thanks",
        id="pid-without-msh-in-prose",
    ),
    pytest.param(
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5\r"
        "PID|1||⟦US_DRIVER_LICENSE:D1234567⟧^^^TXDPS^DL~⟦HEALTH_PLAN_ID:1EG4TE5MK73⟧^^^CMS^MC\r"
        "GT1|1||⟦PERSON:RIVERA^LUZ⟧||⟦STREET_ADDRESS:4 OAK AVE^^AUSTIN^TX^78701⟧|⟦PHONE_NUMBER:512-555-0199⟧||"
        "⟦DATE_OF_BIRTH:19750704⟧||||⟦US_SSN:123-45-6789⟧\r"
        "IN1|1|PLAN01|INS1|ACME INSURANCE||||||||||||⟦PERSON:RIVERA^LUZ⟧|SEL|⟦DATE_OF_BIRTH:19750704⟧|"
        "⟦STREET_ADDRESS:4 OAK AVE^^AUSTIN^TX⟧|||||||||||||||||⟦HEALTH_PLAN_ID:W123456789⟧\r",
        id="identifier-type-codes-guarantor-insurance",
    ),
    pytest.param(  # other component and repetition separators, set in MSH-2
        "MSH|$*\\&|A|B\rPID|1||⟦MEDICAL_RECORD_NUMBER:7788123⟧$$$H$MR*⟦US_SSN:123-45-6789⟧$$$SSA$SS||⟦PERSON:NOVAK$JANA⟧",
        id="separators-from-msh",
    ),
    pytest.param(  # pasted from a log or a JSON string: segment breaks written out as "\\r"
        "log: MSH|^~\\&|A|B\\rPID|1||⟦MEDICAL_RECORD_NUMBER:5566778⟧||⟦PERSON:LINDQVIST^ASTRID⟧\\rPV1|1|O",
        id="escaped-segment-breaks",
    ),
    pytest.param(
        "PD1|||CLINIC|4455^⟦PERSON:OKONKWO^IFEOMA⟧^^^DR\nORC|NW|ORD1||||||||9911^⟦PERSON:LEE^SAM⟧\n"
        "OBR|1|ORD1||CBC||||||||||||7788^⟦PERSON:PATEL^RAVI⟧",
        id="providers-in-pd1-orc-obr",
    ),
    # Look-alikes: a field of the wrong shape, an empty or invalid value, pipes that are not HL7.
    pytest.param("PID|1||^^^HOSP^MR||^||notadate||||||||||||000-12-3456", id="empty-and-invalid-fields"),
    pytest.param("PID|1||||⟦PERSON:DOE^JANE⟧||20991231", id="birth-date-in-the-future"),
    pytest.param("| PID | name |\n|---|---|\n| 1 | Jane |", id="markdown-table"),
    pytest.param("ABC|1|2|3\nXYZ|4|5|6", id="pipe-separated-lines"),
]


@pytest.mark.parametrize("marked", HL7_CASES)
def test_hl7_fields_by_their_place(marked: str) -> None:
    _check(marked)


FHIR_CASES = [
    pytest.param(FHIR_PATIENT, id="bundle-patient-organization-observation"),
    pytest.param(
        '{"meta": {"versionId": "1"}, "resourceType": "Practitioner", '
        '"identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "⟦US_NPI:1234567893⟧"},'
        ' {"system": "urn:local", "value": "STAFF-77"}], "name": [{"text": "⟦PERSON:Dr Adam Careful⟧"}]}',
        id="practitioner-resource-type-after-another-object",
    ),
    pytest.param(
        '{"resourceType": "Coverage", "subscriberId": "⟦HEALTH_PLAN_ID:AB9876543⟧", '
        '"identifier": [{"value": "⟦HEALTH_PLAN_ID:MBR-0042-77⟧"}], "payor": [{"reference": "Organization/2"}]}',
        id="coverage",
    ),
    # Look-alikes: a resource without people, an invalid SSN, a birth date of the wrong shape, broken JSON.
    pytest.param(
        '{"resourceType": "Organization", "name": "Acme", "identifier": [{"value": "12345"}], '
        '"telecom": [{"system": "phone", "value": "555-123-4567"}]}',
        id="organization",
    ),
    pytest.param(
        '{"resourceType": "Patient", "identifier": [{"system": "http://hl7.org/fhir/sid/us-ssn", '
        '"value": "000-12-3456"}],'
        ' "birthDate": "1974", "name": [{"use": "official"}]}',
        id="invalid-values",
    ),
    pytest.param('{"resourceType": "Patient", "name": [{"family": "Chalmers"', id="truncated-json"),
    pytest.param('{"name": {"family": "Chalmers"}}', id="no-resource-type"),
]


@pytest.mark.parametrize("marked", FHIR_CASES)
def test_fhir_elements_by_their_meaning(marked: str) -> None:
    _check(marked)


X12_CASES = [
    pytest.param(X12_837, id="837-with-envelope"),
    pytest.param(  # other delimiters, read from the envelope
        "ISA|00|          |00|          |ZZ|SUBMITTER      |ZZ|RECEIVER       |240101|1200|^|00501|000000002|0|P|>\n"
        "NM1|IL|1|⟦PERSON:NGUYEN|AN⟧||||MI|⟦HEALTH_PLAN_ID:W998877665⟧\nDMG|D8|⟦DATE_OF_BIRTH:19911105⟧|F\n",
        id="270-pipe-delimiters",
    ),
    pytest.param(
        "The 835 has: CLP*⟦MEDICAL_RECORD_NUMBER:PCN55512⟧*1*500*400**MC*CLAIM99~"
        "NM1*QC*1*⟦PERSON:GARCIA*MARIA⟧****HN*⟦HEALTH_PLAN_ID:1EG4TE5MK73⟧~",
        id="835-segments-without-envelope",
    ),
    pytest.param(
        "INS*Y*18*030*XN*A***FT~\nREF*0F*⟦HEALTH_PLAN_ID:SUB445566⟧~\nNM1*IL*1*⟦PERSON:KOWALSKI*PIOTR⟧****34*⟦US_SSN:123456789⟧~\n"
        "PER*IP**HP*⟦PHONE_NUMBER:3125550100⟧~\nDMG*D8*⟦DATE_OF_BIRTH:19700101⟧~",
        id="834-member",
    ),
    pytest.param(
        'payload="NM1*IL*1*⟦PERSON:BAKER*TOM⟧****MI*⟦HEALTH_PLAN_ID:ZZ44556677⟧~\\nDMG*D8*⟦DATE_OF_BIRTH:19660606⟧~"',
        id="escaped-line-breaks",
    ),
    # Look-alikes: organisations, an invalid NPI, asterisks in prose or markdown.
    pytest.param("NM1*PR*2*BLUE CROSS*****PI*87726~\nN3*PO BOX 1~\nNM1*85*2*CLINIC*****XX*1234567890~", id="payer"),
    pytest.param("Use *bold* and **strong** text; ISA certified, NM1 pending.", id="asterisks-in-prose"),
    pytest.param("DMG*D8*20991231~", id="birth-date-in-the-future"),
]


@pytest.mark.parametrize("marked", X12_CASES)
def test_x12_elements_by_segment_and_qualifier(marked: str) -> None:
    _check(marked)


ISO_CASES = [
    pytest.param(PAIN_001, id="pain.001"),
    pytest.param(
        "Why was this rejected?\n"
        '<p:Document xmlns:p="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><p:FIToFICstmrCdtTrf>'
        "<p:CdtTrfTxInf><p:Cdtr><p:Nm>⟦PERSON:Kwame Boateng⟧</p:Nm></p:Cdtr><p:CdtrAcct><p:Id>"
        "<p:IBAN>⟦IBAN_CODE:GB82WEST12345698765432⟧</p:IBAN></p:Id></p:CdtrAcct>"
        "<p:CdtrAgt><p:FinInstnId><p:BICFI>⟦SWIFT_BIC:NWBKGB2L⟧</p:BICFI></p:FinInstnId></p:CdtrAgt>"
        "</p:CdtTrfTxInf></p:FIToFICstmrCdtTrf></p:Document>",
        id="pacs.008-prefixed-in-prose",
    ),
    pytest.param(
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Acct><Id>'
        "<IBAN>⟦IBAN_CODE:FR1420041010050500013M02606⟧</IBAN></Id><Ownr><Nm>⟦PERSON:Camille Laurent⟧</Nm></Ownr></Acct>"
        "</Stmt></BkToCstmrStmt></Document>",
        id="camt.053",
    ),
    pytest.param(  # a document cut off: its whole fragments are still read
        "<Document><CstmrCdtTrfInitn><PmtInf><Dbtr><Nm>⟦PERSON:Sven Olsen⟧</Nm></Dbtr>"
        "<DbtrAcct><Id><IBAN>⟦IBAN_CODE:NO9386011117947⟧</IBAN></Id></DbtrAcct><CdtTrfTxInf><Amt>",
        id="cut-off-document",
    ),
    pytest.param(
        "Is this creditor block right?\n<Cdtr><Nm>⟦PERSON:Aiko Tanaka⟧</Nm>"
        "<PstlAdr><AdrLine>⟦STREET_ADDRESS:1-2-3 Ginza⟧</AdrLine></PstlAdr></Cdtr>",
        id="fragment-on-its-own",
    ),
    # Look-alikes: an invalid IBAN, a DTD (refused by defusedxml), XML that is no ISO 20022 document.
    pytest.param(
        "<Document><Dbtr><Nm>Acme Ltd</Nm></Dbtr><IBAN>DE00370400440532013000</IBAN></Document>", id="invalid"
    ),
    pytest.param(
        '<!DOCTYPE Document [<!ENTITY n "Eleanor Rossi">]><Document><Dbtr><Nm>&n;</Nm></Dbtr></Document>', id="dtd"
    ),
    pytest.param("<html><body><Nm>Eleanor Rossi</Nm></body></html>", id="other-xml"),
]


@pytest.mark.parametrize("marked", ISO_CASES)
def test_iso20022_elements_by_their_meaning(marked: str) -> None:
    _check(marked)


MT_CASES = [
    pytest.param(MT103, id="mt103"),
    pytest.param(
        ":20:PAY77\n:32A:240101USD5,00\n:50F:/⟦US_BANK_ACCOUNT:987654321⟧\n1/⟦PERSON:ANA RUIZ⟧\n"
        "2/⟦STREET_ADDRESS:4 CALLE SOL⟧\n3/⟦STREET_ADDRESS:ES/SEVILLA⟧\n4/⟦DATE_OF_BIRTH:19850612⟧\n"
        ":59A:/⟦IBAN_CODE:GB82WEST12345698765432⟧\n⟦SWIFT_BIC:NWBKGB2L⟧\n",
        id="mt103-option-f",
    ),
    pytest.param(
        ":20:STMT1\n:25:⟦SWIFT_BIC:COBADEFF⟧/⟦US_BANK_ACCOUNT:0532013000⟧\n:28C:1/1\n:60F:C240101EUR100,00\n",
        id="mt940",
    ),
    pytest.param(":20:STMT2\n:25:⟦IBAN_CODE:DE89370400440532013000⟧\n:28C:1/1\n", id="mt940-iban"),
    pytest.param(
        ":20:MT101REF\n:28D:1/1\n:50H:/⟦US_BANK_ACCOUNT:00123456789⟧\n"
        "⟦PERSON:HELGA NIELSEN⟧\n⟦STREET_ADDRESS:VESTERGADE 3⟧\n",
        id="mt101-option-h",
    ),
    # Look-alikes: a company as beneficiary, times in prose.
    pytest.param(":20:P1\n:59:/ACME\nACME TRADING LTD\n1 DOCK ROAD\n", id="company-beneficiary"),
    pytest.param("Meeting at 10:30:00 and :20: minutes\n:50K: later", id="colons-in-prose"),
]


@pytest.mark.parametrize("marked", MT_CASES)
def test_swift_mt_fields_by_their_tag(marked: str) -> None:
    _check(marked)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            NACHA_PPD,
            [
                ("ABA_ROUTING", 4, "091000019"),
                ("US_BANK_ACCOUNT", 13, "12345678901234567"),
                ("US_SSN", 40, "219099999"),
                ("PERSON", 55, "DOE JOHN"),
            ],
            id="ppd-entry",
        ),  # fmt: skip
        pytest.param(
            f"{BATCH_CCD}\r\n{COMPANY_ENTRY}\r\n",
            [("ABA_ROUTING", 4, "091000019"), ("US_BANK_ACCOUNT", 13, "55501234")],  # a company is no person
            id="ccd-company-entry",
        ),
        pytest.param(f"{BATCH_PPD}\n{ENTRY[:93]}\n", [], id="record-of-93-characters"),
        pytest.param(  # the routing number fails its checksum; the account and the name are still read
            f"{BATCH_PPD}\n{ENTRY.replace('091000019', '091000018')}\n",
            [("US_BANK_ACCOUNT", 13, "12345678901234567"), ("US_SSN", 40, "219099999"), ("PERSON", 55, "DOE JOHN")],
            id="bad-routing",
        ),
    ],
)
def test_nacha_entry_detail_by_its_layout(text: str, expected: list[tuple[str, int, str]]) -> None:
    """Expected fields as (entity, 1-based position in the entry record, value)."""
    entry = text.index("\n6") + 1
    assert len(ENTRY) == len(BATCH_PPD) == len(COMPANY_ENTRY) == 94
    spans = [(entity, entry + position - 1, entry + position - 1 + len(value)) for entity, position, value in expected]
    assert _found(text) == sorted(spans)


# A valid IBAN whose account digits hold a Luhn-valid, Visa-shaped run.
IBAN_WITH_CARD_DIGITS = "DE95 4111 1111 1111 1111 00"


@pytest.mark.parametrize(
    ("text", "cards"),
    [
        (f"IBAN {IBAN_WITH_CARD_DIGITS} please", []),
        ("IBAN DE95411111111111111100", []),
        ("IBAN DE95-4111-1111-1111-1111-00", []),
        (f"IBAN {IBAN_WITH_CARD_DIGITS}, card 4111 1111 1111 1111", ["4111 1111 1111 1111"]),
        ("IBAN DE96 4111 1111 1111 1111 00 please", ["4111 1111 1111 1111"]),  # check digits fail: no IBAN
        ("card 4111 1111 1111 1111", ["4111 1111 1111 1111"]),
    ],
)
def test_digits_inside_a_valid_iban_are_no_card(text: str, cards: list[str]) -> None:
    recognizer = CardNumberRecognizer()
    results = recognizer.analyze(text, entities=["CREDIT_CARD"], nlp_artifacts=None)
    assert [text[r.start : r.end] for r in results] == cards


def test_inside_iban_needs_the_whole_iban() -> None:
    text = f"x {IBAN_WITH_CARD_DIGITS} y"
    start = text.index("4111")
    assert inside_iban(text, start, start + 19)
    assert not inside_iban(text, 0, 3)
    assert not inside_iban("DE95 4111 1111 1111 1111", 5, 24)  # the IBAN is cut short


# ---- the real detector and the bundled policies ----

POLICIES = load_policies(BUNDLED_POLICY_DIR)


def _decision(detector: Detector, text: str, policy: str) -> tuple[Action, set[str]]:  # noqa: F811
    findings = detector.detect([Segment(0, "user", text)])
    return decide(POLICIES[policy], findings).action, {f.entity_type for f in findings}


@pytest.mark.parametrize(
    ("marked", "policy", "action", "must_find"),
    [
        (HL7_ADT, "healthcare", Action.ROUTE_LOCAL, {"PERSON", "MEDICAL_RECORD_NUMBER", "DATE_OF_BIRTH", "US_SSN"}),
        (X12_837, "healthcare", Action.ROUTE_LOCAL, {"PERSON", "HEALTH_PLAN_ID", "DATE_OF_BIRTH", "US_NPI"}),
        (FHIR_PATIENT, "healthcare", Action.ROUTE_LOCAL, {"PERSON", "MEDICAL_RECORD_NUMBER", "DATE_OF_BIRTH"}),
        (PAIN_001, "finance", Action.ROUTE_LOCAL, {"PERSON", "IBAN_CODE", "US_BANK_ACCOUNT", "DATE_OF_BIRTH"}),
        (MT103, "finance", Action.ROUTE_LOCAL, {"PERSON", "IBAN_CODE", "US_BANK_ACCOUNT"}),
        (NACHA_PPD, "finance", Action.ROUTE_LOCAL, {"ABA_ROUTING", "US_BANK_ACCOUNT", "PERSON"}),
        (f"Wire to {IBAN_WITH_CARD_DIGITS} today", "finance", Action.ROUTE_LOCAL, {"IBAN_CODE"}),
        ("Please pay DE89 3704 0044 0532 0130 00 today", "finance", Action.ROUTE_LOCAL, {"IBAN_CODE"}),
    ],
    ids=[
        "hl7-adt",
        "x12-837",
        "fhir-bundle",
        "iso20022-pain.001",
        "swift-mt103",
        "nacha-ppd",
        "iban-card-digits",
        "iban-grouped",
    ],  # fmt: skip
)
def test_decisions_through_the_real_detector(
    detector: Detector,  # noqa: F811
    marked: str,
    policy: str,
    action: Action,
    must_find: set[str],
) -> None:
    text, spans = unmark(marked)
    decided, entities = _decision(detector, text, policy)
    assert decided is action
    assert must_find <= entities
    assert "CREDIT_CARD" not in entities


def test_detector_reports_format_fields_at_their_offsets(detector: Detector) -> None:  # noqa: F811
    """Every marked field of the HL7 message is covered by a finding of its type, in the text as sent."""
    text, spans = unmark(HL7_ADT)
    findings = detector.detect([Segment(0, "user", text)])
    for entity, start, end in spans:
        assert any(f.entity_type == entity and f.start <= start and end <= f.end for f in findings), (
            entity,
            text[start:end],
        )


@pytest.mark.parametrize(
    "text",
    [
        f"Wire to {IBAN_WITH_CARD_DIGITS} today",
        "Please pay DE89 3704 0044 0532 0130 00 today",
        "IBAN GB33 BUKB 2020 1555 5555 55",  # letters in the account part
        "IBAN NL91 ABNA 0417 1643 00",
    ],
)
def test_numbers_inside_an_iban_are_part_of_it(detector: Detector, text: str) -> None:  # noqa: F811
    """No card and no phone number inside an IBAN ("0044 0532 0130 00" reads like a phone number)."""
    assert {f.entity_type for f in detector.detect([Segment(0, "user", text)])} == {"IBAN_CODE"}


def test_a_resource_inside_a_json_string_is_read_through_the_unescaped_view(detector: Detector) -> None:  # noqa: F811
    """A FHIR resource in a tool call's ``arguments`` (JSON inside a JSON string): found where it was written."""
    resource = '{"resourceType": "Patient", "identifier": [{"value": "PX-448812"}], "name": [{"family": "Nakamura"}]}'
    text = json.dumps({"name": "save_record", "arguments": resource})
    findings = detector.detect([Segment(0, "tool", text)])
    found = {(f.entity_type, text[f.start : f.end]) for f in findings}
    assert {("MEDICAL_RECORD_NUMBER", "PX-448812"), ("PERSON", "Nakamura")} <= found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sample=st.sampled_from(sorted(SAMPLES)),
    cuts=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 40), st.text('|^~\\&*:<>/{}[]",\r\n 0123456789AZ', max_size=4))
    ),
)
def test_damaged_messages_never_break_the_parsers(sample: str, cuts: list[tuple[float, int, str]]) -> None:
    """Cut, spliced and truncated messages: no exception, and every finding lies inside the text."""
    text = unmark(SAMPLES[sample])[0]
    for where, length, insert in cuts:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + length :]
    recognizer = StructuredFormatRecognizer()
    for result in recognizer.analyze(text, entities=recognizer.supported_entities):
        assert 0 <= result.start < result.end <= len(text)
        assert result.entity_type in recognizer.supported_entities


@pytest.mark.parametrize(
    ("text", "ips"),
    [
        ('{"system": "urn:oid:1.2.36.146.595.217.0.1", "value": "x"}', []),  # an OID in a FHIR identifier system
        ("snmp 1.3.6.1.4.1.2021", []),
        ("host 10.0.0.1 is down", ["10.0.0.1"]),
        ("from 192.168.1.20.", ["192.168.1.20"]),  # a full stop after it
    ],
)
def test_an_oid_is_no_ip_address(detector: Detector, text: str, ips: list[str]) -> None:  # noqa: F811
    found = detector.detect([Segment(0, "user", text)])
    assert [text[f.start : f.end] for f in found if f.entity_type == "IP_ADDRESS"] == ips
