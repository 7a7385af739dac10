"""Run the real ``gateway`` command in a subprocess, as an operator would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

GATEWAY = str(Path(sys.executable).parent / "gateway")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class GatewayProcess:
    data_dir: Path
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [GATEWAY, *args], env=self.env, input=stdin, capture_output=True, text=True, timeout=300
        )
        if check and result.returncode != 0:
            raise AssertionError(f"gateway {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def create_key(self, name: str, policy: str, allow: str | None = None) -> str:
        args = ["keys", "create", "--name", name, "--policy", policy]
        if allow:
            args += ["--allow-policies", allow]
        return self.cli(*args).stdout.strip().splitlines()[-1]

    def start(self, *extra: str, timeout_s: float = 180.0) -> GatewayProcess:
        log = (self.data_dir / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [GATEWAY, "serve", "--port", str(self.port), *extra], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gateway serve exited: {self.log()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise AssertionError(f"gateway serve did not become ready: {self.log()}")

    def log(self) -> str:
        return (self.data_dir / "serve.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def gateway_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(GATEWAY_DATA_DIR=str(data_dir), **overrides)
    return env
