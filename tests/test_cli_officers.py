"""``gateway officers create|list|disable``: reviewer accounts from the command line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gateway import db
from gateway.review.accounts import sign_in
from tests.support.server import GATEWAY, gateway_env

PASSWORD = "a long enough passphrase"


def run(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GATEWAY, "officers", *args],
        env=gateway_env(data_dir),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def can_sign_in(data_dir: Path, username: str, password: str) -> bool:
    from datetime import timedelta

    engine = db.make_engine(f"sqlite:///{data_dir / 'audit.db'}")
    try:
        result = sign_in(engine, username, password, max_failures=100, lockout=timedelta(minutes=1))
    finally:
        engine.dispose()
    return result.reviewer is not None


def test_create_reads_the_password_from_stdin_and_list_shows_the_account(tmp_path: Path) -> None:
    created = run(tmp_path, "create", "--username", "olga", "--role", "officer", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert PASSWORD not in created.stdout + created.stderr
    assert can_sign_in(tmp_path, "olga", PASSWORD)
    assert not can_sign_in(tmp_path, "olga", PASSWORD + "\n")
    listing = run(tmp_path, "list")
    assert listing.returncode == 0
    row = next(line for line in listing.stdout.splitlines() if line.startswith("olga "))
    assert row.split()[1:3] == ["officer", "active"]
    assert "argon2" not in listing.stdout  # no hash is printed


def test_disable_stops_sign_in(tmp_path: Path) -> None:
    assert run(tmp_path, "create", "--username", "arno", "--role", "auditor", stdin=PASSWORD).returncode == 0
    assert run(tmp_path, "disable", "--username", "arno").returncode == 0
    assert not can_sign_in(tmp_path, "arno", PASSWORD)
    assert "disabled" in run(tmp_path, "list").stdout
    assert run(tmp_path, "disable", "--username", "nobody").returncode == 2


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["--username", "x", "--role", "king"], PASSWORD),  # unknown role
        (["--username", "short-pw", "--role", "admin"], "too short"),  # weak password
        (["--username", "empty", "--role", "admin"], ""),  # no password at all
        (["--username", "bad name!", "--role", "admin"], PASSWORD),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(tmp_path: Path, args: list[str], stdin: str) -> None:
    result = run(tmp_path, "create", *args, stdin=stdin)
    assert result.returncode != 0
    assert "error" in result.stderr
    listing = run(tmp_path, "list").stdout.splitlines()
    assert listing[1:] == []


def test_a_duplicate_username_is_refused(tmp_path: Path) -> None:
    assert run(tmp_path, "create", "--username", "ada", "--role", "admin", stdin=PASSWORD).returncode == 0
    again = run(tmp_path, "create", "--username", "ada", "--role", "auditor", stdin=PASSWORD)
    assert again.returncode == 2 and "already exists" in again.stderr
