"""Benchmark of the rating engine's batch path.

    .venv/bin/python bench/rating.py [--n 1000000] [--write]

Rates N low-voltage contract-months of 従量電灯B (2024-04-01 prices, one
charge month, typical usage and capacities) with the vectorised kernel,
a hand-written numpy calculation of the same tariff (the ceiling) and, on a
sample, the scalar Decimal path; checks that all give the same totals; and
with --write records the figures in docs/benchmarks.md.
"""
import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from decimal import Decimal as D
from pathlib import Path

import numpy as np

from power_core.data import MENUS
from power_core.tariff.batch import SCALE, rate_arrays
from power_core.tariff.menu import load_menus
from power_core.tariff.rating import Usage, rate
from power_core.tariff.regulated import RegulatedValues

ROOT = Path(__file__).resolve().parents[1]
FUEL, SUBSIDY, RENEWABLE = D('-6.50'), D('2.50'), D('3.49')


def inputs(n, seed=2016):
    rng = np.random.default_rng(seed)
    kwh = np.clip(rng.gamma(3.0, 90.0, n), 0, 2000).astype(np.int64)
    kwh[rng.random(n) < 0.01] = 0
    amperes = rng.choice([20, 30, 30, 30, 40, 40, 50, 60], n)
    return kwh, amperes.astype(np.int64)


def hand_numpy(kwh, amperes):
    "The same tariff written directly: the speed ceiling."
    table = np.zeros(61, dtype=np.int64)
    for a, v in {10: 311.75, 15: 467.63, 20: 623.50, 30: 935.25, 40: 1247.00,
            50: 1558.75, 60: 1870.50}.items():
        table[a] = round(v * 100)  # sen
    basic = table[amperes] * 100
    basic = np.where(kwh == 0, basic // 200 * 100, basic)
    t1 = np.minimum(kwh, 120)
    t2 = np.clip(kwh - 120, 0, 180)
    t3 = np.maximum(kwh - 300, 0)
    energy = t1 * 298000 + t2 * 364000 + t3 * 404900
    adjust = kwh * (-65000 - 25000)
    main = basic + energy + adjust
    main = np.sign(main) * (np.abs(main) // SCALE)
    return main + kwh * 34900 // SCALE


def best_of(runs, func):
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--n', type=int, default=1_000_000)
    parser.add_argument('--sample', type=int, default=20_000)
    parser.add_argument('--write', action='store_true')
    args = parser.parse_args()
    n = args.n
    menu = load_menus(MENUS)['tepco-juryo-b']
    version = menu.versions_between(dt.date(2025, 1, 10),
        dt.date(2025, 2, 10))[0][0]
    kwh, amperes = inputs(n)
    days = np.full(n, 31, dtype=np.int64)
    denominator = np.full(n, 31, dtype=np.int64)
    prorate = np.zeros(n, dtype=bool)
    price = lambda v: np.full(n, int(v * SCALE), dtype=np.int64)  # noqa

    kernel_s, totals = best_of(3, lambda: rate_arrays(
            version, kwh, amperes * 10, days, denominator, prorate,
            price(FUEL), price(SUBSIDY), price(RENEWABLE)))
    hand_s, hand = best_of(3, lambda: hand_numpy(kwh, amperes))
    assert np.array_equal(totals, hand), "kernel and hand-written differ"

    sample = min(args.sample, n)
    usages = [Usage(dt.date(2025, 1, 10), dt.date(2025, 2, 10),
            D(int(k)), D(int(a))) for k, a in zip(kwh[:sample], amperes[:sample])]
    overrides = {'fuel_adjustment': FUEL, 'subsidy': SUBSIDY,
        'renewable_surcharge': RENEWABLE}
    regulated = RegulatedValues()
    scalar_s, scalar = best_of(1, lambda: [
            rate(menu, u, regulated, overrides).total for u in usages])
    assert scalar == [int(t) for t in totals[:sample]], "scalar differs"

    kernel_rate = n / kernel_s
    figures = {
        'batch kernel (rate_arrays)': f'{kernel_rate / 1e6:.2f} M contract-months/s',
        'hand-written numpy, same tariff': f'{n / hand_s / 1e6:.2f} M/s',
        'ratio kernel / hand-written': f'{kernel_rate / (n / hand_s):.2f}',
        'scalar Decimal path (rate)': f'{sample / scalar_s / 1e3:.1f} k/s',
        'totals identical (kernel, hand-written, scalar sample)': 'yes',
        }
    for name, value in figures.items():
        print(f'{name}: {value}')
    if args.write:
        write(n, sample, figures)
    return 0


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return f'{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}'


def write(n, sample, figures):
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
        capture_output=True, text=True, cwd=ROOT).stdout.strip()
    path = ROOT / 'docs' / 'benchmarks.md'
    text = path.read_text()
    marker = '## Rating engine, batch path'
    if marker in text:
        text = text[:text.index(marker)].rstrip() + '\n'
    text += (f'\n{marker}\n\n'
        f'`.venv/bin/python bench/rating.py --write` — {dt.date.today()}, '
        f'commit {commit}, {machine()}; {n:,} contract-months of 従量電灯B '
        f'(one charge month, one core), scalar path on the first '
        f'{sample:,}.\n\n| measure | figure |\n|---|---|\n'
        + ''.join(f'| {k} | {v} |\n' for k, v in figures.items())
        + '\nTarget (issue 4): at least 1 M contract-months/s on one core.\n')
    path.write_text(text)


if __name__ == '__main__':
    sys.exit(main())
