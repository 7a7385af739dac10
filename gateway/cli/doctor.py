"""``gateway doctor``: check every part a gateway needs, without starting one.

Each check prints one line (``ok``, ``FAIL`` or ``skip``) and what it found; the exit code is 1
when a check failed. Nothing is changed: no migration is applied, no key file is created.
"""

from __future__ import annotations

import argparse
import urllib.error
import urllib.request
from collections.abc import Callable

from gateway.settings import Settings

TIMEOUT_S = 5.0
PROBE_TEXT = "Doctor's probe: nothing to find here."


class Skip(Exception):
    """The check does not apply to this configuration."""


def _store(settings: Settings) -> str:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import make_url

    from gateway import db

    url = settings.resolved_database_url
    engine = db.make_engine(url, db.StoreTimeouts.from_settings(settings))
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    heads = set(ScriptDirectory.from_config(db.alembic_config(url)).get_heads())
    where = make_url(url).render_as_string(hide_password=True)
    if not current:
        return f"{where}: reachable, empty (gateway serve or gateway db upgrade creates the schema)"
    at = ", ".join(sorted(current))
    if current != heads:
        pending = ", ".join(sorted(heads))
        return f"{where}: reachable, schema at {at}; migrations to {pending} pending (gateway serve applies them)"
    return f"{where}: reachable, schema at {at} (latest)"


def _key_file(settings: Settings) -> str:
    from sqlalchemy import func, inspect, select

    from gateway import db
    from gateway.audit.keyring import Keyring

    path = settings.resolved_master_key_file
    engine = db.make_engine(settings.resolved_database_url, db.StoreTimeouts.from_settings(settings))
    try:
        if path.exists():
            keyring = Keyring.for_store(settings, engine)  # the file exists: read and checked, never created
            return f"{path}: {len(keyring.keys)} key(s), current {keyring.current.key_id}"
        records = 0
        if inspect(engine).has_table("audit_records"):
            with engine.connect() as conn:
                records = conn.execute(select(func.count()).select_from(db.audit_records)).scalar_one()
    finally:
        engine.dispose()
    if records:
        raise RuntimeError(f"{path} is missing but the audit store holds {records} records: restore it from backup")
    return f"{path}: absent; generated on first start (the store is empty)"


def _policies(settings: Settings) -> str:
    from gateway.policy import PolicyError, load_policies

    try:
        policies = load_policies(settings.policy_dir)
    except PolicyError as exc:
        raise RuntimeError("; ".join(str(problem) for problem in exc.problems)) from None
    return f"{settings.policy_dir}: {', '.join(sorted(policies))}"


def _detector(settings: Settings) -> str:
    from gateway.pipeline.detect import Detector
    from gateway.types import Message

    Detector(spacy_model=settings.spacy_model).detect([Message(index=0, role="user", text=PROBE_TEXT)])
    return f"spaCy model {settings.spacy_model} loaded, a probe inspected"


def _local(settings: Settings) -> str:
    urls = settings.local_url_list
    if not urls:
        from gateway.services import local_model_path

        path = local_model_path(settings)
        if not path.is_file():
            raise RuntimeError(f"no model file at {path}")
        return f"in-process model {path}"
    down = []
    for url in urls:
        try:
            _get(url.rstrip("/") + "/models", settings.local_api_key, require_ok=True)
        except RuntimeError as exc:
            down.append(f"{url} ({exc})")
    if down:
        raise RuntimeError(f"{len(down)} of {len(urls)} down: {'; '.join(down)}")
    return f"{len(urls)} server(s) answer GET /models"


def _upstreams(settings: Settings) -> str:
    targets = [
        ("GATEWAY_UPSTREAM_URL", settings.upstream_base, "/models"),
        ("GATEWAY_ANTHROPIC_UPSTREAM_URL", settings.anthropic_upstream_base, "/v1/models"),
    ]
    configured = [(name, base, path) for name, base, path in targets if base]
    if not configured:
        raise Skip("no upstream configured: allowed traffic is answered locally")
    for name, base, path in configured:
        try:
            _get(base + path, None, require_ok=False)  # any HTTP answer (401 included) means reachable
        except RuntimeError as exc:
            raise RuntimeError(f"{name} {base}: {exc}") from None
    return ", ".join(f"{base} reachable" for _, base, _ in configured)


def _get(url: str, api_key: str | None, *, require_ok: bool) -> None:
    request = urllib.request.Request(url, headers={"authorization": f"Bearer {api_key}"} if api_key else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S):
            return
    except urllib.error.HTTPError as exc:
        if require_ok:
            raise RuntimeError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RuntimeError(f"unreachable: {reason}") from None


CHECKS: tuple[tuple[str, Callable[[Settings], str]], ...] = (
    ("store", _store),
    ("key file", _key_file),
    ("policies", _policies),
    ("detector", _detector),
    ("local model", _local),
    ("upstream", _upstreams),
)


def _doctor(_: argparse.Namespace, settings: Settings) -> int:
    failed = 0
    for name, check in CHECKS:
        try:
            print(f"ok    {name}: {check(settings)}", flush=True)
        except Skip as exc:
            print(f"skip  {name}: {exc}", flush=True)
        except Exception as exc:  # a check that fails is reported, and the next one still runs
            failed += 1
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            print(f"FAIL  {name}: {reason}", flush=True)
    print(f"{len(CHECKS) - failed} of {len(CHECKS)} checks passed" if not failed else f"{failed} check(s) failed")
    return 1 if failed else 0


def register(commands: argparse._SubParsersAction) -> None:
    doctor = commands.add_parser("doctor", help="check store, key file, policies, detector, local model, upstream")
    doctor.set_defaults(handler=_doctor)
