"""The batch path gives the scalar path's totals, to the yen."""
import datetime as dt
from decimal import Decimal as D

from hypothesis import given, settings, strategies as st

from power_core.tariff.batch import rate_many, tax_included
from power_core.tariff.menu import Component, Menu, Version
from power_core.tariff.rating import Usage, rate
from power_core.tariff.regulated import RegulatedValues

prices = st.decimals(min_value=D('0'), max_value=D('80'), places=2)
signed = st.decimals(min_value=D('-15'), max_value=D('15'), places=2)
capacities = (10, 15, 20, 30, 40, 50, 60)


@st.composite
def menus(draw):
    basic = (Component('basic', 'basic_table', '基本料金', {'table': {
                    str(c): str(draw(st.decimals(D(0), D(3000), places=2)))
                    for c in capacities}})
        if draw(st.booleans()) else
        Component('basic', 'basic_per_unit', '基本料金', {
                'unit_price': str(draw(st.decimals(D(0), D(60), places=3)))}))
    bounds = sorted(draw(st.lists(st.integers(1, 600), min_size=0,
                max_size=3, unique=True)))
    tiers = [[b, str(draw(prices))] for b in bounds] + [[None, str(draw(prices))]]
    components = [basic, Component('energy', 'energy_tiers', '電力量料金',
            {'tiers': tiers})]
    if draw(st.booleans()):
        components.append(Component('discount', 'discount_percent', '割引', {
                    'percent': str(draw(st.decimals(D(0), D(20), places=1))),
                    'targets': draw(st.sampled_from(
                            [['energy'], ['basic', 'energy']]))}))
    components += [
        Component('fuel', 'fuel_adjustment', '燃調', {'menu_type': 'free'}),
        Component('subsidy', 'subsidy', '支援', {'customer_class': 'low'}),
        Component('renewable', 'renewable_surcharge', '賦課金')]
    version = Version(dt.date(2020, 1, 1), tuple(components),
        proration_denominator=draw(st.sampled_from(['start_month', '30'])),
        zero_usage_basic_half=draw(st.booleans()))
    return Menu('random', 'random', 'low_lighting', 'A', (version,),
        tuple(D(c) for c in capacities))


@st.composite
def usages(draw):
    start = draw(st.dates(dt.date(2024, 1, 1), dt.date(2025, 12, 1)))
    days = draw(st.integers(1, 62))
    return Usage(start, start + dt.timedelta(days=days),
        D(draw(st.integers(0, 3000))), D(draw(st.sampled_from(capacities))))


@settings(max_examples=200, deadline=None)
@given(menus(), st.lists(usages(), min_size=1, max_size=40), signed, signed,
    prices)
def test_batch_equals_scalar(menu, usage_list, fuel, subsidy, renewable):
    overrides = {'fuel_adjustment': fuel, 'subsidy': subsidy,
        'renewable_surcharge': renewable}
    regulated = RegulatedValues()
    scalar = [rate(menu, u, regulated, overrides).total for u in usage_list]
    assert rate_many(menu, usage_list, regulated, overrides) == scalar
    taxes = [rate(menu, u, regulated, overrides).tax_included
        for u in usage_list]
    assert list(tax_included(scalar)) == taxes
