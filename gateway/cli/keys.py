"""``gateway keys create|revoke``."""

from __future__ import annotations

import argparse

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
