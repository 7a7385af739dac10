"""``gateway policy validate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gateway.settings import Settings


def _policy_validate(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.policy import PolicyError, load_policies, load_policy_file

    path = Path(args.path) if args.path else settings.policy_dir
    try:
        loaded = [load_policy_file(path)] if path.is_file() else list(load_policies(path).values())
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    for policy in loaded:
        print(f"{policy.path}: ok ({policy.name}, {len(policy.spec.rules)} rules, {policy.version})")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    policy = commands.add_parser("policy", help="policy files").add_subparsers(dest="policy_command", required=True)
    validate = policy.add_parser("validate", help="check policy files")
    validate.add_argument("path", nargs="?")
    validate.set_defaults(handler=_policy_validate)
