"""Policy reload: on SIGHUP or a changed file, an invalid folder refused (the last good one stays), the new
version in every later record; mid-traffic on a real ``gateway serve`` process with no request lost."""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from gateway.db import audit_records
from gateway.policy import Policy, load_policies
from gateway.policy_reload import PolicyReloader
from gateway.settings import BUNDLED_POLICY_DIR
from tests.support.server import GatewayProcess, free_port, gateway_env

INVALID = "name: healthcare\nrules:\n  - id: broken\n    action: route_local\n    when: {any: [NOT_AN_ENTITY]}\n"


def policy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(BUNDLED_POLICY_DIR, folder)
    return folder


def edited(folder: Path, note: str) -> str:
    """Change healthcare.yaml (a comment, so the rules stay) and return its new version."""
    path = folder / "healthcare.yaml"
    path.write_text((BUNDLED_POLICY_DIR / "healthcare.yaml").read_text() + f"# {note}\n")
    return load_policies(folder)["healthcare"].version


class Applied:
    def __init__(self) -> None:
        self.sets: list[dict[str, Policy]] = []

    def __call__(self, policies: dict[str, Policy]) -> None:
        self.sets.append(policies)

    @property
    def version(self) -> str:
        return self.sets[-1]["healthcare"].version


def test_a_valid_change_is_applied_and_an_invalid_one_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = policy_folder(tmp_path)
    applied = Applied()
    reloader = PolicyReloader(folder, applied)
    assert not reloader.changed()
    new = edited(folder, "v2")
    assert reloader.changed() and reloader.reload() and applied.version == new
    assert not reloader.changed()
    (folder / "healthcare.yaml").write_text(INVALID)
    with caplog.at_level(logging.ERROR, logger="gateway.policy_reload"):
        assert not reloader.reload()
    assert len(applied.sets) == 1  # the last good set stays in force
    assert f"{folder / 'healthcare.yaml'}: rules.0.when.any: " in caplog.text and "NOT_AN_ENTITY" in caplog.text


def test_the_watcher_reloads_a_changed_file_and_on_request(tmp_path: Path) -> None:
    folder = policy_folder(tmp_path)

    async def scenario(interval_s: float) -> tuple[Applied, str]:
        applied = Applied()
        reloader = PolicyReloader(folder, applied)
        watcher = asyncio.create_task(reloader.watch(interval_s))
        try:
            new = edited(folder, f"interval {interval_s}")
            if interval_s == 0:  # polling off: only a request (SIGHUP) reloads
                await asyncio.sleep(0.3)
                assert applied.sets == []
                reloader.request_reload()
            for _ in range(100):
                if applied.sets:
                    break
                await asyncio.sleep(0.05)
            return applied, new
        finally:
            watcher.cancel()

    for interval in (0.05, 0):
        applied, new = asyncio.run(scenario(interval))
        assert applied.version == new


def test_sighup_reloads_mid_traffic_without_losing_a_request(tmp_path: Path) -> None:
    folder = policy_folder(tmp_path)
    first = load_policies(folder)["healthcare"].version
    data = tmp_path / "data"
    data.mkdir()
    env = gateway_env(
        data, GATEWAY_POLICY_DIR=str(folder), GATEWAY_POLICY_RELOAD_INTERVAL_S="0", GATEWAY_DETECTION_WORKERS="0"
    )
    gateway = GatewayProcess(data_dir=data, env=env, port=free_port())
    key = gateway.create_key("reload-tests", "healthcare")
    gateway.start()
    answers: list[tuple[int, str | None, str | None]] = []  # (status, audit id, policy version), in order
    stop = threading.Event()

    def traffic() -> None:
        with httpx.Client(base_url=gateway.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            while not stop.is_set():
                response = http.post("/v1/inspect", json={"input": "Patient SSN 219-09-9999, fever since Monday"})
                body = response.json() if response.status_code == 200 else {}
                answers.append((response.status_code, body.get("audit_id"), body.get("policy_version")))

    def versions_after(count: int) -> set[str | None]:
        deadline = time.monotonic() + 30
        while len(answers) < count + 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        return {version for _, _, version in answers[count:]}

    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        assert versions_after(0) == {first}
        second = edited(folder, "second")
        time.sleep(0.5)
        assert versions_after(len(answers)) == {first}  # a file change alone does nothing with polling off
        assert gateway.process is not None
        gateway.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while answers[-1][2] != second and time.monotonic() < deadline:
            time.sleep(0.05)
        assert versions_after(len(answers)) == {second}

        (folder / "healthcare.yaml").write_text(INVALID)
        gateway.process.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        assert versions_after(len(answers)) == {second}  # refused: the last good policy stays in force

        third = edited(folder, "third")
        gateway.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while answers[-1][2] != third and time.monotonic() < deadline:
            time.sleep(0.05)
        assert versions_after(len(answers)) == {third}
    finally:
        stop.set()
        sender.join(timeout=60)
        gateway.stop()

    # SIGHUP never ended the process: it served to the end and shut down on the test's SIGTERM.
    assert gateway.process is not None and gateway.process.returncode in (0, -signal.SIGTERM), gateway.log()
    assert "Application shutdown complete" in gateway.log()
    assert "policy reload refused" in gateway.log() and "NOT_AN_ENTITY" in gateway.log()
    assert all(status == 200 for status, _, _ in answers)  # no request refused or lost across three reloads
    sequence = [version for _, _, version in answers]
    changes = [v for i, v in enumerate(sequence) if i == 0 or v != sequence[i - 1]]
    assert changes == [first, second, third]  # each version in force from its reload on, never an older one
    engine = create_engine(f"sqlite:///{data / 'audit.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(audit_records.c.id, audit_records.c.policy_version)
                .where(audit_records.c.tenant == "reload-tests")
                .order_by(audit_records.c.seq)
            ).all()
    finally:
        engine.dispose()
    assert [(row.id, row.policy_version) for row in rows] == [(audit_id, version) for _, audit_id, version in answers]
