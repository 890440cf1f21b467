"""Switching lead times and effective dates (docs/domain.md §3.4).

After matching, a low-voltage switch without meter work can take effect
after 1 business day + 2 calendar days, with meter work after 8 business
days + 2 calendar days; high voltage under 500 kW needs 8 (20 with meter
work) business days. The switch then happens on the supply point's next
scheduled reading day on or after that date (or on the 1st of a month for
points read on the first).

>>> cal = BusinessCalendar()
>>> earliest_date(dt.date(2025, 4, 7), cal)  # Mon + 1 bd + 2 days
datetime.date(2025, 4, 10)
>>> effective_date(dt.date(2025, 4, 7), '01', cal)
datetime.date(2025, 5, 2)
"""
import datetime as dt

from power_core.calendar.business import BusinessCalendar  # noqa: F401
from power_core.calendar.reading import next_reading_day

LEAD_TIMES = {
    # (voltage, meter work): (business days, calendar days)
    ('low', False): (1, 2),
    ('low', True): (8, 2),
    ('high', False): (8, 0),
    ('high', True): (20, 0),
    }


def earliest_date(matched_on, calendar, voltage='low', meter_work=False):
    "The first day a switch matched on `matched_on` may take effect."
    business, calendar_days = LEAD_TIMES[
        ('low' if voltage == 'low' else 'high', bool(meter_work))]
    date = calendar.add_business_days(matched_on, business)
    return date + dt.timedelta(days=calendar_days)


def effective_date(matched_on, schedule, calendar, voltage='low',
        meter_work=False, overrides=None):
    "The reading day on which a switch matched on `matched_on` takes effect."
    earliest = earliest_date(matched_on, calendar, voltage, meter_work)
    if not schedule:
        if earliest.day == 1:
            return earliest
        year, month = earliest.year, earliest.month
        return (dt.date(year + 1, 1, 1) if month == 12
            else dt.date(year, month + 1, 1))
    return next_reading_day(schedule, earliest, calendar, overrides)
