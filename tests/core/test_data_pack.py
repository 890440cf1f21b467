"""Every test case shipped with the data pack's menus passes (their
expected totals are computed by hand in their comments)."""
import datetime as dt
import json
from decimal import Decimal as D

import pytest

from power_core.data import MENUS
from power_core.tariff.menu import load_menus, menu_from_dict
from power_core.tariff.rating import Usage, rate
from power_core.tariff.regulated import RegulatedValues

CASES = [(path.stem, version['valid_from'], case)
    for path in sorted(MENUS.glob('*.json'))
    for version in json.loads(path.read_text())['versions']
    for case in version.get('tests', ())]


def test_every_low_voltage_menu_has_cases():
    tested = {code for code, _, _ in CASES}
    assert tested == {path.stem for path in MENUS.glob('*.json')}
    assert len(load_menus(MENUS)) == 9


@pytest.mark.parametrize('code, valid_from, case', CASES,
    ids=[f'{c}@{v}:{case["name"]}' for c, v, case in CASES])
def test_shipped_case(code, valid_from, case):
    data = json.loads((MENUS / f'{code}.json').read_text())
    data['versions'] = [v for v in data['versions']
        if v['valid_from'] == valid_from]
    menu = menu_from_dict(data)
    extra = {}
    if case.get('max_demand'):
        extra['max_demand'] = D(case['max_demand'])
    if case.get('power_factor'):
        extra['power_factor'] = D(case['power_factor'])
    if case.get('band_kwh'):
        extra['band_kwh'] = {k: D(v) for k, v in case['band_kwh'].items()}
    bill = rate(menu, Usage(
            dt.date.fromisoformat(case['period_start']),
            dt.date.fromisoformat(case['period_end']),
            D(case['kwh']), D(case['capacity']), **extra), RegulatedValues(), {
            'fuel_adjustment': D(case['fuel_adjustment']),
            'subsidy': D(case['subsidy']),
            'renewable_surcharge': D(case['renewable_surcharge']),
            'market_price': (D(case['market_price'])
                if case.get('market_price') else None),
            'capacity_contribution': D(case.get('capacity_contribution',
                    0))})
    assert bill.total == case['expected_total'], case['comment']
