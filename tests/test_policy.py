"""Policy files: the bundled four decide as POLICY_REFERENCE.md says; bad files are reported by file and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.pipeline.decide import decide
from gateway.policy import PolicyError, load_policies, load_policy_file
from gateway.settings import BUNDLED_POLICY_DIR
from gateway.types import Action, Finding

GATEWAY = str(Path(sys.executable).parent / "gateway")
POLICIES = load_policies(BUNDLED_POLICY_DIR)
BLOCK, LOCAL, ALLOW = Action.BLOCK, Action.ROUTE_LOCAL, Action.ALLOW


def findings(*entity_types: str) -> list[Finding]:
    return [Finding(entity, 0, i * 10, i * 10 + 5, 0.9, "test") for i, entity in enumerate(entity_types)]


HEALTHCARE_LOCAL = """PERSON US_SSN DATE_OF_BIRTH PHONE_NUMBER EMAIL_ADDRESS STREET_ADDRESS
MEDICAL_RECORD_NUMBER HEALTH_PLAN_ID US_MBI US_NPI US_DEA
US_DRIVER_LICENSE US_PASSPORT IP_ADDRESS US_ITIN IBAN_CODE US_BANK_ACCOUNT""".split()
FINANCE_LOCAL = """US_SSN US_ITIN IBAN_CODE US_BANK_ACCOUNT US_PASSPORT US_DRIVER_LICENSE DATE_OF_BIRTH PERSON
EMAIL_ADDRESS PHONE_NUMBER""".split()
GENERAL_LOCAL = """PERSON EMAIL_ADDRESS PHONE_NUMBER STREET_ADDRESS DATE_OF_BIRTH US_SSN IBAN_CODE US_PASSPORT
US_DRIVER_LICENSE IP_ADDRESS US_ITIN US_BANK_ACCOUNT EXPORT_CONTROL CUI_MARKING""".split()
MANUFACTURING_LOCAL = ["EXPORT_CONTROL", "CUI_MARKING", "PROPRIETARY_MARKING", "US_SSN"]

CASES = (
    [
        (policy, (entity,), BLOCK)
        for policy in POLICIES
        for entity in ("SECRET", "CREDIT_CARD", "CLASSIFICATION_MARKING")
    ]
    + [("healthcare", (entity,), LOCAL) for entity in HEALTHCARE_LOCAL]
    + [("finance", (entity,), LOCAL) for entity in FINANCE_LOCAL]
    + [("general", (entity,), LOCAL) for entity in GENERAL_LOCAL]
    + [("manufacturing", (entity,), LOCAL) for entity in MANUFACTURING_LOCAL]
    + [
        ("finance", ("ABA_ROUTING",), ALLOW),
        ("finance", ("SWIFT_BIC",), ALLOW),
        ("finance", ("ABA_ROUTING", "US_BANK_ACCOUNT"), LOCAL),
        ("finance", ("SWIFT_BIC", "IBAN_CODE"), LOCAL),
        ("finance", ("MEDICAL_RECORD_NUMBER",), ALLOW),
        ("finance", ("EXPORT_CONTROL",), ALLOW),
        ("manufacturing", ("PERSON",), ALLOW),
        ("manufacturing", ("PHONE_NUMBER",), ALLOW),
        ("manufacturing", ("PERSON", "PHONE_NUMBER"), LOCAL),
        ("manufacturing", ("PERSON", "STREET_ADDRESS"), LOCAL),
        ("manufacturing", ("PERSON", "EMAIL_ADDRESS"), LOCAL),
        ("manufacturing", ("DATE_OF_BIRTH",), ALLOW),
        ("healthcare", ("EXPORT_CONTROL",), ALLOW),
        ("general", ("PROPRIETARY_MARKING",), ALLOW),
        ("general", ("US_NPI",), ALLOW),
        ("healthcare", ("PERSON", "CREDIT_CARD"), BLOCK),  # most severe wins
        ("general", (), ALLOW),
    ]
)


@pytest.mark.parametrize(("policy", "entities", "expected"), CASES)
def test_bundled_policies_decide_as_the_reference_says(
    policy: str, entities: tuple[str, ...], expected: Action
) -> None:
    decision = decide(POLICIES[policy], findings(*entities))
    assert decision.action is expected
    assert decision.policy == policy and decision.policy_version == POLICIES[policy].version
    if expected is ALLOW:
        assert decision.rules == ()
    else:
        assert decision.deciding_rules and all(r.reason and r.regulation for r in decision.deciding_rules)


def test_rules_come_most_severe_first_and_name_their_entities() -> None:
    decision = decide(POLICIES["healthcare"], findings("PERSON", "SECRET"))
    assert [r.id for r in decision.rules] == ["credentials-block", "hipaa-identifiers-local"]
    assert decision.rules[0].entity_types == ("SECRET",)
    assert [r.id for r in decision.deciding_rules] == ["credentials-block"]


def test_min_score_ignores_weak_findings(tmp_path: Path) -> None:
    (tmp_path / "strict.yaml").write_text(
        "name: strict\nrules:\n  - id: r\n    action: block\n    when: {any: [PERSON]}\n"
        "    reason: x\n    regulation: y\n    min_score: 0.95\n"
    )
    policy = load_policy_file(tmp_path / "strict.yaml")
    assert decide(policy, findings("PERSON")).action is ALLOW  # score 0.9 < 0.95


BAD_FILES = {
    "unknown-entity": ("rules.0.when.any", "any: [NOT_A_THING]"),
    "bad-action": ("rules.0.action", "any: [PERSON]"),
    "no-trigger": ("rules.0.when", ""),
}


def write_bad(directory: Path, name: str) -> Path:
    action = "obliterate" if name == "bad-action" else "block"
    trigger = BAD_FILES[name][1]
    when = f"{{{trigger}}}" if trigger else "{}"
    path = directory / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nrules:\n  - id: r1\n    action: {action}\n    when: {when}\n    reason: x\n    regulation: y\n"
    )
    return path


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_invalid_files_are_reported_with_file_and_field(tmp_path: Path, name: str) -> None:
    path = write_bad(tmp_path, name)
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    fields = [problem.field for problem in caught.value.problems]
    assert BAD_FILES[name][0] in fields
    assert all(problem.file == str(path) for problem in caught.value.problems)


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("name: other\nrules:\n  - {id: r, action: block, when: {any: [SECRET]}, reason: x, regulation: y}\n", "name"),
        (
            "name: dup\nrules:\n" + "  - {id: r, action: block, when: {any: [SECRET]}, reason: x, regulation: y}\n" * 2,
            "rules",
        ),
        (
            "name: extra\ncolour: red\nrules:\n"
            "  - {id: r, action: block, when: {any: [SECRET]}, reason: x, regulation: y}\n",
            "colour",
        ),
        ("name: [unclosed\n", "line 2"),  # YAML reports where the stream ended
    ],
)
def test_other_problems(tmp_path: Path, content: str, field: str) -> None:
    stem = {"name": "mismatch", "rules": "dup", "colour": "extra", "line 2": "broken"}[field]
    path = tmp_path / f"{stem}.yaml"
    path.write_text(content)
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    assert field in [problem.field for problem in caught.value.problems]


def test_validate_command(tmp_path: Path) -> None:
    ok = subprocess.run([GATEWAY, "policy", "validate"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    lines = ok.stdout.splitlines()
    assert len([line for line in lines if ".yaml: ok (" in line and "tests of" not in line]) == 4
    assert len([line for line in lines if "_test.yaml: ok (tests of " in line]) == 4  # their tests, checked too
    for name in BAD_FILES:
        write_bad(tmp_path, name)
    bad = subprocess.run([GATEWAY, "policy", "validate", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
    for name, (field, _) in BAD_FILES.items():
        assert f"{tmp_path / name}.yaml: {field}:" in bad.stderr
    single = subprocess.run(
        [GATEWAY, "policy", "validate", str(tmp_path / "bad-action.yaml")], capture_output=True, text=True, timeout=60
    )
    assert single.returncode != 0 and "rules.0.action" in single.stderr


@pytest.mark.parametrize(("value", "ok"), [("route_local", True), ("block", True), ("allow", False), ("redact", False)])
def test_unscannable_content_can_only_stay_on_premises(tmp_path: Path, value: str, ok: bool) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        f"name: p\nunscannable: {value}\nrules:\n  - id: r\n    action: block\n    when: {{any: [SECRET]}}\n"
        "    reason: x\n    regulation: y\n"
    )
    if ok:
        assert load_policy_file(path).spec.unscannable.value == value
    else:
        with pytest.raises(PolicyError, match="unscannable"):
            load_policy_file(path)
