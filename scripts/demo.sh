#!/usr/bin/env bash
# Set up, create or reuse the SQLite demo database "power", and serve the
# web client on http://127.0.0.1:8000 (Ctrl+C stops it).
# Extra arguments go to `power-cis demo` (e.g. --customers 500, --no-server).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/power-cis demo "$@"
