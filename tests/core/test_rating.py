"""Rating the shipped menus; every expected figure is computed by hand in
the comments from docs/domain.md §1."""
import datetime as dt
from decimal import Decimal as D

import pytest

from power_core.data import MENUS, REGULATED
from power_core.errors import RegulatedValueMissing, ValidationError
from power_core.tariff.menu import load_menus
from power_core.tariff.rating import Usage, rate
from power_core.tariff.regulated import RegulatedValues

MENU = load_menus(MENUS)
REG = RegulatedValues.from_folder(REGULATED)


def lines(bill):
    "Amounts by line code, summed over the parts of a split period."
    amounts = {}
    for line in bill.lines:
        amounts[line.code] = amounts.get(line.code, 0) + line.amount
    return amounts


def test_tepco_b_normal_month():
    # 30A, 260 kWh, 2025-01-10 to 2025-02-10 (31 days, January has 31:
    # no pro-rating), charge month 2025-02, version 2024-04-01.
    bill = rate(MENU['tepco-juryo-b'], Usage(
            dt.date(2025, 1, 10), dt.date(2025, 2, 10), D(260), D(30)), REG)
    got = lines(bill)
    assert got['basic'] == D('935.25')
    assert got['energy_1'] == D('3576.00')     # 120 × 29.80
    assert got['energy_2'] == D('5096.00')     # 140 × 36.40
    assert 'energy_3' not in got
    assert got['fuel'] == D('-1690.00')        # 260 × −6.50 (2025-02 分)
    assert got['subsidy'] == D('-650.00')      # 260 × 2.50 (2025-01 使用分)
    # 935.25 + 8672.00 − 1690.00 − 650.00 = 7267.25 → 7267
    assert got['renewable'] == D('907')        # floor(260 × 3.49 = 907.40)
    assert bill.total == 8174                  # 7267 + 907
    assert bill.tax_included == 743            # floor(8174 × 10 / 110)
    assert bill.charge_month == dt.date(2025, 2, 1)


def test_period_crossing_a_version_is_split_by_days():
    # 310 kWh from 2024-03-15 to 2024-04-15 (31 days) crosses the
    # 2024-04-01 price change: 17 days at the 2023-06 prices, 14 days at
    # the 2024-04 prices; kWh split 170 / 140; factors 17/31 and 14/31.
    bill = rate(MENU['tepco-juryo-b'], Usage(
            dt.date(2024, 3, 15), dt.date(2024, 4, 15), D(310), D(30)), REG,
        overrides={'fuel_adjustment': D('-2.00')})
    got = lines(bill)
    assert got['basic'] == D('485.71') + D('422.37')  # 885.72×17/31, 935.25×14/31
    # first part: tiers 120×17/31 = 65.8 → 66, 300×17/31 = 164.5 → 165
    # 66 × 30.00 + 99 × 36.60 + 5 × 40.69
    # second part: tiers 54 and 135: 54 × 29.80 + 81 × 36.40 + 5 × 40.49
    assert got['energy_1'] == D('1980.00') + D('1609.20')
    assert got['energy_2'] == D('3623.40') + D('2948.40')
    assert got['energy_3'] == D('203.45') + D('202.45')
    assert got['fuel'] == D('-620.00')         # 310 × −2.00
    assert got['subsidy'] == D('-1085.00')     # 310 × 3.50 (2024-03 使用分)
    # main 9769.98 → 9769; surcharge FY2023 1.40 × 310 = 434
    assert bill.total == 9769 + 434
    assert bill.versions == (dt.date(2023, 6, 1), dt.date(2024, 4, 1))


def test_zero_usage_halves_basic():
    bill = rate(MENU['tepco-juryo-b'], Usage(
            dt.date(2025, 1, 10), dt.date(2025, 2, 10), D(0), D(40)), REG)
    assert lines(bill)['basic'] == D('623.50')  # 1247.00 / 2
    assert bill.total == 623


def test_short_period_is_pro_rated():
    # move-in on 2025-01-20, read 2025-02-10: 21 days of a 31-day month
    # (10 days short: pro-rated). basic 935.25 × 21/31 = 633.55;
    # tiers 120 × 21/31 = 81.3 → 81, 300 × 21/31 = 203.2 → 203.
    bill = rate(MENU['tepco-juryo-b'], Usage(
            dt.date(2025, 1, 20), dt.date(2025, 2, 10), D(100), D(30)), REG)
    got = lines(bill)
    assert got['basic'] == D('633.55')
    assert got['energy_1'] == D('81') * D('29.80')
    assert got['energy_2'] == D('19') * D('36.40')


def test_new_retailer_three_percent_off_energy():
    # same month as the first test on the free menu: energy 8672.00,
    # discount floor(8672.00 × 3%, sen) = 260.16
    bill = rate(MENU['new-retailer-b'], Usage(
            dt.date(2025, 1, 10), dt.date(2025, 2, 10), D(260), D(30)), REG)
    assert lines(bill)['discount'] == D('-260.16')
    # 7267.25 − 260.16 = 7007.09 → 7007; + 907
    assert bill.total == 7914


def test_tepco_c_per_kva():
    # 8 kVA × 311.75 = 2494.00; 400 kWh: 3576.00 + 6552.00 + 4049.00
    bill = rate(MENU['tepco-juryo-c'], Usage(
            dt.date(2025, 1, 10), dt.date(2025, 2, 10), D(400), D(8)), REG)
    got = lines(bill)
    assert got['basic'] == D('2494.00')
    assert got['energy_3'] == D('4049.00')     # 100 × 40.49


def test_kwh_rounded_half_up():
    bill = rate(MENU['tepco-juryo-b'], Usage(
            dt.date(2025, 1, 10), dt.date(2025, 2, 10), D('259.5'), D(30)), REG)
    assert bill.kwh == 260


@pytest.mark.parametrize('usage, error, words', [
    (Usage(dt.date(2025, 2, 10), dt.date(2025, 1, 10), D(1), D(30)),
        ValidationError, 'after its start'),
    (Usage(dt.date(2025, 1, 10), dt.date(2025, 2, 10), D(-1), D(30)),
        ValidationError, 'negative'),
    (Usage(dt.date(2025, 1, 10), dt.date(2025, 2, 10), D(1), D(35)),
        ValidationError, 'not offered'),
    (Usage(dt.date(2025, 4, 10), dt.date(2025, 5, 10), D(1), D(30)),
        RegulatedValueMissing, 'charge month 2025-05'),
    (Usage(dt.date(2020, 1, 10), dt.date(2020, 2, 10), D(1), D(30)),
        ValidationError, 'no version'),
    ])
def test_bad_input(usage, error, words):
    with pytest.raises(error, match=words):
        rate(MENU['tepco-juryo-b'], usage, REG)


def test_regulated_values_refuse_bad_rows(tmp_path):
    for name in ('fuel_adjustment', 'renewable_surcharge', 'subsidy'):
        (tmp_path / f'{name}.csv').write_text(
            (REGULATED / f'{name}.csv').read_text())
    surcharge = tmp_path / 'renewable_surcharge.csv'
    for text, error in [
            ('fiscal_year,price,source\n2025,abc,METI\n',
                "renewable_surcharge.csv line 2: 'abc' is not a number"),
            ('fiscal_year,price\n2025,3.98\n',
                "renewable_surcharge.csv: missing columns source"),
            ('fiscal_year,price,source\n2025,3.98,\n',
                "renewable_surcharge.csv line 2: no source"),
            ('fiscal_year,price,source\n2025,3.98,a\n2025,3.99,b\n',
                "renewable_surcharge.csv line 3: 2025 is given twice"),
            ]:
        surcharge.write_text(text)
        with pytest.raises(ValidationError, match=error):
            RegulatedValues.from_folder(tmp_path)
    surcharge.write_text((REGULATED / 'renewable_surcharge.csv').read_text())
    fuel = tmp_path / 'fuel_adjustment.csv'
    fuel.write_text('area,voltage,menu_type,charge_month,price,source\n'
        '03,medium,free,2025-09,-7.50,x\n')
    with pytest.raises(ValidationError, match=(
            "fuel_adjustment.csv line 2: 'medium' is not one of low, high")):
        RegulatedValues.from_folder(tmp_path)


def _menu(*components, capacities=(), unit='A'):
    from power_core.tariff.menu import Component, Menu, Version
    return Menu('test', 'test', 'low_lighting', unit, (Version(
                dt.date(2020, 1, 1), tuple(Component(*c) for c in components)),),
        tuple(D(c) for c in capacities))


def test_pro_rated_boundary_exactly_half_rounds_up():
    # regression: 435 × 55/30 = 797.5 must round to 798 (a pre-divided
    # factor 1.8333… gave 797.4999… and 797)
    menu = _menu(('energy', 'energy_tiers', '電力量', {
                'tiers': [[435, '0'], [None, '1.00']]}))
    bill = rate(menu, Usage(dt.date(2024, 4, 1), dt.date(2024, 5, 26),
            D(798), D(10)), RegulatedValues())
    assert bill.total == 0


def test_demand_basic_with_power_factor():
    # 実量制: contract kW = max(this month 180, previous 11 months 210 and
    # 195; the 230 of 13 months ago is too old) = 210.
    # basic = 1,800 × 210 × (185 − 90)/100 = 359,100.00
    menu = _menu(('basic', 'demand_basic', '基本料金', {
                'unit_price': '1800', 'power_factor': True}), unit='kW')
    usage = Usage(dt.date(2025, 6, 1), dt.date(2025, 7, 1), D(30000), D(0),
        max_demand=D('180.4'), power_factor=D('90'),
        demand_history=((dt.date(2024, 5, 1), D(230)),
            (dt.date(2024, 8, 1), D(210)), (dt.date(2025, 1, 1), D(195))))
    bill = rate(menu, usage, RegulatedValues())
    assert lines(bill)['basic'] == D('359100.00')
    # first year: supply started 2024-09, so the 210 of 2024-08 does not
    # count: max(180, 195) = 195 → 1,800 × 195 × 0.95 = 333,450.00
    first_year = Usage(**{**usage.__dict__, 'supply_start': dt.date(2024, 9, 1)})
    assert lines(rate(menu, first_year, RegulatedValues()))['basic'] == \
        D('333450.00')
    # no usage: power factor 85% (×1.00) and half: 1,800 × 210 / 2
    idle = Usage(**{**usage.__dict__, 'kwh': D(0)})
    assert lines(rate(menu, idle, RegulatedValues()))['basic'] == D('189000.00')


def test_contract_demand_this_month_and_the_previous_eleven():
    "実量制: the peak of 11 months ago counts, the one of 12 months ago does not"
    from power_core.tariff.rating import contract_demand
    june = dict(period_start=dt.date(2025, 6, 1),
        period_end=dt.date(2025, 7, 1), kwh=D(1000), capacity=D(0),
        max_demand=D(150))
    eleven_ago = Usage(**june, demand_history=((dt.date(2024, 7, 1), D(240)),))
    assert contract_demand(eleven_ago) == 240
    twelve_ago = Usage(**june, demand_history=((dt.date(2024, 6, 1), D(240)),
            (dt.date(2025, 6, 1), D(999))))   # this month's own entry too
    assert contract_demand(twelve_ago) == 150
    # across a year's start: January's previous 11 months are Feb to Dec
    january = Usage(dt.date(2026, 1, 1), dt.date(2026, 2, 1), D(10), D(0),
        max_demand=D(100), demand_history=((dt.date(2025, 1, 1), D(300)),
            (dt.date(2025, 2, 1), D(200))))
    assert contract_demand(january) == 200


def test_power_factor_capped_at_100():
    menu = _menu(('basic', 'demand_basic', '基本料金', {'unit_price': '1000'}),
        unit='kW')
    usage = Usage(dt.date(2025, 6, 1), dt.date(2025, 7, 1), D(100), D(0),
        max_demand=D(100), power_factor=D(104))
    # 1000 × 100 × (185 − 100)/100 = 85,000
    assert lines(rate(menu, usage, RegulatedValues()))['basic'] == D('85000.00')


def test_time_of_use_from_30_minute_series():
    # night 23:00–7:00 at 28.00, day at 38.00 (summer 40.00, Jul–Sep).
    # A weekday, 2025-07-01: 48 half hours of 0.5 kWh: 16 night half
    # hours (8 h) = 8.0 kWh, 32 day = 16.0 kWh.
    menu = _menu(('energy', 'tou_energy', '電力量料金', {
                'bands': [{'code': 'night', 'label': '夜間', 'price': '28.00'},
                    {'code': 'day', 'label': '昼間', 'price': '38.00',
                        'summer_price': '40.00'}],
                'rules': [{'band': 'night', 'hours': [23, 7]}],
                'summer_months': [7, 8, 9]}))
    start = dt.datetime(2025, 7, 1)
    series = tuple((start + dt.timedelta(minutes=30 * i), D('0.5'))
        for i in range(48))
    bill = rate(menu, Usage(dt.date(2025, 7, 1), dt.date(2025, 7, 31), D(24),
            D(30), interval=series), RegulatedValues())
    got = lines(bill)
    assert got['energy_night'] == D('224.00')   # 8 × 28.00
    assert got['energy_day'] == D('640.00')     # 16 × 40.00 (summer)
    assert bill.total == 864


def test_seasonal_tiers_and_minimum_charge():
    menu = _menu(
        ('basic', 'basic_table', '基本料金', {'table': {'30': '900.00'}}),
        ('energy', 'energy_tiers', '電力量料金', {
            'tiers': [[None, '30.00']], 'summer_tiers': [[None, '32.00']],
            'summer_months': [7, 8, 9]}),
        ('minimum', 'minimum', '最低料金', {'amount': '1000'}),
        capacities=[30])
    summer = rate(menu, Usage(dt.date(2025, 8, 5), dt.date(2025, 9, 4),
            D(100), D(30)), RegulatedValues())
    assert lines(summer)['energy_1'] == D('3200.00')
    # 1 kWh in winter: 900 + 30 = 930 < 1,000 → 70 added
    small = rate(menu, Usage(dt.date(2025, 1, 5), dt.date(2025, 2, 4),
            D(1), D(30)), RegulatedValues())
    assert lines(small)['minimum'] == D('70.00')
    assert small.total == 1000


def test_rounding_options_per_version():
    from power_core.tariff.menu import Component, Menu, Version
    components = (Component('energy', 'energy_tiers', '電力量',
            {'tiers': [[None, '10.55']]}),)
    usage = Usage(dt.date(2025, 1, 10), dt.date(2025, 2, 10), D('100.4'),
        D(30))
    default = Menu('m', 'm', 'low_lighting', 'A', (Version(
                dt.date(2020, 1, 1), components),))
    # 100.4 → 100 kWh × 10.55 = 1055.00
    assert rate(default, usage, RegulatedValues()).total == 1055
    other = Menu('m', 'm', 'low_lighting', 'A', (Version(
                dt.date(2020, 1, 1), components, kwh_rounding='up',
                total_rounding='half_up'),))
    # 100.4 → 101 kWh × 10.55 = 1065.55 → 1066
    assert rate(other, usage, RegulatedValues()).total == 1066


def test_formula_sees_tiers_demand_and_month():
    # a per-kWh discount on the second tier only, in August:
    # tier 2 has 140 kWh → −140 × 1.00
    menu = _menu(
        ('energy', 'energy_tiers', '電力量料金', {
            'tiers': [[120, '29.80'], [300, '36.40'], [None, '40.49']]}),
        ('summer', 'formula', '夏の割引', {
            'expression': 'IF(month == 8, -kwh_energy_2 * 1.00, 0)'}))
    august = rate(menu, Usage(dt.date(2025, 7, 10), dt.date(2025, 8, 9),
            D(260), D(30)), RegulatedValues())
    assert lines(august)['summer'] == D('-140.00')
    september = rate(menu, Usage(dt.date(2025, 8, 9), dt.date(2025, 9, 8),
            D(260), D(30)), RegulatedValues())
    assert lines(september)['summer'] == 0
