"""Usage as the grid operator sends it: 30-minute values per supply point
and day, and confirmed monthly usage per meter reading (docs/domain.md §4).

A day of 30-minute values is kept as one compact row: 48 values in tenths
of a kWh as text and one quality letter per value, so that a day for a
million supply points is a million short rows, never 48 million records.

>>> day = DayProfile.from_kwh(dt.date(2025, 7, 1), [D('0.3')] * 47 + [None])
>>> day.encode()[0][:12], day.encode()[1][-3:]
('3 3 3 3 3 3 ', 'MM-')
>>> DayProfile.decode(day.date, *day.encode()) == day, day.kwh
(True, Decimal('14.1'))
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D

from power_core.errors import InvalidFormat, InvalidLength, ValidationError
from power_core.tariff.formula import round_half_up

SLOTS = 48  # Japan keeps no daylight saving time: every day has 48
MEASURED, ESTIMATED, MISSING = 'M', 'E', '-'
QUALITIES = {MEASURED: 'measured', ESTIMATED: 'estimated', MISSING: 'missing'}
TENTH = D('0.1')
# the kWh of 0 to 99.9 in tenths, and the starts of the 48 half hours
_KWH = [D(v) * TENTH for v in range(1000)]
_HALF_HOURS = [dt.timedelta(minutes=30 * i) for i in range(48)]

# a typical household's load: its relative monthly level (a Tokyo home,
# heating in winter, cooling in summer) and the shape of its day in half
# hours; the portal's estimates and the grid simulator's days follow it
SEASON = {1: 1.45, 2: 1.35, 3: 1.1, 4: 0.85, 5: 0.8, 6: 0.85, 7: 1.15,
    8: 1.35, 9: 1.1, 10: 0.85, 11: 0.95, 12: 1.25}
SHAPE = [0.55, 0.5, 0.45, 0.42, 0.4, 0.4, 0.4, 0.4, 0.42, 0.45, 0.5, 0.6,
    0.8, 1.1, 1.3, 1.2, 1.0, 0.85, 0.75, 0.7, 0.7, 0.72, 0.8, 0.85,
    0.8, 0.75, 0.72, 0.72, 0.75, 0.8, 0.9, 1.0, 1.2, 1.45, 1.6, 1.7,
    1.75, 1.7, 1.6, 1.5, 1.4, 1.3, 1.15, 1.0, 0.9, 0.8, 0.7, 0.6]


@dataclass(frozen=True)
class DayProfile:
    """One supply point's day: values in tenths of a kWh (0 where missing)
    and a quality letter per half hour."""
    date: dt.date
    tenths: tuple
    quality: str

    def __post_init__(self):
        if len(self.tenths) != SLOTS:
            raise InvalidLength(
                f"{self.date}: {len(self.tenths)} half-hour values, "
                f"expected {SLOTS}.", len(self.tenths))
        if len(self.quality) != SLOTS or set(self.quality) - set(QUALITIES):
            raise InvalidFormat(
                f"{self.date}: quality flags {self.quality!r} must be "
                f"{SLOTS} letters of {''.join(QUALITIES)}.", self.quality)
        if min(self.tenths) >= 0:
            return
        for slot, value in enumerate(self.tenths, 1):
            if value < 0:
                raise ValidationError(
                    f"{self.date} slot {slot}: negative usage "
                    f"{D(value) * TENTH} kWh.", value)

    @classmethod
    def from_kwh(cls, date, values, estimated=()):
        """From 48 kWh values (None = missing); slots (1-48) listed in
        estimated are flagged estimated. Values are kept to 0.1 kWh: a value
        with more decimals is refused, not rounded."""
        tenths, quality = [], []
        for slot, value in enumerate(values, 1):
            if value is None:
                tenths.append(0)
                quality.append(MISSING)
                continue
            scaled = D(value) * 10
            if scaled != scaled.to_integral_value():
                raise InvalidFormat(
                    f"{date} slot {slot}: {value} kWh has more than one "
                    "decimal.", value)
            tenths.append(int(scaled))
            quality.append(ESTIMATED if slot in estimated else MEASURED)
        return cls(date, tuple(tenths), ''.join(quality))

    @classmethod
    def decode(cls, date, values, quality):
        try:
            tenths = tuple(int(v) for v in values.split())
        except ValueError:
            raise InvalidFormat(
                f"{date}: half-hour values {values[:40]!r} are not whole "
                "tenths of a kWh.", values) from None
        return cls(date, tenths, quality)

    def encode(self):
        "(values text, quality text) as stored."
        return ' '.join(map(str, self.tenths)), self.quality

    @property
    def total_tenths(self):
        return sum(self.tenths)

    @property
    def kwh(self):
        return D(self.total_tenths) * TENTH

    @property
    def complete(self):
        return MISSING not in self.quality

    def points(self):
        "(start datetime, kWh) per half hour with a value."
        start = dt.datetime.combine(self.date, dt.time())
        return [(start + _HALF_HOURS[i], _KWH[v] if 0 <= v < 1000
                else D(v) * TENTH)
            for i, (v, q) in enumerate(zip(self.tenths, self.quality))
            if q != MISSING]


@dataclass(frozen=True)
class Reading:
    """Confirmed usage (確定使用量) of one meter over [start, end): end is
    the meter reading day, which starts the next period. A meter
    replacement (計器取替) gives two readings that tile one period."""
    start: dt.date
    end: dt.date
    kwh: D
    meter: str = ''
    max_demand: D = None
    power_factor: D = None


def assemble(readings, start, end):
    """The usage of [start, end) from readings that must tile it exactly
    (one reading, or several when a meter was replaced): (kWh, max demand,
    power factor of the last reading). Gaps and overlaps are errors naming
    the dates.

    >>> r = [Reading(dt.date(2025, 5, 8), dt.date(2025, 5, 20), D(100), 'A'),
    ...     Reading(dt.date(2025, 5, 20), dt.date(2025, 6, 9), D(150), 'B')]
    >>> assemble(r, dt.date(2025, 5, 8), dt.date(2025, 6, 9))[0]
    Decimal('250')
    >>> assemble(r[1:], dt.date(2025, 5, 8), dt.date(2025, 6, 9))
    Traceback (most recent call last):
    ...
    power_core.errors.ValidationError: No confirmed usage from 2025-05-08 to 2025-05-20.
    """
    day = start
    kwh = D(0)
    demand = None
    power_factor = None
    for reading in sorted(readings, key=lambda r: r.start):
        if reading.start > day:
            raise ValidationError(
                f"No confirmed usage from {day} to {reading.start}.", day)
        if reading.start < day:
            raise ValidationError(
                f"Confirmed usage from {reading.start} to {reading.end} "
                f"overlaps the usage before {day}.", reading.start)
        kwh += D(reading.kwh)
        if reading.max_demand is not None:
            demand = max(demand or D(0), D(reading.max_demand))
        if reading.power_factor is not None:
            power_factor = D(reading.power_factor)
        day = reading.end
    if day < end:
        raise ValidationError(f"No confirmed usage from {day} to {end}.", day)
    if day > end:
        raise ValidationError(
            f"Confirmed usage runs to {day}, past the period end {end}.", day)
    return kwh, demand, power_factor


def estimate_kwh(history, start, end):
    """An estimated usage for [start, end) when the confirmed usage is late:
    the same period a year earlier scaled by days, else the average per day
    of the last three periods; (kWh, basis text). history: Readings.

    >>> h = [Reading(dt.date(2024, 6, 1), dt.date(2024, 7, 1), D(300)),
    ...     Reading(dt.date(2025, 4, 1), dt.date(2025, 5, 1), D(200))]
    >>> estimate_kwh(h, dt.date(2025, 6, 1), dt.date(2025, 7, 1))
    (Decimal('300'), 'same month last year')
    >>> estimate_kwh(h[1:], dt.date(2025, 6, 1), dt.date(2025, 7, 1))
    (Decimal('200'), 'average of 1 recent periods')
    """
    days = (end - start).days
    target = start.replace(year=start.year - 1) if not (
        start.month == 2 and start.day == 29) else start - dt.timedelta(365)
    last_year = [r for r in history
        if abs((r.start - target).days) <= 15 and r.end > r.start]
    if last_year:
        reading = min(last_year, key=lambda r: abs((r.start - target).days))
        kwh = D(reading.kwh) * days / (reading.end - reading.start).days
        return round_half_up(kwh), 'same month last year'
    recent = sorted((r for r in history if r.end <= start and r.end > r.start),
        key=lambda r: r.start)[-3:]
    if not recent:
        raise ValidationError(
            f"No usage history to estimate {start} to {end} from.", start)
    per_day = (sum(D(r.kwh) for r in recent)
        / sum((r.end - r.start).days for r in recent))
    return (round_half_up(per_day * days),
        f'average of {len(recent)} recent periods')
