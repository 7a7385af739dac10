"""The ``gateway`` command: keys, start-up refusals with clear reasons."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import gateway_env

GATEWAY = str(Path(sys.executable).parent / "gateway")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATEWAY, *args], env=env, capture_output=True, text=True, timeout=120)


def test_keys_create_prints_the_key_last_and_revoke_works(tmp_path: Path) -> None:
    env = gateway_env(tmp_path)
    created = run(env, "keys", "create", "--name", "nurse-app", "--policy", "healthcare")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("gw-") and len(key) > 40
    assert key.encode() not in (tmp_path / "audit.db").read_bytes()  # only its hash is stored
    again = run(env, "keys", "create", "--name", "nurse-app", "--policy", "healthcare")
    assert again.returncode != 0 and "already exists" in again.stderr
    assert run(env, "keys", "revoke", "--name", "nurse-app").returncode == 0
    missing = run(env, "keys", "revoke", "--name", "nurse-app")
    assert missing.returncode != 0 and "no active key" in missing.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--policy", "nope"], "unknown policy nope"),
        (["--policy", "general", "--allow-policies", "finance,nope2"], "unknown policy nope2"),
    ],
)
def test_keys_create_rejects_unknown_policies(tmp_path: Path, args: list[str], says: str) -> None:
    result = run(gateway_env(tmp_path), "keys", "create", "--name", "x", *args)
    assert result.returncode != 0 and says in result.stderr


def test_serve_refuses_to_start_without_its_model(tmp_path: Path) -> None:
    env = gateway_env(tmp_path, GATEWAY_LOCAL_MODEL=str(tmp_path / "missing.gguf"))
    result = run(env, "serve", "--port", "1")
    assert result.returncode == 2
    assert "no model file" in result.stderr


def test_serve_refuses_to_start_with_invalid_policies(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "broken.yaml").write_text("name: broken\nrules: []\n")
    result = run(gateway_env(tmp_path, GATEWAY_POLICY_DIR=str(policies)), "serve", "--port", "1")
    assert result.returncode == 2
    assert "broken.yaml: rules" in result.stderr


def test_db_upgrade(tmp_path: Path) -> None:
    result = run(gateway_env(tmp_path), "db", "upgrade")
    assert result.returncode == 0 and (tmp_path / "audit.db").is_file()


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """``gateway scan ... | head -c 10``: the closed pipe ends the command quietly, as 141 (SIGPIPE)."""
    command = [GATEWAY, "scan", "--policy", "healthcare", "SSN 219-09-9999"]
    process = subprocess.Popen(command, env=gateway_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the command writes
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
