"""Credentials: provider key formats, PEM private keys, JWTs and secret assignments."""

from __future__ import annotations

import math
import re
from collections import Counter

from presidio_analyzer import Pattern

from gateway.recognizers.base import GatewayPatternRecognizer

_ASSIGNMENT = re.compile(r"(?i)^(?P<name>[\w.-]*?)[\"']?\s*(?:=|:|=>)\s*[\"'`]?(?P<value>[^\s\"'`,;]+)")
_PASSWORD_NAMES = re.compile(r"(?i)pass(?:word|wd|phrase)?|pwd")
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
        if _PASSWORD_NAMES.search(name):
            return len(value) >= 6 and not value.isalpha() or len(value) >= 10
        return len(value) >= 16 and shannon_entropy(value) >= 3.5
