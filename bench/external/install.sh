#!/usr/bin/env bash
# Installs what bench/external/ needs into ./.venv (after scripts/install.sh): the `bench-external`
# extra, then presidio-evaluator and the presidio-anonymizer it imports, pinned, without their
# dependencies: both declare cryptography ranges that exclude the gateway's pin, and the data
# generator needs only the extra's packages (its model-evaluation parts, which pull transformers
# and scikit-learn, are not used).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${GATEWAY_VENV:-.venv}
"$VENV/bin/python" -m pip install --quiet -e ".[bench-external]"
"$VENV/bin/python" -m pip install --quiet --no-deps "presidio-evaluator==0.3.2" "presidio-anonymizer==2.2.364"
