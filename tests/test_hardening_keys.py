"""A missing master key is never silently replaced (issue 12, item 2), through the real ``gateway serve``.

A store with records refuses to start without the key that wrapped and signed
them (one clear line, exit 2, no key file created); a key is made only for an
empty store.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.audit.keyring import Keyring
from tests.support.audit import dispose, fill, open_store
from tests.support.databases import database_url
from tests.support.server import GATEWAY, gateway_env


def serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATEWAY, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=120)


def key_missing(key: Path) -> None:
    key.rename(key.with_name("moved-away.key"))


def key_replaced(key: Path) -> None:
    key.unlink()
    Keyring.generate(key)  # a fresh key file, as the old gateway made: it lacks the key of every record


def key_rotated_and_old_key_dropped(key: Path) -> None:
    """A key file holding only a newer key: the records and signed heads name the older one."""
    new = Keyring.load(key).rotate()
    os.replace(Keyring(key, {new.key_id: new}, new.key_id)._write_temp(), key)


CASES: list[tuple[Callable[[Path], None], str]] = [
    (key_missing, "is missing but the audit store holds"),
    (key_replaced, "lacks the key(s)"),
    (key_rotated_and_old_key_dropped, "lacks the key(s)"),
]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize(("lose", "message"), CASES, ids=[c.__name__ for c, _ in CASES])
def test_serve_refuses_a_store_whose_key_is_missing(
    dialect: str, lose: Callable[[Path], None], message: str, tmp_path: Path
) -> None:
    key = tmp_path / "master.key"
    with database_url(dialect, tmp_path) as url:
        dispose_store = open_store(url, key)
        fill(dispose_store, 3)
        dispose(dispose_store)
        lose(key)
        before = key.read_bytes() if key.exists() else None
        result = serve(gateway_env(tmp_path, GATEWAY_DATABASE_URL=url, GATEWAY_MASTER_KEY_FILE=str(key)))
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("gateway cannot start: audit key: master key file") and message in last, result.stderr
    assert "Traceback" not in result.stderr
    assert (key.read_bytes() if key.exists() else None) == before  # nothing created or rewritten
