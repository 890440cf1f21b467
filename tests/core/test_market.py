"""Market-linked menus (市場連動型): each half hour's kWh at its JEPX area
price, the JEPX file they are read from, and the refusals. Figures by hand
in the comments."""
import dataclasses
import datetime as dt
from decimal import Decimal as D

import pytest

from power_core.billing import Term, determine
from power_core.data import MENUS
from power_core.errors import RegulatedValueMissing, ValidationError
from power_core.tariff.batch import rate_many
from power_core.tariff.market import (
    MarketPrices, read_jepx, spikes, unit_price, write_jepx)
from power_core.tariff.menu import Component, Menu, Version, load_menus
from power_core.tariff.rating import Usage, rate
from power_core.tariff.regulated import RegulatedValues, read_file

SEP1, SEP2, SEP3 = (dt.date(2025, 9, 1), dt.date(2025, 9, 2),
    dt.date(2025, 9, 3))
# energy only: 5 % losses, 2.00 yen margin
MENU = Menu('m', 'm', 'low_lighting', 'A', (Version(dt.date(2020, 1, 1), (
                Component('energy', 'market_energy', '電力量料金', {
                        'loss_rate': '0.05', 'margin': '2.00'}),)),))


def prices():
    "Day 1 at 10.00 all day; day 2 at 12.00 but 100.00 at 18:00 (code 37)."
    market = MarketPrices()
    market.add('03', SEP1, [D('10.00')] * 48, 'test')
    market.add('03', SEP2, [D('12.00')] * 36 + [D('100.00')]
        + [D('12.00')] * 11, 'test')
    return RegulatedValues(market=market)


def half_hours(start, days, kwh=D('0.5')):
    first = dt.datetime.combine(start, dt.time())
    return tuple((first + dt.timedelta(minutes=30 * i), kwh)
        for i in range(48 * days))


def test_each_half_hour_at_its_area_price():
    # unit = (price ÷ 0.95 + 2.00) × 1.1, 0.5 kWh every half hour:
    # day 1: 24 kWh × (10 ÷ 0.95 + 2) × 1.1 = 330.6947…
    # day 2: 23.5 kWh × (12 ÷ 0.95 + 2) × 1.1 = 378.2263…
    #        0.5 kWh × (100 ÷ 0.95 + 2) × 1.1 = 58.9947…
    # 767.9157… → 767.91 (sen, rounded down) → 767 yen
    usage = Usage(SEP1, SEP3, D(48), D(30), interval=half_hours(SEP1, 2))
    bill = rate(MENU, usage, prices())
    line, = bill.lines
    assert (line.quantity, line.amount) == (D(48), D('767.91'))
    assert line.unit_price == D('16.00')          # 767.91 ÷ 48, the average
    assert bill.total == 767
    assert unit_price(D('100.00'), D('0.05'), D('2.00')) * D('0.5') == (
        D('100.00') / D('0.95') + 2) * D('1.1') * D('0.5')
    # the batch path falls back to the scalar rating
    assert rate_many(MENU, [usage], prices()) == [767]


def test_no_guess_without_the_series_or_the_prices():
    usage = Usage(SEP1, SEP3, D(48), D(30), interval=half_hours(SEP1, 2)[:-3])
    with pytest.raises(ValidationError, match='3 of the 96 half hours of '
            '2025-09-01 to 2025-09-03 are missing'):
        rate(MENU, usage, prices())
    with pytest.raises(ValidationError, match='96 of the 96'):
        rate(MENU, dataclasses.replace(usage, interval=()), prices())
    later = Usage(SEP2, dt.date(2025, 9, 4), D(48), D(30),
        interval=half_hours(SEP2, 2))
    with pytest.raises(RegulatedValueMissing,
            match='No JEPX area price for area 03 on 2025-09-03'):
        rate(MENU, later, prices())
    with pytest.raises(RegulatedValueMissing, match='area 06 on 2025-09-01'):
        rate(MENU, dataclasses.replace(usage, area='06',
                interval=half_hours(SEP1, 2)), prices())


def test_a_period_split_by_a_capacity_change_prices_each_part():
    # the shipped demo menu, 30A → 40A on 09-02: each part rates its own
    # half hours (day 1: 330.6947… at 5 % would differ: the menu has 6.1 %)
    menu = load_menus(MENUS)['market-demo']
    terms = [Term(1, menu, D(30), dt.date(2024, 4, 1)),
        Term(2, menu, D(40), SEP2)]
    d = determine(terms, SEP1, SEP3, D(48), prices(),
        points=half_hours(SEP1, 2), overrides={'subsidy': D(0),
            'renewable_surcharge': D(0)})
    energy = [l for l in d.lines if l.code == 'energy']
    # day 1: 24 × (10 ÷ 0.939 + 3) × 1.1 = 360.3578… → 360.35
    assert energy[0].amount == D('360.35')
    assert [l.quantity for l in energy] == [D(24), D(24)]


def test_the_jepx_file_round_trip_and_its_refusals():
    market = prices().market
    text = write_jepx(market, [SEP1, SEP2])
    assert text.splitlines()[0] == '受渡日,時刻コード,エリアプライス東京(円/kWh)'
    assert text.splitlines()[48 + 37] == '2025/09/02,37,100.00'
    read = read_jepx(text.splitlines(), 'spot.csv', 'JEPX')
    assert read.days == market.days
    # as staff import it, in Shift_JIS as JEPX publishes it
    table, values = read_file(text.encode('cp932'), 'spot_summary_2025.csv')
    assert table == 'market'
    assert values.market.day('03', SEP2)[36] == D('100.00')
    lines = text.splitlines()
    for broken, error in [
            (lines[:-1], '2025-09-02 lacks the time codes 48'),
            (lines + [lines[1]], 'line 98: 2025-09-01 time code 1 is given '
                'twice'),
            ([lines[0], '2025/09/01,49,1.00'], "line 2: '49' is not a time "
                'code'),
            ([lines[0], '2025/09/01,1,abc'], "line 2: 'abc' is not a price"),
            ([lines[0], '2025/13/01,1,1.00'], "line 2: '2025/13/01' is not a "
                'day'),
            (['受渡日,時刻コード,システムプライス(円/kWh)'], 'no area price column'),
            ]:
        with pytest.raises(ValidationError, match=error):
            read_jepx(broken, 'spot.csv', 'JEPX')


def test_spikes_are_the_time_codes_at_or_over_the_threshold():
    day = prices().market.day('03', SEP2)
    assert spikes(day, D('50')) == [37]
    assert spikes(day, D('200')) == []


def test_the_simulated_exchange_publishes_what_we_read():
    from power_sim import market
    days = market.days_between(SEP1, SEP2)
    content, published = market.publish(days, areas=('03', '06'))
    table, values = read_file(content, 'spot_summary_2025.csv')
    assert values.market.days == published.days
    assert len(values.market.days) == 4
    # the same day, the same prices; night cheaper than the evening
    day = market.day_prices('03', SEP1)
    assert day == market.day_prices('03', SEP1)
    assert max(day[:12]) < min(day[34:42])


def test_a_retailers_own_fuel_adjustment_follows_the_market_average():
    # 独自燃調 as a formula: kWh × (period's average area price − 11.00) ×
    # 0.5; the two days average (48 × 10 + 47 × 12 + 100) ÷ 96 = 11.9166…,
    # 48 × 0.9166… × 0.5 = 22.00
    menu = Menu('f', 'f', 'low_lighting', 'A', (Version(dt.date(2020, 1, 1), (
                    Component('fuel', 'formula', '独自燃料費調整額', {
                            'expression': 'round_down(kwh * (market_average '
                            '- 11) * 0.5, 2)'}),)),))
    usage = Usage(SEP1, SEP3, D(48), D(30))
    assert rate(menu, usage, prices()).total == 22
    with pytest.raises(RegulatedValueMissing, match='on 2025-09-03'):
        rate(menu, dataclasses.replace(usage, period_end=dt.date(2025, 9, 4)),
            prices())
