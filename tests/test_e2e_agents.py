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


@pytest.mark.parametrize("agent", ["claude-code", "codex-cli"])
def test_a_coding_agent_on_every_outcome(
    agent: str,
    bin_dir: Path,
    tmp_path: Path,
    gateway: GatewayProcess,
    key: str,
    upstream: RecordingUpstream,
    anthropic_upstream: RecordingAnthropicUpstream,
) -> None:
    if agent == "claude-code":  # ANTHROPIC_BASE_URL without /v1; the Messages door
        endpoint, cloud, reply, kept = "messages", anthropic_upstream, "Hello from the Anthropic upstream.", "not sent"
        base_url, launch = gateway.base_url, agents.claude_code
    else:  # a model provider whose base_url ends in /v1; the Responses door
        endpoint, cloud, reply, kept = "responses", upstream, REPLY_TEXT, "context window"
        base_url, launch = f"{gateway.base_url}/v1", agents.codex

    def run(prompt: str) -> agents.Run:
        return launch(bin_dir, tmp_path / "home", base_url, key, prompt)

    harmless = run(HARMLESS)
    assert harmless.returncode == 0 and reply in harmless.stdout, harmless.said
    assert cloud.paths and all(p == f"/v1/{endpoint}" for p in cloud.paths)
    assert _records(gateway, endpoint)[-1][:2] == ("allow", "upstream")
    sent = len(cloud.raw)

    patient = run(PATIENT)  # kept local: the bundled model's window is too small for an agent's context
    assert patient.returncode != 0 and kept in patient.said, patient.said
    assert _records(gateway, endpoint)[-1][:2] == ("route_local", "local")

    card = run(CARD)
    assert card.returncode != 0 and "pci-pan-block" in card.said, card.said
    assert _records(gateway, endpoint)[-1][:2] == ("block", "none")
    assert len(cloud.raw) == sent  # neither reached the cloud
