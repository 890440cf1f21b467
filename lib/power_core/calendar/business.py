"""Business days in Japan.

A business day is a weekday that is not a national holiday (from the
`holidays` library, which follows the Cabinet Office's list including
substitute holidays) and not in the year-end closure of 29 December to
3 January that grid operators and banks observe. Staff can add closures and
working days as overrides (the business holiday calendar master).

>>> cal = BusinessCalendar()
>>> cal.is_business_day(dt.date(2025, 5, 6))   # substitute holiday
False
>>> cal.add_business_days(dt.date(2025, 5, 2), 1)
datetime.date(2025, 5, 7)
"""
import datetime as dt
from functools import lru_cache

import holidays



@lru_cache(maxsize=64)
def _national_holidays(year):
    return frozenset(holidays.country_holidays('JP', years=year))


class BusinessCalendar:
    "Weekdays less Japanese holidays, the year-end closure and overrides."

    def __init__(self, closed=(), open_=(), year_end_closure=True):
        self.closed = frozenset(closed)
        self.open = frozenset(open_)
        self.year_end_closure = year_end_closure

    def is_holiday(self, date):
        return date in _national_holidays(date.year)

    def is_business_day(self, date):
        if date in self.open:
            return True
        if date in self.closed or date.weekday() >= 5:
            return False
        if self.year_end_closure and (
                (date.month == 12 and date.day >= 29)
                or (date.month == 1 and date.day <= 3)):
            return False
        return not self.is_holiday(date)

    def add_business_days(self, date, count):
        "The date `count` business days after `date` (before when negative)."
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            date += dt.timedelta(days=step)
            if self.is_business_day(date):
                remaining -= 1
        return date

    def next_business_day(self, date):
        "date when it is a business day, else the next one."
        while not self.is_business_day(date):
            date += dt.timedelta(days=1)
        return date

    def business_days(self, year, month):
        "The business days of a month, in order."
        date = dt.date(year, month, 1)
        days = []
        while date.month == month:
            if self.is_business_day(date):
                days.append(date)
            date += dt.timedelta(days=1)
        return days
