#!/usr/bin/env bash
# Set up (with Debian's chromium, and locust for the portal load test) and
# run every test tier. SQLite by default;
# PostgreSQL when TRYTOND_DATABASE__URI=postgresql://... is set.
# Extra arguments go to scripts/run_tests.py (e.g. --tier core).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --browser --bench
exec .venv/bin/python scripts/run_tests.py "$@"
