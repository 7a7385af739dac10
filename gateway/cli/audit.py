"""``gateway audit verify|export|report|erase|purge|rotate-key|sign-head``: the compliance officer's audit trail."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from gateway.audit.events import record_event
from gateway.audit.export import EXPORT_EVENT, FORMATS, export_event_details, iter_export
from gateway.audit.filters import FilterError, RecordFilters, parse_time
from gateway.cli.common import CommandError, engine_for
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.audit.keyring import Keyring


def iso_datetime(value: str) -> datetime:
    """An ISO 8601 date or date-time, as the review API reads it (without a zone it is UTC), in UTC."""
    try:
        parsed = parse_time("time", value)
    except FilterError:
        parsed = None
    if parsed is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 date or time (e.g. 2026-01-31T12:00:00Z)")
    return parsed.astimezone(UTC)


def _existing_store(settings: Settings) -> Engine:
    """The audit store's engine (its waits bounded by the settings); refused when its SQLite file does
    not exist (nothing is created)."""
    from gateway import db

    url = settings.resolved_database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise CommandError(f"no audit store at {url} (set GATEWAY_DATABASE_URL or GATEWAY_DATA_DIR)")
    engine_for(settings).dispose()  # migrates
    return db.make_engine(url, db.StoreTimeouts.from_settings(settings))


def _sign_appended(settings: Settings, engine: Engine) -> None:
    """Sign the head after this command appended to the chain, so that a stopped gateway leaves no
    unsigned tail (``verify`` would report one). Without the key file the command still did its job."""
    from gateway.audit.keyring import Keyring, KeyringError
    from gateway.audit.signing import sign_head
    from gateway.audit.witness import FileWitness

    try:
        keyring = Keyring.from_settings(settings)
        witness = FileWitness(settings.resolved_audit_witness_file)
        sign_head(engine, keyring, f"cli:{getpass.getuser()}", witness=witness)
    except (KeyringError, OSError) as exc:
        print(f"warning: the chain head was not signed ({exc}); run 'gateway audit sign-head'", file=sys.stderr)


def _keyring(settings: Settings) -> Keyring:
    from gateway.audit.keyring import Keyring, KeyringError

    try:
        return Keyring.from_settings(settings)
    except KeyringError as exc:
        raise CommandError(str(exc)) from None


def _actor(args: argparse.Namespace) -> str:
    return args.actor or f"cli:{getpass.getuser()}"


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from gateway.audit.verify import Coverage, verify_trail
    from gateway.audit.witness import WitnessError, read_witness

    keyring = _keyring(settings)
    engine = _existing_store(settings)
    path: Path | None = args.witness
    if path is None and settings.resolved_audit_witness_file.exists():
        path = settings.resolved_audit_witness_file
    try:
        witnessed = read_witness(path) if path is not None else []
    except WitnessError as exc:
        raise CommandError(str(exc)) from None
    # A running gateway signs unsigned appends every GATEWAY_AUDIT_SIGN_EVERY_SECONDS: allow twice that.
    coverage = Coverage(max_unsigned_age=timedelta(seconds=2 * settings.audit_sign_every_seconds))
    report = verify_trail(engine, keyring, coverage=coverage, witness=witnessed, witness_name=str(path))
    print(report.summary())
    return 0 if report.ok else 1


def _export(args: argparse.Namespace, settings: Settings) -> int:
    if args.since and args.until and args.since >= args.until:
        raise CommandError("--since must be before --until")
    try:
        filters = RecordFilters(
            since=args.since,
            until=args.until,
            tenant=args.tenant,
            policy=args.policy,
            decision=args.decision,
            route=args.route,
            rule_id=args.rule_id,
            entity_type=args.entity_type,
        )
    except FilterError as exc:
        raise CommandError(str(exc)) from None
    engine = _existing_store(settings)
    record_event(engine, EXPORT_EVENT, _actor(args), None, export_event_details(args.format, filters, "cli"))
    _sign_appended(settings, engine)
    try:
        for chunk in iter_export(engine, args.format, filters):
            sys.stdout.write(chunk)
        sys.stdout.flush()
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`): not an error
    return 0


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.erase import ErasureError, ErasureScope, erase

    scope = ErasureScope(record_id=args.record, tenant=args.tenant, since=args.since, until=args.until)
    engine = _existing_store(settings)
    try:
        result = erase(engine, scope, actor=_actor(args), reason=args.reason)
    except ErasureError as exc:
        raise CommandError(str(exc)) from None
    _sign_appended(settings, engine)
    print(
        f"Erased the payloads of {result.erased} record(s) ({result.matched} matched; "
        f"{result.matched - result.erased} were already erased). Erasure event: {result.event_id}"
    )
    return 0


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.retention import purge
    from gateway.policy import load_policies

    policies = load_policies(settings.policy_dir)
    engine = _existing_store(settings)
    result = purge(engine, policies, actor=_actor(args))
    _sign_appended(settings, engine)
    print(
        f"Purged: {result.payloads_shredded} payload(s) shredded, {result.records_deleted} record(s) deleted "
        f"({result.tombstones} chain entries kept as tombstones). Purge event: {result.event_id}"
    )
    if result.unknown_policies:
        print(f"Kept records of policies that are not loaded: {', '.join(result.unknown_policies)}")
    return 0


def _rotate_key(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.chain import appending

    keyring = _keyring(settings)
    engine = _existing_store(settings)
    old = keyring.current_id
    try:
        with appending(engine) as writer:  # the event commits only if the key file was rewritten
            new = keyring.rotate()
            details = {"old_key_id": old, "new_key_id": new.key_id, "key_file": str(keyring.path)}
            writer.add_event("key_rotation", _actor(args), None, details)
    except OSError as exc:
        raise CommandError(f"the key file {keyring.path} could not be rewritten: {exc.strerror}") from None
    _sign_appended(settings, engine)
    print(f"Rotated the audit master key: {old} -> {new.key_id} (older keys stay in {keyring.path}).")
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from gateway.audit import report as site_report
    from gateway.audit.verify import Coverage, verify_trail
    from gateway.audit.witness import WitnessError, read_witness

    try:
        period = site_report.Period(args.tenant.strip(), args.since, args.until)
    except site_report.ReportError as exc:
        raise CommandError(str(exc)) from None
    if args.format == "pdf" and args.output is None and sys.stdout.isatty():
        raise CommandError("a PDF is not written to a terminal: give --output FILE or redirect standard output")
    keyring = _keyring(settings)
    engine = _existing_store(settings)
    witness_file = settings.resolved_audit_witness_file
    try:
        witnessed = read_witness(witness_file) if witness_file.exists() else None
    except WitnessError as exc:
        raise CommandError(str(exc)) from None
    coverage = Coverage(max_unsigned_age=timedelta(seconds=2 * settings.audit_sign_every_seconds))
    chain = verify_trail(engine, keyring, coverage=coverage, witness=witnessed)
    content = site_report.build_report(engine, period, chain)
    record_event(
        engine, site_report.REPORT_EVENT, _actor(args), None, site_report.event_details(period, args.format, "cli")
    )
    _sign_appended(settings, engine)
    rendered = site_report.render(content, args.format)
    if args.output is not None:
        args.output.write_bytes(rendered)
        print(f"Wrote the {args.format} report to {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(rendered)
        sys.stdout.flush()
    return 0 if chain.ok else 1


def _sign_head(_: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.signing import sign_head
    from gateway.audit.witness import FileWitness

    keyring = _keyring(settings)
    witness = FileWitness(settings.resolved_audit_witness_file)
    seq = sign_head(_existing_store(settings), keyring, signer=f"cli:{getpass.getuser()}", witness=witness)
    print("The chain is empty: nothing to sign." if seq is None else f"Signed the chain head at seq {seq}.")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(dest="audit_command", required=True)

    verify = audit.add_parser("verify", help="check the whole audit trail")
    verify.add_argument(
        "--witness",
        type=Path,
        help="a witness file of signed heads (default: GATEWAY_AUDIT_WITNESS_FILE if it exists); "
        "the chain must reach every head in it",
    )
    verify.set_defaults(handler=_verify)

    export = audit.add_parser("export", help="write audit records (metadata only) to standard output")
    export.add_argument("--format", required=True, choices=FORMATS)
    export.add_argument("--since", type=iso_datetime, help="ISO 8601, inclusive")
    export.add_argument("--until", type=iso_datetime, help="ISO 8601, exclusive")
    for name in ("tenant", "policy", "decision", "route", "rule-id", "entity-type"):
        export.add_argument(f"--{name}")
    export.add_argument("--actor", help="who exports (default: cli:<os user>); the export is recorded as an event")
    export.set_defaults(handler=_export)

    erase = audit.add_parser("erase", help="crypto-shred payloads (GDPR Art. 17); metadata and chain stay")
    erase.add_argument("--record", help="an audit record id")
    erase.add_argument("--tenant", help="every record of a tenant")
    erase.add_argument("--since", type=iso_datetime, help="ISO 8601, inclusive")
    erase.add_argument("--until", type=iso_datetime, help="ISO 8601, exclusive")
    erase.add_argument("--reason", required=True, help="why (e.g. the data-subject request reference)")
    erase.add_argument("--actor", help="who asked (default: cli:<os user>)")
    erase.set_defaults(handler=_erase)

    purge = audit.add_parser("purge", help="apply each policy's retention")
    purge.add_argument("--actor", help="who ran it (default: cli:<os user>)")
    purge.set_defaults(handler=_purge)

    rotate = audit.add_parser("rotate-key", help="make a new master key current; old keys stay for history")
    rotate.add_argument("--actor", help="who ran it (default: cli:<os user>)")
    rotate.set_defaults(handler=_rotate_key)

    report = audit.add_parser(
        "report", help="what left the site: a tenant's requests to the cloud, on premises and blocked, by rule"
    )
    report.add_argument("--tenant", required=True)
    report.add_argument("--since", type=iso_datetime, required=True, help="ISO 8601, inclusive")
    report.add_argument("--until", type=iso_datetime, required=True, help="ISO 8601, exclusive")
    report.add_argument("--format", choices=("json", "html", "pdf"), default="json")
    report.add_argument("--output", type=Path, help="write to this file (default: standard output)")
    report.add_argument("--actor", help="who asked (default: cli:<os user>); the report is recorded as an event")
    report.set_defaults(handler=_report)

    audit.add_parser("sign-head", help="sign the chain head now").set_defaults(handler=_sign_head)
