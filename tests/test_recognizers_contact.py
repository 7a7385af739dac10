"""E-mail, phone, IP and street addresses."""

from __future__ import annotations

import pytest

from gateway.recognizers.contact import (
    CuedStreetAddressRecognizer,
    EmailAddressRecognizer,
    InternationalStreetAddressRecognizer,
    IpAddressRecognizer,
    PhoneNumberRecognizer,
    StreetAddressRecognizer,
)
from tests.recognizer_helpers import matched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail john.smith@example.com now", ["john.smith@example.com"]),
        ("a@b.co.uk", ["a@b.co.uk"]),
        ("user@host.notarealtld", []),
        ("git remote add origin https://ghp_abc123token@github.com/acme/x.git", []),  # URL user-info
        ("https://user:pw@example.com/x", []),
        ("GET /unsubscribe?email=jo.lee@gmail.com&src=news", ["jo.lee@gmail.com"]),  # query string
    ],
)
def test_email(text: str, expected: list[str]) -> None:
    assert matched(EmailAddressRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 217-555-0143", ["217-555-0143"]),
        ("call (217) 555-0143", ["(217) 555-0143"]),
        ("call (312)-847-2291 or (312).847.2292", ["(312)-847-2291", "(312).847.2292"]),  # any separator after ")"
        ("call +44 20 7946 0958", ["+44 20 7946 0958"]),
        ("SSN 219-09-9999", []),
        ("on 2024-05-01 at 12:30:45", []),
        ("take 500 mg twice", []),
        ("Catalogue item 555-234-1260-BLK is listed twice", []),  # a code with a suffix
        ("Serial number format is SN 555.234.1265", []),
        ("Lot 555 234 1263 of the reagent expired", []),
        ("order #: 555-234-1260", []),
        ("call me on 555-234-1260 about lot 12", ["555-234-1260"]),
    ],
)
def test_phone(text: str, expected: list[str]) -> None:
    assert matched(PhoneNumberRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("server 10.20.30.40 is down", ["10.20.30.40"]),
        ("host 2001:db8::1", ["2001:db8::1"]),
        ("upgrade to version 1.2.3.4", []),
        ("v10.4.1.2 released", []),
    ],
)
def test_ip(text: str, expected: list[str]) -> None:
    assert matched(IpAddressRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lives at 123 Main Street, Springfield, IL 62704.", ["123 Main Street, Springfield, IL 62704"]),
        ("ship to 4500 N Oak Ave Apt 3B", ["4500 N Oak Ave Apt 3B"]),
        ("PO Box 1234", ["PO Box 1234"]),
        ("we sold 300 units last week", []),
    ],
)
def test_street_address(text: str, expected: list[str]) -> None:
    assert matched(StreetAddressRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phone: 84 23 30", ["84 23 30"]),  # a national layout, with phone wording
        ("call me at 07700 900123", ["07700 900123"]),
        ("+41 (0)76 123 45 67 mobile", ["+41 (0)76 123 45 67"]),
        ("001-415-555-0134", ["001-415-555-0134"]),
        ("415-555-0134x123", ["415-555-0134x123"]),  # an extension
        ("fax\\n+46 8 123 45 17", ["+46 8 123 45 17"]),  # after an escaped line break
        ("ref 84 23 30", []),  # no phone wording: a code
        ("acct # 0035521522", []),  # an identifier label, and 00 with no separator
        ("SSN 219-09-9999", []),
    ],
)
def test_phone_international_and_national_layouts(text: str, expected: list[str]) -> None:
    assert matched(PhoneNumberRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "send to 12 Avenida Noruega 42\n Suite 27\n Wrocław\n Poland 50-001",
            ["12 Avenida Noruega 42\n Suite 27\n Wrocław\n Poland 50-001"],
        ),
        ("lives at Bayerhamerstrasse 79, Hutthurm, Germany?", ["Bayerhamerstrasse 79, Hutthurm, Germany"]),
        ("ul. Cicha 5\\n Apt. 12\\n Wrocław", ["ul. Cicha 5\\n Apt. 12\\n Wrocław"]),
        ("PSC 1234, Box 5678\nAPO AP 96278", ["PSC 1234, Box 5678\nAPO AP 96278"]),
        ("on 3 March 2024 we met", []),
        ("BP 120/80, HR 72, RR 16, SpO2 98%", []),
        ("I bought 12 Apples 40 times", []),
        (  # a blank line before the country and postcode line; the block ends before the next paragraph
            "2314 Apáczai Csere János u. 55.\n Apt. 477\n Buják\n\n Hungary 12367\n\nThanks for the help",
            ["2314 Apáczai Csere János u. 55.\n Apt. 477\n Buják\n\n Hungary 12367"],
        ),
        (  # lines opened by bullets or quote marks
            "}}1234 Water Street\n}}Suite 53\n}}Danville\n}}United States 12354",
            ["1234 Water Street\n}}Suite 53\n}}Danville\n}}United States 12354"],
        ),
        ("19892 1234 Albert St\n Apt. 123\n Tokoza", ["19892 1234 Albert St\n Apt. 123\n Tokoza"]),
        ("a taxi to 12345 Trenerys gate 123 Apt. 104 please", ["12345 Trenerys gate 123 Apt. 104"]),
        ("Buják\n\nThanks again", []),
        ("12\nMain Street", ["12\nMain Street"]),  # a house number and its street on two lines
        # a number ending a log line and the next paragraph are no address ("committee" ends in "tee")
        ("path=/api/v2/orders status=200 duration_ms=313\n\nThe committee asked for more", []),
    ],
)
def test_street_address_outside_the_us(text: str, expected: list[str]) -> None:
    assert matched(InternationalStreetAddressRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("his address: 123 Jižní 80", ["123 Jižní 80"]),
        ("The restaurant is at 345 Grundingen 8", ["345 Grundingen 8"]),
        ("the address is pending", []),
    ],
)
def test_street_address_after_a_cue(text: str, expected: list[str]) -> None:
    assert matched(CuedStreetAddressRecognizer(), text) == expected
