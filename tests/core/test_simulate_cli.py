"""power-cis simulate, as the README calls it (no database)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

POWER_CIS = str(Path(sys.executable).parent / 'power-cis')
BASE = ['simulate', '--menu', 'tepco-juryo-b', '--capacity', '30A',
    '--period-start', '2025-01-10', '--period-end', '2025-02-10']


def run(*args, stdin=None):
    return subprocess.run([POWER_CIS, *args], capture_output=True, text=True,
        input=stdin)


def test_simple_form():
    result = run(*BASE, '--kwh', '260')
    assert result.returncode == 0, result.stderr
    bill = json.loads(result.stdout)
    # the hand-computed month of tests/core/test_rating.py
    assert bill['total'] == 8174 and bill['tax_included'] == 743
    assert bill['charge_month'] == '2025-02'
    assert bill['version'] == '2024-04-01'
    assert {line['code'] for line in bill['lines']} >= {
        'basic', 'energy_1', 'energy_2', 'fuel', 'subsidy', 'renewable'}


def test_overrides_and_input_file(tmp_path):
    case = tmp_path / 'case.json'
    case.write_text(json.dumps({
                'menu': 'tepco-juryo-b', 'capacity': '30A', 'kwh': 260,
                'period_start': '2025-04-10', 'period_end': '2025-05-12',
                'fuel_adjustment': '-1.00'}))
    result = run('simulate', '--input', str(case), '--subsidy', '0')
    assert result.returncode == 0, result.stderr
    bill = json.loads(result.stdout)
    fuel, = [l for l in bill['lines'] if l['code'] == 'fuel']
    assert fuel['amount'] == '-260.00'


def test_full_form_demand_menu():
    # contract kW = max(240, 260) = 260; basic 1,826 × 260 × (185−95)/100
    # = 427,284.00; summer energy 60,000 × 19.22 = 1,153,200.00;
    # fuel 60,000 × −1.00; subsidy for high voltage 2025-07: 1.0 → −60,000
    case = {'menu': 'high-demand-demo', 'capacity': '250kW', 'kwh': 60000,
        'period_start': '2025-07-01', 'period_end': '2025-08-01',
        'max_demand': 240, 'power_factor': 95,
        'demand_history': [['2025-01', 260]], 'fuel_adjustment': '-1.00'}
    result = run('simulate', '--input', '-', stdin=json.dumps(case))
    assert result.returncode == 0, result.stderr
    bill = json.loads(result.stdout)
    amounts = {l['code']: l['amount'] for l in bill['lines']}
    assert amounts['basic'] == '427284.00'
    assert amounts['energy_1'] == '1153200.00'
    assert amounts['subsidy'] == '-60000.00'
    # 427,284 + 1,153,200 − 60,000 − 60,000 = 1,460,484;
    # surcharge FY2025 3.98 × 60,000 = 238,800
    assert bill['total'] == 1460484 + 238800


@pytest.mark.parametrize('args, stdin, words', [
    (['--kwh', '260', '--menu', 'nope'], None, "unknown menu 'nope'"),
    (['--kwh', '260', '--capacity', '6kVA'], None, 'contracted in A'),
    (['--kwh', '-5'], None, 'negative'),
    (['--kwh', 'abc'], None, "'abc' is not a number"),
    (['--kwh', '1', '--period-end', '2025-01-01'], None, 'after its start'),
    (['--kwh', '1', '--period-end', '2025-05-10'], None,
        'No fuel cost adjustment'),
    (['--input', '-'], '{oops', 'malformed JSON'),
    ])
def test_bad_input_exits_2_with_one_line(args, stdin, words):
    result = run(*BASE, *args, stdin=stdin)
    assert result.returncode == 2
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ''


def test_needs_no_database():
    code = ("import sys; from power_cis_cli import simulate; "
        "assert 'trytond' not in sys.modules")
    assert subprocess.run([sys.executable, '-c', code]).returncode == 0


def _first_cases():
    from power_core.data import MENUS
    for path in sorted(MENUS.glob('*.json')):
        data = json.loads(path.read_text())
        case = data['versions'][-1]['tests'][0]
        yield data, case


@pytest.mark.parametrize('data, case', list(_first_cases()),
    ids=[data['code'] for data, _ in _first_cases()])
def test_every_shipped_menu_is_simulated(data, case):
    # the last version's first hand-computed case, in the menu's own area
    # a demand-based menu's case has no capacity (its contract kW comes
    # from the demand): the CLI asks for one, which the menu does not use
    capacity = case['capacity'] if float(case['capacity']) else case[
        'max_demand']
    full = {'menu': data['code'],
        'capacity': f"{capacity}{data['capacity_unit']}",
        'area': (data.get('areas') or ['03'])[0],
        **{k: case[k] for k in ['kwh', 'period_start', 'period_end',
                'fuel_adjustment', 'subsidy', 'renewable_surcharge',
                'market_price', 'max_demand', 'power_factor', 'band_kwh']
            if case.get(k) is not None}}
    result = run('simulate', '--input', '-', stdin=json.dumps(full))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)['total'] == case['expected_total']


def test_market_linked_menu_needs_a_price_or_the_series():
    result = run('simulate', '--menu', 'market-demo', '--capacity', '30A',
        '--kwh', '300', '--period-start', '2025-01-10', '--period-end',
        '2025-02-10')
    assert result.returncode == 2
    assert 'needs the complete 30-minute series' in result.stderr
    result = run('simulate', '--menu', 'market-demo', '--capacity', '30A',
        '--kwh', '300', '--period-start', '2025-01-10', '--period-end',
        '2025-02-10', '--market-price', '12.00', '--subsidy', '0',
        '--renewable-surcharge', '0')
    assert json.loads(result.stdout)['total'] == 6142
