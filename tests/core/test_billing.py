"""Billing determination and usage in the core: figures computed by hand
from docs/domain.md §1 in the comments."""
import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from power_core.billing import (
    Term, determine, due_date, share_kwh, split_tax_included, tax_included)
from power_core.data import MENUS, REGULATED
from power_core.errors import InvalidFormat, InvalidLength, ValidationError
from power_core.tariff.batch import rate_many
from power_core.tariff.menu import load_menus
from power_core.tariff.rating import Usage, rate
from power_core.tariff.regulated import RegulatedValues
from power_core.usage import DayProfile, Reading, assemble, estimate_kwh

MENU = load_menus(MENUS)
REG = RegulatedValues.from_folder(REGULATED)
B = MENU['tepco-juryo-b']
JAN10, FEB10 = dt.date(2025, 1, 10), dt.date(2025, 2, 10)


def test_one_term_is_the_rating_of_the_period():
    terms = [Term('v1', B, D(30), dt.date(2020, 1, 1))]
    d = determine(terms, JAN10, FEB10, D('259.6'), REG)
    bill = rate(B, Usage(JAN10, FEB10, D(260), D(30)), REG)
    assert (d.total, d.kwh, d.lines) == (bill.total, D(260), bill.lines)
    assert d.tax == 8174 * 10 // 110 == 743 and d.total == 8174


def test_move_in_is_prorated():
    # supply from 2025-01-25: 16 days of January's 31; 30A 935.25 × 16/31
    # = 482.70; tiers 120 × 16/31 = 61.9 → 62, 300 × 16/31 = 154.8 → 155
    terms = [Term('v1', B, D(30), dt.date(2025, 1, 25))]
    d = determine(terms, dt.date(2025, 1, 25), FEB10, D(100), REG,
        supply_start=dt.date(2025, 1, 25))
    amounts = {l.code: l.amount for l in d.lines}
    assert amounts['basic'] == D('482.70')
    assert amounts['energy_1'] == 62 * D('29.80')
    assert amounts['energy_2'] == 38 * D('36.40')


def test_zero_usage_halves_the_basic_charge():
    d = determine([Term(1, B, D(30), dt.date(2020, 1, 1))], JAN10, FEB10,
        D(0), REG)
    # 935.25 / 2 = 467.625 → 467.62; nothing else
    assert d.total == 467 and d.tax == 42


def test_terms_changed_inside_the_period():
    terms = [Term(1, B, D(30), dt.date(2024, 1, 1)),
        Term(2, B, D(40), dt.date(2025, 1, 25))]
    d = determine(terms, JAN10, FEB10, D(300), REG)
    # 15 and 16 days: kWh shared 145 / 155 (300 × 15/31 = 145.2)
    assert [(p.key, p.kwh) for p in d.parts] == [(1, D(145)), (2, D(155))]
    # both parts use the charge month of the period (fuel 2025-02) and the
    # usage month of its start (subsidy 2025-01)
    assert {l.unit_price for l in d.lines if l.code == 'fuel'} == {
        D('-6.50')}
    assert d.total == sum(p.total for p in d.parts) == 4548 + 5021


def test_share_kwh_follows_the_interval_data():
    parts = [(JAN10, dt.date(2025, 1, 25)), (dt.date(2025, 1, 25), FEB10)]
    interval = {JAN10 + dt.timedelta(i): D(1 if i < 15 else 3)
        for i in range(31)}
    # 15 × 1 kWh and 16 × 3 kWh: 200 × 15/63 = 47.6 → 48
    assert share_kwh(D(200), parts, interval) == [D(48), D(152)]
    assert share_kwh(D(200), parts) == [D(97), D(103)]


def test_due_date_is_the_30th_day_after_reading():
    assert due_date(dt.date(2025, 2, 10)) == dt.date(2025, 3, 12)
    assert due_date(dt.date(2025, 2, 10), 20) == dt.date(2025, 3, 2)


@given(st.integers(0, 10_000_000), st.lists(
        st.decimals(-5000, 50000, places=2), min_size=1, max_size=12))
def test_split_tax_included_adds_up(total, amounts):
    shares, tax = split_tax_included(total, amounts)
    assert tax == tax_included(total) == total * 10 // 110
    assert sum(shares) + tax == total
    base = sum(amounts)
    if base:
        for share, amount in zip(shares, amounts):
            assert abs(share - amount * (total - tax) / base) < 1


def test_batch_engine_agrees_on_prorated_parts():
    usages = [Usage(JAN10, dt.date(2025, 1, 25), D(k), D(30), prorate=True,
            charge_month=FEB10) for k in (0, 50, 145, 400)]
    assert rate_many(B, usages, REG) == [
        rate(B, u, REG).total for u in usages]


def test_day_profile_round_trip_and_errors():
    day = DayProfile.from_kwh(JAN10, [D('0.5')] * 46 + [None, D('1.2')],
        estimated={48})
    values, quality = day.encode()
    assert quality == 'M' * 46 + '-E'
    assert DayProfile.decode(JAN10, values, quality) == day
    assert day.kwh == D('24.2') and not day.complete
    assert len(day.points()) == 47
    with pytest.raises(InvalidLength, match='47 half-hour values'):
        DayProfile.from_kwh(JAN10, [D(1)] * 47)
    with pytest.raises(InvalidFormat, match='slot 3: 0.25 kWh'):
        DayProfile.from_kwh(JAN10, [D(1), D(1), D('0.25')] + [D(0)] * 45)
    with pytest.raises(InvalidFormat, match='not whole'):
        DayProfile.decode(JAN10, '1 2 x' + ' 0' * 45, 'M' * 48)
    with pytest.raises(ValidationError, match='slot 2: negative'):
        DayProfile(JAN10, (0, -1) + (0,) * 46, 'M' * 48)


def test_assemble_meter_replacement_and_errors():
    readings = [Reading(JAN10, dt.date(2025, 1, 20), D(80), 'OLD', D('2.1')),
        Reading(dt.date(2025, 1, 20), FEB10, D(170), 'NEW', D('3.4'), D(95))]
    assert assemble(readings, JAN10, FEB10) == (D(250), D('3.4'), D(95))
    with pytest.raises(ValidationError, match='overlaps'):
        assemble(readings + [Reading(dt.date(2025, 1, 15), FEB10, D(1))],
            JAN10, FEB10)
    with pytest.raises(ValidationError, match='past the period end'):
        assemble(readings, JAN10, dt.date(2025, 2, 1))


def test_estimate_prefers_last_year_then_recent_average():
    history = [Reading(dt.date(2024, 1, 9), dt.date(2024, 2, 8), D(300)),
        Reading(dt.date(2024, 11, 8), dt.date(2024, 12, 10), D(320)),
        Reading(dt.date(2024, 12, 10), JAN10, D(310))]
    # last year: 300 kWh over 30 days → 31 days: 310
    assert estimate_kwh(history, JAN10, FEB10) == (
        D(310), 'same month last year')
    # recent: (320 + 310) / (32 + 31) = 10 kWh a day
    assert estimate_kwh(history[1:], JAN10, FEB10) == (
        D(310), 'average of 2 recent periods')
    with pytest.raises(ValidationError, match='No usage history'):
        estimate_kwh([], JAN10, FEB10)
