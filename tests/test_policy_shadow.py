"""Shadow policies: ``mode: shadow`` with ``shadow_of``, evaluated beside the enforced policy and recorded in the
audit record (hashed into the chain, shown by the review API) without changing the outcome."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from gateway.audit.verify import verify_trail
from gateway.db import audit_records
from gateway.pipeline.detect import Detector
from gateway.policy import PolicyError, load_all, load_policies
from gateway.settings import BUNDLED_POLICY_DIR
from tests.detect_fixtures import detector  # noqa: F401  (the session-wide real Detector)
from tests.support.review import PASSWORD, review_gateway

STRICT = """\
name: healthcare-strict
description: A stricter healthcare policy tried in shadow before it is enforced.
mode: shadow
shadow_of: healthcare
rules:
  - id: ssn-block
    action: block
    when: {any: [US_SSN]}
    reason: "SSNs would be blocked outright."
    regulation: "Internal draft"
"""


def policy_folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(BUNDLED_POLICY_DIR, folder)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text)
    return folder


def test_a_shadow_policy_rides_on_the_policy_it_shadows_and_is_not_enforceable(tmp_path: Path) -> None:
    policies = load_policies(policy_folder(tmp_path, **{"healthcare-strict": STRICT}))
    assert "healthcare-strict" not in policies  # no key or request can run under it
    assert [s.name for s in policies["healthcare"].shadows] == ["healthcare-strict"]
    assert all(p.shadows == () for name, p in policies.items() if name != "healthcare")


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (STRICT.replace("shadow_of: healthcare\n", ""), "(file)", "needs 'shadow_of'"),
        (STRICT.replace("shadow_of: healthcare", "shadow_of: retail"), "shadow_of", "names no enforced policy"),
        (STRICT.replace("mode: shadow\n", ""), "(file)", "'shadow_of' needs 'mode: shadow'"),
        (STRICT.replace("mode: shadow", "mode: dry"), "mode", "Input should be 'enforce' or 'shadow'"),
    ],
)
def test_a_bad_shadow_policy_is_reported_by_file_and_field(tmp_path: Path, text: str, field: str, message: str) -> None:
    folder = policy_folder(tmp_path, **{"healthcare-strict": text})
    with pytest.raises(PolicyError) as raised:
        load_all(folder)
    [problem] = raised.value.problems
    assert (problem.file, problem.field) == (str(folder / "healthcare-strict.yaml"), field)
    assert message in problem.message


def test_the_shadow_decision_is_recorded_beside_the_enforced_one(tmp_path: Path, detector: Detector) -> None:  # noqa: F811
    folder = policy_folder(tmp_path, **{"healthcare-strict": STRICT})
    strict_version = next(p.version for p in load_all(folder) if p.name == "healthcare-strict")
    with review_gateway(tmp_path / "data", detector, policy_dir=folder) as gw:
        ssn, clean, finance = gw.records[0], gw.records[2], gw.records[3]
        assert ssn["decision"] == "route_local"  # the shadow would block; the enforced policy decides
        with httpx.Client(base_url=gw.base, timeout=60) as auditor:
            signed_in = auditor.post("/review/api/session", json={"username": "arno-auditor", "password": PASSWORD})
            assert signed_in.status_code == 200
            shown = {r["id"]: auditor.get(f"/review/api/records/{r['id']}").json() for r in (ssn, clean, finance)}
        assert shown[ssn["id"]]["decision"] == "route_local"
        assert shown[ssn["id"]]["rule_ids"] == ["hipaa-identifiers-local"]
        assert shown[ssn["id"]]["shadow"] == [
            {"policy": "healthcare-strict", "policy_version": strict_version, "decision": "block",
             "rule_ids": ["ssn-block"]},
        ]  # fmt: skip
        assert shown[clean["id"]]["shadow"] == [
            {"policy": "healthcare-strict", "policy_version": strict_version, "decision": "allow", "rule_ids": []},
        ]
        assert shown[finance["id"]]["shadow"] is None  # finance has no shadow policy

        # The shadow decision is part of the record's hashed content: changing it breaks the chain there.
        services = gw.services
        assert verify_trail(services.engine, services.audit.keyring).ok
        with services.engine.begin() as conn:
            forged = [{"policy": "healthcare-strict", "policy_version": strict_version, "decision": "allow",
                       "rule_ids": []}]  # fmt: skip
            conn.execute(update(audit_records).where(audit_records.c.id == ssn["id"]).values(shadow=forged))
        report = verify_trail(services.engine, services.audit.keyring)
        assert not report.ok and report.first_bad_record == ssn["id"]
