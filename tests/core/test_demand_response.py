"""The demand response baseline (High 4 of 5) and the saving, by hand
(power_core.demand_response, docs/demand_response.md)."""
import datetime as dt
from decimal import Decimal as D

import pytest

from power_core.demand_response import Window, baseline, saving
from power_core.errors import ValidationError

# an event on Wednesday 2025-07-16, 17:00-19:00 (slots 34 to 37)
EVENT = dt.date(2025, 7, 16)
WINDOW = Window(34, 37)


def day(kwh, missing=()):
    "48 half hours of kwh each (None where missing)."
    return tuple(None if s in missing else D(kwh) for s in range(48))


def test_high_4_of_5_weekdays():
    # the weekdays before: 15, 14 (Mon), 11 (Fri), 10, 9, 8; 12-13 weekend
    # and 2025-07-21 is a holiday (after the event, unused)
    history = {dt.date(2025, 7, 15): day('1.0'),
        dt.date(2025, 7, 14): day('0.8'),
        dt.date(2025, 7, 12): day('3.0'),     # Saturday: not taken
        dt.date(2025, 7, 11): day('1.2'),
        dt.date(2025, 7, 10): day('0.6'),
        dt.date(2025, 7, 9): day('0.9'),
        dt.date(2025, 7, 8): day('2.0')}      # the sixth: not taken
    base = baseline(EVENT, WINDOW, history)
    # the 5 latest: 15, 14, 11, 10, 9; the 4 highest leave out 10 (0.6)
    assert base.days == (dt.date(2025, 7, 9), dt.date(2025, 7, 11),
        dt.date(2025, 7, 14), dt.date(2025, 7, 15))
    # (1.0 + 0.8 + 1.2 + 0.9) / 4 = 0.975 each half hour
    assert base.values == (D('0.975'),) * 4
    # 4 × 0.975 − 4 × 0.5 = 1.9 kWh saved
    assert saving(base, WINDOW, day('0.5')) == D('1.90')
    # used more than the baseline: nothing saved, never negative
    assert saving(base, WINDOW, day('1.5')) == D(0)
    # cut, not rounded: 4 × 0.975 − 4 × 0.97333 = 0.00668 → 0.00
    assert saving(base, WINDOW, day('0.97333')) == D('0.00')


def test_event_days_low_days_and_gaps_left_out():
    history = {dt.date(2025, 7, d): day('1.0') for d in (15, 14, 11, 10, 9,
            8, 7, 4)}
    history[dt.date(2025, 7, 15)] = day('0.1')          # low day (< 25 %)
    history[dt.date(2025, 7, 11)] = day('1.0', {35})    # a gap in the window
    history[dt.date(2025, 7, 10)] = day('1.0', {10})    # a gap elsewhere
    base = baseline(EVENT, WINDOW, history,
        event_days={dt.date(2025, 7, 14)})
    # left: 10, 9, 8, 7, 4 (the 15th low, the 14th an event, the 11th a gap)
    assert base.days == (dt.date(2025, 7, 7), dt.date(2025, 7, 8),
        dt.date(2025, 7, 9), dt.date(2025, 7, 10))


def test_tie_drops_the_day_farther_from_the_event():
    history = {dt.date(2025, 7, d): day('1.0') for d in (15, 14, 11, 10, 9)}
    assert baseline(EVENT, WINDOW, history).days[0] == dt.date(2025, 7, 10)


def test_holiday_event_high_2_of_3():
    # Monday 2025-07-21 is 海の日: Saturdays, Sundays and holidays count
    holiday = dt.date(2025, 7, 21)
    history = {dt.date(2025, 7, 20): day('2.0'),
        dt.date(2025, 7, 19): day('1.0'),
        dt.date(2025, 7, 18): day('9.0'),     # Friday: not taken
        dt.date(2025, 7, 13): day('3.0'),
        dt.date(2025, 7, 12): day('4.0')}     # the fourth: not taken
    base = baseline(holiday, WINDOW, history)
    assert base.days == (dt.date(2025, 7, 13), dt.date(2025, 7, 20))
    assert base.values == (D('2.5'),) * 4


def test_too_little_history():
    history = {dt.date(2025, 7, 15): day('1.0')}
    with pytest.raises(ValidationError, match='1 weekdays .* 5 needed'):
        baseline(EVENT, WINDOW, history)
    with pytest.raises(ValidationError, match='lacks the half hours 36'):
        saving(baseline(EVENT, WINDOW, {dt.date(2025, 7, d): day('1')
                    for d in (15, 14, 11, 10, 9)}), WINDOW,
            day('1', {36}))


def test_window():
    assert Window(34, 37).label() == '17:00〜19:00'
    with pytest.raises(ValidationError):
        Window(40, 30)
    with pytest.raises(ValidationError):
        Window(0, 48)
