"""The operator's commands: ``--version``, ``keys list``, one-line configuration errors, the YAML
configuration file, and ``gateway doctor``."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gateway import __version__
from gateway.settings import SettingsError, load_settings
from tests.support.server import free_port, gateway_env

GATEWAY = str(Path(sys.executable).parent / "gateway")
BUNDLED_POLICIES = Path(__file__).resolve().parent.parent / "policies"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATEWAY, *args], env=env, capture_output=True, text=True, timeout=300)


def test_version(tmp_path: Path) -> None:
    result = run(gateway_env(tmp_path), "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"gateway {__version__}"


def test_keys_list_shows_every_key_but_never_the_key(tmp_path: Path) -> None:
    env = gateway_env(tmp_path)
    keys = [
        run(env, "keys", "create", "--name", name, "--policy", policy).stdout.strip().splitlines()[-1]
        for name, policy in (("nurse-app", "healthcare"), ("ledger", "finance"))
    ]
    assert run(env, "keys", "revoke", "--name", "ledger").returncode == 0
    table = run(env, "keys", "list")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["name", "tenant", "policy", "created", "revoked"]
    nurse, ledger = (line.split() for line in lines[1:])
    assert nurse[:3] == ["nurse-app", "nurse-app", "healthcare"] and nurse[4] == "-"
    assert ledger[:3] == ["ledger", "ledger", "finance"] and ledger[4].endswith("Z")
    listed = json.loads(run(env, "keys", "list", "--format", "json").stdout)
    assert [(k["name"], k["revoked"] is None) for k in listed] == [("nurse-app", True), ("ledger", False)]
    for key in keys:
        for output in (table.stdout, json.dumps(listed)):
            assert key not in output and key[3:11] not in output  # neither the key nor a prefix of it


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("GATEWAY_MAX_BODY_BYTES", "lots", "GATEWAY_MAX_BODY_BYTES: Input should be a valid integer"),
        ("GATEWAY_MAX_BODY_BYTES", "10", "GATEWAY_MAX_BODY_BYTES: Input should be greater than or equal to 1024"),
        ("GATEWAY_UPSTREAM_URL", "not a url", "GATEWAY_UPSTREAM_URL: Input should be a valid URL"),
        ("GATEWAY_TRUSTED_PROXIES", "10.0.0.0/33", "GATEWAY_TRUSTED_PROXIES: "),
        ("GATEWAY_MODEL_ALIASES", "{not json", "GATEWAY_MODEL_ALIASES: cannot be parsed (JSON expected)"),
        ("GATEWAY_LOG_LEVEL", "loud", "GATEWAY_LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path: Path, variable: str, value: str, says: str) -> None:
    result = run(gateway_env(tmp_path, **{variable: value}), "policy", "validate")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: configuration: {says}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and "pydantic" not in result.stderr.lower()


def test_several_bad_settings_are_one_line_each(tmp_path: Path) -> None:
    env = gateway_env(tmp_path, GATEWAY_MAX_BODY_BYTES="x", GATEWAY_LOCAL_QUEUE="-1")
    lines = run(env, "policy", "validate").stderr.strip().splitlines()
    assert sorted(line.split(":")[2].strip() for line in lines) == ["GATEWAY_LOCAL_QUEUE", "GATEWAY_MAX_BODY_BYTES"]


def _one_policy(folder: Path, name: str) -> Path:
    folder.mkdir()
    (folder / f"{name}.yaml").write_text(
        (BUNDLED_POLICIES / "general.yaml").read_text().replace("name: general", f"name: {name}")
    )
    return folder


def test_the_config_file_is_equivalent_to_the_environment_and_the_environment_wins(tmp_path: Path) -> None:
    from_file = _one_policy(tmp_path / "file-policies", "general")
    from_env = _one_policy(tmp_path / "env-policies", "general")
    config = tmp_path / "gateway.yaml"
    config.write_text(
        f"GATEWAY_POLICY_DIR: {from_file}\nmax_body_bytes: 4096\nlocal_urls: [http://a:1/v1, http://b:2/v1]\n"
    )
    env = gateway_env(tmp_path, GATEWAY_CONFIG_FILE=str(config))
    assert str(from_file) in run(env, "policy", "validate").stdout
    assert str(from_env) in run({**env, "GATEWAY_POLICY_DIR": str(from_env)}, "policy", "validate").stdout


def test_config_file_values_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in __import__("os").environ if n.startswith("GATEWAY_")]:
        monkeypatch.delenv(name)
    config = tmp_path / "gateway.yaml"
    monkeypatch.setenv("GATEWAY_CONFIG_FILE", str(config))
    config.write_text("max_body_bytes: 4096\nlocal_urls: [http://a:1/v1, http://b:2/v1]\nmetrics_token: s3cret\n")
    settings = load_settings()
    assert settings.max_body_bytes == 4096 and settings.local_url_list == ["http://a:1/v1", "http://b:2/v1"]
    assert settings.metrics_token is not None and "s3cret" not in repr(settings)
    monkeypatch.setenv("GATEWAY_MAX_BODY_BYTES", "8192")
    assert load_settings().max_body_bytes == 8192
    for text, says in [
        (
            "max_body_bytes: 10\n",
            f"GATEWAY_MAX_BODY_BYTES (in {config}): Input should be greater than or equal to 1024",
        ),
        ("no_such_setting: 1\n", "unknown setting 'no_such_setting'"),
        ("- a list\n", "must be a mapping"),
        ("key: [unclosed\n", "is not valid YAML"),
    ]:
        monkeypatch.delenv("GATEWAY_MAX_BODY_BYTES", raising=False)
        config.write_text(text)
        with pytest.raises(SettingsError) as caught:
            load_settings()
        assert says in str(caught.value) and len(str(caught.value).splitlines()) == 1
    config.unlink()
    with pytest.raises(SettingsError, match="GATEWAY_CONFIG_FILE: cannot read"):
        load_settings()


class _Models(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = b'{"object": "list", "data": [{"id": "m"}]}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def model_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_doctor_passes_on_a_working_setup(tmp_path: Path, model_server: str) -> None:
    env = gateway_env(tmp_path, GATEWAY_LOCAL_URLS=model_server, GATEWAY_UPSTREAM_URL=model_server)
    assert run(env, "db", "upgrade").returncode == 0
    result = run(env, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:6]] == ["ok"] * 6, result.stdout
    assert "schema at" in lines[0] and "(latest)" in lines[0]
    assert "absent; generated on first start" in lines[1]
    assert "healthcare" in lines[2] and "1 server(s) answer" in lines[4]


def test_doctor_fails_on_each_broken_part(tmp_path: Path, model_server: str) -> None:
    broken = tmp_path / "policies"
    broken.mkdir()
    (broken / "broken.yaml").write_text("name: broken\nrules: []\n")
    closed = f"http://127.0.0.1:{free_port()}/v1"
    env = gateway_env(
        tmp_path,
        GATEWAY_POLICY_DIR=str(broken),
        GATEWAY_LOCAL_URLS=f"{model_server},{closed}",
        GATEWAY_UPSTREAM_URL=closed,
    )
    result = run(env, "doctor")
    assert result.returncode == 1
    status = {line.split(":")[0][6:]: line.split()[0] for line in result.stdout.splitlines() if ":" in line}
    assert status["policies"] == "FAIL" and status["local model"] == "FAIL" and status["upstream"] == "FAIL"
    assert status["store"] == "ok" and status["detector"] == "ok" and status["key file"] == "ok"
    assert "1 of 2 down" in result.stdout and "unreachable" in result.stdout
