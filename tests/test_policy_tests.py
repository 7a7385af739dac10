"""``gateway policy test``: the bundled policies' tests pass, cover every rule, and a wrong expectation fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from gateway.cli import main
from gateway.pipeline.detect import Detector
from gateway.policy import load_all
from gateway.policy_tests import find_test_files, load_test_file, run_file
from gateway.settings import BUNDLED_POLICY_DIR
from tests.detect_fixtures import detector  # noqa: F401  (the session-wide real Detector)
from tests.support.server import GATEWAY, gateway_env

PLANTED = "an SSN stays on premises"


def test_every_bundled_policy_has_a_test_file_that_fires_each_of_its_rules() -> None:
    for policy in load_all(BUNDLED_POLICY_DIR):
        spec = load_test_file(BUNDLED_POLICY_DIR / f"{policy.name}_test.yaml")
        expected = {rule for case in spec.cases for rule in case.rules}
        missing = {rule.id for rule in policy.spec.rules} - expected
        assert not missing, f"{policy.name}: no test case fires {sorted(missing)}"
        assert any(case.decision == "allow" and case.rules == [] for case in spec.cases), policy.name


def test_the_bundled_policy_tests_pass(detector: Detector) -> None:  # noqa: F811
    policies = {p.name: p for p in load_all(BUNDLED_POLICY_DIR)}
    files = find_test_files(BUNDLED_POLICY_DIR)
    assert {f.name for f in files} == {f"{name}_test.yaml" for name in policies}
    results = [result for path in files for result in run_file(detector, path, policies)]
    assert len(results) >= 40
    assert [str(r) for r in results if not r.passed] == []


def test_a_wrong_expectation_fails_with_its_file_and_case(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    shutil.copytree(BUNDLED_POLICY_DIR, folder)
    test_file = folder / "healthcare_test.yaml"
    spec = yaml.safe_load(test_file.read_text())
    [case] = [c for c in spec["cases"] if c["name"] == PLANTED]
    assert case["decision"] == "route_local"
    case["decision"] = "allow"  # the planted mistake: an SSN would go to the cloud
    test_file.write_text(yaml.safe_dump(spec, sort_keys=False))

    result = subprocess.run(
        [GATEWAY, "policy", "test", str(folder)],
        env=gateway_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL ")]
    assert failures == [f"FAIL {test_file}: case {PLANTED!r}: decision is route_local, expected allow"]
    assert " passed, 1 failed, 0 invalid (4 files)" in result.stdout


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["policy", "validate", str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_accepts_the_test_files_beside_the_policies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _validate(BUNDLED_POLICY_DIR, capsys)
    assert code == 0, err
    assert "healthcare_test.yaml: ok (tests of healthcare, " in out
    assert "healthcare.yaml: ok (healthcare, 5 rules" in out


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ({"name": "x", "input": "a", "decision": "maybe", "rules": []}, "cases.0.decision", "Input should be"),
        ({"name": "x", "input": "a", "messages": [{"role": "user", "content": "a"}], "decision": "allow", "rules": []},
         "cases.0", "exactly one of 'input', 'messages' or 'body'"),
        ({"name": "x", "input": "a", "decision": "allow"}, "cases.0.rules", "Field required"),
        ({"name": "x", "input": "a", "decision": "allow", "rules": [], "door": "chat"}, "cases.0.door", "Extra inputs"),
        ({"name": "x", "endpoint": "fax", "input": "a", "decision": "allow", "rules": []}, "cases.0.endpoint",
         "unknown endpoint"),
    ],
)  # fmt: skip
def test_a_malformed_test_file_is_reported_by_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: dict[str, object], field: str, message: str
) -> None:
    shutil.copy(BUNDLED_POLICY_DIR / "general.yaml", tmp_path / "general.yaml")
    (tmp_path / "general_test.yaml").write_text(yaml.safe_dump({"cases": [case]}))
    code, _, err = _validate(tmp_path, capsys)
    assert code == 1
    assert f"{tmp_path / 'general_test.yaml'}: {field}: " in err and message in err


def test_a_test_file_for_a_policy_that_does_not_exist_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(BUNDLED_POLICY_DIR / "general.yaml", tmp_path / "general.yaml")
    case = {"name": "x", "input": "a", "decision": "allow", "rules": []}
    (tmp_path / "retail_test.yaml").write_text(yaml.safe_dump({"cases": [case]}))
    code, _, err = _validate(tmp_path, capsys)
    assert code == 1 and f"{tmp_path / 'retail_test.yaml'}: policy: no policy 'retail'" in err
