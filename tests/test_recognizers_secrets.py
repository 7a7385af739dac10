"""Credentials: provider formats, PEM keys, JWTs, password and keyed assignments."""

from __future__ import annotations

import pytest

from gateway.recognizers.secrets import SecretRecognizer, shannon_entropy
from tests.recognizer_helpers import matched

_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"
_PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAx\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key AKIAIOSFODNN7EXAMPLE here", ["AKIAIOSFODNN7EXAMPLE"]),
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", ["ghp_abcdefghijklmnopqrstuvwxyz0123456789"]),
        ("xoxb-123456789012-abcdefABCDEF", ["xoxb-123456789012-abcdefABCDEF"]),
        (f"bearer {_JWT}", [_JWT]),
        (f"auth: {_JWT}", [f"auth: {_JWT}"]),
        (f"here is my key\n{_PEM}\nthanks", [_PEM]),
        ("password = Hunter2!x", ["password = Hunter2!x"]),
        ('DB_PASSWORD="s3cr3tP@ss"', ['DB_PASSWORD="s3cr3tP@ss'.rstrip('"')]),
        ("api_key: 9f8e7d6c5b4a39281726354a5b6c7d8e", ["api_key: 9f8e7d6c5b4a39281726354a5b6c7d8e"]),
        ("password: ********", []),
        ("password = os.environ['DB_PASSWORD']", []),
        ("token: aaaaaaaaaaaaaaaaaaaaaaaa", []),  # no entropy
        ("Reset your password: click the link", []),
        ("AKIA is a prefix used by AWS", []),
        ("version 1.2.3, build 20240501", []),
    ],
)
def test_secret(text: str, expected: list[str]) -> None:
    assert matched(SecretRecognizer(), text) == expected


def test_entropy() -> None:
    assert shannon_entropy("aaaa") == 0
    assert shannon_entropy("abcd") == 2
