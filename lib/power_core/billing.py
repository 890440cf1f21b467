"""Billing determination (調定): from a contract's terms and its confirmed
usage of one period to the bill's lines, total, tax and due date, and from
a bill to the lines of a posted invoice.

A period [start, end) runs from one meter reading day to the next. When the
contract's terms (menu, capacity) change inside it, each part is rated on
its own with 日割 and the kWh are shared by days (or by the 30-minute data
when it is there); the first and the last period of a supply are 日割 too.

>>> from power_core.data import MENUS, REGULATED
>>> from power_core.tariff.menu import load_menus
>>> from power_core.tariff.regulated import RegulatedValues
>>> menu = load_menus(MENUS)['tepco-juryo-b']
>>> regulated = RegulatedValues.from_folder(REGULATED)
>>> terms = [Term(1, menu, D(30), dt.date(2024, 1, 1)),
...     Term(2, menu, D(40), dt.date(2025, 1, 25))]
>>> d = determine(terms, dt.date(2025, 1, 10), dt.date(2025, 2, 10), D(300),
...     regulated)
>>> [(p.key, p.start.day, p.kwh, p.total) for p in d.parts]
[(1, 10, Decimal('145'), 4548), (2, 25, Decimal('155'), 5021)]
>>> d.total, d.tax, split_tax_included(d.total, [l.amount for l in d.lines])[1]
(9569, 869, 869)
"""
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal as D

import power_core
from power_core.errors import ValidationError
from power_core.tariff.formula import round_half_up
from power_core.tariff.rating import TAX_RATE, Line, Usage, rate

ENGINE = f'power_core {power_core.__version__}'


@dataclass(frozen=True)
class Term:
    """Contract terms in force from valid_from: key identifies them (the
    contract version), menu is a power_core Menu."""
    key: object
    menu: object
    capacity: D
    valid_from: dt.date
    area: str = '03'


@dataclass(frozen=True)
class Part:
    key: object
    menu: str
    versions: tuple
    start: dt.date
    end: dt.date
    kwh: D
    total: int
    # what was rated (for a cross-check by the batch engine)
    usage: Usage = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Determination:
    start: dt.date
    end: dt.date
    kwh: D
    parts: tuple
    lines: tuple
    total: int
    tax: int
    engine: str = ENGINE

    def as_dict(self):
        return {
            'start': self.start.isoformat(), 'end': self.end.isoformat(),
            'kwh': str(self.kwh), 'total': self.total, 'tax': self.tax,
            'engine': self.engine,
            'parts': [{'key': p.key, 'menu': p.menu,
                    'versions': [v.isoformat() for v in p.versions],
                    'start': p.start.isoformat(), 'end': p.end.isoformat(),
                    'kwh': str(p.kwh), 'total': p.total}
                for p in self.parts],
            'lines': [line.as_dict() for line in self.lines],
            }


def terms_between(terms, start, end):
    """(term, part start, part end) covering [start, end), split where a
    term starts inside the period."""
    ordered = sorted(terms, key=lambda t: t.valid_from)
    if not ordered or ordered[0].valid_from > start:
        raise ValidationError(
            f"The contract has no terms in force on {start}.", start)
    parts = []
    for index, term in enumerate(ordered):
        following = (ordered[index + 1].valid_from
            if index + 1 < len(ordered) else dt.date.max)
        part_start, part_end = max(start, term.valid_from), min(end, following)
        if part_start < part_end:
            parts.append((term, part_start, part_end))
    return parts


def share_kwh(kwh, parts, interval=None):
    """Whole kWh of each (start, end) part: by the 30-minute data when it
    covers the period (interval: {date: kWh}), else by days; rounded half
    up, the last part taking the rest so that the parts add up."""
    if len(parts) == 1:
        return [kwh]
    days = [(end - start).days for start, end in parts]
    weights = days
    if interval:
        sums = [sum((D(interval.get(start + dt.timedelta(i), 0))
                    for i in range(n)), D(0))
            for (start, _), n in zip(parts, days)]
        if sum(sums) > 0:
            weights = sums
    total_weight = D(sum(weights))
    shares, rest = [], kwh
    for weight in weights[:-1]:
        share = round_half_up(kwh * weight / total_weight)
        shares.append(share)
        rest -= share
    return shares + [rest]


def determine(terms, start, end, kwh, regulated, *, max_demand=None,
        power_factor=None, demand_history=(), supply_start=None,
        supply_end=None, interval=None, points=(), overrides=None,
        reading_end=None, calendar_days=False, charge_month=None):
    """Rate the usage kwh of [start, end) under terms; the Determination.

    The first period of a supply (start == supply_start) and its last
    (end == supply_end) are 日割, as are the parts of a period whose terms
    changed inside it (power_core.tariff.rating.proration): against the
    meter reading period [start, reading_end) (reading_end: the scheduled
    reading day ending it, after end at a supply end), or the calendar days
    of the month when calendar_days (the supply started between two
    readings). charge_month: the month of the charges (X月分), by default
    the month of end; customers metered on the 1st (計量日) are charged
    for the month they used. interval: {date: kWh} to share kWh between
    parts; points: the (start datetime, kWh) half hours for time-of-use
    menus."""
    if end <= start:
        raise ValidationError(
            f"The period end {end} must be after its start {start}.", end)
    if reading_end is not None and reading_end < end:
        raise ValidationError(
            f"The reading period ends on {reading_end}, before the period's "
            f"end {end}.", reading_end)
    parts = terms_between(terms, start, end)
    shares = share_kwh(round_half_up(D(kwh)), [(s, e) for _, s, e in parts],
        interval)
    results, lines = [], []
    for (term, part_start, part_end), part_kwh in zip(parts, shares):
        usage = Usage(part_start, part_end, part_kwh, D(term.capacity),
            area=term.area, max_demand=max_demand,
            demand_history=tuple(demand_history), supply_start=supply_start,
            power_factor=power_factor, charge_month=charge_month or end,
            usage_month=start,
            interval=tuple(p for p in points
                if part_start <= p[0].date() < part_end),
            prorate=(len(parts) > 1 or part_start == supply_start
                or part_end == supply_end),
            reading_period=(start, reading_end or end),
            calendar_days=calendar_days)
        bill = rate(term.menu, usage, regulated, overrides)
        results.append(Part(term.key, term.menu.code, bill.versions,
                part_start, part_end, part_kwh, bill.total, usage))
        suffix = f' [{part_start:%m/%d}〜]' if len(parts) > 1 else ''
        lines += [Line(l.code, l.label + suffix, l.quantity, l.unit_price,
                l.amount) for l in bill.lines]
    total = sum(p.total for p in results)
    return Determination(start, end, sum(shares, D(0)), tuple(results),
        tuple(lines), total, tax_included(total))


def tax_included(total):
    """The consumption tax included in a tax-included total (yen, rounded
    down once per bill as on a qualified invoice)."""
    return int(D(total) * TAX_RATE / (1 + TAX_RATE) // 1)


def split_tax_included(total, amounts):
    """The tax-excluded yen of each line and the tax, for a bill whose
    lines (tax included, with sen) add up to total once rounded.

    The tax is taken once from the total; the tax-excluded rest is shared
    over the lines in proportion to their amounts (largest remainder), so
    the invoice adds up to the bill to the yen.

    >>> split_tax_included(3849, [D('935.25'), D('3576.00'), D('-662.40')])
    ([850, 3252, -602], 349)
    >>> split_tax_included(0, [D(0)])
    ([0], 0)
    """
    tax = tax_included(total)
    untaxed = total - tax
    if not amounts and untaxed:
        raise ValidationError(f"Total {total} without lines.", total)
    return allocate(untaxed, amounts), tax


def allocate(amount, weights):
    """Whole yen of amount shared in proportion to weights (largest
    remainder, so the shares add up to amount); all on the first weight
    when the weights add up to zero.

    >>> allocate(10, [1, 1, 1]), allocate(-7, [D(2), D(-1)]), allocate(5, [0, 0])
    ([4, 3, 3], [-14, 7], [5, 0])
    """
    weights = [D(w) for w in weights]
    if not weights:
        return []
    base = sum(weights, D(0))
    if base == 0:
        return [amount] + [0] * (len(weights) - 1)
    shares = [w * amount / base for w in weights]
    floors = [math.floor(s) for s in shares]
    rest = amount - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: floors[i] - shares[i])
    for i in order[:rest]:
        floors[i] += 1
    return floors


def due_date(reading_date, days=30):
    """The payment due date: the 30th day counted from the day after the
    meter reading day (docs/domain.md §5.4), days configurable.

    >>> due_date(dt.date(2025, 1, 31))
    datetime.date(2025, 3, 2)
    """
    return reading_date + dt.timedelta(days=days)
