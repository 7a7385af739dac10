"""The ``gateway`` command line (see API.md for the contract).

Each command group is a module with a ``register(commands)`` function; the
handlers receive the parsed arguments and the validated settings and return
the exit code; a handler that cannot do what was asked raises ``CommandError``,
which becomes ``error: <message>`` on standard error and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from gateway import __version__, logs
from gateway.cli import audit, dataset, db, doctor, keys, officers, policy, scan, serve
from gateway.cli.common import CommandError
from gateway.settings import SettingsError, load_settings

COMMAND_GROUPS = (serve, scan, dataset, keys, policy, db, officers, audit, doctor)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="Data-sovereignty compliance gateway for AI.")
    parser.add_argument("--version", action="version", version=f"gateway {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        for line in str(exc).splitlines():
            print(f"error: configuration: {line}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    try:
        return int(args.handler(args, settings))
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early (``gateway audit export | head``): no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush writes nowhere
        return 141  # 128 + SIGPIPE, as a shell reports a command a closed pipe stopped


if __name__ == "__main__":
    sys.exit(main())
