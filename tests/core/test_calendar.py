import datetime as dt

import pytest
from hypothesis import given, strategies as st

from power_core.calendar.business import BusinessCalendar
from power_core.calendar.reading import (
    SCHEDULES, WITH_OWN_DAY, next_reading_day, reading_day)
from power_core.calendar.switching import earliest_date, effective_date

CAL = BusinessCalendar()


@pytest.mark.parametrize('date, expected', [
    (dt.date(2025, 1, 1), False),   # New Year's Day
    (dt.date(2025, 1, 3), False),   # year-end closure
    (dt.date(2025, 1, 6), True),
    (dt.date(2025, 1, 13), False),  # Coming of Age Day
    (dt.date(2025, 5, 6), False),   # substitute holiday for 5 May
    (dt.date(2025, 12, 29), False),
    (dt.date(2025, 4, 5), False),   # Saturday
    (dt.date(2025, 4, 7), True),
    ])
def test_business_days(date, expected):
    assert CAL.is_business_day(date) is expected


def test_overrides():
    cal = BusinessCalendar(closed=[dt.date(2025, 4, 7)],
        open_=[dt.date(2025, 4, 5)])
    assert not cal.is_business_day(dt.date(2025, 4, 7))
    assert cal.is_business_day(dt.date(2025, 4, 5))


def test_add_business_days_over_golden_week():
    # Fri 2 May 2025 + 1 business day skips 3-6 May (holidays, weekend).
    assert CAL.add_business_days(dt.date(2025, 5, 2), 1) == dt.date(2025, 5, 7)
    assert CAL.add_business_days(dt.date(2025, 5, 7), -1) == dt.date(2025, 5, 2)


def test_reading_days_follow_schedule_order():
    days = [reading_day(s, 2025, 6, CAL) for s in WITH_OWN_DAY]
    assert days == sorted(days) and len(set(days)) == 19
    business = CAL.business_days(2025, 6)
    assert days[0] == business[1]  # from the 2nd business day
    assert all(CAL.is_business_day(d) for d in days)


def test_schedule_without_own_day_shares_the_next():
    for s, own in [('05', '08'), ('07', '08'), ('13', '15'), ('21', '22')]:
        assert reading_day(s, 2025, 6, CAL) == reading_day(own, 2025, 6, CAL)


def test_published_calendar_overrides_the_rule():
    published = {('03', 2025, 6): dt.date(2025, 6, 9)}
    assert reading_day('03', 2025, 6, CAL, published) == dt.date(2025, 6, 9)


@given(st.sampled_from(SCHEDULES),
    st.dates(dt.date(2016, 1, 1), dt.date(2035, 12, 31)))
def test_next_reading_day_is_on_or_after(schedule, date):
    day = next_reading_day(schedule, date, CAL)
    assert day >= date
    assert (day - date).days <= 62


def test_switch_effective_on_next_reading_day():
    assert earliest_date(dt.date(2025, 4, 7), CAL) == dt.date(2025, 4, 10)
    assert earliest_date(dt.date(2025, 4, 7), CAL, meter_work=True) \
        == dt.date(2025, 4, 19)
    # schedule 20 shares 22's day, later in April than the 10th
    day = effective_date(dt.date(2025, 4, 7), '20', CAL)
    assert day == reading_day('22', 2025, 4, CAL) and day.month == 4
    # points read on the first switch on the first of the next month
    assert effective_date(dt.date(2025, 4, 7), None, CAL) == dt.date(2025, 5, 1)
