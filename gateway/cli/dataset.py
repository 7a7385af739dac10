"""``gateway dataset scan``: check a training or fine-tuning data set before a model learns from it.

Exit 0 when every row is allowed by the policy, 3 when some row needs more
(redact, route_local or block), 2 on an error (a bad file, format or field; a
detection or audit failure), with one line on standard error.
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from gateway.cli.common import CommandError, engine_for
from gateway.settings import Settings

EVENT_KIND = "dataset_scan"
EVENT_FILES = 20
EVENT_FIELDS = 50


def event_details(summary: dict[str, Any]) -> dict[str, Any]:
    """What the ``dataset_scan`` event records: hashes, counts, policy; never a value or a path's folders."""
    dataset = summary["dataset"]
    return {
        "dataset_sha256": dataset["sha256"],
        "format": dataset["format"],
        "files": [
            {"name": Path(f["path"]).name, "sha256": f["sha256"], "rows": f["rows"]}
            for f in dataset["files"][:EVENT_FILES]
        ],
        "file_count": len(dataset["files"]),
        "policy": summary["policy"]["name"],
        "policy_version": summary["policy"]["version"],
        "detector_version": summary["detector_version"],
        "engine": summary["engine"]["name"],
        "rows": summary["rows"],
        "rows_flagged": summary["rows_flagged"],
        "findings": summary["findings"],
        "decision_counts": summary["decision_counts"],
        "entity_counts": summary["entity_counts"],
        "field_counts": dict(list(summary["field_counts"].items())[:EVENT_FIELDS]),
        "cleaned": None if summary["clean"] is None else summary["clean"]["mode"],
        "exit_code": summary["exit_code"],
    }


def _scan(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.events import record_event
    from gateway.cli.audit import _sign_appended
    from gateway.dataset.engines import engine_for as scan_engine
    from gateway.dataset.formats import DatasetError
    from gateway.dataset.progress import Progress
    from gateway.dataset.rows import ScanSpec
    from gateway.dataset.scan import scan_dataset
    from gateway.errors import GatewayError
    from gateway.policy import load_policies

    if args.drop and args.clean is None:
        raise CommandError("--drop goes with --clean FILE (it leaves the flagged rows out of the copy)")
    if args.workers is not None and args.workers < 1:
        raise CommandError("--workers must be 1 or more")
    policies = load_policies(settings.policy_dir)
    if args.policy not in policies:
        raise CommandError(f"unknown policy {args.policy!r}; known: {', '.join(sorted(policies))}")
    for name in args.field:
        if not name or any(not part for part in name.split(".")):
            raise CommandError(f"--field {name!r} is not a field name (a name, or a dotted path such as meta.notes)")
    clean_mode = None if args.clean is None else "drop" if args.drop else "redact"
    spec = ScanSpec(policies[args.policy], tuple(args.field), clean_mode)
    inputs = {path.resolve() for path in args.paths}
    for output in (args.clean, args.report):
        if output is not None and output.resolve() in inputs:
            raise CommandError(f"{output} is one of the files scanned; write the copy or report elsewhere")
    try:
        engine = scan_engine(args.engine, spec, settings.spacy_model, args.workers, args.ray_address)
        scanned = scan_dataset(
            args.paths, args.format, spec, engine, report=args.report, clean=args.clean, progress=Progress()
        )
    except DatasetError as exc:
        raise CommandError(str(exc)) from None
    except GatewayError as exc:  # detection or policy failed: nothing is written (fail closed)
        raise CommandError(exc.message) from None
    try:
        store = engine_for(settings)
        event_id = record_event(
            store, EVENT_KIND, args.actor or f"cli:{getpass.getuser()}", None, event_details(scanned.summary)
        )
    except Exception as exc:
        scanned.discard()
        raise CommandError(
            f"the scan's audit event could not be recorded ({type(exc).__name__}); nothing was written"
        ) from None
    scanned.commit()
    _sign_appended(settings, store)
    summary = scanned.summary
    print(
        f"{summary['rows']:,} rows, {summary['rows_flagged']:,} flagged, {summary['findings']:,} findings "
        f"under policy {summary['policy']['name']}; audit event {event_id}"
    )
    return int(scanned.exit_code)


def register(commands: argparse._SubParsersAction) -> None:
    dataset = commands.add_parser("dataset", help="check training data sets").add_subparsers(
        dest="action", required=True
    )
    scan = dataset.add_parser(
        "scan",
        help="scan data set files (JSONL, CSV, Parquet) with the detector and a policy; exit 3 if any row is flagged",
    )
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    scan.add_argument("--policy", required=True)
    scan.add_argument("--format", choices=["jsonl", "csv", "parquet"], help="default: from the file name")
    scan.add_argument(
        "--field", action="append", default=[], help="scan only this field (repeatable; dotted for nested)"
    )
    scan.add_argument("--report", type=Path, help="JSON report (an HTML page is written beside it)")
    scan.add_argument("--clean", type=Path, help="cleaned copy, same format: findings replaced by [TYPE]")
    scan.add_argument("--drop", action="store_true", help="in the copy, leave out flagged rows instead")
    scan.add_argument("--engine", choices=["local", "ray"], default="local")
    scan.add_argument("--ray-address", help="a Ray cluster's address (default: start a local Ray)")
    scan.add_argument("--workers", type=int, help="detector processes or Ray actors (default: every CPU)")
    scan.add_argument("--actor", help="who runs the scan, for the audit event (default: cli:<user>)")
    scan.set_defaults(handler=_scan)
