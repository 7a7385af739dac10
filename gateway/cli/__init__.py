"""The ``gateway`` command line (see API.md for the contract).

Each command group is a module with a ``register(commands)`` function; the
handlers receive the parsed arguments and the validated settings and return
the exit code; a handler that cannot do what was asked raises ``CommandError``,
which becomes ``error: <message>`` on standard error and exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from gateway.cli import audit, dataset, db, keys, officers, policy, scan, serve
from gateway.cli.common import CommandError
from gateway.settings import Settings

COMMAND_GROUPS = (serve, scan, dataset, keys, policy, db, officers, audit)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="Data-sovereignty compliance gateway for AI.")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args, Settings()))
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
