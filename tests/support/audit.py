"""Audit-store helpers for tests: a real store on a real database, fed with realistic events."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from sqlalchemy import Engine

from gateway import db
from gateway.audit.keyring import Keyring
from gateway.audit.signing import HeadSigner
from gateway.audit.store import AuditEvent, AuditStore, Outcome
from gateway.audit.witness import FileWitness
from gateway.types import Action, Decision, Finding, Route, RuleMatch

SSN = "219-09-9999"
NAME = "Theodora Blackwood"


def chat_body(text: str) -> bytes:
    return json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}).encode()


def event(
    text: str, *, tenant: str = "acme", policy: str = "healthcare", action: Action = Action.ROUTE_LOCAL
) -> AuditEvent:
    """A decided request whose body holds ``text`` (findings carry positions, never the value)."""
    body = chat_body(text)
    rules = () if action is Action.ALLOW else (RuleMatch("hipaa-identifiers-local", action, "r", "HIPAA", ("US_SSN",)),)
    findings = () if action is Action.ALLOW else (Finding("US_SSN", 0, 4, 15, 0.95, "UsSsnRecognizer"),)
    route = {Action.ALLOW: Route.UPSTREAM, Action.BLOCK: Route.NONE}.get(action, Route.LOCAL)
    decision = Decision(action, policy, "sha256:" + "ab" * 32, rules)
    return AuditEvent("chat.completions", tenant, decision, route, findings, hashlib.sha256(body).hexdigest(), body)


def ok(reply: str = "Done.", latency_ms: float = 12.3456) -> Outcome:
    return Outcome("ok", 200, latency_ms, None, json.dumps({"choices": [{"message": {"content": reply}}]}).encode())


def open_store(
    url: str, key_file: Path, *, every_records: int = 5, every_seconds: float = 3600, witness: Path | None = None
) -> AuditStore:
    """Migrate ``url`` and open an audit store on it with a (new or existing) key file; with ``witness``,
    every signed head is also appended to that file."""
    db.upgrade(url)
    engine = db.make_engine(url)
    keyring = Keyring.generate(key_file) if not key_file.exists() else Keyring.load(key_file)
    signer = HeadSigner(
        engine,
        keyring,
        every_records=every_records,
        every_seconds=every_seconds,
        witness=FileWitness(witness) if witness is not None else None,
    )
    return AuditStore(engine, keyring, signer=signer)


def fill(store: AuditStore, count: int, *, tenant: str = "acme") -> list[str]:
    """Write ``count`` requests: pending then completed, and some recorded complete at once (blocked)."""
    ids = []
    for i in range(count):
        if i % 3 == 2:
            blocked = Outcome("blocked", 403, 1.5, "blocked by policy", b'{"error": "blocked"}')
            ids.append(store.record(event(f"card {i}", tenant=tenant, action=Action.BLOCK), blocked))
        else:
            record_id = store.record(event(f"SSN {SSN} for {NAME} #{i}", tenant=tenant))
            store.complete(record_id, ok(f"reply {i}"))
            ids.append(record_id)
    return ids


def dispose(store: AuditStore) -> Engine:
    store.close()
    store.engine.dispose()
    return store.engine


def write_records(url: str, key_file: str, count: int) -> list[str]:
    """A writer process of the concurrency test: its own engine and store, ``count`` requests."""
    store = open_store(url, Path(key_file), every_records=20)
    try:
        return fill(store, count, tenant=f"worker-{os.getpid()}")
    finally:
        dispose(store)
