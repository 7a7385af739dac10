"""Audit write throughput of ``gateway.audit.store.AuditStore`` as it is, on SQLite and PostgreSQL.

Usage: ``python -m bench.audit_write [--records 2000] [--threads 1 16] [--processes 1 2] [--no-postgres]``

Each request the gateway serves writes one record (``record``) and completes it
(``complete``); a "record" here is that pair, with a 1 KB encrypted request body
and findings. Writers are threads, as the gateway's worker threads are. SQLite
runs as ``gateway.db.make_engine`` configures it (WAL, ``synchronous=FULL``: a
committed record survives power loss); PostgreSQL uses a fresh schema on
127.0.0.1:5432 with the server's settings (``synchronous_commit`` is printed).
With ``--processes 2`` the writer threads are split between two processes, each
with its own engine and store on the same database, as ``gateway serve --workers 2``
runs them; they start together and the rate is all records over the slowest's time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gateway import db
from gateway.audit.keyring import Keyring
from gateway.audit.store import AuditEvent
from gateway.types import Action, Decision, Finding, Route, RuleMatch
from tests.support.audit import dispose, ok, open_store
from tests.support.databases import postgres_schema  # a scratch schema on the local server


def _event(i: int) -> AuditEvent:
    body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": f"{i} " + "x" * 1000}]}).encode()
    decision = Decision(
        Action.ROUTE_LOCAL,
        "healthcare",
        "sha256:" + "ab" * 32,
        (RuleMatch("r", Action.ROUTE_LOCAL, "r", "HIPAA", ("US_SSN",)),),
    )
    findings = (Finding("US_SSN", 0, 4, 15, 0.95, "UsSsnRecognizer"),)
    return AuditEvent(
        "chat.completions", "bench", decision, Route.LOCAL, findings, hashlib.sha256(body).hexdigest(), body
    )


def _durability(url: str) -> str:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        if url.startswith("sqlite"):
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[conn.exec_driver_sql("PRAGMA synchronous").scalar()]
            result = f"journal_mode={mode}, synchronous={sync}"
        else:
            sync = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
            fsync = conn.exec_driver_sql("SHOW fsync").scalar()
            result = f"synchronous_commit={sync}, fsync={fsync}"
    engine.dispose()
    return result


def _write(url: str, key_file: Path, first: int, records: int, threads: int, start: Any, results: Any) -> None:
    """One writer process: ``threads`` threads write ``records`` records once ``start`` is set."""
    store = open_store(url, key_file, every_records=1000, every_seconds=60)
    outcome = ok("done", 12.3)
    events = [_event(first + i) for i in range(records)]  # built before the clock starts: the store is timed

    def write(share: list[AuditEvent]) -> None:
        for event in share:
            store.complete(store.record(event), outcome)

    write([_event(-first - i) for i in range(1, 21)])  # warm up
    writers = [threading.Thread(target=write, args=(events[n::threads],)) for n in range(threads)]
    start.wait()
    began = time.perf_counter()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    results.put(time.perf_counter() - began)
    dispose(store)


def _measure(url: str, key_file: Path, records: int, threads: int, processes: int) -> float:
    db.upgrade(url)
    if not key_file.exists():
        Keyring.generate(key_file)
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    share = records // processes
    workers = [
        context.Process(target=_write, args=(url, key_file, n * share, share, threads // processes, start, results))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    time.sleep(3 + 2 * processes)  # every process has imported, connected and warmed up
    start.set()
    elapsed = max(results.get(timeout=600) for _ in workers)
    for worker in workers:
        worker.join()
        if worker.exitcode:
            raise RuntimeError(f"a writer process failed with exit code {worker.exitcode}")
    return share * processes / elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--processes", type=int, nargs="+", default=[1], help="writer processes (threads split)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)

    print("| store | durability | writer processes x threads | records/s (record + complete) |")
    print("| --- | --- | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="gw-audit-bench-") as tmp:
        key_file = Path(tmp) / "master.key"
        for threads in args.threads:
            for processes in args.processes:
                if threads % processes:
                    continue
                writers = f"{processes} x {threads // processes}"
                url = f"sqlite:///{Path(tmp) / f'audit-{threads}-{processes}.db'}"
                rate = _measure(url, key_file, args.records, threads, processes)
                print(f"| SQLite | {_durability(url)} | {writers} | {rate:,.0f} |", flush=True)
                if not args.no_postgres:
                    with postgres_schema() as pg:
                        rate = _measure(pg, key_file, args.records, threads, processes)
                        print(f"| PostgreSQL | {_durability(pg)} | {writers} | {rate:,.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
