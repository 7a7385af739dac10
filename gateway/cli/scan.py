"""``gateway scan``: inspect text exactly as ``POST /v1/inspect`` would, without an audit record."""

from __future__ import annotations

import argparse
import json
import sys

from gateway.cli.common import CommandError
from gateway.settings import Settings


def _scan(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.api.inspect import inspection_body
    from gateway.pipeline.detect import Detector
    from gateway.pipeline.run import scan
    from gateway.policy import load_policies
    from gateway.wire import inspect

    policies = load_policies(settings.policy_dir)
    if args.policy not in policies:
        raise CommandError(f"unknown policy {args.policy!r}; known: {', '.join(sorted(policies))}")
    text = args.text if args.text is not None else sys.stdin.read()
    # One text: the detector in this process (a pool of worker processes pays off only for a server).
    detector = Detector(spacy_model=settings.spacy_model)
    result = scan(detector, inspect.of_text(text, args.policy), policies[args.policy])
    print(json.dumps(inspection_body(result.inspection), indent=2))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    scan = commands.add_parser("scan", help="inspect TEXT (or standard input) as POST /v1/inspect would")
    scan.add_argument("--policy", required=True)
    scan.add_argument("text", nargs="?")
    scan.set_defaults(handler=_scan)
