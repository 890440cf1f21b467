"""Benchmark of the grid operator's daily 30-minute file import.

    .venv/bin/python bench/grid_import.py [--points 100000] [--reuse] [--write]

Creates a database `bench_grid_<N>` on the configured backend (SQLite by
default; PostgreSQL with TRYTOND_DATABASE__URI=postgresql://...) with N
supply points, has the grid operator simulator drop one day's file for all
of them (a ZIP of one SBD-MSG XML, 48 values each) into an endpoint's inbox
and times the poll end to end: unzip, streaming parse, validation, write of
one row per supply point and day, the exchange log. The work is rolled back
at the end, so --reuse measures again on the same data. Peak memory is the
process's growth during the import. With --write the figures go to
docs/benchmarks.md.
"""
import argparse
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import _record
from _database import new_database

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2025, 1, 20)


def rss_mb():
    "The current resident set of this process (Linux), in MB."
    with open('/proc/self/statm') as statm:
        return int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--points', type=int, default=100000)
    parser.add_argument('--reuse', action='store_true')
    parser.add_argument('--profile', action='store_true')
    parser.add_argument('--write', action='store_true')
    args = parser.parse_args()

    from power_cis_cli import site
    site.configure_trytond()
    from trytond import backend
    from trytond.pool import Pool

    name = f'bench_grid_{args.points}'
    if not (args.reuse and site.database_exists(name)):
        started = time.perf_counter()
        new_database(name)
        pool = Pool(name)
        pool.init()
        site.in_transaction(name, lambda t: _load(pool, args.points))
        print(f"database {name} with {args.points} supply points: "
            f"{time.perf_counter() - started:.0f} s", flush=True)
    pool = Pool(name)
    pool.init()

    from power_sim.grid import GridOperator, household_day
    folder = Path(tempfile.mkdtemp(prefix='bench-grid-'))
    rng = random.Random(48)
    started = time.perf_counter()
    path = GridOperator(folder / 'inbox').daily(DAY, (
            (f'0300002222{i:012d}', household_day(DAY, rng.uniform(0.5, 2),
                    rng)) for i in range(args.points)))
    print(f"simulator wrote {path.name} ({path.stat().st_size / 2**20:.1f} MB "
        f"zipped) in {time.perf_counter() - started:.0f} s", flush=True)

    def run(transaction):
        Endpoint = pool.get('power.edi.endpoint')
        Exchange = pool.get('power.edi.exchange')
        endpoint, = Endpoint.create([{'name': 'Bench', 'code': 'bench',
                    'partner': 'grid',
                    'inbox': str(folder / 'inbox'),
                    'archive': str(folder / 'archive'),
                    'error_folder': str(folder / 'error'),
                    'outbox': str(folder / 'outbox')}])
        before = rss_mb()
        started = time.perf_counter()
        if args.profile:
            import cProfile
            import pstats
            profile = cProfile.Profile()
            profile.runcall(Endpoint.poll, [endpoint])
            pstats.Stats(profile).sort_stats('tottime').print_stats(25)
        else:
            Endpoint.poll([endpoint])
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        exchange, = Exchange.search([('endpoint', '=', endpoint.id)])
        result = (exchange.state, exchange.records, exchange.applied_records,
            exchange.error, elapsed, before, peak)
        transaction.rollback()
        return result
    state, records, applied, error, elapsed, before, peak = (
        site.in_transaction(name, run))
    if state != 'applied':
        sys.exit(f"the import failed: {error}")
    values = records * 48
    print(f"imported {records} supply points ({values} values) in "
        f"{elapsed:.1f} s = {values / elapsed / 1e6:.2f} million values/s; "
        f"memory {before:.0f} MB before, peak {peak:.0f} MB")
    if args.write:
        _write(args, backend.name, records, elapsed, before, peak,
            path.stat().st_size)


def _load(pool, n):
    "n supply points in area 03 (set-wise SQL: the ORM would take minutes)."
    from trytond.transaction import Transaction
    SupplyPoint = pool.get('power.supply_point')
    GridArea = pool.get('power.grid_area')
    area, = GridArea.search([('code', '=', '03')])
    table = SupplyPoint.__table__()
    cursor = Transaction().connection.cursor()
    voltage = SupplyPoint.default_voltage_class()
    for start in range(0, n, 5000):
        cursor.execute(*table.insert(
                [table.number, table.area, table.address,
                    table.reading_schedule, table.voltage_class,
                    table.smart_meter, table.active],
                [[f'0300002222{i:012d}', area.id, '東京都千代田区内幸町1-1-3',
                        '05', voltage, True, True]
                    for i in range(start, min(n, start + 5000))]))


def _write(args, backend_name, records, elapsed, before, peak, size):
    values = records * 48
    text = (f"\n## Grid operator daily 30-minute import (`bench/grid_import.py "
        f"--points {args.points}`, {backend_name})\n"
        f"{_record.stamp()}\n\n"
        "| what | figure |\n|---|---|\n"
        f"| one day's file, {records} supply points, {values} values "
        f"({size / 2**20:.1f} MB zipped) | {elapsed:.1f} s end to end |\n"
        f"| rate | **{values / elapsed / 1e6:.2f} million values/s** |\n"
        f"| memory | {before:.0f} MB before the import, {peak:.0f} MB peak |\n")
    _record.append(text)


if __name__ == '__main__':
    main()
