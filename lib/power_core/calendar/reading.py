"""Meter reading schedules (検針日程) and their reading days.

TEPCO numbers its schedules 01..26 (docs/domain.md §4.3). Reading days are
assigned in order from the 2nd business day of each month over 19 working
days; schedules 05, 06, 07, 13, 14, 20 and 21 have no reading day of their
own, and are read here with the next schedule that has one. The grid
operator publishes the actual calendar (検針日カレンダー) each year: its dates
are given to this module as overrides and always win over the rule.

>>> validate_schedule('3')
'03'
>>> cal = BusinessCalendar()
>>> reading_day('01', 2025, 4, cal)   # 2nd business day of April 2025
datetime.date(2025, 4, 2)
>>> reading_day('05', 2025, 4, cal) == reading_day('08', 2025, 4, cal)
True
>>> next_reading_day('01', dt.date(2025, 4, 3), cal)
datetime.date(2025, 5, 2)
"""
import datetime as dt  # noqa: F401 (doctests)

from power_core.calendar.business import BusinessCalendar  # noqa: F401
from power_core.errors import InvalidComponent, InvalidFormat
from power_core.text import normalize_digits

SCHEDULES = tuple(f'{i:02d}' for i in range(1, 27))
WITHOUT_OWN_DAY = frozenset({'05', '06', '07', '13', '14', '20', '21'})
WITH_OWN_DAY = tuple(s for s in SCHEDULES if s not in WITHOUT_OWN_DAY)
FIRST_BUSINESS_DAY_INDEX = 1  # the 2nd business day, counting from 0


def validate_schedule(code: str) -> str:
    value = normalize_digits(str(code))
    if not value.isdigit():
        raise InvalidFormat(
            f"Meter reading schedule {code!r} must be a number from 01 to 26.",
            code)
    value = f'{int(value):02d}'
    if value not in SCHEDULES:
        raise InvalidComponent(
            f"Meter reading schedule {code!r} is not between 01 and 26.", code)
    return value


def _own_schedule(schedule):
    "The schedule whose reading day this schedule shares."
    index = SCHEDULES.index(schedule)
    for candidate in SCHEDULES[index:]:
        if candidate in WITH_OWN_DAY:
            return candidate
    return WITH_OWN_DAY[-1]


def reading_day(schedule, year, month, calendar, overrides=None):
    """The reading day of `schedule` in a month.

    `overrides` maps (schedule, year, month) to the published date."""
    schedule = validate_schedule(schedule)
    if overrides and (schedule, year, month) in overrides:
        return overrides[(schedule, year, month)]
    days = calendar.business_days(year, month)
    index = FIRST_BUSINESS_DAY_INDEX + WITH_OWN_DAY.index(
        _own_schedule(schedule))
    return days[min(index, len(days) - 1)]


def next_reading_day(schedule, on_or_after, calendar, overrides=None):
    "The first reading day of `schedule` on or after a date."
    year, month = on_or_after.year, on_or_after.month
    for _ in range(3):
        day = reading_day(schedule, year, month, calendar, overrides)
        if day >= on_or_after:
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("a reading day exists every month")


def charge_month(end, metered_on_first=False):
    """The month of the charges (X月分) of the period ending before the
    reading day end: the reading day's month, or for a point metered on the
    1st (計量日, no reading schedule) the month that was used.

    >>> charge_month(dt.date(2025, 10, 2)), charge_month(dt.date(2025, 10, 1), True)
    (datetime.date(2025, 10, 1), datetime.date(2025, 9, 1))
    """
    if metered_on_first:
        end -= dt.timedelta(days=1)
    return end.replace(day=1)
