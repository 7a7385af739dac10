"""Credentials: Kingfisher's rules, our patterns, placeholders; valid, placeholder and look-alike rows.

Every key below was made up for these tests (random characters in each provider's layout).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bench.external.secrets_disguises import CONTAINERS, DISGUISES, LAYOUTS, disguise, token
from gateway.pipeline.decide import decide
from gateway.pipeline.detect import Detector
from gateway.policy import load_policies
from gateway.recognizers.secret_scanner import SecretScannerRecognizer
from gateway.recognizers.secrets import (
    AuthorizationHeaderRecognizer,
    AwsSecretAccessKeyRecognizer,
    ConfigCredentialRecognizer,
    CredentialInUrlRecognizer,
    CredentialPairRecognizer,
    EncodedPasswordRecognizer,
    KubernetesSecretRecognizer,
    SecretRecognizer,
    is_placeholder,
    shannon_entropy,
)
from gateway.settings import BUNDLED_POLICY_DIR
from gateway.types import Action, Message
from tests.recognizer_helpers import matched

_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"
_JWT_NONE = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1c2VyLTQyIiwicm9sZSI6ImFkbWluIn0."
_PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAx7d9s8f7sd6f5s4d3f2s1dQ\n-----END RSA PRIVATE KEY-----"
_PGP = (
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGXkN0YBCADQ8vJ2s0mJx4Hh9n5Kz8mQyP1r7TtV3wLbC6uA2dEfGhIjKlMn\n"
    "=x3Yq\n-----END PGP PRIVATE KEY BLOCK-----"
)
_GITHUB = "ghp_vRtUI0hGB56FCnZIyFe5PMKDEOrMzZd5QWOV"
_HUGGINGFACE = "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"
_SLACK_APP = "xapp-1-AHV4V7HWP4V-0806776458880-b67585697abf3768e380b0ba3be61fad37878f768c184632930cf456923dd101"
_SLACK_WEBHOOK = "https://hooks.slack.com/services/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"
_ANTHROPIC = (
    "sk-ant-api03-i6DPvldcP-w5GsIzSmL4dujeBSRah_GLV6K0F_w0Plsx-YTXzOBn-ZyEG98le8k3hRnogPFt-gUHLBw3Tay7Z2NwsAK4uAA"
)
_TERRAFORM = "4rqph6adw1cyrq.atlasv1.YDkJYPS8-LY=f2ABKqodlVhupNKQWFcJboOm0ue7Tj_dl1upSAEhHwFBC-ZhDXDEqYU"
_SHOPIFY = "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"
_STRIPE_RESTRICTED = "rk_live_wTT2vNJBoPC4a7Wk7cRvgmlN"
_STRIPE_TEST_LONG = (
    "sk_test_51JKY40uvSwMFLZDe1f8rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpzz63FfkCzJr4i0B3JrTAwR4y9ojfljoQoaF1L"
)
_AWS = "AKIAGEDN73U55XTPLPFT"
_VAULT = "hvs.HF4vUCsMehGAkWvj7FAc9QeW"
_AZURE = "u8j8Q~YgjmUh.Bel31iEl2hpChYgCfrL1spNxnyV"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # valid: formats the maintained rule set knows, bare and in prose
        (_GITHUB, [_GITHUB]),
        (f"my token is {_HUGGINGFACE}, thanks", [_HUGGINGFACE]),
        (_SLACK_APP, [_SLACK_APP]),
        (_SLACK_WEBHOOK, [_SLACK_WEBHOOK]),
        (_ANTHROPIC, [_ANTHROPIC]),
        (_TERRAFORM, [_TERRAFORM]),
        (_SHOPIFY, [_SHOPIFY]),
        (_STRIPE_RESTRICTED, [_STRIPE_RESTRICTED]),
        (_JWT_NONE, [_JWT_NONE]),  # an unsigned (alg: none) JWT is still a bearer credential
        (f"é ü {_GITHUB} ñ", [_GITHUB]),  # byte offsets mapped back to characters
        # placeholders
        ("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", []),
        ("xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx", []),
        ("hf_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", []),
        # look-alikes
        ("ghp_ is the prefix of a GitHub personal access token", []),
        ("commit da39a3ee5e6b4b0d3255bfef95601890afd80709", []),
    ],
)
def test_secret_scanner(text: str, expected: list[str]) -> None:
    assert matched(SecretScannerRecognizer(), text) == expected


_G1, _G2 = _GITHUB[:20], _GITHUB[20:]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a line break inside a token: the finding covers the break
        (f"{_G1}\n{_G2}", [f"{_G1}\n{_G2}"]),
        (f"token:\n  {_G1}\r\n  {_G2}\nnext line", [f"{_G1}\r\n  {_G2}"]),
        (f"export TOKEN={_G1}\\\n{_G2}", [f"{_G1}\\\n{_G2}"]),  # a shell continuation
        # string concatenation in code
        (f'const k = "{_G1}" + "{_G2}";', [f'{_G1}" + "{_G2}']),
        ("k = 'rk_live_' + 'wTT2vNJBoPC4a7Wk7cRvgmlN'", ["rk_live_' + 'wTT2vNJBoPC4a7Wk7cRvgmlN"]),
        ('$k = "rk_live_" . "wTT2vNJBoPC4a7Wk7cRvgmlN";', ['rk_live_" . "wTT2vNJBoPC4a7Wk7cRvgmlN']),
        (f'key = ("{_G1}"\n       "{_G2}")', [f'{_G1}"\n       "{_G2}']),  # adjacent literals
        # look-alikes: joined lines and strings that make no token
        ('msg = "Hello, " + "world"', []),
        ("first line of the report here\nsecond line of the report", []),
        ('name = "ghp_" + user_input', []),
    ],
)
def test_secret_scanner_sees_through_split_tokens(text: str, expected: list[str]) -> None:
    assert matched(SecretScannerRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my password in base64 is UzNjcjN0IVBhc3M=", ["UzNjcjN0IVBhc3M="]),  # S3cr3t!Pass
        ("the db password: ZGVwbG95OlRyMHViNGRvciYz", ["ZGVwbG95OlRyMHViNGRvciYz"]),  # deploy:Tr0ub4dor&3
        ("UzNjcjN0IVBhc3M= is the encoded secret", ["UzNjcjN0IVBhc3M="]),
        ("UzNjcjN0IVBhc3M= is the build id", []),  # no password wording
        ("password reset for aGVsbG8gd29ybGQ=", []),  # "hello world": not a password
        ("password field: Y2hhbmdlbWUxMjM=", []),  # "changeme123": a placeholder
        ("password hint: Zm9vYmFyYmF6", []),  # "foobarbaz": one class of characters
        ("your password was changed, ticket ABCD1234EFGH", []),  # not base64 text
    ],
)
def test_encoded_password(text: str, expected: list[str]) -> None:
    assert matched(EncodedPasswordRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # valid: what the rule set misses bare, and keyed assignments
        (f"key {_AWS} here", [_AWS]),
        (_STRIPE_TEST_LONG, [_STRIPE_TEST_LONG]),
        (f"VAULT_TOKEN {_VAULT}", [_VAULT]),
        (f"here is my key\n{_PEM}\nthanks", [_PEM]),
        (_PGP, [_PGP]),
        (_PEM.rsplit("\n", 1)[0], [_PEM.rsplit("\n", 1)[0]]),  # cut short, no END line: still key material
        (f"auth: {_JWT}", [f"auth: {_JWT}"]),
        ("password = Hunter2!x", ["password = Hunter2!x"]),
        ('DB_PASSWORD="s3cr3tP@ss"', ['DB_PASSWORD="s3cr3tP@ss'.rstrip('"')]),
        ("api_key: 9f8e7d6c5b4a39281726354a5b6c7d8e", ["api_key: 9f8e7d6c5b4a39281726354a5b6c7d8e"]),
        ("DB_PASSWORD=839201", ["DB_PASSWORD=839201"]),  # a numeric password is still one
        ("DB_PASSWORD=Passw0rd123456", ["DB_PASSWORD=Passw0rd123456"]),  # "123456" in a password is not filler
        # placeholders and templates
        ("AKIAXXXXXXXXXXXXXXXX", []),
        ("key = AKIAIOSFODNN7EXAMPLE", []),  # AWS's documented example key id
        ("sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", []),
        ("password: ********", []),
        ("password = os.environ['DB_PASSWORD']", []),
        ('api_key: "${API_TOKEN}"', []),
        ("token: {{ .Values.apiToken }}", []),
        ("API_KEY=<your-api-key>", []),
        ("SECRET_KEY=your-secret-key-here", []),
        ("JWT_SECRET=changeme", []),
        ("token: aaaaaaaaaaaaaaaaaaaaaaaa", []),  # no entropy
        ("api_key=abcdefghijklmnopqrstuvwxyz123456", []),  # a sequence, not a key
        ("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----", []),  # no key material
        ("-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----", []),
        # empty assignments: the next line is not the value
        ("AWS_SECRET_ACCESS_KEY=\nAWS_DEFAULT_REGION=eu-central-1", []),
        ("DB_PASSWORD=\nDB_HOST=db.internal.example", []),
        # look-alikes
        ("Reset your password: click the link", []),
        ("AKIA is a prefix used by AWS", []),
        ("version 1.2.3, build 20240501", []),
        ("PASSWORD_RESET_TIMEOUT = 259200", []),  # a setting about passwords, not one
        ("SESSION_TOKEN_TTL: 15m", []),
        ("API_KEY_REQUIRED = true", []),
        ("AUTH_PASSWORD_MIN_LENGTH=12", []),
    ],
)
def test_secret(text: str, expected: list[str]) -> None:
    assert matched(SecretRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("AKIAXXXXXXXXXXXXXXXX", True),
        ("${API_TOKEN}", True),
        ("{{ .Values.password }}", True),
        ("<token>", True),
        ("$TOKEN", True),
        ("%DB_PASSWORD%", True),
        ("your_api_key", True),
        ("AKIAIOSFODNN7EXAMPLE", True),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", True),
        ("ntn_123456789012345678901234567890123456789012345678", True),
        ("sntryu_" + "a" * 64, True),
        ("", True),
        (_GITHUB, False),
        ("Hunter2!x", False),
        ("Passw0rd123456", False),
        ("ops_eyJzaWduYXR1cmUi...", True),  # an elided excerpt, as documentation writes one
        ("ghp_vRtUI0hGB56F\u2026", True),
        # base64 key material has runs of one letter (zero bytes): not filler
        ("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAB", False),
    ],
)
def test_is_placeholder(value: str, expected: bool) -> None:
    assert is_placeholder(value) is expected


def test_entropy() -> None:
    assert shannon_entropy("aaaa") == 0
    assert shannon_entropy("abcd") == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<add key="ClearTextPassword" value="Tr0ub4dor&3x" />', ["Tr0ub4dor&3x"]),
        ("<add value='Zq8!vLm2pR' key='ClearTextPassword'/>", ["Zq8!vLm2pR"]),
        ('<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />', []),
        ('<add key="Username" value="build-bot" />', []),
        ('{"auths": {"registry.example.com": {"auth": "YnVpbGQ6UzNjcjN0IVBhc3M="}}}', ["YnVpbGQ6UzNjcjN0IVBhc3M="]),
        ('{"auths": {"registry.example.com": {"auth": "dXNlcjo8cGFzc3dvcmQ+"}}}', []),  # user:<password>
        (f"client secret {_AZURE}", [_AZURE]),
        ("curl -u deploy:Xq7!pLm29z https://api.example.com", ["Xq7!pLm29z"]),
        ('curl -sL --user "$GITHUB_USERNAME:$GITHUB_PASSWORD" "$URL"', []),
        ("docker run -u 1000:1000 --user 1000:1000 app", []),  # uid:gid
        ("python -u serve.py:main", []),  # not a client's -u
        ("mysql --password=Tr0ub4dor3x -h db", ["Tr0ub4dor3x"]),
        ("the --password flag reads from stdin", []),
    ],
)
def test_config_credentials(text: str, expected: list[str]) -> None:
    assert matched(ConfigCredentialRecognizer(), text) == expected


_MANIFEST = """apiVersion: v1
kind: Secret
metadata:
  name: db-creds
  namespace: prod
type: Opaque
data:
  username: YnVpbGQtYm90
  password: UzNjcjN0IVBhc3M=
  .dockercfg: |
    eyJhdXRocyI6eyJyZWcuZXhhbXBsZS5jb20iOnsiYXV0aCI6ImRYTmxjanB3WVhOeiJ9fX0=
stringData:
  api-key: "${API_KEY}"
  other: Zx81!kLm0pq
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            _MANIFEST,
            [
                "YnVpbGQtYm90",
                "UzNjcjN0IVBhc3M=",
                "eyJhdXRocyI6eyJyZWcuZXhhbXBsZS5jb20iOnsiYXV0aCI6ImRYTmxjanB3WVhOeiJ9fX0=",
                "Zx81!kLm0pq",
            ],
        ),  # fmt: skip
        (
            '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"xyzw"},"data":{"token":"dG9rZW4tdmFsdWUtMTIz"}}',
            ["dG9rZW4tdmFsdWUtMTIz"],
        ),
        (_MANIFEST.replace("kind: Secret", "kind: ConfigMap"), []),  # a ConfigMap's data is not secret
        ("---\nkind: ConfigMap\ndata:\n  mode: ZmFzdA==\n---\nkind: Secret\ndata: {}\n", []),  # other document
        ("kind: Secret\nmetadata:\n  name: creds\n  labels:\n    app: web\n", []),  # no data map
    ],
)
def test_kubernetes_secret(text: str, expected: list[str]) -> None:
    assert matched(KubernetesSecretRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DATABASE_URL=postgres://app_rw:Tr0ub4dor!88x?@db.internal:5432/app", ["Tr0ub4dor!88x?"]),
        ('create_engine("mysql+pymysql://report:Xy9%40kLm!@10.0.0.5/db")', ["Xy9%40kLm!"]),
        ("mongodb+srv://etl:p@ss$w0rd@cluster0.example.net/x", ["p@ss$w0rd"]),  # '@' inside the password
        ("redis://:s3cretRedis@cache:6379/0", []),  # no user part: not this shape
        ("postgres://user:${DB_PASS}@localhost/db", []),  # a placeholder
        ("https://user:<password>@example.com", []),
        ("postgres://user:password@localhost:5432/app", []),  # a template's wording
        ("mailto:jane@example.com", []),
        ("https://example.com/a:b@c", []),  # not user-info
    ],
)
def test_credential_in_url(text: str, expected: list[str]) -> None:
    assert matched(CredentialInUrlRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # user:password written out, the finding is the password
        ("curl -u elastic:P@ssw0rd$1x https://es.internal:9200", ["P@ssw0rd$1x"]),
        ("auth = 'api:d2LkV78zLx!t'", ["d2LkV78zLx!t"]),
        ("login with jane.doe@corp.example:Wq8#zLp2vR", ["Wq8#zLp2vR"]),
        ('"svc_backup:kT9vQ2mXr7Lp"', ["kT9vQ2mXr7Lp"]),
        ("(admin:xK3pQ9vL2mZ8)", ["xK3pQ9vL2mZ8"]),
        ('creds=":Hq7vN2xKp9Lm"', ["Hq7vN2xKp9Lm"]),  # no user, the token opens with a quote
        # tags, versions, names, identifiers, numbers, digests: not passwords
        ("FROM python:3.11-slim-bookworm", []),
        ("npm i lodash:lodash@4.17.21", []),
        ("see module:function_name_here", []),
        ("Error:ConnectionRefusedError raised", []),
        ("model:iPhone15ProMax", []),
        ("image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", []),
        ("listen on localhost:80808080", []),
        ("dial 10:30:45 and 2001:db8::1", []),
        ("at src/app.py:120:5 in main", []),
        ('{"id":"call_Xk3pQ9vL2mZ8aB7c","type":"function"}', []),  # a JSON id, not ":password"
        ('{"type":"function_call_output"}', []),
        ("user:${PASSWORD}", []),
        ("deploy:changeme_please", []),
    ],
)
def test_credential_pair(text: str, expected: list[str]) -> None:
    assert matched(CredentialPairRecognizer(), text) == expected


def test_secret_scanner_judges_placeholders_as_written() -> None:
    """A token view blanks ``${}``; the placeholder is judged on the text as written, not the blanked view."""
    assert matched(SecretScannerRecognizer(), 'curl -u "SRVC_JENKINS:${APPID}" https://ci') == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-H 'Authorization: Bearer 8fa3kd92jdKs0Lmx7Qp2vBn4Zt6Yw1Rc9Xs'", ["8fa3kd92jdKs0Lmx7Qp2vBn4Zt6Yw1Rc9Xs"]),
        ("Authorization: Basic dXNlcjpTM2NyZXQhUGFzcw==", ["dXNlcjpTM2NyZXQhUGFzcw=="]),
        ("Authorization: token 9f8e7d6c5b4a39281726", ["9f8e7d6c5b4a39281726"]),
        ('-H "Authorization: Bearer $TOKEN"', []),  # a shell variable
        ("Authorization: Bearer <your-token-here>", []),
        ("Authorization: Bearer aaaaaaaaaaaaaaaaaaaaaaaa", []),  # no entropy
        ("Authorization:\nX-Request-Id: 8fa3kd92jdKs0Lmx7Qp2vBn4", []),  # empty header: not the next line
        ("the bearer of this letter is Jane", []),
    ],
)
def test_authorization_header(text: str, expected: list[str]) -> None:
    assert matched(AuthorizationHeaderRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "aws secret access key xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU",
            ["xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU"],
        ),
        (
            "xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU is the aws_secret_access_key",
            ["xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU"],
        ),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", []),  # AWS's documented example
        ("commit da39a3ee5e6b4b0d3255bfef95601890afd80709 in the aws repo", []),  # a SHA-1: one case, hex
        ("checksum xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU of the tarball", []),  # no AWS wording
    ],
)
def test_aws_secret_access_key(text: str, expected: list[str]) -> None:
    assert matched(AwsSecretAccessKeyRecognizer(), text) == expected


_ENV_TEMPLATE = """# .env.example: copy to .env and fill in
OPENAI_API_KEY=
ANTHROPIC_API_KEY=your-anthropic-key-here
DATABASE_URL=postgres://user:password@localhost:5432/app
STRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx
GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX
JWT_SECRET=changeme
AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX
AWS_SECRET_ACCESS_KEY=
SESSION_TIMEOUT=3600
"""


@pytest.mark.parametrize(
    ("text", "blocked"),
    [
        (_ENV_TEMPLATE, False),  # a coding agent's .env template
        ('{"name": "deploy", "arguments": "{\\"token\\": \\"${API_TOKEN}\\", \\"env\\": \\"prod\\"}"}', False),
        ("Use AKIAIOSFODNN7EXAMPLE as the key id, as in the AWS docs.", False),
        (_ENV_TEMPLATE.replace("OPENAI_API_KEY=\n", f"OPENAI_API_KEY={_ANTHROPIC}\n"), True),
        (_MANIFEST, True),
        (f"the deploy uses {_VAULT} for Vault", True),
    ],
)
def test_bundled_policies_block_only_real_credentials(detector: Detector, text: str, blocked: bool) -> None:
    findings = detector.detect([Message(0, "user", text)])
    policies = load_policies(BUNDLED_POLICY_DIR)
    actions = {name: decide(policy, findings).action for name, policy in policies.items()}
    assert all((action is Action.BLOCK) is blocked for action in actions.values()), (actions, findings)


# ---------------------------------------------------------------- generated: token x disguise x container
# (the same generators as bench.external.secrets_disguises, which prints recall per cell)


@pytest.mark.parametrize("container", list(CONTAINERS))
@pytest.mark.parametrize("how", DISGUISES)
@pytest.mark.parametrize("layout", list(LAYOUTS))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), cut=st.floats(0.0, 1.0))
def test_disguised_tokens_in_containers_block(
    detector: Detector, layout: str, how: str, container: str, seed: int, cut: float
) -> None:
    """Every provider layout, split anywhere, in every container: found over the disguised text, and blocked."""
    value = token(layout, random.Random(seed))
    assume(not is_placeholder(value))
    shown = disguise(value, 2 + int((len(value) - 4) * cut), how)
    text = CONTAINERS[container].format(value=shown)
    findings = detector.detect([Message(0, "user", text)])
    at = text.index(shown)
    secrets = [f for f in findings if f.entity_type == "SECRET"]
    assert any(f.start <= at + 1 and f.end >= at + len(shown) - 1 for f in secrets), (text, secrets)
    policies = load_policies(BUNDLED_POLICY_DIR)
    assert all(decide(policy, findings).action is Action.BLOCK for policy in policies.values())
