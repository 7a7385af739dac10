"""Schemathesis over the OpenAPI schema (``tests/support/schemathesis_suite.py``), in an interpreter of its own.

In the whole suite, schemathesis' setup once failed with CPython 3.11's ``SystemError: AST
constructor recursion depth mismatch``: interpreter state left behind by earlier tests in the same
process (several of them make the parser refuse deeply nested JSON by catching a RecursionError),
not anything the gateway answered. A fresh interpreter gives the check the state it has alone,
and it still fails on the first 5xx or stack trace it provokes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "support" / "schemathesis_suite.py"


def test_no_generated_request_gets_a_server_error_or_a_stack_trace() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SUITE)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout, done.stdout[-2000:]
