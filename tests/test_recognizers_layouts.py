"""Layout views (``gateway.recognizers.formats.layouts``): NACHA fields apart and addenda joined, CSV cells
after their column's header; and the detector reading values through them, with exact offsets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.pipeline.detect import Detector
from gateway.pipeline.normalise import spliced
from gateway.recognizers.formats import delimited, iso20022, nacha, swift_mt, x12
from gateway.recognizers.formats.fields import read_once, reading
from gateway.types import Segment
from tests.detect_fixtures import detector  # noqa: F401  (the session-wide fixture)
from tests.support.format_samples import BATCH_PPD, ENTRY, nacha_record

BATCH_CTX = BATCH_PPD[:50] + "CTX" + BATCH_PPD[53:]
CTX_ENTRY = nacha_record(
    (1, "6"), (2, "22"), (4, "091000019"), (13, "55501234"), (30, "0000150000"), (40, "INV-88"),
    (55, "0002"), (59, "ACME CORP INC"), (79, "1"), (80, "091000010000002"),
)  # fmt: skip


def _addenda(text: str, sequence: int) -> str:
    return nacha_record((1, "705"), (4, text), (84, f"{sequence:04d}"), (88, "0000002"))


def _view(text: str, layouts: list[list[object]]) -> list[str]:
    return [spliced(text, layout).text for layout in layouts]  # type: ignore[arg-type]


# -------------------------------------------------------------------------------------------- NACHA


def test_nacha_entry_fields_apart_and_addenda_text_joined() -> None:
    info = "REMITTANCE FOR PATIENT ACCOUNT, MEMBER ID W123456789 AND THE CARD ON FILE 4111 1"
    assert len(info) == 80  # a full addenda: the text goes straight on in the next one
    text = "\n".join([BATCH_CTX, CTX_ENTRY, _addenda(info, 1), _addenda("111 1111 1111 THANKS", 2)]) + "\n"
    (view,) = _view(text, nacha.layout(text))
    assert view == (
        f"22 091000019 55501234 0000150000 INV-88 0002 ACME CORP INC 1 091000010000002\n{info}111 1111 1111 THANKS\n"
    )


def test_a_padded_addenda_ends_a_word_and_the_last_one_a_line() -> None:
    text = "\n".join([BATCH_CTX, CTX_ENTRY, _addenda("SEE ATTACHED", 1), _addenda(" NOTE", 2), ENTRY]) + "\n"
    (view,) = _view(text, nacha.layout(text))
    assert view.splitlines()[1] == "SEE ATTACHED  NOTE"  # a leading blank of a continuation is kept
    assert view.splitlines()[2].startswith("22 091000019 12345678901234567 0000150000 219099999 DOE JOHN")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("no records here, just a line\n", id="prose"),
        pytest.param(f"{BATCH_PPD}\n{ENTRY[:93]}\n", id="record-of-93-characters"),
        pytest.param(_addenda("ADDENDA WITHOUT AN ENTRY", 1) + "\n", id="addenda-alone"),
    ],
)
def test_no_nacha_layout_without_an_entry_record(text: str) -> None:
    assert nacha.layout(text) == []


def test_ctx_receiving_company_name_is_read_at_59() -> None:
    person = CTX_ENTRY[:58] + "MARIA GARCIA".ljust(16) + CTX_ENTRY[74:]
    text = f"{BATCH_CTX}\n{person}\n"
    names = [text[f.start : f.end] for f in nacha.fields(text) if f.entity == "PERSON"]
    assert names == ["MARIA GARCIA"]
    assert [f.entity for f in nacha.fields(f"{BATCH_CTX}\n{CTX_ENTRY}\n")] == ["ABA_ROUTING", "US_BANK_ACCOUNT"]


# ---------------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "id,region,nhs_number\n1042,EMEA,943 476 5919\n",
            ["id: 1042\nregion: EMEA\nnhs_number: 943 476 5919\n"],
            id="comma",
        ),
        pytest.param(
            'name;note\n"Doe, Jane";"said ""hi"""\n',
            ['name: Doe, Jane\nnote: said ""hi""\n'],
            id="semicolon-quoted-cells",
        ),
        pytest.param("mrn\tward\n00482913\t4B\n", ["mrn: 00482913\nward: 4B\n"], id="tab"),
        pytest.param(
            "Notes from today\nid,phone\n1,617 555 0100\n\nAfter the table, a line.\n",
            ["id: 1\nphone: 617 555 0100\n"],
            id="table-inside-prose",
        ),
        pytest.param("a,b\n1,\n", ["a: 1\n"], id="empty-cell-left-out"),
    ],
)
def test_csv_cells_after_their_header(text: str, expected: list[str]) -> None:
    assert _view(text, delimited.layout(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Hi, could you check this, please?\nThanks, see you, Bob\n", id="prose-with-commas"),
        pytest.param("2024,2025\n1,2\n", id="numbers-as-header"),
        pytest.param("id,phone\n1,2,3\n", id="row-of-another-width"),
        pytest.param("id,phone", id="header-alone"),
        pytest.param("| a | b |\n| 1 | 2 |\n", id="markdown-table"),
    ],
)
def test_not_a_csv_table(text: str) -> None:
    assert delimited.layout(text) == []


# ------------------------------------------------------------------------------------------ detector


def _types_at(detector: Detector, text: str, value: str) -> set[str]:  # noqa: F811
    start = text.index(value)
    end = start + len(value)
    findings = detector.detect([Segment(0, "user", text)])
    return {f.entity_type for f in findings if f.start < end and start < f.end}


def test_a_csv_column_header_labels_its_cells(detector: Detector) -> None:  # noqa: F811
    text = "id,region,nhs_number,mrn,note\n1042,EMEA,943 476 5919,00482913,call back\n"
    assert "UK_NHS" in _types_at(detector, text, "943 476 5919")
    assert "MEDICAL_RECORD_NUMBER" in _types_at(detector, text, "00482913")
    assert _types_at(detector, text, "nhs_number") == set()  # a header is a label, not a value


def test_without_the_header_the_same_row_holds_no_nhs_number(detector: Detector) -> None:  # noqa: F811
    text = "id,region,count,total,note\n1042,EMEA,943 476 5919,00482913,call back\n"
    assert "UK_NHS" not in _types_at(detector, text, "943 476 5919")
    assert "MEDICAL_RECORD_NUMBER" not in _types_at(detector, text, "00482913")


def test_a_value_over_two_nacha_addenda_is_found_over_both(detector: Detector) -> None:  # noqa: F811
    info = "PAYMENT FOR ORDER 7731 PLEASE CHARGE THE CARD ON FILE NUMBER 4111 1111 1111 1111"
    first, rest = info[:80], info[80:]
    text = "\n".join([BATCH_CTX, CTX_ENTRY, _addenda(first, 1), _addenda(rest, 2)]) + "\n"
    findings = [f for f in detector.detect([Segment(0, "user", text)]) if f.entity_type == "CREDIT_CARD"]
    head, tail = text.index(first) + first.index("4111"), text.index(rest, text.index(first) + 80)
    assert any(f.start == head and f.end == tail + len(rest) for f in findings), findings


# ------------------------------------------------------------------ X12, ISO 20022, SWIFT MT layouts

X12_PAYLOAD = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261102*1000*^*00501*000000042*0*P*:~"
    "ST*837*0042~NM1*IL*1*DOE*JANE****MI*W123456789~REF*SY*{ssn}~PER*IC*JANE DOE*TE*{phone}~"
    "NTE*ADD*{note}~SE*6*0042~"
)


def test_x12_elements_apart_and_qualifiers_as_words() -> None:
    text = X12_PAYLOAD.format(ssn="1 2 3 4 5 6 7 8 9", phone="six one seven", note="NHS number 943 476 5919")
    (view,) = _view(text, x12.layout(text))
    assert view.splitlines()[2:6] == [
        "NM1 IL 1 DOE JANE member ID: W123456789",
        "REF SSN: 1 2 3 4 5 6 7 8 9",
        "PER IC JANE DOE phone: six one seven",
        "NTE ADD NHS number 943 476 5919",
    ]


PAIN = (
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn><PmtInf><Dbtr>'
    "<Nm>Jane Doe</Nm><Id><PrvtId><Othr><Id>{nhs}</Id><SchmeNm><Prtry>NHS number</Prtry></SchmeNm></Othr>"
    "<Othr><Id>{ssn}</Id><SchmeNm><Cd>SOSE</Cd></SchmeNm></Othr></PrvtId></Id>"
    "<CtctDtls><PhneNb>{phone}</PhneNb></CtctDtls></Dbtr>"
    "<RmtInf><Ustrd>INVOICE 4471</Ustrd></RmtInf></PmtInf></CstmrCdtTrfInitn></Document>"
)


def test_iso_20022_element_texts_after_what_they_hold() -> None:
    text = PAIN.format(nhs="943 476 5919", ssn="219-09-9999", phone="+44 20 7946 0958")
    (view,) = _view(text, iso20022.layout(text))
    assert view.splitlines() == [
        "Jane Doe",
        "NHS number: 943 476 5919",
        "SSN: 219-09-9999",
        "phone: +44 20 7946 0958",
        "INVOICE 4471",
    ]


def test_swift_mt_field_lines_without_their_tags() -> None:
    text = (
        "{1:F01BANKDEFFAXXX0000000000}{2:I103BANKUS33XXXXN}{4:\n:20:REF42\n:50K:/DE89370400440532013000\n"
        "JANE DOE\n:70:MRN 00482913\n-}"
    )
    (view,) = _view(text, swift_mt.layout(text))
    assert view.splitlines() == ["REF42", "DE89370400440532013000", "JANE DOE", "MRN 00482913"]


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        pytest.param(
            X12_PAYLOAD.format(ssn="2 1 9 0 9 9 9 9 9", phone="6175550100", note="none"),
            "2 1 9 0 9 9 9 9 9",
            "US_SSN",
            id="x12-spaced-ssn-after-REF-SY",
        ),
        pytest.param(
            X12_PAYLOAD.format(ssn="219-09-9999", phone="six one seven five five five zero one zero zero", note="x"),
            "six one seven five five five zero one zero zero",
            "PHONE_NUMBER",
            id="x12-phone-in-words-after-PER-TE",
        ),
        pytest.param(
            X12_PAYLOAD.format(ssn="219-09-9999", phone="6175550100", note="NHS number 943 476 5919"),
            "943 476 5919",
            "UK_NHS",
            id="x12-nhs-number-in-a-note",
        ),
        pytest.param(
            PAIN.format(nhs="&#57;&#52;&#51; 476 5919", ssn="219-09-9999", phone="x"),
            "&#57;&#52;&#51; 476 5919",
            "UK_NHS",
            id="iso-escaped-nhs-number-named-by-its-scheme",
        ),
        pytest.param(
            "{1:F01BANKDEFFAXXX0000000000}{2:I103BANKUS33XXXXN}{4:\n:20:REF42\n:50K:/DE89370400440532013000\n"
            "JANE DOE\n:70:MRN 0 0 4 8 2 9 1 3\n-}",
            "0 0 4 8 2 9 1 3",
            "MEDICAL_RECORD_NUMBER",
            id="swift-spaced-mrn-in-remittance-information",
        ),
    ],
)
def test_a_disguised_value_in_a_record_is_read_with_its_label(
    detector: Detector,  # noqa: F811
    text: str,
    value: str,
    entity: str,
) -> None:
    assert entity in _types_at(detector, text, value)


def test_a_qualifier_is_context_not_a_value(detector: Detector) -> None:  # noqa: F811
    text = X12_PAYLOAD.format(ssn="219-09-9999", phone="6175550100", note="none")
    start = text.index("REF*SY*") + 4
    findings = detector.detect([Segment(0, "user", text)])
    assert not any(f.start < start + 2 and start < f.end for f in findings), findings  # nothing over "SY"


def test_leetspeak_words_are_read_before_digit_groups_are_joined(detector: Detector) -> None:  # noqa: F811
    text = "note: TH1S D0CUM3NT C0NT41NS T3CHN1C4L D4T4 WH0S3 3XP0RT 1S R3STR1CT3D BY TH3 4RMS 3XP0RT C0NTR0L 4CT"
    assert "EXPORT_CONTROL" in _types_at(detector, text, "4RMS 3XP0RT C0NTR0L 4CT")


# --------------------------------------------------------------------------------- records read once


def test_records_of_the_text_being_read_are_parsed_once() -> None:
    calls: list[str] = []

    @read_once
    def words(text: str) -> Iterator[str]:
        calls.append(text)
        yield from text.split()

    with reading("REF SY 123"):
        assert words("REF SY 123") == ("REF", "SY", "123")
        assert words("REF SY 123") == ("REF", "SY", "123")
        assert words("N4 X") == ("N4", "X")  # another text is parsed, not kept
    assert words("REF SY 123") == ("REF", "SY", "123")  # nothing is kept after the block
    assert calls == ["REF SY 123", "N4 X", "REF SY 123"]


def test_the_format_recogniser_and_the_layout_view_share_one_parse(
    detector: Detector,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []
    segments = x12._segments.__wrapped__  # type: ignore[attr-defined]

    def counted(text: str) -> Iterator[tuple[str, list[tuple[int, int]], list[str], str]]:
        parsed.append(text)
        return segments(text)

    monkeypatch.setattr(x12, "_segments", read_once(counted))
    text = "NM1*IL*1*DOE*JANE****MI*XJ4471093~REF*SY*219099999~"
    found = {(f.entity_type, text[f.start : f.end]) for f in detector.detect([Segment(0, "user", text)])}
    assert ("US_SSN", "219099999") in found
    assert parsed.count(text) == 1
