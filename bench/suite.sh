#!/usr/bin/env bash
# Every benchmark, on PostgreSQL, at each size given (customers), written to
# docs/benchmarks.md:  bench/suite.sh 10000 100000
set -euo pipefail
cd "$(dirname "$0")/.."
export TRYTOND_DATABASE__URI=${TRYTOND_DATABASE__URI:-postgresql://root@127.0.0.1:5432/}
export PGUSER=${PGUSER:-root}
PY=.venv/bin/python
sizes=("${@:-10000 100000}")
for n in ${sizes[@]}; do
    $PY bench/synth.py --customers "$n" --write
    $PY bench/billing.py --database "synth_$n" --stock 0 --write
    $PY bench/bi.py --database "synth_$n" --rows "$((n * 10))" --write
    $PY bench/grid_import.py --points "$n" --write
done
# the same month through 1, 2 and 4 trytond-worker processes (copies of the
# smallest synthetic retailer)
$PY bench/billing.py --database "synth_${sizes[0]%% *}" --stock 0 --workers 1 2 4 --write
$PY bench/rating.py --write
./scripts/setup.sh --bench
$PY bench/portal.py --users 50 --write
