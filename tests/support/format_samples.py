"""Sample messages of the structured formats, their expected findings marked ``⟦ENTITY:value⟧``.

Written for these tests (not copied from any standard's examples); shared by
tests/test_recognizers_formats.py and bench/formats.py.
"""

from __future__ import annotations

import re

_MARK = re.compile(r"⟦([A-Z_]+):(.*?)⟧", re.DOTALL)


def unmark(marked: str) -> tuple[str, list[tuple[str, int, int]]]:
    """The text without markers, and the marked spans as (entity, start, end) in that text."""
    text, spans, position = [], [], 0
    last = 0
    for match in _MARK.finditer(marked):
        text.append(marked[last : match.start()])
        position += match.start() - last
        spans.append((match.group(1), position, position + len(match.group(2))))
        text.append(match.group(2))
        position += len(match.group(2))
        last = match.end()
    text.append(marked[last:])
    return "".join(text), spans


def nacha_record(*fields: tuple[int, str]) -> str:
    """A 94-character record with each value placed at its 1-based NACHA position."""
    line = [" "] * 94
    for position, value in fields:
        line[position - 1 : position - 1 + len(value)] = value
    return "".join(line)


HL7_ADT = (
    "MSH|^~\\&|EPIC|GENHOSP|LAB|GENHOSP|20240101120000||ADT^A01|MSG00001|P|2.5\r"
    "EVN|A01|20240101120000\r"
    "PID|1||⟦MEDICAL_RECORD_NUMBER:48213377⟧^^^GENHOSP^MR~⟦US_SSN:219099999⟧^^^SSA^SS||⟦PERSON:OKAFOR^CHIDI^N⟧||"
    "⟦DATE_OF_BIRTH:19620314⟧|M|||⟦STREET_ADDRESS:12 ELM ST^^SPRINGFIELD^IL^62701⟧||⟦PHONE_NUMBER:(217)555-0142⟧|||||"
    "⟦MEDICAL_RECORD_NUMBER:ACC7781⟧|⟦US_SSN:219-09-9999⟧\r"
    "NK1|1|⟦PERSON:OKAFOR^ADA⟧|SPO|⟦STREET_ADDRESS:12 ELM ST^^SPRINGFIELD^IL^62701⟧|"
    "^PRN^PH^^1^⟦PHONE_NUMBER:217^5550143⟧\r"
    "PV1|1|I|W4^401^A||||1234567893^⟦PERSON:SMITH^JOHN⟧^^^DR\r"
)
FHIR_PATIENT = """Summarise this record: {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
  "resourceType": "Patient", "id": "p1",
  "identifier": [
    {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
     "system": "urn:oid:1.2.36.146.595.217.0.1", "value": "⟦MEDICAL_RECORD_NUMBER:12345⟧"},
    {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "⟦US_SSN:219-09-9999⟧"},
    {"system": "http://hl7.org/fhir/sid/us-mbi", "value": "⟦US_MBI:1EG4-TE5-MK73⟧"}],
  "name": [{"use": "official", "family": "⟦PERSON:Chalmers⟧", "given": ["⟦PERSON:Peter⟧", "⟦PERSON:James⟧"]}],
  "telecom": [{"system": "phone", "value": "⟦PHONE_NUMBER:(03) 5555 6473⟧"},
              {"system": "email", "value": "⟦EMAIL_ADDRESS:p.chalmers@example.org⟧"}, {"system": "url", "value": "x"}],
  "birthDate": "⟦DATE_OF_BIRTH:1974-12-25⟧",
  "address": [{"use": "home", "line": ["⟦STREET_ADDRESS:534 Erewhon St⟧"], "city": "⟦STREET_ADDRESS:PleasantVille⟧",
               "postalCode": "⟦STREET_ADDRESS:3999⟧", "country": "AU"}],
  "contact": [{"name": {"family": "⟦PERSON:du Marché⟧", "given": ["⟦PERSON:Bénédicte⟧"]},
               "telecom": [{"system": "phone", "value": "⟦PHONE_NUMBER:+33 (237) 998327⟧"}]}],
  "managingOrganization": {"reference": "Organization/1", "display": "Gastroenterology Clinic"}}},
 {"resource": {"resourceType": "Organization", "name": "Acme Health",
               "telecom": [{"system": "phone", "value": "555-123-4567"}], "address": [{"line": ["1 Main St"]}]}},
 {"resource": {"resourceType": "Observation", "status": "final",
               "subject": {"reference": "Patient/p1", "display": "⟦PERSON:Peter Chalmers⟧"}}}]}"""
X12_837 = (
    "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*P*:~\n"
    "GS*HC*SUB*REC*20240101*1200*1*X*005010X222A1~\nST*837*0001*005010X222A1~\n"
    "NM1*41*2*ACME BILLING*****46*12345~\nPER*IC*⟦PERSON:JANE DOE⟧*TE*⟦PHONE_NUMBER:5555551234⟧"
    "*EM*⟦EMAIL_ADDRESS:jane@acme.example⟧~\n"
    "NM1*85*2*ACME CLINIC*****XX*⟦US_NPI:1234567893⟧~\nN3*1 MAIN ST~\nN4*SPRINGFIELD*IL*62701~\n"
    "NM1*IL*1*⟦PERSON:DOE*JOHN*Q⟧***MI*⟦HEALTH_PLAN_ID:XYZ123456789⟧~\n"
    "N3*⟦STREET_ADDRESS:12 ELM ST⟧*⟦STREET_ADDRESS:APT 4⟧~\n"
    "N4*⟦STREET_ADDRESS:SPRINGFIELD*IL*62704⟧~\nDMG*D8*⟦DATE_OF_BIRTH:19800228⟧*M~\nREF*SY*⟦US_SSN:219099999⟧~\n"
    "REF*1L*GROUP778~\nCLM*⟦MEDICAL_RECORD_NUMBER:PATACCT7788⟧*150***11:B:1*Y*A*Y*Y~\nSE*20*0001~"
)
PAIN_001 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn>
<GrpHdr><MsgId>MSG-2024-01</MsgId><InitgPty><Nm>Fenwick Plastics Ltd</Nm></InitgPty></GrpHdr>
<PmtInf><Dbtr><Nm>⟦PERSON:Eleanor Rossi⟧</Nm><PstlAdr><StrtNm>⟦STREET_ADDRESS:Via Roma⟧</StrtNm>\
<BldgNb>⟦STREET_ADDRESS:12⟧</BldgNb><PstCd>⟦STREET_ADDRESS:00184⟧</PstCd><TwnNm>⟦STREET_ADDRESS:Roma⟧</TwnNm></PstlAdr>
<Id><PrvtId><DtAndPlcOfBirth><BirthDt>⟦DATE_OF_BIRTH:1981-04-02⟧</BirthDt><CityOfBirth>Roma</CityOfBirth>\
<CtryOfBirth>IT</CtryOfBirth></DtAndPlcOfBirth><Othr><Id>⟦US_PASSPORT:YA1234567⟧</Id><SchmeNm><Cd>CCPT</Cd></SchmeNm>\
</Othr></PrvtId></Id><CtctDtls><EmailAdr>⟦EMAIL_ADDRESS:e.rossi@example.it⟧</EmailAdr></CtctDtls></Dbtr>
<DbtrAcct><Id><IBAN>⟦IBAN_CODE:DE89370400440532013000⟧</IBAN></Id></DbtrAcct>
<DbtrAgt><FinInstnId><BICFI>⟦SWIFT_BIC:COBADEFFXXX⟧</BICFI><Nm>Commerzbank AG</Nm></FinInstnId></DbtrAgt>
<CdtTrfTxInf><Cdtr><Nm>Acme Supplies GmbH</Nm><PstlAdr><StrtNm>Hauptstrasse</StrtNm></PstlAdr></Cdtr>
<CdtrAcct><Id><Othr><Id>⟦US_BANK_ACCOUNT:12345678⟧</Id></Othr></Id></CdtrAcct></CdtTrfTxInf>
</PmtInf></CstmrCdtTrfInitn></Document>"""
MT103 = """{1:F01DEUTDEFFAXXX0000000000}{2:I103COBADEFFXXXXN}{4:
:20:REF123456
:23B:CRED
:32A:240101EUR1000,00
:50K:/⟦IBAN_CODE:DE89370400440532013000⟧
⟦PERSON:JOHN SMITH⟧
⟦STREET_ADDRESS:1 HIGH STREET⟧
⟦STREET_ADDRESS:LONDON GB⟧
:52A:⟦SWIFT_BIC:DEUTDEFF⟧
:59:/⟦US_BANK_ACCOUNT:12345678⟧
⟦PERSON:MARIA GARCIA⟧
⟦STREET_ADDRESS:CALLE MAYOR 5⟧
⟦STREET_ADDRESS:MADRID ES⟧
:70:INVOICE 4471
:71A:SHA
-}"""
BATCH_PPD = nacha_record((1, "5"), (2, "220"), (5, "ACME CORP"), (41, "1234567890"), (51, "PPD"), (54, "PAYROLL"))
BATCH_CCD = BATCH_PPD[:50] + "CCD" + BATCH_PPD[53:]
ENTRY = nacha_record(
    (1, "6"), (2, "22"), (4, "091000019"), (13, "12345678901234567"), (30, "0000150000"), (40, "219099999"),
    (55, "DOE JOHN"), (79, "0"), (80, "091000010000001"),
)  # fmt: skip
COMPANY_ENTRY = nacha_record(
    (1, "6"), (2, "22"), (4, "091000019"), (13, "55501234"), (30, "0000150000"), (40, "INV-88"),
    (55, "GLOBEX SUPPLY LLC"), (79, "0"), (80, "091000010000002"),
)  # fmt: skip
NACHA_PPD = f"{BATCH_PPD}\n{ENTRY}\n"
_ENTRY_FIELDS = (
    ("ABA_ROUTING", "091000019"), ("US_BANK_ACCOUNT", "12345678901234567"), ("US_SSN", "219099999"),
    ("PERSON", "DOE JOHN"),
)  # fmt: skip
NACHA_PPD_MARKED = NACHA_PPD
for _entity, _value in _ENTRY_FIELDS:
    NACHA_PPD_MARKED = NACHA_PPD_MARKED.replace(_value, f"⟦{_entity}:{_value}⟧", 1)
SAMPLES = {
    "HL7 v2": HL7_ADT,
    "FHIR": FHIR_PATIENT,
    "X12": X12_837,
    "ISO 20022": PAIN_001,
    "SWIFT MT": MT103,
    "NACHA": NACHA_PPD_MARKED,
}
