#!/usr/bin/env bash
# Installs (if needed) and starts the gateway on its embedded defaults:
# SQLite audit store under .gateway/, the bundled policies and the bundled local model.
# Arguments are passed to `gateway serve` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/gateway serve "$@"
