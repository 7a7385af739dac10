"""Cards, IBAN, ABA routing, SWIFT/BIC and labelled bank accounts."""

from __future__ import annotations

import pytest
from presidio_analyzer.predefined_recognizers import IbanRecognizer

from gateway.recognizers.checksums import aba_valid, luhn_valid, mod97_valid
from gateway.recognizers.finance import (
    AbaRoutingNumberRecognizer,
    CardNumberRecognizer,
    SwiftBicRecognizer,
    UsBankAccountRecognizer,
)
from gateway.types import Message
from tests.detect_fixtures import detector  # noqa: F401  (the session-wide real Detector)
from tests.recognizer_helpers import matched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 exp", ["4111 1111 1111 1111"]),
        ("pan 5555-5555-5555-4444", ["5555-5555-5555-4444"]),
        ("amex 378282246310005", ["378282246310005"]),
        ("mc 2223003122003222", ["2223003122003222"]),
        ("discover 6011111111111117", ["6011111111111117"]),
        ("order 4111 1111 1111 1112", []),  # fails Luhn
        ("id 1234567812345670", []),  # Luhn-valid but no card IIN
        ("ISBN 978-0-306-40615-7", []),
        ("tracking 9400111899223344556677", []),
        ("SLACK_BOT_TOKEN=xoxb-899625646253-5634012725892-1ugnfcsKGtwcVO3gWF6aNNNR", []),  # part of a token
        ("cc-4111111111111111 ok", ["4111111111111111"]),  # glued on one side only
        # A grouped card next to another group of digits: the longest run fails Luhn, the card inside it does not.
        ("charge 4111 1111 1111 1111 5 times", ["4111 1111 1111 1111"]),
        ("model o 4111 1111 1111 1111 3", ["4111 1111 1111 1111"]),
        ("model gpt- 4111 1111 1111 1111 5-codex", ["4111 1111 1111 1111"]),  # the run ends glued to a word
        ("ref 2 5555-5555-5555-4444", ["5555-5555-5555-4444"]),
        ("order 1234 5678 9012 3456 7", []),  # no card inside it either
        ("phone 020 7946 0958 ext 12 34", []),
    ],
)
def test_credit_card(text: str, expected: list[str]) -> None:
    assert matched(CardNumberRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN GB82 WEST 1234 5698 7654 32", ["GB82 WEST 1234 5698 7654 32"]),
        ("DE89370400440532013000", ["DE89370400440532013000"]),
        ("GB82 WEST 1234 5698 7654 33", []),  # bad check digits
    ],
)
def test_iban_from_presidio(text: str, expected: list[str]) -> None:
    assert matched(IbanRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("routing 021000021", ["021000021"]),
        ("routing 011000015", ["011000015"]),
        ("routing 021000022", []),  # checksum
        ("routing 4210000211", []),
    ],
)
def test_aba(text: str, expected: list[str]) -> None:
    results = AbaRoutingNumberRecognizer().analyze(text, ["ABA_ROUTING"])
    assert [text[r.start : r.end] for r in results] == expected
    assert all(r.score < 0.4 for r in results)  # the checksum alone does not confirm it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SWIFT: DEUTDEFF", ["DEUTDEFF"]),
        ("BIC CHASUS33XXX", ["CHASUS33XXX"]),
        ("BIC ABCDQQ12", []),  # QQ is no country
        ("deutdeff", []),
    ],
)
def test_swift(text: str, expected: list[str]) -> None:
    assert matched(SwiftBicRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("account number 123456789012", ["123456789012"]),
        ("Acct #: 00012345678", ["00012345678"]),
        ("checking account ending in 4567890", ["4567890"]),
        ("account 2024", []),
        ("my account was locked", []),
    ],
)
def test_bank_account(text: str, expected: list[str]) -> None:
    assert matched(UsBankAccountRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("check", "value", "valid"),
    [
        (luhn_valid, "4111111111111111", True),
        (luhn_valid, "4111111111111112", False),
        (aba_valid, "021000021", True),
        (aba_valid, "021000022", False),
        (mod97_valid, "GB82WEST12345698765432", True),
        (mod97_valid, "GB82WEST12345698765433", False),
    ],
)
def test_checksums(check, value: str, valid: bool) -> None:  # noqa: ANN001
    assert check(value) is valid


@pytest.mark.parametrize(
    ("text", "entity_found"),
    [
        ("card 213112345678904", True),  # JCB, 15 digits (2131)
        ("card 180012345678905", True),  # JCB, 15 digits (1800)
        ("card 2200 1234 5678 9019", True),  # Mir
        ("card 9792 1234 5678 9018", True),  # Troy
        ("maestro card 5018 1234 5673", True),  # 12-digit Maestro, with card wording
        ("ref 501812345673", False),  # the same 12 digits, no card wording: an order number
        ("card 3508 1234 5678 9016", False),  # Luhn-valid, but 3508 is outside JCB's 3528-3589
        ("card 213112345678905", False),  # Luhn fails
    ],
)
def test_card_networks_and_lengths(detector, text: str, entity_found: bool) -> None:  # noqa: ANN001, F811
    found = [f for f in detector.detect([Message(0, "user", text)]) if f.entity_type == "CREDIT_CARD"]
    assert bool(found) is entity_found
