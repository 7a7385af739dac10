"""Claude Code and Codex CLI themselves, pointed at the gateway with the one or two settings the README gives.

Their real requests (a 30 KB system prompt, a dozen tool schemas, environment
reminders) go through the running server to the recording loopback upstreams. A
harmless task must reach the cloud as sent; a patient's record stays on premises
(the bundled 135M model's window is far smaller than an agent's context, so the
agent reports the gateway's ``context_length_exceeded``: nothing was sent anywhere);
a card number is refused and the agent shows the reason.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import agents
from tests.support.anthropic_upstream import RecordingAnthropicUpstream
from tests.support.server import GatewayProcess
from tests.support.upstream import REPLY_TEXT, RecordingUpstream

HARMLESS = "Write a haiku about autumn."
PATIENT = "Summarise for the ward: patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962, admitted with pneumonia."
CARD = "Refund the copay to card 4111 1111 1111 1111, it was charged twice."


@pytest.fixture(scope="module")
def bin_dir() -> Path:
    return agents.install()


@pytest.fixture(scope="module")
def key(gateway: GatewayProcess) -> str:
    return gateway.create_key("coding-agents", "healthcare")


@pytest.fixture(autouse=True)
def _fresh(upstream: RecordingUpstream, anthropic_upstream: RecordingAnthropicUpstream) -> Iterator[None]:
    upstream.clear()
    anthropic_upstream.clear()
    yield


def _records(gateway: GatewayProcess, endpoint: str) -> list[tuple[str, str, list[str]]]:
    with sqlite3.connect(gateway.data_dir / "audit.db") as conn:
        rows = conn.execute(
            "SELECT decision, route, rule_ids FROM audit_records WHERE endpoint = ? AND tenant = 'coding-agents' "
            "ORDER BY created_at",
            (endpoint,),
        ).fetchall()
    return [(decision, route, json.loads(rules)) for decision, route, rules in rows]


def test_claude_code(
    bin_dir: Path, tmp_path: Path, gateway: GatewayProcess, key: str, anthropic_upstream: RecordingAnthropicUpstream
) -> None:
    def run(prompt: str) -> agents.Run:
        return agents.claude_code(bin_dir, tmp_path / "home", gateway.base_url, key, prompt)

    harmless = run(HARMLESS)
    assert harmless.returncode == 0 and "Hello from the Anthropic upstream." in harmless.stdout, harmless.said
    assert anthropic_upstream.paths and all(p == "/v1/messages" for p in anthropic_upstream.paths)
    assert _records(gateway, "messages")[-1][:2] == ("allow", "upstream")
    sent = len(anthropic_upstream.raw)

    patient = run(PATIENT)
    assert patient.returncode != 0 and "not sent anywhere else" in patient.said, patient.said
    assert _records(gateway, "messages")[-1][:2] == ("route_local", "local")

    card = run(CARD)
    assert card.returncode != 0 and "pci-pan-block" in card.said, card.said
    assert _records(gateway, "messages")[-1][:2] == ("block", "none")
    assert len(anthropic_upstream.raw) == sent  # neither reached the cloud


def test_codex_cli(
    bin_dir: Path, tmp_path: Path, gateway: GatewayProcess, key: str, upstream: RecordingUpstream
) -> None:
    def run(prompt: str) -> agents.Run:
        return agents.codex(bin_dir, tmp_path / "home", f"{gateway.base_url}/v1", key, prompt)

    harmless = run(HARMLESS)
    assert harmless.returncode == 0 and REPLY_TEXT in harmless.stdout, harmless.said
    assert upstream.paths and all(p == "/v1/responses" for p in upstream.paths)
    assert _records(gateway, "responses")[-1][:2] == ("allow", "upstream")
    sent = len(upstream.raw)

    patient = run(PATIENT)
    assert patient.returncode != 0 and "context window" in patient.said, patient.said
    assert _records(gateway, "responses")[-1][:2] == ("route_local", "local")

    card = run(CARD)
    assert card.returncode != 0 and "pci-pan-block" in card.said, card.said
    assert _records(gateway, "responses")[-1][:2] == ("block", "none")
    assert len(upstream.raw) == sent
