"""SECRET by shape: machine-made tokens found bare and in prose; digests, ids, words and public values are not.

Every token below was made up for these tests (random characters).
"""

from __future__ import annotations

import base64
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.recognizers.generated_tokens import GeneratedTokenRecognizer, looks_generated
from gateway.recognizers.secret_scanner import has_rule_prefix, rule_prefixes
from tests.recognizer_helpers import matched

_RANDOM = "vozq0xga0mdqsbqe70te94ykfooysef7"  # 32 lower-case letters and digits, no prefix
_MIXED = "dW67VjzDvqzYHNYqbSV71q4mfxjWK2GkaILfAkR0"


@pytest.fixture(scope="module")
def recognizer() -> GeneratedTokenRecognizer:
    return GeneratedTokenRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_RANDOM, [_RANDOM]),
        (f"I pasted {_MIXED} into the settings page yesterday", [_MIXED]),
        (f'client = Client("{_RANDOM}")', [_RANDOM]),
        (f"NYTIMES_KEY={_RANDOM}", [_RANDOM]),  # the value after NAME=, not the name
        # digests and ids: hex alone (git commit, SHA-256, UUID, hex groups) is not judged by shape
        ("commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it", []),
        ("sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", []),
        ("request c4ed6c21-9dd5-4a05-8e3f-c56d1151cce8 failed", []),
        ('{"session_id":"aa8b2ce6-61fc-45f4-b9e9-6f513a320d29"}', []),  # Claude Code's metadata
        ("item msg_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d done", []),  # Codex's item ids
        ("memory at /tmp/work3/.claude/projects/-tmp-work3/memory/ exists", []),
        ("user_3f2a_account_9c1e_session_7b4d", []),  # an id that names its parts
        ("def _api_org_96726c78_4ae3_402f_b08b_7a78c6903d2a(self):", []),
        # words and identifiers, file names, paths
        ("ServingCellPriorityParametersDescription_t and sysctlBridgeCallIPTables", []),
        ("see assets/vipul-f0eb1acf0da84c06a50c5b2c59932001997786b1.png", []),
        # public or derived values, placeholders, base64 of a sentence
        ('{"signature": "I7l2ZXhw9ajjIE2w9tjHNvYjcHg7E2qldMMhoQKjborcWIj8c40r"}', []),
        ('<input name="authenticity_token" value="7SWa-Fo1_hsC6oovfBsJFLGPUl2EhkSWPbJhWANw">', []),
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBFOrMNcBCAC+gLI4s3bUkobS5NpOQbWfjWXbqC0Ixpc5bZYD\n", []),
        ("sk_test_xxxxxxxxxxxxxxxxxxxxxxxx1234567890abcdefghij", []),
        (base64.b64encode(b"this is just a sentence, nothing 2 hide here 42").decode(), []),
        # a provider prefix is left to the provider's rule (it knows the length and the public keys)
        ("AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM", []),
        # a value assigned to a descriptive name with no credential word: the name says what it is
        (f"sumOfExposures = {_MIXED}", []),
        (f'rook_table: "{_RANDOM}"', []),
        # a credential word anywhere in the name keeps it, and so does a short or random name
        (f"nonMatchingToken = {_MIXED}", [_MIXED]),
        (f"herokuApiKey = {_MIXED}", [_MIXED]),
        (f'client_id: "{_RANDOM}"', [_RANDOM]),
        (f"x = {_MIXED}", [_MIXED]),
        (f"wC = {_MIXED}", [_MIXED]),
    ],
)
def test_generated_tokens(recognizer: GeneratedTokenRecognizer, text: str, expected: list[str]) -> None:
    assert matched(recognizer, text) == expected


def test_prefixes_come_from_the_pinned_rule_set() -> None:
    prefixes = {prefix for prefix, _ in rule_prefixes()}
    assert {"ghp_", "AIza", "xoxb-", "glpat-"} <= prefixes
    assert has_rule_prefix("AIZASYCO2CXRMC9ELSKLHLHRMBSWDEVEDZTLO2O")  # in capitals too
    assert not has_rule_prefix(_RANDOM)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), length=st.integers(32, 64))
def test_random_tokens_of_two_alphabets_look_generated(seed: int, length: int) -> None:
    """Random strings of 32+ letters and digits (lower case, or mixed case) have the shape, bar rare draws.

    (Shorter mixed-case tokens are missed more often: a 24-character draw has fewer than two digits about
    one time in ten; see BENCHMARKS.md for what the rule leaves.)
    """
    rng = random.Random(seed)
    alphabet = rng.choice([string.ascii_lowercase + string.digits, string.ascii_letters + string.digits])
    hits = sum(looks_generated("".join(rng.choice(alphabet) for _ in range(length))) for _ in range(200))
    assert hits >= 170
