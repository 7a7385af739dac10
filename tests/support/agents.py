"""The real coding agents, Claude Code and Codex CLI, run as their users run them: pointed at a base URL.

Both are installed from the npm registry at pinned versions, once, into the cache beside the
llama.cpp wheel (about 800 MB with their native binaries; a minute the first time). They are
run non-interactively (``claude -p``, ``codex exec``) in a throw-away home, with telemetry and
update checks off, so the only connection they make is to the base URL they are given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CLAUDE_CODE = "@anthropic-ai/claude-code@2.1.332"
CODEX_CLI = "@openai/codex@0.171.0"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sovereign-gateway" / "agents"


def install() -> Path:
    """The folder of the pinned agents' executables, installing them on first use."""
    prefix = CACHE / f"{CLAUDE_CODE}+{CODEX_CLI}".replace("/", "_").replace("@", "")
    bin_dir = prefix / "node_modules" / ".bin"
    if not (bin_dir / "claude").exists() or not (bin_dir / "codex").exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install Claude Code and Codex CLI for these tests")
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--no-save", CLAUDE_CODE, CODEX_CLI],
            check=True, capture_output=True, timeout=900,
        )  # fmt: skip
    return bin_dir


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def said(self) -> str:
        return self.stdout + self.stderr


def _quiet_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_", "CODEX_", "CLAUDE_"))}
    env.update(HOME=str(home), DISABLE_TELEMETRY="1", DISABLE_AUTOUPDATER="1", DISABLE_ERROR_REPORTING="1",
               CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", NO_COLOR="1")  # fmt: skip
    return env


def claude_code(bin_dir: Path, home: Path, base_url: str, token: str, prompt: str, *, timeout: float = 300) -> Run:
    """``claude -p PROMPT`` with ``ANTHROPIC_BASE_URL`` (no ``/v1``) and the key as ``ANTHROPIC_AUTH_TOKEN``."""
    home.mkdir(parents=True, exist_ok=True)
    env = _quiet_env(home) | {"ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_AUTH_TOKEN": token}
    done = subprocess.run(
        [str(bin_dir / "claude"), "-p", prompt, "--model", "claude-sonnet-4-5"],
        env=env, cwd=home, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return Run(done.returncode, done.stdout, done.stderr)


CODEX_CONFIG = """model = "gpt-5-codex"
model_provider = "gateway"

[model_providers.gateway]
name = "Compliance gateway"
base_url = "{base_url}"
env_key = "GATEWAY_KEY"
wire_api = "responses"
"""


def codex(bin_dir: Path, home: Path, base_url: str, token: str, prompt: str, *, timeout: float = 300) -> Run:
    """``codex exec PROMPT`` with a model provider whose ``base_url`` ends in ``/v1`` (it calls only ``/responses``)."""
    config = home / ".codex"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(CODEX_CONFIG.format(base_url=base_url))
    env = _quiet_env(home) | {"CODEX_HOME": str(config), "GATEWAY_KEY": token}
    done = subprocess.run(
        [str(bin_dir / "codex"), "exec", "--skip-git-repo-check", prompt],
        env=env, cwd=home, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return Run(done.returncode, done.stdout, done.stderr)
