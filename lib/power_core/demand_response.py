"""Demand response (節電ポイント): a customer's baseline for an event's half
hours from their own 30-minute history, and the saving settled against it
(docs/demand_response.md).

The rule is the standard baseline of METI's guideline for energy resource
aggregation (エネルギー・リソース・アグリゲーション・ビジネスに関するガイドライン,
last revised 2020-06-01), "High 4 of 5", as retailers' programme terms
state it, without the same-day adjustment (当日調整):

- an event on a weekday: the 5 latest weekdays before it, at most 30 days
  back, that are not holidays, not event days, have every half hour of the
  event window and are not low days; the baseline of each half hour is the
  mean of the 4 of them with the highest use in the window;
- an event on a Saturday, Sunday or holiday: the same with the 3 latest
  such days and the 2 highest;
- a low day, left out, is one whose use in the window is under 25 % of
  the mean over the candidate days;
- when two days tie for the lowest use, the one farther from the event is
  dropped;
- the saving is (baseline − actual) for each half hour, summed over the
  window, cut (not rounded) to 2 decimals; a saving of 0 or less is 0.
"""
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from .calendar.business import _national_holidays
from .errors import ValidationError

LOOKBACK_DAYS = 30
# (days taken, days kept) by the kind of day
WEEKDAY_RULE = (5, 4)
HOLIDAY_RULE = (3, 2)
LOW_DAY = Decimal('0.25')
KWH = Decimal('0.01')


def is_holiday(date):
    "Saturday, Sunday or a national holiday of Japan."
    return date.weekday() >= 5 or date in _national_holidays(date.year)


@dataclass(frozen=True)
class Window:
    "The half hours of an event: slots first to last (0 is 0:00-0:30)."
    first: int
    last: int

    def __post_init__(self):
        if not 0 <= self.first <= self.last <= 47:
            raise ValidationError(f"The event's half hours {self.first} to "
                f"{self.last} are not within 0 to 47 in order.", self.first)

    @property
    def slots(self):
        return range(self.first, self.last + 1)

    def label(self):
        def time(slot):
            minutes = slot * 30
            return f'{minutes // 60}:{minutes % 60:02d}'
        return f'{time(self.first)}〜{time(self.last + 1)}'


@dataclass(frozen=True)
class Baseline:
    values: tuple        # kWh of each slot of the window
    days: tuple          # the dates it was taken from


def baseline(event_day, window, history, event_days=()):
    """The Baseline of event_day's window from history ({date: 48 values,
    a value None when missing}); event_days are left out. Too few days is
    an error that says how many were found."""
    holiday = is_holiday(event_day)
    taken, kept = HOLIDAY_RULE if holiday else WEEKDAY_RULE
    event_days = set(event_days)
    candidates = []
    for back in range(1, LOOKBACK_DAYS + 1):
        day = event_day - dt.timedelta(days=back)
        values = history.get(day)
        if (is_holiday(day) != holiday or day in event_days
                or values is None
                or any(values[s] is None for s in window.slots)):
            continue
        candidates.append((day, sum(Decimal(values[s])
                    for s in window.slots)))
    if candidates:
        mean = sum(total for _, total in candidates) / len(candidates)
        candidates = [(day, total) for day, total in candidates
            if total >= mean * LOW_DAY]
    candidates = candidates[:taken]
    if len(candidates) < taken:
        kind = 'holiday' if holiday else 'weekday'
        raise ValidationError(f"{len(candidates)} {kind}s of complete "
            f"history in the {LOOKBACK_DAYS} days before {event_day}, "
            f"{taken} needed for a baseline.", len(candidates))
    # the highest use first; of two equal, the nearer to the event
    chosen = sorted(candidates, key=lambda c: (c[1], c[0]),
        reverse=True)[:kept]
    days = tuple(sorted(day for day, _ in chosen))
    values = tuple(sum(Decimal(history[d][s]) for d in days) / len(days)
        for s in window.slots)
    return Baseline(values, days)


def saving(base, window, actual):
    """The kWh saved on the event day (actual: its 48 values): baseline −
    actual for each half hour of the window, summed, cut to 2 decimals, 0
    when not positive. A half hour missing is an error."""
    missing = [s for s in window.slots if actual[s] is None]
    if missing:
        raise ValidationError(f"The event day lacks the half hours "
            f"{', '.join(str(s) for s in missing)}.", missing)
    total = sum((b - Decimal(actual[s])
            for b, s in zip(base.values, window.slots)), Decimal(0))
    if total <= 0:
        return Decimal(0)
    return total.quantize(KWH, rounding=ROUND_DOWN)
