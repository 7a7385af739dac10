"""``gateway serve``: apply migrations, check what can be checked cheaply, then serve."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path
from typing import Any

from gateway import logs
from gateway.settings import Settings

WORKER_HEALTHCHECK_S = 120


def _preflight(settings: Settings) -> str | None:
    """A clear reason the gateway cannot start, found before loading the heavy parts, or None."""
    from gateway.backends.local import ModelNotFound
    from gateway.policy import PolicyError, load_policies
    from gateway.services import local_model_path

    try:
        load_policies(settings.policy_dir)
    except PolicyError as exc:
        return "invalid policies:\n  " + "\n  ".join(str(problem) for problem in exc.problems)
    if settings.otel_endpoint is not None:
        try:
            import opentelemetry.exporter.otlp.proto.http.trace_exporter  # noqa: F401
            import opentelemetry.sdk.trace  # noqa: F401
        except ImportError:
            return "GATEWAY_OTEL_ENDPOINT is set but OpenTelemetry is not installed (the 'otel' extra)"
    try:
        path = local_model_path(settings)
    except ModelNotFound as exc:
        return f"local model: {exc}"
    if not path.is_file():
        return f"local model: no model file at {path}"
    return None


def _dbapi_errors() -> tuple[type[Exception], ...]:
    import sqlite3

    errors: list[type[Exception]] = [sqlite3.Error]
    try:
        import psycopg

        errors.append(psycopg.Error)
    except ImportError:
        pass
    return tuple(errors)


def store_problem(settings: Settings) -> str | None:
    """Open the audit store as a gateway does (migrations, the key file, created only for an empty store,
    a writer row, crash reconciliation, a signed head) and close it again: a one-line reason the gateway
    cannot start, or None. The serving processes started afterwards find the store and key ready."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from gateway.audit.keyring import KeyringError
    from gateway.services import open_audit_store

    url = settings.resolved_database_url
    try:
        engine, store = open_audit_store(settings)
        store.close()
        engine.dispose()
    except KeyringError as exc:
        return f"audit key: {exc}"
    except (SQLAlchemyError, OSError, *_dbapi_errors()) as exc:  # chain statements raise the DB-API's own
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        first_line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        where = make_url(url).render_as_string(hide_password=True)
        return f"the audit store at {where} cannot be opened: {first_line}"
    return None


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from gateway.app import create_app

    problem = _preflight(settings)
    if problem is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        problem = store_problem(settings)
    if problem is not None:
        print(f"gateway cannot start: {problem}", file=sys.stderr)
        return 2
    if args.workers > 1:
        # Each worker process has its own detection pool: share the CPUs out instead of oversubscribing them.
        from gateway.services import detection_workers

        if settings.detection_workers is None:
            per_worker = max(1, detection_workers(settings) // args.workers)
            os.environ["GATEWAY_DETECTION_WORKERS"] = str(per_worker)
        shared_metrics_dir(settings)
        _serve_workers(args.host, args.port, args.workers, settings)
    else:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, **server_options(settings))
    return 0


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options: JSON log lines (gateway.logs), no access log of its own (its lines hold query
    strings; gateway.api.observe writes one without), and the trusted proxies."""
    level = settings.log_level
    return {
        "log_config": logs.config(level),
        "log_level": level.lower(),
        "access_log": False,
        **proxy_options(settings),
    }


def shared_metrics_dir(settings: Settings) -> Path:
    """An empty folder for prometheus_client's multiprocess mode, named in the workers' environment.

    ``PROMETHEUS_MULTIPROC_DIR`` when the operator set it, else ``metrics/`` under the data dir; the
    files a previous run left there are removed first, as prometheus_client requires."""
    from gateway.metrics import MULTIPROCESS_DIR_ENV

    folder = Path(os.environ.get(MULTIPROCESS_DIR_ENV) or settings.data_dir / "metrics").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR_ENV] = str(folder)
    return folder


def proxy_options(settings: Settings) -> dict[str, object]:
    """uvicorn's proxy-header options: believe X-Forwarded-* only from ``GATEWAY_TRUSTED_PROXIES``.

    uvicorn trusts 127.0.0.1 by default, so anything on the gateway's host could pose as any
    client address (and step round the sign-in limiter); by default nobody is trusted."""
    trusted = settings.trusted_proxy_list
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or [""]}


def _serve_workers(host: str, port: int, workers: int, settings: Settings) -> None:
    """``uvicorn.run(..., workers=N)``, with a listening socket that keeps ``TCP_NODELAY`` on its connections."""
    from uvicorn import Config
    from uvicorn.supervisors import Multiprocess

    config = Config(
        "gateway.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # uvicorn kills a worker that does not answer its supervisor's ping within this time. Loading the
        # detector and the local model holds the GIL for seconds on a busy host: with uvicorn's 5 s the
        # workers were killed and restarted without end (found by tests/test_metrics_workers.py).
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        **server_options(settings),  # type: ignore[arg-type]
    )
    try:
        Multiprocess(config, sockets=[tcp_listener(config.bind_socket())]).run()
    except KeyboardInterrupt:
        pass


def tcp_listener(sock: socket.socket) -> socket.socket:
    """``sock`` marked as TCP, so that asyncio turns Nagle's algorithm off on every accepted connection.

    uvicorn binds the listener it shares between workers with ``proto`` 0; asyncio sets
    ``TCP_NODELAY`` only on sockets that say ``IPPROTO_TCP``, so each keep-alive response
    (headers and body written apart) waited for the client's delayed ACK: about 45 ms per
    request with ``--workers 2`` (uvicorn issue #3149). Same file descriptor, same binding.
    """
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        sock.set_inheritable(True)
    return sock


def register(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="apply migrations, load everything, serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes, each with its own audit writer and detection pool (one is best; see BENCHMARKS.md)",
    )
    serve.set_defaults(handler=_serve)
