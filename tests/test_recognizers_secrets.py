"""Credentials: provider formats, PEM keys, JWTs, password and keyed assignments."""

from __future__ import annotations

import pytest

from gateway.recognizers.secrets import (
    AuthorizationHeaderRecognizer,
    AwsSecretAccessKeyRecognizer,
    CredentialInUrlRecognizer,
    SecretRecognizer,
    shannon_entropy,
)
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
        ("PASSWORD_RESET_TIMEOUT = 259200", []),  # a setting about passwords, not one
        ("SESSION_TOKEN_TTL: 15m", []),
        ("API_KEY_REQUIRED = true", []),
        ("AUTH_PASSWORD_MIN_LENGTH=12", []),
        ("DB_PASSWORD=839201", ["DB_PASSWORD=839201"]),  # a numeric password is still one
    ],
)
def test_secret(text: str, expected: list[str]) -> None:
    assert matched(SecretRecognizer(), text) == expected


def test_entropy() -> None:
    assert shannon_entropy("aaaa") == 0
    assert shannon_entropy("abcd") == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DATABASE_URL=postgres://app_rw:Tr0ub4dor!88x?@db.internal:5432/app", ["Tr0ub4dor!88x?"]),
        ('create_engine("mysql+pymysql://report:Xy9%40kLm!@10.0.0.5/db")', ["Xy9%40kLm!"]),
        ("mongodb+srv://etl:p@ss$w0rd@cluster0.example.net/x", ["p@ss$w0rd"]),  # '@' inside the password
        ("redis://:s3cretRedis@cache:6379/0", []),  # no user part: not this shape
        ("postgres://user:${DB_PASS}@localhost/db", []),  # a placeholder
        ("https://user:<password>@example.com", []),
        ("mailto:jane@example.com", []),
        ("https://example.com/a:b@c", []),  # not user-info
    ],
)
def test_credential_in_url(text: str, expected: list[str]) -> None:
    assert matched(CredentialInUrlRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-H 'Authorization: Bearer 8fa3kd92jdKs0Lmx7Qp2vBn4Zt6Yw1Rc9Xs'", ["8fa3kd92jdKs0Lmx7Qp2vBn4Zt6Yw1Rc9Xs"]),
        ("Authorization: Basic dXNlcjpTM2NyZXQhUGFzcw==", ["dXNlcjpTM2NyZXQhUGFzcw=="]),
        ("Authorization: token 9f8e7d6c5b4a39281726", ["9f8e7d6c5b4a39281726"]),
        ('-H "Authorization: Bearer $TOKEN"', []),  # a shell variable
        ("Authorization: Bearer <your-token-here>", []),
        ("Authorization: Bearer aaaaaaaaaaaaaaaaaaaaaaaa", []),  # no entropy
        ("the bearer of this letter is Jane", []),
    ],
)
def test_authorization_header(text: str, expected: list[str]) -> None:
    assert matched(AuthorizationHeaderRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "aws secret access key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
        ),
        (
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY is the aws_secret_access_key",
            ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
        ),
        ("commit da39a3ee5e6b4b0d3255bfef95601890afd80709 in the aws repo", []),  # a SHA-1: one case, hex
        ("checksum wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY of the tarball", []),  # no AWS wording
    ],
)
def test_aws_secret_access_key(text: str, expected: list[str]) -> None:
    assert matched(AwsSecretAccessKeyRecognizer(), text) == expected
