#!/usr/bin/env bash
# Installs (if needed) the gateway with its test tools and runs the whole test suite.
# Needs the PostgreSQL server on 127.0.0.1:5432 (trust auth, database `test`).
# Arguments are passed to pytest (e.g. -k e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
exec .venv/bin/python -m pytest "$@"
