"""The request pipeline (gateway/pipeline/run.py) in milliseconds: a function detector, an in-memory store and
function backends, so each verdict is checked without a model, a database or a server (the end-to-end tests run
the same stages on the real parts)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from gateway.backends.base import BackendReply
from gateway.backends.function import BackendCall, FunctionBackend
from gateway.errors import Blocked, Unavailable
from gateway.pipeline.run import Forward, Inspected, Pipeline, Refuse
from gateway.policy import Policy, load_policies
from gateway.settings import BUNDLED_POLICY_DIR
from gateway.types import Action, Finding, Route, Segment
from gateway.wire import chat, inspect
from tests.support.memory_store import MemoryAuditStore

SSN = "219-09-9999"
CARD = "4111 1111 1111 1111"
POLICIES = load_policies(BUNDLED_POLICY_DIR)


class LiteralDetector:
    """Finds the given literal values (a function of the text, like the real detector's output)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.calls = 0

    def detect(self, segments: Sequence[Segment]) -> list[Finding]:
        self.calls += 1
        out = []
        for segment in segments:
            for value, entity in self.values.items():
                at = segment.text.find(value)
                if at >= 0:
                    out.append(Finding(entity, segment.index, at, at + len(value), 0.95, "literal", segment.path))
        return out


class BrokenDetector:
    def detect(self, segments: Sequence[Segment]) -> list[Finding]:
        raise RuntimeError("model crashed")


def chat_request(text: str) -> Any:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    return chat.parse(json.dumps(body).encode())


def answer(call: BackendCall) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": "done"}}]}


async def route(forward: Forward, upstream: FunctionBackend, local: FunctionBackend) -> BackendReply:
    """What the forward stage does with a verdict: send the body to the backend of its route."""
    backend = upstream if forward.route is Route.UPSTREAM else local
    return await backend.complete(forward.body, forward.raw)


@pytest.fixture()
def store() -> MemoryAuditStore:
    return MemoryAuditStore()


def pipeline(store: MemoryAuditStore, detector: Any = None) -> Pipeline:
    return Pipeline(detector or LiteralDetector({SSN: "US_SSN", CARD: "CREDIT_CARD"}), store)  # type: ignore[arg-type]


def run(pipe: Pipeline, text: str, policy: Policy, *, upstream: bool = True) -> Forward | Refuse:
    return asyncio.run(pipe.run(chat_request(text), policy, "tenant-a", upstream=upstream))


def test_clean_text_is_forwarded_upstream_byte_for_byte_and_recorded_first(store: MemoryAuditStore) -> None:
    upstream, local = FunctionBackend(answer), FunctionBackend(answer)
    request = chat_request("What is a cohort study?")
    verdict = asyncio.run(pipeline(store).run(request, POLICIES["healthcare"], "tenant-a", upstream=True))
    assert isinstance(verdict, Forward)
    assert (verdict.inspection.decision.action, verdict.route) == (Action.ALLOW, Route.UPSTREAM)
    record = store.records[verdict.audit_id]
    assert record.outcomes == []  # pending: the outcome is written once the answer is known
    event = record.event
    assert (event.tenant, event.decision.action, event.route) == ("tenant-a", Action.ALLOW, Route.UPSTREAM)
    reply = asyncio.run(route(verdict, upstream, local))
    assert reply.status_code == 200 and local.calls == []
    assert upstream.calls[0].raw == request.raw  # the client's bytes, unchanged
    assert verdict.headers == {
        "x-gateway-decision": "allow", "x-gateway-route": "upstream", "x-gateway-audit-id": verdict.audit_id,
    }  # fmt: skip


def test_allowed_traffic_without_an_upstream_is_served_locally(store: MemoryAuditStore) -> None:
    verdict = run(pipeline(store), "What is a cohort study?", POLICIES["healthcare"], upstream=False)
    assert isinstance(verdict, Forward) and verdict.route is Route.LOCAL


def test_regulated_data_goes_to_the_local_backend_only(store: MemoryAuditStore) -> None:
    upstream, local = FunctionBackend(answer), FunctionBackend(answer)
    verdict = run(pipeline(store), f"My SSN is {SSN}", POLICIES["healthcare"])
    assert isinstance(verdict, Forward)
    assert (verdict.inspection.decision.action, verdict.route) == (Action.ROUTE_LOCAL, Route.LOCAL)
    assert verdict.inspection.decision.rule_ids == ["hipaa-identifiers-local"]
    asyncio.run(route(verdict, upstream, local))
    assert upstream.calls == [] and len(local.calls) == 1
    [finding] = store.records[verdict.audit_id].event.findings
    assert (finding.entity_type, finding.path) == ("US_SSN", "/messages/0/content")


def test_a_block_is_refused_complete_and_recorded_with_its_outcome(store: MemoryAuditStore) -> None:
    verdict = run(pipeline(store), f"card {CARD}", POLICIES["healthcare"])
    assert isinstance(verdict, Refuse) and isinstance(verdict.error, Blocked)
    body = verdict.error.body()["error"]
    assert body["rule_ids"] == ["pci-pan-block"] and CARD not in json.dumps(body)
    [(record_id, record)] = store.records.items()
    assert body["audit_id"] == record_id and verdict.error.headers["x-gateway-audit-id"] == record_id
    [outcome] = record.outcomes
    assert (outcome.status, outcome.status_code) == ("blocked", 403)


def test_redact_forwards_placeholders_and_not_the_value(store: MemoryAuditStore, tmp_path: Path) -> None:
    (tmp_path / "redacting.yaml").write_text(
        "name: redacting\nrules:\n  - id: ssn-redact\n    action: redact\n    when: {any: [US_SSN]}\n"
        "    reason: SSNs are masked.\n    regulation: Test\n"
    )
    upstream, local = FunctionBackend(answer), FunctionBackend(answer)
    verdict = run(pipeline(store), f"My SSN is {SSN}", load_policies(tmp_path)["redacting"])
    assert isinstance(verdict, Forward) and verdict.inspection.decision.action is Action.REDACT
    assert verdict.raw is None  # the body changed: the client's bytes are not sent
    asyncio.run(route(verdict, upstream, local))
    sent = json.dumps(upstream.calls[0].body)
    assert SSN not in sent and "[US_SSN" in sent


def test_a_failed_detector_refuses_and_records_the_refusal(store: MemoryAuditStore) -> None:
    verdict = run(pipeline(store, BrokenDetector()), f"My SSN is {SSN}", POLICIES["healthcare"])
    assert isinstance(verdict, Refuse) and isinstance(verdict.error, Unavailable)
    assert verdict.error.code == "detection_failed"
    [record] = store.records.values()
    assert record.event.decision.action is Action.BLOCK and record.event.findings == ()
    assert (record.outcomes[0].status, record.outcomes[0].status_code) == ("refused", 503)


def test_an_unwritable_store_forwards_nothing(store: MemoryAuditStore) -> None:
    store.fail = OSError("disk full")
    with pytest.raises(Unavailable) as refused:
        run(pipeline(store), "What is a cohort study?", POLICIES["healthcare"])
    assert refused.value.code == "audit_unavailable"


def test_a_dry_run_is_recorded_complete_and_routes_nothing(store: MemoryAuditStore) -> None:
    request = inspect.of_text(f"My SSN is {SSN}", "healthcare")
    verdict = asyncio.run(pipeline(store).dry_run(request, POLICIES["healthcare"], "tenant-a"))
    assert isinstance(verdict, Inspected) and verdict.inspection.decision.action is Action.ROUTE_LOCAL
    record = store.records[verdict.audit_id or ""]
    assert record.event.route is Route.NONE and record.outcomes[0].status == "ok"


def test_a_dry_runs_text_is_the_one_user_turn_and_its_key_is_not() -> None:
    """The ``input`` text is a user turn; the member name ``input`` is inspected but is no turn of the
    conversation (joined to the text it would have its boundary scanned with NER, as two messages are)."""
    from gateway.pipeline.slices import conversation

    request = inspect.of_text("Dagny Ruiz, 42 Main St", "healthcare")
    assert ("input", "key") in [(s.text, s.part.value) for s in request.segments]
    assert [s.text for s in conversation(request.segments)] == ["Dagny Ruiz, 42 Main St"]


def test_function_backend_awaits_coroutine_handlers_and_passes_replies_through() -> None:
    async def handler(call: BackendCall) -> BackendReply:
        return BackendReply(429, body={"error": {"message": "slow down"}})

    backend = FunctionBackend(handler, name="busy")
    reply = asyncio.run(backend.stream({"model": "m"}, b"{}"))
    assert reply.status_code == 429 and backend.calls == [BackendCall({"model": "m"}, b"{}", stream=True)]
    asyncio.run(backend.aclose())
    assert backend.closed


def test_a_shadow_policy_is_recorded_and_changes_nothing(store: MemoryAuditStore, tmp_path: Path) -> None:
    for name in ("healthcare.yaml", "finance.yaml"):
        (tmp_path / name).write_bytes((BUNDLED_POLICY_DIR / name).read_bytes())
    (tmp_path / "strict.yaml").write_text(
        "name: strict\nmode: shadow\nshadow_of: healthcare\nrules:\n  - id: ssn-block\n    action: block\n"
        "    when: {any: [US_SSN]}\n    reason: SSNs blocked.\n    regulation: Draft\n"
    )
    policies = load_policies(tmp_path)
    verdict = run(pipeline(store), f"My SSN is {SSN}", policies["healthcare"])
    assert isinstance(verdict, Forward) and verdict.route is Route.LOCAL  # the shadow's block is not enforced
    [shadow] = store.records[verdict.audit_id].event.shadow
    assert shadow.as_dict() == {
        "policy": "strict", "policy_version": policies["healthcare"].shadows[0].version, "decision": "block",
        "rule_ids": ["ssn-block"],
    }  # fmt: skip
    verdict = run(pipeline(store), f"My SSN is {SSN}", policies["finance"])
    assert isinstance(verdict, Forward) and store.records[verdict.audit_id].event.shadow == ()
