"""SECRET by shape alone: a machine-made token (random characters), whatever provider issued it.

Why a generic rule: most credential rules of a maintained rule set (Kingfisher's, gitleaks') find a
provider's key only after its keyword (``nytimes_key = ...``): the key itself is a random string with no
prefix. Pasted bare or into a sentence ("I pasted vozq0xga0mdq... into the settings page") the keyword
is gone and the rules see nothing. What is left is the shape: a long run of key characters, letters and
digits mixed at random, with high entropy. That is what this recogniser looks for; it is the same idea as
detect-secrets' high-entropy plugins, with the rules below that keep ordinary machine text out:

- at least :data:`MIN_LENGTH` characters, letters and digits both present (``MIN_DIGITS``, ``MIN_LETTERS``),
  and mixed: letters and digits alternate ``MIN_SWITCHES`` times or more (identifiers made of words,
  ``ServingCellPriority_t``, ``sysctlBridgeCallIPTables``, have few or no digits);
- not hexadecimal alone (also in groups: UUIDs, ``96726c78_4ae3_...``, or after an id's kind: ``msg_`` +
  a UUID; or named hex parts: ``user_3f2a_account_9c1e``): a bare hex string is as often a
  digest (an MD5, a git commit, a SHA-256) as a key, and digests are everywhere in logs and code;
- not a file name (``video_box.ico-7a38...b0c.png``), a path (``/``, ``~/``, ``./`` first) or a URL's
  host (``://`` and ``/`` runs);
- not a base64 encoding of readable text (the decoded text is scanned by every recogniser anyway);
- not a placeholder (:func:`gateway.recognizers.secrets.is_placeholder`: ``xxxx``, ``EXAMPLE``, sequences);
- Shannon entropy of at least :data:`MIN_ENTROPY` bits per character;
- not named as something public by the text before it: a signature, digest, hash, checksum, nonce, CSRF
  or authenticity token, integrity attribute, fingerprint (``"signature": "I7l2..."``), nor inside a
  public key block (``-----BEGIN PGP PUBLIC KEY BLOCK-----``), nor an elided excerpt (``...6wqX...``).

- not named as something else: assigned to a descriptive name of two words or more with no credential
  word in it (``sumOfExposures = 3Kof2...``, ``rookTable = 0023...``): the name says what the value is.
  A credential word anywhere in the name (``nonMatchingToken``, ``herokuApiKey``, ``clientId``) keeps it.

``=`` inside a token (gitleaks' alphabets allow it) is kept, but ``NAME=value`` is a name and a value: the
value is judged alone.

A token that opens with a prefix one of the maintained rules is written for (``AIza``, ``sntryu_``, ``xoxp-``,
read from the pinned rule set at run time: :func:`gateway.recognizers.secret_scanner.rule_prefixes`) is left
to that rule: it knows the provider's length, alphabet, checksum and published public keys, and its
verdict stands (the rule set's own negatives are mostly such near-misses). The score is low (0.6) but
above the detector's threshold, so every bundled policy blocks what this finds.
"""

from __future__ import annotations

import base64
import binascii
import re

from presidio_analyzer import Pattern, RecognizerResult

from gateway.recognizers.base import GatewayPatternRecognizer, ResultCheck
from gateway.recognizers.secret_scanner import has_rule_prefix
from gateway.recognizers.secrets import is_placeholder, shannon_entropy

MIN_LENGTH = 20
MIN_DIGITS = 2
MIN_LETTERS = 6
MIN_SWITCHES = 4
MIN_ENTROPY = 3.5

# Hex digits in groups (``ab12``, ``c4ed6c21-9dd5-...``, ``96726c78_4ae3``): a digest or a UUID.
_HEX_GROUPS = re.compile(r"[0-9A-Fa-f]+(?:[-_.:~][0-9A-Fa-f]+)*")
_FILE_NAME = re.compile(r"\.[A-Za-z]{2,4}$")
_LETTER_DIGIT_SWITCH = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def _decodes_to_prose(value: str) -> bool:
    """Whether ``value`` is base64 of readable text with spaces in it (an encoded sentence, not a key)."""
    body = value.rstrip("=")
    if len(body) % 4 == 1:
        return False
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_" if "-" in body or "_" in body else None)
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return " " in decoded and decoded.isprintable()


# The name before a value that says it is public or derived: "signature": "...", authenticity_token=...
_PUBLIC_NAME = re.compile(
    r"(?i)(?:signature|digest|hash|checksum|nonce|csrf|xsrf|authenticity[_-]?token|integrity|etag|fingerprint"
    r"|sha\d*|md5)[\w-]*[\"']?(?:\s+value)?\s*(?:=|:|=>)\s*[\"']?$"
)
_PUBLIC_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]*PUBLIC KEY(?: BLOCK)?-----")
_BLOCK_END = re.compile(r"-----END ")
# ``name = "``, ``name := '``, ``name: `` right before a value.
_NAME_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[\"']?\s*(?::=|=|:)\s*[\"'`]?$")
_NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# Words that make a name a credential's (prefixes: "pass" covers password, "auth" authorization).
CREDENTIAL_WORDS = (
    "key", "token", "secret", "pass", "pwd", "auth", "cred", "api", "priv", "sess", "cookie", "sign", "access",
    "bearer", "jwt", "cert", "seed", "otp", "pin", "hook", "dsn", "conn", "client", "app", "id", "account",
    "user", "login", "licen", "salt", "hmac", "code", "bot", "oauth", "sas", "sk", "pk",
)  # fmt: skip


def named_otherwise(text: str, start: int) -> bool:
    """Whether the value at ``start`` is assigned to a descriptive name with no credential word in it."""
    before = _NAME_BEFORE.search(text, max(0, start - 80), start)
    if before is None:
        return False
    name = before.group(1)
    if _random_shape(name, 8) or sum(c.isdigit() for c in name) > 2:  # a random run, not a name of words
        return False
    words = [w.lower() for w in _NAME_WORD.findall(name) if not w.isdigit()]
    named = len(name) >= 6 and sum(len(w) >= 2 for w in words) >= 2  # two words at least, not "wC" or "x"
    return named and not any(w.startswith(CREDENTIAL_WORDS) for w in words)


_ASSIGNED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*=(?!=)")


def looks_generated(value: str) -> bool:
    """Whether ``value`` has the shape of a machine-made credential (the rules in the module docstring)."""
    if value.startswith("...") or value.endswith("..."):
        return False
    name = _ASSIGNED_NAME.match(value)
    if name and not _random_shape(name.group()[:-1], 8):  # NAME=value: the value is judged alone
        return False
    return _random_shape(value.strip(".-_=~"), MIN_LENGTH)


# The kind of an API object's id before its hex (``msg_`` + a UUID in Codex's items, ``call_``, ``resp_``):
# an id, not a key. Providers' key prefixes (``shpat_`` + hex) are left to their rules.
_ID_KIND = re.compile(r"^(?:msg|rs|fc|fco|call|resp|item|toolu|chatcmpl|cmpl|run|thread|asst|file|batch|req|evt|sess)_")
# An absolute, home or relative path (``/tmp/x/.claude/projects/-tmp-x/memory/``): a key does not start so.
_PATH = re.compile(r"^(?:~|\.{1,2})?/(?:[^/]{1,64}/){1,}[^/]{0,64}$")


_PART = re.compile(r"[_-]")


def _labelled_id(token: str) -> bool:
    """Three named parts or more, each followed by hex (``user_3f2a_account_9c1e_session_7b4d``): an id.

    A key has one or two labels at most (``lin_api_`` + random); an id names each of its parts."""
    parts = [p for p in _PART.split(token) if p]
    words = [p for p in parts if p.isalpha() and p.islower()]
    return len(words) >= 3 and all(p in words or _HEX_GROUPS.fullmatch(p) for p in parts)


def _random_shape(token: str, min_length: int) -> bool:
    """The shape rules of the module docstring, for a token of ``min_length`` characters or more."""
    if len(token) < min_length or _HEX_GROUPS.fullmatch(_ID_KIND.sub("", token)) or _FILE_NAME.search(token):
        return False
    if _labelled_id(token):
        return False
    if "//" in token or _PATH.match(token):
        return False
    digits = sum(c.isdigit() for c in token)
    letters = sum(c.isalpha() for c in token)
    if digits < MIN_DIGITS or letters < MIN_LETTERS:
        return False
    if len(_LETTER_DIGIT_SWITCH.findall(token)) < MIN_SWITCHES:
        return False
    if shannon_entropy(token) < MIN_ENTROPY or is_placeholder(token):
        return False
    return not _decodes_to_prose(token) and not has_rule_prefix(token)


_KEY_CHARS = "A-Za-z0-9_+/.~="


class GeneratedTokenRecognizer(ResultCheck, GatewayPatternRecognizer):
    """A long, random-looking token of key characters, bare or anywhere in text (see the module docstring)."""

    ENTITY = "SECRET"
    PATTERNS = [
        # The whole run of key characters, "=" included ("NAME=value" is rejected and found by the next one).
        Pattern(
            "generated_token", rf"(?<![{_KEY_CHARS}-])[{_KEY_CHARS}-]{{{MIN_LENGTH},1024}}(?![{_KEY_CHARS}-])", 0.6
        ),
        # The value after "NAME=".
        Pattern(
            "generated_token",
            rf"(?<=[A-Za-z_]=)[A-Za-z0-9_+/.~-]{{{MIN_LENGTH},1024}}={{0,2}}(?![{_KEY_CHARS}-])",
            0.6,
        ),
    ]
    CONTEXT = ["key", "token", "secret", "password", "credential", "api"]

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if looks_generated(pattern_text) else False

    def keep(self, text: str, result: RecognizerResult) -> bool:
        name = _ASSIGNED_NAME.match(text, result.start, result.end)  # "NAME=value" found as one token
        value_start = name.end() if name else result.start
        if _PUBLIC_NAME.search(text, max(0, value_start - 48), value_start) or named_otherwise(text, value_start):
            return False
        blocks = list(_PUBLIC_BLOCK.finditer(text, 0, result.start))
        return not blocks or _BLOCK_END.search(text, blocks[-1].end(), result.start) is not None
