"""``gateway keys create|revoke|list``."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from gateway.cli.common import CommandError, engine_for
from gateway.settings import Settings


def _keys_create(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.keys import KeyOperationError, create_key
    from gateway.policy import load_policies

    policies = load_policies(settings.policy_dir)
    allowed = [p.strip() for p in (args.allow_policies or "").split(",") if p.strip()]
    unknown = [p for p in [args.policy, *allowed] if p != "*" and p not in policies]
    if unknown:
        raise CommandError(f"unknown policy {', '.join(unknown)}; known: {', '.join(sorted(policies))}")
    try:
        key = create_key(engine_for(settings), args.name, args.policy, allowed)
    except KeyOperationError as exc:
        raise CommandError(str(exc)) from None
    print(f"Created key for tenant {args.name!r} (policy {args.policy}). It is shown only once:")
    print(key)
    return 0


def _keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.keys import KeyOperationError, revoke_key

    try:
        revoke_key(engine_for(settings), args.name)
    except KeyOperationError as exc:
        raise CommandError(str(exc)) from None
    print(f"Revoked the key of {args.name!r}.")
    return 0


def _when(value: datetime | None) -> str | None:
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite returns naive UTC
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _keys_list(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.keys import list_keys

    rows = [
        {
            "name": key.name,
            "tenant": key.name,
            "policy": key.policy,
            "allowed_policies": list(key.allowed_policies),
            "created": _when(key.created_at),
            "revoked": _when(key.revoked_at),
        }
        for key in list_keys(engine_for(settings))
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    columns = ("name", "tenant", "policy", "created", "revoked")
    table = [columns] + [tuple(str(row[c] or "-") for c in columns) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    keys = commands.add_parser("keys", help="client API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key bound to a tenant and a policy")
    create.add_argument("--name", required=True)
    create.add_argument("--policy", required=True)
    create.add_argument("--allow-policies", help="other policies the key may name: comma-separated, or *")
    create.set_defaults(handler=_keys_create)
    revoke = keys.add_parser("revoke", help="revoke a client key")
    revoke.add_argument("--name", required=True)
    revoke.set_defaults(handler=_keys_revoke)
    listing = keys.add_parser("list", help="list client keys (name, tenant, policy, created, revoked; never the key)")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(handler=_keys_list)
