"""Tariff truth (issue 23): the 日割計算 clause of the supply terms, the
charge month of points metered on the 1st, fuel cost adjustment by voltage
class and subsidies that are never assumed. Every figure is computed by
hand in the comments from the published prices of docs/domain.md §1 and
the clause quoted in docs/rating.md ("日割計算")."""
import dataclasses
import datetime as dt
from decimal import Decimal as D

import pytest

from power_core.billing import Term, determine
from power_core.data import MENUS, REGULATED
from power_core.errors import RegulatedValueMissing
from power_core.tariff.batch import rate_many
from power_core.tariff.menu import load_menus, menu_from_dict
from power_core.tariff.rating import Usage, rate
from power_core.tariff.regulated import RegulatedValues

MENU = load_menus(MENUS)
REG = RegulatedValues.from_folder(REGULATED)
B = MENU['tepco-juryo-b']
ZERO = {'fuel_adjustment': D(0), 'subsidy': D(0),
    'renewable_surcharge': D(0)}


def amounts(lines):
    "Amounts by line code, summed over the parts."
    result = {}
    for line in lines:
        result[line.code] = result.get(line.code, 0) + line.amount
    return result


def with_denominator(menu, denominator):
    return dataclasses.replace(menu, versions=tuple(
            dataclasses.replace(v, proration_denominator=denominator)
            for v in menu.versions))


def test_price_change_split_by_the_reading_period():
    # the case of issue 23: 30A, 350 kWh, read 2024-03-20 and 2024-04-19
    # (30 days), across the 2024-04-01 price change. 12 days at the
    # 2023-06 prices, 18 at the 2024-04 prices: factors 12/30 and 18/30
    # (検針期間の日数), kWh 140 / 210.
    # part 1: basic 885.72 × 0.4 = 354.288 → 354.28; tiers 48 / 120:
    #   48 × 30.00 + 72 × 36.60 + 20 × 40.69 = 1440 + 2635.20 + 813.80
    # part 2: basic 935.25 × 0.6 = 561.15; tiers 72 / 180:
    #   72 × 29.80 + 108 × 36.40 + 30 × 40.49 = 2145.60 + 3931.20 + 1214.70
    # 13,095.93 → 13,095 (fuel, subsidy and surcharge set to 0)
    usage = Usage(dt.date(2024, 3, 20), dt.date(2024, 4, 19), D(350), D(30))
    bill = rate(B, usage, REG, ZERO)
    got = amounts(bill.lines)
    assert got['basic'] == D('354.28') + D('561.15')
    assert [l.quantity for l in bill.lines if l.code == 'basic'] == [
        D('0.4'), D('0.6')]      # one month in all
    assert got['energy_1'] == D('1440.00') + D('2145.60')
    assert got['energy_3'] == D('813.80') + D('1214.70')
    assert bill.total == 13095
    # dividing each part by the days of March (31) as before: 12/31 and
    # 18/31 make 30/31 of a month and shrink the tiers: 38 yen more
    assert rate(with_denominator(B, 'start_month'), usage, REG,
        ZERO).total == 13133
    assert rate_many(B, [usage], REG, ZERO) == [13095]


def test_capacity_change_parts_add_up_to_one_month():
    # read 2025-03-10 and 2025-04-09 (30 days, March has 31); 30A → 40A
    # from 2025-03-25: 15 days each, factors 15/30 = 0.5.
    # 30A 935.25 × 0.5 = 467.625 → 467.62; 40A 1,247.00 × 0.5 = 623.50
    # kWh 300 shared by days: 150 / 150; tiers 60 / 150 in each part:
    #   60 × 29.80 + 90 × 36.40 = 1788.00 + 3276.00 = 5064.00 twice
    terms = [Term(1, B, D(30), dt.date(2024, 1, 1)),
        Term(2, B, D(40), dt.date(2025, 3, 25))]
    d = determine(terms, dt.date(2025, 3, 10), dt.date(2025, 4, 9), D(300),
        REG, overrides=ZERO)
    got = amounts(d.lines)
    assert got['basic'] == D('467.62') + D('623.50')
    assert got['energy_1'] == 2 * D('1788.00')
    assert got['energy_2'] == 2 * D('3276.00')
    assert 'energy_3' not in got
    # each part's total is rounded down: 5531.62 → 5531, 5687.50 → 5687
    assert [p.total for p in d.parts] == [5531, 5687]


def test_move_in_between_two_readings_divides_by_the_calendar_days():
    # readings on the 10th; supply from 2025-01-13 (no previous reading),
    # first reading 2025-02-10: 28 days, January has 31 (3 days short, so
    # the 5-day rule alone would bill a whole month). 暦日数: 28/31.
    # basic 935.25 × 28/31 = 844.741… → 844.74; tiers 120 × 28/31 =
    # 108.4 → 108 and 300 × 28/31 = 270.97 → 271:
    # 108 × 29.80 + 92 × 36.40 = 3218.40 + 3348.80 (200 kWh)
    terms = [Term(1, B, D(30), dt.date(2025, 1, 13))]
    d = determine(terms, dt.date(2025, 1, 13), dt.date(2025, 2, 10), D(200),
        REG, supply_start=dt.date(2025, 1, 13), calendar_days=True,
        overrides=ZERO)
    got = amounts(d.lines)
    assert got['basic'] == D('844.74')
    assert (got['energy_1'], got['energy_2']) == (D('3218.40'), D('3348.80'))
    assert d.total == 7411          # 844.74 + 6567.20 = 7411.94
    # a switch on the reading day is a whole month
    terms = [Term(1, B, D(30), dt.date(2025, 1, 10))]
    d = determine(terms, dt.date(2025, 1, 10), dt.date(2025, 2, 10), D(200),
        REG, supply_start=dt.date(2025, 1, 10), overrides=ZERO)
    assert amounts(d.lines)['basic'] == D('935.25')


def test_move_out_divides_by_the_scheduled_reading_period():
    # read 2025-02-10, next scheduled reading 2025-03-12 (30 days; February
    # has 28); the supply ends after 2025-02-25 (supply end 02-26): 16 of
    # the 30 days. basic 935.25 × 16/30 = 498.80; tiers 64 / 160:
    # 64 × 29.80 + 36 × 36.40 = 1907.20 + 1310.40 (100 kWh)
    terms = [Term(1, B, D(30), dt.date(2024, 1, 1))]
    end = dt.date(2025, 2, 26)
    d = determine(terms, dt.date(2025, 2, 10), end, D(100), REG,
        supply_end=end, reading_end=dt.date(2025, 3, 12), overrides=ZERO)
    got = amounts(d.lines)
    assert got['basic'] == D('498.80')
    assert (got['energy_1'], got['energy_2']) == (D('1907.20'), D('1310.40'))
    assert d.total == 3716          # 3716.40
    # the days of February (28) would give 16/28: 534.42 and tiers 69 / 171
    usage = d.parts[0].usage
    assert rate(with_denominator(B, 'start_month'), usage, REG,
        ZERO).total != d.total
    assert rate_many(B, [usage], REG, ZERO) == [d.total]


def test_irregular_period_divides_by_the_calendar_days():
    # a reading day moved: 2025-04-10 to 2025-05-20 (40 days, April has 30:
    # 10 days over) → 40/30; basic 935.25 × 4/3 = 1247.00; tiers 160 / 400
    bill = rate(B, Usage(dt.date(2025, 4, 10), dt.date(2025, 5, 20), D(500),
            D(30)), REG, ZERO)
    got = amounts(bill.lines)
    assert got['basic'] == D('1247.00')
    # 160 × 29.80 + 240 × 36.40 + 100 × 40.49
    assert got['energy_1'] == D('4768.00')
    assert got['energy_2'] == D('8736.00')
    assert got['energy_3'] == D('4049.00')


def test_subsidy_of_may_2024_is_applied():
    # the reduced last month of the 2023–24 programme: 1.80 yen/kWh for
    # May 2024 usage (the data pack had no row: 260 kWh were billed 468
    # yen too high)
    bill = rate(B, Usage(dt.date(2024, 5, 10), dt.date(2024, 6, 10), D(260),
            D(30)), REG, {'fuel_adjustment': D('-2.00')})
    assert amounts(bill.lines)['subsidy'] == D('-468.00')
    assert REG.subsidy_discount('high', dt.date(2024, 5, 1)) == D('0.90')
    assert REG.subsidy_discount('high', dt.date(2025, 3, 1)) == D('0.70')


def test_a_month_without_a_declared_subsidy_is_not_billed():
    usage = Usage(dt.date(2026, 5, 10), dt.date(2026, 6, 10), D(260), D(30))
    overrides = {'fuel_adjustment': D('-2.00')}
    with pytest.raises(RegulatedValueMissing,
            match='No government subsidy declared for low voltage, usage '
            'month 2026-05'):
        rate(B, usage, REG, overrides)
    with pytest.raises(RegulatedValueMissing, match='2026-05'):
        rate_many(B, [usage], REG, overrides)
    # a month declared without a programme bills no subsidy
    declared = dataclasses.replace(REG, subsidy={**REG.subsidy,
            ('low', dt.date(2026, 5, 1)): D(0)})
    assert amounts(rate(B, usage, declared, overrides).lines)[
        'subsidy'] == 0


def test_fuel_adjustment_by_voltage_class():
    # charge month 2025-09, Tokyo: low voltage −7.50, high voltage −1.48
    assert REG.fuel_adjustment('03', 'free', dt.date(2025, 9, 1)) == D(
        '-7.50')
    assert REG.fuel_adjustment('03', 'free', dt.date(2025, 9, 1),
        'high') == D('-1.48')
    with pytest.raises(RegulatedValueMissing,
            match='area 10, high voltage, free menus, charge month 2025-09'):
        REG.fuel_adjustment('10', 'free', dt.date(2025, 9, 1), 'high')


def test_high_voltage_metered_on_the_first_is_charged_for_its_month():
    # a 実量制 customer metered on the 1st: September 2025's usage
    # [09-01, 10-01) is the September charges (9月分): high-voltage fuel
    # adjustment −1.48 of 2025-09 (not the unpublished 2025-10), the
    # subsidy of September usage 1.00, the surcharge of FY2025 3.98.
    # 50,000 kWh: fuel −74,000.00, subsidy −50,000.00, surcharge 199,000
    menu = MENU['high-demand-demo']
    terms = [Term(1, menu, D(250), dt.date(2024, 4, 1))]
    d = determine(terms, dt.date(2025, 9, 1), dt.date(2025, 10, 1),
        D(50000), REG, max_demand=D(240), power_factor=D(100),
        supply_start=dt.date(2024, 4, 1), charge_month=dt.date(2025, 9, 1))
    got = amounts(d.lines)
    assert got['fuel'] == D('-74000.00')
    assert got['subsidy'] == D('-50000.00')
    assert got['renewable'] == D('199000')
    assert d.parts[0].usage.charge_month == dt.date(2025, 9, 1)
    # read as if on the next reading day, the charge month would be
    # 2025-10, whose price is not published: the bill stops
    with pytest.raises(RegulatedValueMissing, match='charge month 2025-10'):
        determine(terms, dt.date(2025, 9, 1), dt.date(2025, 10, 1),
            D(50000), REG, max_demand=D(240), power_factor=D(100),
            supply_start=dt.date(2024, 4, 1))


def test_april_usage_of_a_first_of_month_customer_is_the_old_fiscal_year():
    # high voltage: the surcharge year runs from May 1 usage; April 2025
    # usage takes FY2024's 3.49, May 2025 usage FY2025's 3.98
    menu = MENU['high-demand-demo']
    terms = [Term(1, menu, D(250), dt.date(2024, 4, 1))]
    kwargs = dict(max_demand=D(240), power_factor=D(100),
        supply_start=dt.date(2024, 4, 1),
        overrides={'fuel_adjustment': D(0), 'subsidy': D(0)})
    april = determine(terms, dt.date(2025, 4, 1), dt.date(2025, 5, 1),
        D(1000), REG, charge_month=dt.date(2025, 4, 1), **kwargs)
    may = determine(terms, dt.date(2025, 5, 1), dt.date(2025, 6, 1),
        D(1000), REG, charge_month=dt.date(2025, 5, 1), **kwargs)
    assert amounts(april.lines)['renewable'] == D(3490)
    assert amounts(may.lines)['renewable'] == D(3980)


def test_every_shipped_regulated_value_has_a_source():
    assert len(REG.sources) == len(REG.fuel) + len(REG.subsidy) + len(
        REG.renewable)
    assert all(source.strip() for source in REG.sources.values())
    # every usage month from 2023-01 to 2026-03 is declared for both classes
    month, declared = dt.date(2023, 1, 1), 0
    while month <= dt.date(2026, 3, 1):
        for customer_class in ('low', 'high'):
            REG.subsidy_discount(customer_class, month)
            declared += 1
        month = (month + dt.timedelta(days=32)).replace(day=1)
    assert declared == 78


def test_unknown_area_is_refused_by_name():
    from power_core.errors import ValidationError
    usage = Usage(dt.date(2025, 8, 20), dt.date(2025, 9, 19), D(260), D(30),
        area='99')
    for rating in (lambda: rate(B, usage, REG),
            lambda: rate_many(B, [usage], REG)):
        with pytest.raises(ValidationError, match="Unknown grid area '99'"):
            rating()
    # a known area without the month's price names the area and month
    with pytest.raises(RegulatedValueMissing, match='area 01, low voltage'):
        rate(B, dataclasses.replace(usage, area='01'), REG)


def test_formula_sees_the_contract_demand_and_the_seasons_by_days():
    # 実量制 written as a formula: 1,826 × contract kW × (185 − PF)/100,
    # contract kW = max(180 this month, 250 of November) = 250, PF 100:
    # 388,025.00; and 低圧電力's seasons: 2025-06-20 to 07-20 has 19 July
    # days and 11 June days
    from power_core.tariff.menu import Component, Menu, Version
    menu = Menu('f', 'f', 'high', 'kW', (Version(dt.date(2020, 1, 1), (
                    Component('basic', 'formula', '基本料金', {'expression':
                        '1826 * contract_demand * (185 - power_factor) / 100'}),
                    Component('season', 'formula', '夏季日数', {'expression':
                        'summer_days * 1000 + other_days'}),
                    )),))
    usage = Usage(dt.date(2025, 6, 20), dt.date(2025, 7, 20), D(1000),
        D(250), max_demand=D(180), power_factor=D(100),
        demand_history=((dt.date(2024, 11, 1), D(250)),))
    got = amounts(rate(menu, usage, REG).lines)
    assert got['basic'] == D('388025.00')
    assert got['season'] == 19011
    from power_core.errors import FormulaError
    with pytest.raises(FormulaError, match='No value for contract_demand'):
        rate(menu, dataclasses.replace(usage, max_demand=None), REG)


def test_capacity_contribution_by_area_and_fiscal_year():
    # 容量拠出金相当額 as a menu component: the area's unit of the fiscal year
    # (April–March) of the charge month × kWh; none set is an error
    from power_core.tariff.menu import Component, Menu, Version
    from power_core.tariff.regulated import read_file
    menu = Menu('c', 'c', 'low_lighting', 'A', (Version(dt.date(2020, 1, 1), (
                    Component('capacity', 'capacity_contribution',
                        '容量拠出金相当額'),)),))
    march = Usage(dt.date(2026, 2, 10), dt.date(2026, 3, 10), D(300), D(30))
    april = Usage(dt.date(2026, 3, 10), dt.date(2026, 4, 9), D(300), D(30))
    with pytest.raises(RegulatedValueMissing, match='No capacity '
            'contribution unit price for area 03, fiscal year 2025 '
            r'\(charge month 2026-03\)'):
        rate(menu, march, REG)
    _, values = read_file(('area,fiscal_year,price,source\n'
            '3,2025,0.85,our FY2025 notice\n03,2026,1.12,our FY2026 notice\n'
            ).encode(), 'capacity.csv')
    # 300 × 0.85 = 255.00; 300 × 1.12 = 336.00
    assert rate(menu, march, values).total == 255
    assert rate(menu, april, values).total == 336
    assert rate(menu, april, REG,
        {'capacity_contribution': D('1.00')}).total == 300


MINIMUM_MENU = menu_from_dict({
        'code': 'minimum-test', 'name': 'B with a minimum monthly charge',
        'customer_class': 'low_lighting', 'capacity_unit': 'A',
        'capacities': [10],
        'versions': [{'valid_from': '2024-04-01', 'components': [
                    {'code': 'basic', 'kind': 'basic_table',
                        'label': '基本料金', 'table': {'10': '316.24'}},
                    {'code': 'energy', 'kind': 'energy_tiers',
                        'label': '電力量料金',
                        'tiers': [[120, '18.37'], [None, '23.97']]},
                    {'code': 'minimum', 'kind': 'minimum',
                        'label': '最低月額料金', 'amount': '335.34'},
                    ]}]})


def test_minimum_charge_is_pro_rated_like_the_basic_charge():
    # a whole month: 10A, 1 kWh: 316.24 + 18.37 = 334.61 < 335.34, topped
    # up by 0.73 to the minimum
    month = Usage(dt.date(2025, 1, 10), dt.date(2025, 2, 10), D(1), D(10))
    bill = rate(MINIMUM_MENU, month, REG, ZERO)
    assert amounts(bill.lines)['minimum'] == D('0.73')
    assert bill.total == 335
    # a move-in 15 days before the reading (supply 2025-04-16, read
    # 2025-05-01; April has 30 days: 15/30): basic 316.24 × 1/2 = 158.12,
    # 1 kWh 18.37: 176.49; the minimum is its half too, 335.34 × 1/2 =
    # 167.67, and 176.49 is above it: no top-up (the whole minimum would
    # have added 158.85)
    short = Usage(dt.date(2025, 4, 16), dt.date(2025, 5, 1), D(1), D(10),
        calendar_days=True)
    bill = rate(MINIMUM_MENU, short, REG, ZERO)
    got = amounts(bill.lines)
    assert got['basic'] == D('158.12')
    assert 'minimum' not in got
    assert bill.total == 176
    # 0 kWh in the same 15 days: basic halved for no usage, 79.06; the
    # minimum 167.67 tops it up by 88.61
    empty = dataclasses.replace(short, kwh=D(0))
    bill = rate(MINIMUM_MENU, empty, REG, ZERO)
    got = amounts(bill.lines)
    assert got['basic'] == D('79.06')
    assert got['minimum'] == D('88.61')
    assert bill.total == 167

