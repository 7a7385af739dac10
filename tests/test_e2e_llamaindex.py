"""LlamaIndex pointed at the gateway (``api_base`` and the key), every outcome, against the real server.

LlamaIndex's OpenAI integration requires an ``openai`` SDK older than the one the other
tests pin, so it runs in a venv of its own, made once from PyPI at pinned versions
(``tests/support/clients.py``), as a LlamaIndex user's application would.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support import clients
from tests.support.server import GatewayProcess
from tests.support.upstream import REPLY_TEXT, RecordingUpstream

CLEAN = "Write a haiku about autumn leaves falling in a quiet park."
PATIENT = "Patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962: draft a discharge summary."
CARD = "Refund the copay to card 4111 1111 1111 1111, it was charged twice."
SCRIPT = Path(__file__).parent / "clients" / "llamaindex_client.py"


def test_llamaindex_on_every_outcome(gateway: GatewayProcess, upstream: RecordingUpstream) -> None:
    python = clients.venv("llamaindex", clients.LLAMAINDEX)
    key = gateway.create_key("llamaindex", "healthcare")
    upstream.clear()
    done = subprocess.run(
        [str(python), str(SCRIPT), f"{gateway.base_url}/v1", key, CLEAN, PATIENT, CARD],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = {line["case"]: line for line in map(json.loads, done.stdout.splitlines())}
    assert said["clean"]["text"] == REPLY_TEXT
    assert said["patient"]["text"].strip() and said["stream"]["text"].strip()  # the local model's answers
    assert said["card"]["error"] == "PermissionDeniedError" and "pci-pan-block" in said["card"]["message"]
    assert "4111" not in said["card"]["message"]
    assert int(said["embed"]["text"]) > 0  # a batch with a patient document, embedded locally
    assert [json.loads(raw)["messages"][0]["content"] for raw in upstream.raw] == [CLEAN]
