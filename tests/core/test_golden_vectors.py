"""Golden vectors (tests/core/golden/tariff_vectors.json): bills computed
with plain arithmetic from published tariffs (each vector keeps its
arithmetic and its source): every tier boundary of 従量電灯B and C, Kansai's
従量電灯A, 低圧電力, a market-linked menu at a flat area price, and the
日割計算 cases (price change, capacity change, move-in, move-out, a moved
reading day). The billing determination, the scalar rating and the batch
engine must all give the expected total; the billing run gives it too
(power_billing/tests/test_billing.py::test_golden_vectors_through_the_run).
"""
import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from power_core.billing import Term, determine
from power_core.data import MENUS, REGULATED
from power_core.tariff.batch import rate_many
from power_core.tariff.menu import load_menus
from power_core.tariff.rating import rate
from power_core.tariff.regulated import RegulatedValues

VECTORS = json.loads(
    (Path(__file__).parent / 'golden' / 'tariff_vectors.json').read_text())
MENU = load_menus(MENUS)
REG = RegulatedValues.from_folder(REGULATED)
OVERRIDES = ('fuel_adjustment', 'subsidy', 'renewable_surcharge',
    'market_price')


def determination(vector):
    "The billing determination of a vector (its terms and context)."
    menu = MENU[vector['menu']]
    terms = [Term(n, menu, D(capacity), dt.date.fromisoformat(start),
            vector['area'])
        for n, (capacity, start) in enumerate(vector.get('terms') or [
                [vector['capacity'], '2020-01-01']])]
    context = {name: dt.date.fromisoformat(vector[name])
        for name in ('supply_start', 'supply_end', 'reading_end')
        if name in vector}
    overrides = {name: D(vector[name]) for name in OVERRIDES
        if name in vector}
    return determine(terms, dt.date.fromisoformat(vector['period_start']),
        dt.date.fromisoformat(vector['period_end']), D(vector['kwh']), REG,
        overrides=overrides, calendar_days=vector.get('calendar_days', False),
        **context), overrides


def test_at_least_sixty_sourced_vectors_over_every_kind_of_case():
    assert len(VECTORS) >= 60
    assert all(v['source'] and v['arithmetic'] for v in VECTORS)
    assert {v['menu'] for v in VECTORS} == {'tepco-juryo-b', 'tepco-juryo-c',
        'kepco-juryo-a', 'tepco-teiatsu', 'market-demo'}
    assert {v['area'] for v in VECTORS} == {'03', '06'}


@pytest.mark.parametrize('vector', VECTORS, ids=[v['name'] for v in VECTORS])
def test_vector(vector):
    d, overrides = determination(vector)
    assert d.total == vector['expected_total'], vector['arithmetic']
    # each part rated on its own and by the batch engine: the same totals
    usages = [part.usage for part in d.parts]
    menu = MENU[vector['menu']]
    assert [rate(menu, u, REG, overrides).total for u in usages] == [
        part.total for part in d.parts]
    assert rate_many(menu, usages, REG, overrides) == [
        part.total for part in d.parts]
