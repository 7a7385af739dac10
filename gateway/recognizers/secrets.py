"""Credentials: our own patterns where they add to the maintained rule set, and the placeholder rules for all.

Provider key formats come first from Kingfisher's rules (:mod:`gateway.recognizers.secret_scanner`);
the patterns here cover what a rule set for source code does not: password and keyed assignments in
prose and config, credentials in URLs and ``Authorization`` headers, AWS secret keys by their wording,
Azure AD client secrets, NuGet ``ClearTextPassword``, Docker ``auths``, Kubernetes ``kind: Secret`` data.

:func:`is_placeholder` is applied to every SECRET finding, ours and Kingfisher's: a template
(``<token>``, ``${API_TOKEN}``, ``{{ .Values.password }}``, ``$TOKEN``, ``%PASS%``), filler
(``XXXX``, ``****``, a run of one character, ``abcdef``/``123456`` sequences in a long value),
wording (``your-api-key-here``, ``changeme``, ``EXAMPLE``) or an elided excerpt (``ops_eyJzaWdu...``)
is not a credential. Documented example
keys (AWS's ``AKIAIOSFODNN7EXAMPLE`` and ``wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY``) contain
``EXAMPLE`` and are let through on purpose: they are published in vendor documentation, grant no
access, and blocking them refuses every question about that documentation. An assignment's value
never spans a line break, so ``AWS_SECRET_ACCESS_KEY=`` with nothing after it is empty, not the next line.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from dataclasses import dataclass

from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.recognizers.base import GatewayPatternRecognizer, LabelledValueRecognizer, ResultCheck

_ASSIGNMENT = re.compile(r"(?i)^(?P<name>[\w.-]*?)[\"']?[ \t]*(?:=|:|=>)[ \t]*[\"'`]?(?P<value>[^\s\"'`,;]+)")
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
# Template syntax in a value: <...>, [NAME], ${...}, {{...}}, $(...), %VAR%, a shell variable, {name}.
_TEMPLATE = re.compile(
    r"<[^<>\s]*>|^<|>$|^\[[^\]]*\]$|\$\{|\{\{|\}\}|\$\(|%[A-Za-z_]\w*%|^\$[A-Za-z_]\w*$|^\{[\w.]*\}$"
)
# Wording of a placeholder, and filler: four x, X or # (three * or bullets) in a row.
_PLACEHOLDER_WORDS = re.compile(
    r"(?i)example|placeholder|changeme|change[-_ ]me|replace[-_ ]?me|redacted|dummy|^your[-_ A-Z]|[-_ ]here$"
    r"|^(?:insert|enter|put|add)[-_ ]|(?-i:x{4}|X{4}|#{4}|\*{3}|\u2022{3})"
)
# The body of a private key block: a line of base64 (PEM) or radix-64 (PGP) key material.
_PEM_BODY = re.compile(r"-----\s*(?:[\w-]+:[^\n]*\n\s*)*(?:\n\s*)?[A-Za-z0-9+/]{24,}")
# Values at least this long are machine-made: a sequence or a repeated character in them is filler.
_LONG_VALUE = 16


def _has_run(value: str, length: int) -> bool:
    """A run of ``length`` identical punctuation characters, or of ascending neighbours ("abcdef", "3456").

    Runs of one letter or digit are left out: base64 key material has them (``AAAAAA`` is zero bytes).
    """
    same = ascending = 1
    lowered = value.lower()
    for previous, current in zip(lowered, lowered[1:], strict=False):
        same = same + 1 if current == previous and not current.isalnum() else 1
        ascending = ascending + 1 if current.isalnum() and ord(current) == ord(previous) + 1 else 1
        if same >= length or ascending >= length:
            return True
    return False


def is_placeholder(value: str) -> bool:
    """Whether a credential-shaped value is a template, filler or documented example rather than a credential.

    A run (:func:`_has_run`) counts only in a value of ``_LONG_VALUE`` characters or more (a person's
    password may well contain "123456"); so does one character making up half of the value, and one
    group of three or more characters written three times between separators (``xoxp-1234-1234-1234-...``).
    """
    value = value.strip().strip("\"'`")
    if value.endswith(("...", "\u2026")):  # an elided excerpt ("ops_eyJzaWdu..."), as documentation writes one
        return True
    if not value or _PLACEHOLDER.match(value) or _TEMPLATE.search(value) or _PLACEHOLDER_WORDS.search(value):
        return True
    if len(value) >= 8 and len(set(value.lower())) <= 2:  # "abababab", "0000-0000"
        return True
    if len(value) >= _LONG_VALUE:
        most = max(Counter(value).values())
        return _has_run(value, 6) or most * 2 >= len(value) or _REPEATED_GROUP.search(value) is not None
    return False


def has_template(value: str) -> bool:
    """Whether ``value`` holds template syntax (``${APPID}``, ``<token>``, ``{{ .Values.key }}``)."""
    return _TEMPLATE.search(value.strip().strip("\"'`")) is not None


_REPEATED_GROUP = re.compile(r"(?:^|[-_.:])([A-Za-z0-9]{3,})(?:[-_.:]\1){2}(?=$|[-_.:])")


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


# Disguises that split a token: a line break inside it (wrapped terminal output, a mail client), or string
# concatenation in code ("sk_live_" + "51Hx...", PHP's ".", Lua's "..", SQL's "||", adjacent literals).
# The characters on either side of the cut are token characters but not "=" or ":" (an empty assignment
# `KEY=` followed by the next line must stay apart).
_LINE_BREAK = re.compile(r"(?<=[A-Za-z0-9_+/~.-]{2})[ \t]*\\?\r?\n[ \t]*(?=[A-Za-z0-9_+/~.-]{2})")
_CONCATENATION = re.compile(
    r"(?<=[A-Za-z0-9_+/=~.-])[\"'`][ \t]*(?:\+|\.\.?|\|\||&)?[ \t]*\\?\r?\n?[ \t]*[\"'`](?=[\w+/=~.-])"
)


@dataclass(frozen=True, slots=True)
class TokenView:
    """A text to scan and, when characters were removed from it, the original index of each character.

    Used to undo a token's disguises (:func:`joined_views`) for Kingfisher's rules and our provider patterns.
    """

    text: str
    index: tuple[int, ...] | None = None

    def original(self, start: int, end: int) -> tuple[int, int]:
        if self.index is None:
            return start, end
        return self.index[start], self.index[end - 1] + 1


_TOKEN_BEFORE = re.compile(r"[A-Za-z0-9_+/~.-]{1,64}\Z")  # "=" ends a name, it does not join a token
_TOKEN_AFTER = re.compile(r"[A-Za-z0-9_+/~.-]{1,64}")


def _splits_a_token(text: str, match: re.Match[str]) -> bool:
    """Whether the characters joined across ``match`` could be one token: 16 or more, with a digit or a
    token separator (``_+/~-``) among them, or all capitals (an AWS key id).

    Keeps the joined views (and their extra scans) for what can be a credential: words on either side
    of a line break ("the report.\nThe next") are prose, not a token.
    """
    before = _TOKEN_BEFORE.search(text, max(0, match.start() - 64), match.start())
    after = _TOKEN_AFTER.match(text, match.end())
    joined = (before.group(0) if before else "") + (after.group(0) if after else "")
    if len(joined) < 16:
        return False
    return any(c.isdigit() or c in "_+/~-" for c in joined) or (joined.isupper() and joined.isalpha())


def _joined(text: str, pattern: re.Pattern[str]) -> TokenView | None:
    """``text`` with every match of ``pattern`` that splits a token removed, or None when none does."""
    pieces: list[str] = []
    index: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        if not _splits_a_token(text, match):
            continue
        pieces.append(text[last : match.start()])
        index.extend(range(last, match.start()))
        last = match.end()
    if last == 0:
        return None
    pieces.append(text[last:])
    index.extend(range(last, len(text)))
    return TokenView("".join(pieces), tuple(index))


def joined_views(text: str) -> list[TokenView]:
    """``text`` with line breaks inside tokens removed, and with string concatenation removed (when present)."""
    return [view for view in (_joined(text, _LINE_BREAK), _joined(text, _CONCATENATION)) if view]


class SecretRecognizer(GatewayPatternRecognizer):
    """What Kingfisher's rules miss: bare AWS key ids, Stripe and Vault tokens, PEM blocks, keyed assignments.

    Each provider pattern here was kept because the maintained rule set did not find its format bare on
    the external benchmark (GitHub, Slack, Google, OpenAI/Anthropic and JWT patterns were dropped: the
    rule set finds them, with fewer false positives). The keyed assignment is the generic rule: a
    password, secret, token or key name, then a value that is not a setting, a placeholder or a word.
    """

    ENTITY = "SECRET"
    PATTERNS = [
        Pattern("aws_access_key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", 0.95),
        Pattern("stripe_key", r"\b[rs]k_(?:live|test|prod)_[A-Za-z0-9]{16,}\b", 0.95),
        # HashiCorp Vault service, batch and recovery tokens (Vault 1.10+ prefixes).
        Pattern("vault_token", r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}", 0.9),
        # A private key block, also cut short (no END line): its body must hold key material.
        Pattern(
            "pem_private_key",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY"
            r"(?: BLOCK)?-----|[\s\S]{0,4096}?(?=\n\s*\n|\Z))",
            1.0,
        ),
        Pattern(
            "keyed_assignment",
            # "pass" is a name, "passed"/"passes"/"passing" a verb ("12 passed: test_x.py" is test output).
            r"(?i:\b[\w.-]*(?:pass(?!(?:ed|es|ing)\b)(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
            r"credentials?|auth)[\w.-]*[\"']?[ \t]*(?:=|:|=>)[ \t]*[\"'`]?[^\s\"'`,;]{6,})",
            0.6,
        ),
    ]
    CONTEXT = ["key", "token", "secret", "password", "credential"]
    # Looked for again with a token's line break or concatenation undone (:func:`joined_views`); a key
    # block spans lines by itself.
    NOT_JOINED = frozenset({"pem_private_key"})

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None, regex_flags: int | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for view in joined_views(text):
            for result in super().analyze(view.text, entities, nlp_artifacts, regex_flags):
                explanation = result.analysis_explanation
                if explanation is None or explanation.pattern_name in self.NOT_JOINED:
                    continue
                start, end = view.original(result.start, result.end)
                if end - start > result.end - result.start:  # crosses a join: the text as written lacks it
                    result.start, result.end = start, end
                    results.append(result)
        return results

    def validate_result(self, pattern_text: str) -> bool | None:
        assignment = _ASSIGNMENT.match(pattern_text)
        if pattern_text.startswith("-----BEGIN"):  # key material: base64 lines, not filler or a word
            return None if _PEM_BODY.search(pattern_text) else False
        if assignment is None:  # a provider format: its pattern is specific enough, unless it is filler
            return False if is_placeholder(pattern_text) else None
        name, value = assignment.group("name"), assignment.group("value")
        if is_placeholder(value) or "(" in value or value.endswith(")"):
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
        if is_placeholder(pattern_text) or pattern_text.lower() in {"pass", "pwd", "secret", "user", "pw"}:
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
            r"(?i:\b(?:proxy-)?authorization[ \t]*[:=][ \t]*[\"']?[ \t]*"
            r"(?:bearer|basic|token|bot|digest|apikey|sso-key)?[ \t]*)"
            r"(?P<value>[A-Za-z0-9._~+/=:-]{12,})",
            0.85,
        ),
        Pattern("bearer_token", r"(?i:\bbearer\s+)(?P<value>[A-Za-z0-9._~+/=-]{20,})", 0.85),
    ]
    CONTEXT = ["authorization", "bearer", "token", "header"]

    def validate_result(self, pattern_text: str) -> bool | None:
        if is_placeholder(pattern_text):
            return False
        return None if _looks_random(pattern_text) and shannon_entropy(pattern_text) >= 3.5 else False


# Words and numbers joined by . _ @ + - (``3.11-slim``, ``lodash@4.17.21``, ``function_name``): a tag, a
# version or a name, not a password.
_JOINED_WORDS = re.compile(r"[A-Za-z0-9._@+-]+")
_JOINERS = re.compile(r"[._@+-]")
# CamelCase words with optional acronyms (``ConnectionRefusedError``, ``getHTTPResponse``): an identifier.
_CAMEL_WORDS = re.compile(r"[a-z]*(?:[A-Z][a-z]+|[A-Z]{2,}(?=[A-Z][a-z]|$))*")
_HEX_ONLY = re.compile(r"[0-9A-Fa-f]+")
_LETTER_DIGIT_SWITCH = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def _pair_password(value: str) -> bool:
    """Whether the part after ``user:`` has a password's shape (the rules of :class:`CredentialPairRecognizer`)."""
    if not 8 <= len(value) <= 128 or is_placeholder(value) or _HEX_ONLY.fullmatch(value):
        return False
    if "/" in value or "\\" in value or value.isdigit():
        return False
    if _JOINED_WORDS.fullmatch(value):
        parts = [part for part in _JOINERS.split(value) if part]
        if all(part.isalpha() or part.isdigit() for part in parts):
            if len(parts) > 1:
                return False  # a tag, version or name
            # One run of letters: a password only when its case is mixed at random, not in words.
            mixed = not value.islower() and not value.isupper()
            return len(value) >= 12 and mixed and not _CAMEL_WORDS.fullmatch(value)
    if value.isalnum() and len(_LETTER_DIGIT_SWITCH.findall(value)) < 3:
        return False  # ``iPhone15Pro``, ``Release2024``: a word with a number, not a random string
    return _looks_random(value)


class CredentialPairRecognizer(LabelledValueRecognizer):
    """A ``user:password`` pair written out (``curl -u elastic:P@ssw0rd$1``, ``'api:d2LkV78zLx!t'``).

    The pair is a whole token (after a space, quote, ``=`` or bracket, and ending at one): the user is a
    name or an e-mail address (or nothing, ``":password"``), the password a random-looking run of eight
    characters or more with no ``:`` ``/`` or ``\\`` in it. What is not a password, by general rules:
    a tag, version or name made of words and numbers joined by ``. _ @ + -`` (``python:3.11-slim``,
    ``module:function_name``), a CamelCase identifier (``Error:ConnectionRefused``), a word with a
    number (``model:iPhone15Pro``), a hex digest (``sha256:9f86...``), a number (``localhost:8080``), a
    placeholder (``user:${PASSWORD}``), and anything followed by another ``:`` (times, IPv6 addresses,
    ``file:line:column``). The finding covers the password only.
    """

    ENTITY = "SECRET"
    PATTERNS = [
        Pattern(
            "credential_pair",
            # a user after a space, quote, "=" or bracket; or no user, then the token opens with a quote
            r"(?:(?<![^\s\"'`=(\[,])[\"']?[A-Za-z0-9][\w.+-]{0,63}(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?"
            r"|(?<![^\s=(\[,])[\"'])"
            r":[\"']?(?P<value>[^\s:'\"`,;()\[\]<>]{8,128})[\"']?(?=[\s,;)\]]|$)",
            0.8,
        )
    ]
    CONTEXT = ["password", "user", "login", "curl", "auth", "credentials"]

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if _pair_password(pattern_text) else False


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
        if is_placeholder(pattern_text):
            return False
        return None if _looks_random(pattern_text) and shannon_entropy(pattern_text) >= 4.0 else False

    def keep(self, text: str, result: RecognizerResult) -> bool:
        return bool(
            _AWS_WORDS.search(text, max(0, result.start - self.WINDOW), result.start)
            or _AWS_WORDS.search(text[result.end : result.end + self.WINDOW])
        )


def _decoded_base64(value: str) -> str | None:
    """``value`` decoded from base64 as UTF-8 text, or None when it is not that."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if decoded.isprintable() or decoded.strip().isprintable() else None


class ConfigCredentialRecognizer(LabelledValueRecognizer):
    """Credentials whose file format, not their shape, says what they are; the finding covers the value.

    - NuGet ``<add key="ClearTextPassword" value="..."/>`` (either attribute order);
    - Docker ``config.json`` / ``.dockercfg`` ``"auth": "<base64 of user:password>"``;
    - a password on a command line (``curl -u user:password``, ``--password value``);
    - Azure AD (Entra ID) client secrets: three characters, a digit, ``Q~``, 31 to 34 more (their
      documented layout, recognisable bare).
    """

    ENTITY = "SECRET"
    PATTERNS = [
        Pattern(
            "nuget_cleartext_password",
            r"(?i:<add\s+key\s*=\s*[\"']ClearTextPassword[\"']\s+value\s*=\s*[\"'])(?P<value>[^\"'\r\n]+)",
            0.9,
        ),
        Pattern(
            "nuget_cleartext_password",
            r"(?i:<add\s+value\s*=\s*[\"'])(?P<value>[^\"'\r\n]+)(?=[\"']\s+key\s*=\s*[\"']ClearTextPassword[\"'])",
            0.9,
        ),
        # Command lines: curl/wget/httpie `-u user:password`, any tool's `--password value`.
        Pattern(
            "command_line_password",
            r"(?:\b(?:curl|wget|https?|http)\b[^\n;|]*?\s-u[ =]?|(?:(?<=\s)|^)--(?:proxy-)?user[ =])"
            r"[\"']?(?!\d+:\d+\b)[^\s:'\"]{1,64}:(?P<value>[^\s'\"]{3,128})",
            0.85,
        ),
        # `--password value`: the value has a digit or a symbol (not a word of the sentence around it).
        Pattern(
            "command_line_password",
            r"(?:(?<=\s)|^)--pass(?:word|wd)?[ =][\"']?(?P<value>(?=[^\s'\"]*[^A-Za-z\s'\"])[^\s'\"]{3,128})",
            0.85,
        ),
        Pattern("docker_auth", r"(?i:[\"']auth[\"']\s*:\s*[\"'])(?P<value>[A-Za-z0-9+/]{8,}={0,2})(?=[\"'])", 0.9),
        Pattern(
            "azure_ad_client_secret",
            r"(?<![\w~.-])(?P<value>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?![\w~.-])",
            0.9,
        ),
    ]
    CONTEXT = ["password", "auth", "secret", "client"]

    def validate_result(self, pattern_text: str) -> bool | None:
        if "Q~" in pattern_text[3:6]:  # an Azure AD client secret: random after its prefix
            return None if not is_placeholder(pattern_text[6:]) and shannon_entropy(pattern_text) >= 3.5 else False
        decoded = _decoded_base64(pattern_text) if re.fullmatch(r"[A-Za-z0-9+/]+=*", pattern_text) else None
        if decoded is not None and ":" in decoded:  # Docker's user:password
            return False if is_placeholder(decoded.partition(":")[2]) else True
        if is_placeholder(pattern_text):
            return False
        # a password: as for a password assignment, not a short word ("test", "token", "pass")
        return None if len(pattern_text) >= 6 and not pattern_text.isalpha() or len(pattern_text) >= 10 else False


# A Kubernetes Secret: its kind in YAML or JSON, and where its data maps begin.
_K8S_SECRET_KIND = re.compile(r"(?im)(?:^|[\s{,])[\"']?kind[\"']?[ \t]*:[ \t]*[\"']?Secret[\"']?(?=[\s,}]|$)")
_K8S_DATA_KEY = re.compile(
    r"(?m)(?:^(?P<indent>[ \t]*)|(?<=[{,\s]))[\"']?(?P<key>data|stringData)[\"']?[ \t]*:[ \t]*(?P<brace>\{)?"
)
_YAML_DOCUMENT = re.compile(r"(?m)^---[ \t]*$")


class KubernetesSecretRecognizer(ResultCheck, LabelledValueRecognizer):
    """The values of a Kubernetes ``kind: Secret`` manifest's ``data`` (base64) and ``stringData`` maps.

    A value is kept only when its YAML document (or JSON text) declares ``kind: Secret`` and the value
    sits inside that document's ``data:`` / ``stringData:`` map: more indented than the key in YAML,
    before the closing brace in JSON. A ``ConfigMap``'s data is not a secret.
    """

    ENTITY = "SECRET"
    PATTERNS = [
        # YAML: an indented `key: value` line (value quoted or not, base64 in data, anything in stringData).
        Pattern(
            "k8s_secret_yaml",
            r"(?m)^[ \t]+[\"']?[\w.-]+[\"']?[ \t]*:[ \t]*[\"']?(?P<value>[^\s\"'#{}|>][^\s\"'#]{3,})[\"']?[ \t]*$",
            0.85,
        ),
        # JSON: "key": "value" pairs.
        Pattern("k8s_secret_json", r"[\"'][\w.-]+[\"']\s*:\s*\"(?P<value>[^\"\s]{4,})\"", 0.85),
        # YAML block scalars (`.dockercfg: |` followed by an indented base64 line).
        Pattern(
            "k8s_secret_block", r"(?m):[ \t]*[|>][-+]?[ \t]*\n[ \t]+(?P<value>[A-Za-z0-9+/]{16,}={0,2})[ \t]*$", 0.85
        ),
    ]
    CONTEXT = ["secret", "kubernetes", "data"]

    def validate_result(self, pattern_text: str) -> bool | None:
        return False if is_placeholder(pattern_text) else None

    def keep(self, text: str, result: RecognizerResult) -> bool:
        start, end = _document_bounds(text, result.start)
        document = text[start:end]
        if not _K8S_SECRET_KIND.search(document):
            return False
        where = result.start - start
        value = document[where : result.end - start]
        keys = list(_K8S_DATA_KEY.finditer(document, 0, where))
        data = keys[-1] if keys else None  # the last data:/stringData: key before the value
        if data is None:
            return False
        if data.group("brace"):  # JSON: inside the braces that follow "data":
            inside = "}" not in document[data.end() : where]
        elif data.group("indent") is None:
            return False
        else:  # YAML: more indented than data:, with no line as shallow as data: in between
            line_start = document.rfind("\n", 0, where) + 1
            line = document[line_start:where]
            indent = len(line) - len(line.lstrip(" \t"))
            depth = len(data.group("indent"))
            between = document[data.end() : line_start]
            inside = indent > depth and re.search(rf"(?m)^[ \t]{{0,{depth}}}[^\s#]", between) is None
        if not inside:
            return False
        return data.group("key") == "stringData" or re.fullmatch(r"[A-Za-z0-9+/]+=*", value) is not None


def _document_bounds(text: str, position: int) -> tuple[int, int]:
    """The YAML document (between ``---`` lines) holding ``position``; the whole text when there is one."""
    start, end = 0, len(text)
    for separator in _YAML_DOCUMENT.finditer(text):
        if separator.end() <= position:
            start = separator.end()
        elif separator.start() > position:
            end = separator.start()
            break
    return start, end


_PASSWORD_WORDS = re.compile(r"(?i)\b(?:pass(?:word|wd|phrase)?|pwd|pw|secret|credentials?|passcode)\b")


class EncodedPasswordRecognizer(ResultCheck, GatewayPatternRecognizer):
    """A password written base64-encoded on its own ("my password, base64: UzNjcjN0IVBhc3M="), by its wording.

    The decoded value must look like a password (printable, no spaces, 6 to 64 characters, two classes
    of characters or more, not a placeholder), and password wording must be within ``WINDOW`` characters.
    An encoded ``user:password`` pair counts too (Basic credentials written out).
    """

    ENTITY = "SECRET"
    WINDOW = 80
    PATTERNS = [Pattern("encoded_password", r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{8,88}={0,2}(?![A-Za-z0-9+/=_-])", 0.8)]

    def validate_result(self, pattern_text: str) -> bool | None:
        if len(pattern_text.rstrip("=")) % 4 == 1:
            return False
        decoded = _decoded_base64(pattern_text)
        if decoded is None or not 6 <= len(decoded) <= 64 or any(c.isspace() for c in decoded):
            return False
        secret = decoded.partition(":")[2] or decoded
        classes = sum((any(c.islower() for c in secret), any(c.isupper() for c in secret),
                       any(c.isdigit() for c in secret), any(not c.isalnum() for c in secret)))  # fmt: skip
        return None if classes >= 2 and len(secret) >= 6 and not is_placeholder(secret) else False

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None, regex_flags: int | None = None
    ) -> list[RecognizerResult]:
        if not _PASSWORD_WORDS.search(text):  # no wording, no finding: skip decoding every long word
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)

    def keep(self, text: str, result: RecognizerResult) -> bool:
        return bool(
            _PASSWORD_WORDS.search(text, max(0, result.start - self.WINDOW), result.start)
            or _PASSWORD_WORDS.search(text[result.end : result.end + self.WINDOW])
        )
