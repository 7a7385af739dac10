"""Run the real ``gateway audit ...`` command against a chosen database and key file."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.server import GATEWAY, gateway_env


def audit_env(data_dir: Path, url: str, key_file: Path) -> dict[str, str]:
    return gateway_env(data_dir, GATEWAY_DATABASE_URL=url, GATEWAY_MASTER_KEY_FILE=str(key_file))


def gateway(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATEWAY, *args], env=env, capture_output=True, text=True, timeout=300)
