"""Credentials: provider key formats, PEM private keys, JWTs, secret assignments, URLs and headers."""

from __future__ import annotations

import math
import re
from collections import Counter

from presidio_analyzer import Pattern, RecognizerResult

from gateway.recognizers.base import GatewayPatternRecognizer, LabelledValueRecognizer, ResultCheck

_ASSIGNMENT = re.compile(r"(?i)^(?P<name>[\w.-]*?)[\"']?\s*(?:=|:|=>)\s*[\"'`]?(?P<value>[^\s\"'`,;]+)")
_PASSWORD_NAMES = re.compile(r"(?i)pass(?:word|wd|phrase)?|pwd")
# Key-like names whose value is a setting about a secret, not the secret (PASSWORD_RESET_TIMEOUT = 3600).
_SETTING_NAME = re.compile(
    r"(?i)[_.-](?:timeout|ttl|expiry|expires?|expiration|age|lifetime|interval|delay|length|len|min|max|count"
    r"|attempts|retries|limit|size|days|hours|minutes|seconds|secs?|ms|enabled|disabled|required|field|fields"
    r"|validators?|hashers?|policy|rules?|format|type|mode|url|uri|path|file|dir|header|name)$"
)
# Values that are numbers, durations, sizes or booleans: settings, not credentials.
_SETTING_VALUE = re.compile(
    r"(?i)^(?:[+-]?\d+(?:[._]\d+)*(?:\s*(?:ms|s|m|h|d|w|sec|secs|min|mins|hours?|days?|weeks?|kb|mb|gb|%))?"
    r"|true|false|yes|no|on|off|enabled|disabled)$"
)
_PLACEHOLDER = re.compile(
    r"(?i)^(?:\*+|x+|\.+|<[^>]*>?|\$\{?.*|\{\{.*|%\w*%?|null|none|true|false|changeme|redacted|example|password|your\w*|os\.environ.*|getenv.*|env\[.*)$"
)


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


class SecretRecognizer(GatewayPatternRecognizer):
    """Cloud keys, tokens, private keys, JWTs, passwords and high-entropy keyed values."""

    ENTITY = "SECRET"
    PATTERNS = [
        Pattern("aws_access_key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", 0.95),
        Pattern("github_token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})\b", 0.95),
        Pattern("slack_token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", 0.95),
        Pattern("stripe_key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b", 0.95),
        Pattern("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}\b", 0.95),
        Pattern("openai_key", r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}\b", 0.9),
        Pattern(
            "pem_private_key",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)?",
            1.0,
        ),
        Pattern("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", 0.95),
        Pattern(
            "keyed_assignment",
            r"(?i:\b[\w.-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
            r"credentials?|auth)[\w.-]*[\"']?\s*(?:=|:|=>)\s*[\"'`]?[^\s\"'`,;]{6,})",
            0.6,
        ),
    ]
    CONTEXT = ["key", "token", "secret", "password", "credential"]

    def validate_result(self, pattern_text: str) -> bool | None:
        assignment = _ASSIGNMENT.match(pattern_text)
        if assignment is None:
            return None  # a provider format: its pattern is specific enough
        name, value = assignment.group("name"), assignment.group("value")
        if _PLACEHOLDER.match(value) or "(" in value or value.endswith(")"):
            return False
        if _SETTING_NAME.search(name) and (_SETTING_VALUE.match(value) or not _looks_random(value)):
            return False
        if _SETTING_VALUE.match(value) and not re.search(r"(?i)(?:pass(?:word|wd)?|pwd|pin|secret)$", name):
            return False
        if _PASSWORD_NAMES.search(name):
            return len(value) >= 6 and not value.isalpha() or len(value) >= 10
        return len(value) >= 16 and shannon_entropy(value) >= 3.5


def _looks_random(value: str) -> bool:
    """A value with the shape of a generated credential: long enough, several character classes, high entropy."""
    classes = sum(
        (any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value),
         any(not c.isalnum() for c in value))
    )  # fmt: skip
    return len(value) >= 8 and classes >= 2 and shannon_entropy(value) >= 3.0


class CredentialInUrlRecognizer(LabelledValueRecognizer):
    """A password in a URL's user-info (``postgres://user:PASS@host``, ``mongodb+srv://``, ``https://``).

    The finding covers the password only. A password may itself contain ``@``: the
    host is after the last ``@``. Placeholders (``${DB_PASS}``, ``<password>``, ``****``) are not secrets.
    """

    ENTITY = "SECRET"
    PATTERNS = [
        Pattern(
            "url_credentials",
            r"\b[A-Za-z][A-Za-z0-9+.-]{1,30}://[^\s:/@'\"`]{1,64}:(?P<value>[^\s'\"`]{3,128}?)@"
            r"(?=[A-Za-z0-9\[][A-Za-z0-9.\[\]:-]*(?:[/?#\s'\"`,;)]|$))(?![^\s'\"`]*@[A-Za-z0-9])",
            0.9,
        )
    ]
    CONTEXT = ["password", "database", "connection", "url", "dsn"]

    def validate_result(self, pattern_text: str) -> bool | None:
        if _PLACEHOLDER.match(pattern_text) or pattern_text.lower() in {"pass", "pwd", "secret", "user", "pw"}:
            return False
        return None


class AuthorizationHeaderRecognizer(LabelledValueRecognizer):
    """The credential in an HTTP ``Authorization`` header or a bare ``Bearer`` token (opaque or not).

    ``$TOKEN``, ``<token>`` and other placeholders, and low-entropy words, are not credentials.
    """

    ENTITY = "SECRET"
    PATTERNS = [
        Pattern(
            "authorization_header",
            r"(?i:\b(?:proxy-)?authorization\s*[:=]\s*[\"']?\s*(?:bearer|basic|token|bot|digest|apikey|sso-key)?\s*)"
            r"(?P<value>[A-Za-z0-9._~+/=:-]{12,})",
            0.85,
        ),
        Pattern("bearer_token", r"(?i:\bbearer\s+)(?P<value>[A-Za-z0-9._~+/=-]{20,})", 0.85),
    ]
    CONTEXT = ["authorization", "bearer", "token", "header"]

    def validate_result(self, pattern_text: str) -> bool | None:
        if _PLACEHOLDER.match(pattern_text):
            return False
        return None if _looks_random(pattern_text) and shannon_entropy(pattern_text) >= 3.5 else False


_AWS_WORDS = re.compile(r"(?i)\baws|secret[\s_-]*(?:access[\s_-]*)?key")


class AwsSecretAccessKeyRecognizer(ResultCheck, GatewayPatternRecognizer):
    """A 40-character AWS secret access key: mixed case and digits, with AWS or secret-key wording nearby.

    The shape alone is common (base64 digests), so the wording has to be within
    ``WINDOW`` characters on either side.
    """

    ENTITY = "SECRET"
    WINDOW = 120
    PATTERNS = [Pattern("aws_secret_access_key", r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", 0.85)]

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if _looks_random(pattern_text) and shannon_entropy(pattern_text) >= 4.0 else False

    def keep(self, text: str, result: RecognizerResult) -> bool:
        return bool(
            _AWS_WORDS.search(text, max(0, result.start - self.WINDOW), result.start)
            or _AWS_WORDS.search(text[result.end : result.end + self.WINDOW])
        )
