"""Rating one contract-month with every line explained (the scalar path,
used by simulation, the portal and the web client).

Japanese defaults (docs/domain.md §1.5, §1.6, §1.10):
- usage in whole kWh, rounded half up;
- basic, energy and adjustment lines keep their sen; their sum is rounded
  down to the yen;
- the renewable surcharge is rounded down to the yen on its own and added;
- prices include tax; the consumption tax is shown as floor(total × 10/110);
- 日割 (docs/rating.md, "日割計算"): when the period is split by a menu
  version or a change of terms, when the supply starts or ends in it, or
  when it differs from the days of the month it starts in by 5 days or
  more, the basic charge, the minimum charge and the tier boundaries are
  scaled by days /
  denominator (boundaries rounded half up to the kWh); the denominator is
  the days of the meter reading period (検針期間の日数), the calendar days
  of its month (暦日数) where there is no previous reading or the period is
  irregular, or what the menu version says (`proration`);
- no usage: the basic charge is halved.
"""
import calendar
import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from power_core.areas import AREAS
from power_core.errors import ValidationError
from power_core.tariff import market
from power_core.tariff.formula import (
    Formula, round_down, round_half_up, round_up)

ROUNDINGS = {'down': round_down, 'half_up': round_half_up, 'up': round_up}

TAX_RATE = Decimal('0.10')
PRORATION_TOLERANCE_DAYS = 5
# 夏季: July 1 to September 30 in the incumbents' menus
SUMMER_MONTHS = (7, 8, 9)


@dataclass(frozen=True)
class Line:
    code: str
    label: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal

    def as_dict(self):
        return {'code': self.code, 'label': self.label,
            'quantity': str(self.quantity), 'unit_price': str(self.unit_price),
            'amount': str(self.amount)}


@dataclass(frozen=True)
class Bill:
    menu: str
    versions: tuple
    charge_month: dt.date
    kwh: Decimal
    lines: tuple
    total: int
    tax_included: int

    def as_dict(self):
        return {
            'menu': self.menu,
            'version': ', '.join(v.isoformat() for v in self.versions),
            'charge_month': f'{self.charge_month:%Y-%m}',
            'total': self.total,
            'tax_included': self.tax_included,
            'lines': [line.as_dict() for line in self.lines],
            }


@dataclass(frozen=True)
class Usage:
    """What is rated: a period [start, end) and its usage.

    For demand-based menus: max_demand (kW, this month), demand_history
    ((month, kW) of earlier months) and supply_start (the first-year rule),
    power_factor (%). For time-of-use menus: band_kwh ({band: kWh}) or
    interval ((start datetime, kWh) per half hour). prorate forces 日割."""
    period_start: dt.date
    period_end: dt.date
    kwh: Decimal
    capacity: Decimal
    area: str = '03'
    max_demand: Decimal = None
    demand_history: tuple = ()
    supply_start: dt.date = None
    power_factor: Decimal = None
    band_kwh: dict = None
    interval: tuple = ()
    # 日割 regardless of the period's length: a part of a period split by
    # a change of contract terms (capacity, menu) or a supply start or end
    prorate: bool = False
    # the months of the whole period when this usage is a part of it
    # (default: the month of period_end, and of period_start)
    charge_month: dt.date = None
    usage_month: dt.date = None
    # the meter reading period (検針期間) [start, end) the 日割 is measured
    # against when this usage is a part of it, or ends before it at a
    # supply end (default: the usage's own period)
    reading_period: tuple = None
    # no previous reading (the supply started inside the period): the
    # denominator is the calendar days of the month (暦日数)
    calendar_days: bool = False


def check_area(code):
    "Refuse a grid area code that is not one of the ten (01 to 10)."
    if code not in AREAS:
        raise ValidationError(
            f"Unknown grid area {code!r} (one of {', '.join(AREAS)}).", code)


def _days_in_month(date):
    return calendar.monthrange(date.year, date.month)[1]


def rate(menu, usage, regulated, overrides=None):
    """Rate usage with menu; return the Bill.

    overrides: optional unit prices replacing the regulated ones,
    {'fuel_adjustment': Decimal, 'renewable_surcharge': Decimal,
    'subsidy': Decimal}."""
    overrides = overrides or {}
    start, end = usage.period_start, usage.period_end
    if end <= start:
        raise ValidationError(
            f"The period end {end} must be after its start {start}.", end)
    if usage.kwh < 0:
        raise ValidationError(f"Usage {usage.kwh} kWh is negative.", usage.kwh)
    check_area(usage.area)
    if menu.capacities and usage.capacity not in menu.capacities:
        raise ValidationError(
            f"Capacity {usage.capacity.normalize():f}{menu.capacity_unit} is "
            f"not offered by menu {menu.code}.", usage.capacity)
    charge_month = (usage.charge_month or end).replace(day=1)
    usage_month = (usage.usage_month or start).replace(day=1)
    total_days = (end - start).days
    segments = menu.versions_between(start, end)
    last = segments[-1][0]
    kwh = ROUNDINGS[last.kwh_rounding](usage.kwh)

    lines = []
    remaining_kwh = kwh
    # the share of a month the whole period is (the sum of its parts'
    # 日割 factors), for the minimum charge
    month_share = Fraction(0)
    for index, (version, seg_start, seg_end) in enumerate(segments):
        days = (seg_end - seg_start).days
        if index == len(segments) - 1:
            seg_kwh = remaining_kwh
        else:
            seg_kwh = round_half_up(kwh * days / total_days)
            remaining_kwh -= seg_kwh
        share = proration(version, usage, seg_start, seg_end,
            split=len(segments) > 1)
        factor = Factor(*share) if share else Factor(1)
        month_share += Fraction(factor.num, factor.den)
        suffix = f' ({seg_start}〜)' if len(segments) > 1 else ''
        lines += _segment_lines(
            menu, version, usage, seg_kwh, kwh, factor, suffix, lines)

    amounts = {}
    for component in last.components:
        price = None
        if component.kind == 'fuel_adjustment':
            price = overrides.get('fuel_adjustment')
            if price is None:
                price = regulated.fuel_adjustment(usage.area,
                    component.params.get('menu_type', 'free'), charge_month,
                    component.params.get('voltage', 'low'))
        elif component.kind == 'subsidy':
            price = overrides.get('subsidy')
            if price is None:
                price = regulated.subsidy_discount(
                    component.params.get('customer_class', 'low'),
                    usage_month)
            price = -price
        elif component.kind == 'capacity_contribution':
            price = overrides.get('capacity_contribution')
            if price is None:
                price = regulated.capacity_contribution(
                    usage.area, charge_month)
        elif component.kind == 'market_energy':
            lines.append(_market_line(component, usage, kwh, regulated,
                    overrides.get('market_price')))
        if price is not None:
            lines.append(Line(component.code, component.label, kwh,
                    Decimal(price), Decimal(price) * kwh))
    for line in lines:
        amounts[line.code] = amounts.get(line.code, 0) + line.amount
    for component in last.components:
        if component.kind == 'discount_percent':
            base = _amount_of(lines, component.params['targets'])
            percent = Decimal(str(component.params['percent']))
            amount = -round_down(base * percent / 100, 2)
            lines.append(Line(component.code, component.label, base,
                    -percent / 100, amount))
            amounts[component.code] = amount
        elif component.kind == 'formula':
            summer = summer_days(start, end)
            values = {'kwh': kwh, 'capacity': usage.capacity,
                'days': Decimal(total_days),
                'period_days': Decimal(_days_in_month(start)),
                'month': Decimal(charge_month.month),
                'summer_days': Decimal(summer),
                'other_days': Decimal(total_days - summer),
                **({'contract_demand': contract_demand(usage)}
                    if usage.max_demand is not None else {}),
                'max_demand': Decimal(usage.max_demand or 0),
                'power_factor': Decimal(usage.power_factor or 0),
                **{f'kwh_{line.code}': line.quantity for line in lines
                    if line.code.count('_')},
                **amounts}
            formula = Formula(component.params['expression'])
            if 'market_average' in formula.names:
                # 独自燃調 and the like: the period's average JEPX price
                values['market_average'] = market.period_average(
                    regulated.market, usage.area, start, end)
            amount = formula.evaluate(values)
            lines.append(Line(component.code, component.label, Decimal(1),
                    amount, amount))
            amounts[component.code] = amount

    for component in last.components:
        if component.kind == 'minimum':
            base = _amount_of(
                lines, component.params.get('targets', ['basic', 'energy']))
            # pro-rated as the basic charge (日割計算): a short period's
            # minimum is its share of the month's
            minimum = round_down(Decimal(str(component.params['amount']))
                * month_share.numerator / month_share.denominator, 2)
            if base < minimum:
                lines.append(Line(component.code, component.label,
                        Decimal(1), minimum - base, minimum - base))

    main = ROUNDINGS[last.total_rounding](
        sum((line.amount for line in lines), Decimal(0)))
    surcharge_lines = []
    for component in last.components:
        if component.kind == 'renewable_surcharge':
            price = overrides.get('renewable_surcharge')
            if price is None:
                price = regulated.renewable_surcharge(charge_month)
            surcharge_lines.append(Line(component.code, component.label,
                    kwh, Decimal(price), round_down(Decimal(price) * kwh)))
    total = int(main + sum((l.amount for l in surcharge_lines), Decimal(0)))
    return Bill(
        menu=menu.code,
        versions=tuple(v.valid_from for v, *_ in segments),
        charge_month=charge_month,
        kwh=kwh,
        lines=tuple(lines + surcharge_lines),
        total=total,
        tax_included=int(round_down(
            Decimal(total) * TAX_RATE / (1 + TAX_RATE))),
        )


def _market_line(component, usage, kwh, regulated, flat_price):
    """The energy charge of a market-linked menu: each half hour's kWh at
    its JEPX area price grossed up by the loss rate, plus the margin and
    the tax (power_core.tariff.market); its unit price is the period's
    average. flat_price (a simulation or a test case) prices every half
    hour the same, so the period's kWh stand for the series."""
    params = component.params
    points = usage.interval
    if flat_price is not None:
        points = ((dt.datetime.combine(usage.period_start, dt.time()), kwh),)
    quantity, amount = market.energy_charge(points, usage.area,
        regulated.market, Decimal(str(params['loss_rate'])),
        Decimal(str(params.get('margin', 0))), usage.period_start,
        usage.period_end, flat_price)
    average = round_half_up(amount / quantity, 2) if quantity else Decimal(0)
    return Line(component.code, component.label, quantity, average, amount)


def _amount_of(lines, codes):
    """The sum of the lines of the components codes (a component's lines are
    its code or its code with a suffix: energy_1, energy_night)."""
    return sum((line.amount for line in lines
            if any(line.code == c or line.code.startswith(f'{c}_')
                for c in codes)), Decimal(0))


class Factor:
    """The 日割 factor days / denominator, applied numerator first so that
    a boundary like 435 × 55 / 30 = 797.5 stays exact (a pre-divided
    1.8333… would give 797.4999… and round the wrong way)."""
    __slots__ = ('num', 'den')

    def __init__(self, num, den=1):
        self.num, self.den = int(num), int(den)

    def __mul__(self, other):
        return Decimal(other) * self.num / self.den

    __rmul__ = __mul__

    @property
    def value(self):
        "For display: the factor, to 4 decimals when not whole."
        if self.num % self.den == 0:
            return Decimal(self.num // self.den)
        return round_half_up(Decimal(self.num) / self.den, 4)


def proration(version, usage, seg_start, seg_end, split=False):
    """The 日割 of the part [seg_start, seg_end) of usage rated with version:
    (days, denominator), or None when the part is billed as a whole month.

    The clause of the supply terms (docs/rating.md, "日割計算"): 1月の該当料金
    × 日割計算対象日数 ÷ 検針期間の日数, or ÷ 暦日数 where the supply started
    inside the period (no previous reading) or the period is 5 days or more
    longer or shorter than the month it starts in; the tier boundaries are
    scaled the same way. The parts of a period split by a price change or a
    change of terms therefore add up to one month. Versions may instead
    divide by the days of the month each part starts in ('start_month') or
    by a fixed number of days ('30')."""
    start, end = usage.reading_period or (
        usage.period_start, usage.period_end)
    period_days = (end - start).days
    month_days = _days_in_month(start)
    irregular = abs(period_days - month_days) >= PRORATION_TOLERANCE_DAYS
    if not (usage.prorate or split or irregular or usage.calendar_days):
        return None
    days = (seg_end - seg_start).days
    denominator = version.proration_denominator
    if denominator == 'reading_period':
        denominator = (month_days if usage.calendar_days or irregular
            else period_days)
    elif denominator == 'start_month':
        denominator = _days_in_month(usage.period_start)
    return days, int(denominator)


def summer_days(start, end, months=SUMMER_MONTHS):
    """The days of [start, end) in the summer months (夏季: July 1 to
    September 30 in the incumbents' 低圧電力 and high-voltage menus), for
    sharing a period's kWh between the seasons by days."""
    days, day = 0, start
    while day < end:
        following = (day.replace(day=1) + dt.timedelta(days=32)).replace(
            day=1)
        if day.month in months:
            days += (min(end, following) - day).days
        day = following
    return days


def contract_demand(usage):
    """The contract demand (kW) of demand-based menus (実量制): the highest
    30-minute maximum demand of this month and the previous 11 months, or
    since the supply started in the first year (docs/domain.md §2)."""
    if usage.max_demand is None:
        raise ValidationError(
            "A demand-based menu needs this month's maximum demand.", None)
    first = usage.period_start.replace(day=1)
    # the previous 11 months: a peak of 12 months ago no longer counts
    eleven = first.year * 12 + first.month - 1 - 11
    earliest = dt.date(eleven // 12, eleven % 12 + 1, 1)
    since = max(earliest, usage.supply_start.replace(day=1)) \
        if usage.supply_start else earliest
    peaks = [Decimal(usage.max_demand)] + [Decimal(kw)
        for month, kw in usage.demand_history if since <= month < first]
    return round_half_up(max(peaks))


def band_kwh(component, usage, seg_kwh):
    """kWh per time-of-use band: given, or summed from the half-hourly
    series with the component's rules (the first rule that matches a half
    hour wins; the last band takes the rest), each rounded half up."""
    if usage.band_kwh is not None:
        return {k: Decimal(v) for k, v in usage.band_kwh.items()}
    if not usage.interval:
        raise ValidationError(
            "A time-of-use menu needs the usage per band or the "
            "30-minute series.", None)
    calendar_ = _holiday_calendar()
    bands = component.params['bands']
    rules = component.params.get('rules', ())
    sums = {b['code']: Decimal(0) for b in bands}
    # 1,440 half hours a month fall on a few dozen days and 96 (day kind,
    # time) pairs: each is judged once
    holidays, band_of = {}, {}
    for start, kwh in usage.interval:
        day = start.date()
        holiday = holidays.get(day)
        if holiday is None:
            holiday = holidays[day] = not calendar_.is_business_day(day)
        key = (holiday, start.hour, start.minute)
        band = band_of.get(key)
        if band is None:
            band = band_of[key] = _band(rules, holiday,
                start.hour + start.minute / 60, bands[-1]['code'])
        sums[band] += kwh if isinstance(kwh, Decimal) else Decimal(str(kwh))
    return {k: round_half_up(v) for k, v in sums.items()}


def _band(rules, holiday, hour, rest):
    "The band of a half hour starting at hour: the first rule's that matches."
    for rule in rules:
        days = rule.get('days', 'all')
        if days == 'weekday' and holiday or days == 'holiday' and not holiday:
            continue
        low, high = rule['hours']
        inside = low <= hour < high if low < high else (
            hour >= low or hour < high)
        if inside:
            return rule['band']
    return rest


@functools.lru_cache(maxsize=1)
def _holiday_calendar():
    "Days off of time-of-use menus: weekends and national holidays."
    from power_core.calendar.business import BusinessCalendar
    return BusinessCalendar(year_end_closure=False)


def _segment_lines(menu, version, usage, seg_kwh, total_kwh, factor,
        suffix, previous):
    lines = []
    for component in version.components:
        params = component.params
        label = component.label + suffix
        if component.kind in {'basic_table', 'basic_per_unit'}:
            if component.kind == 'basic_table':
                table = {Decimal(str(k)): Decimal(str(v))
                    for k, v in params['table'].items()}
                if usage.capacity not in table:
                    raise ValidationError(
                        f"Menu {menu.code} has no basic charge for "
                        f"{usage.capacity.normalize():f}{menu.capacity_unit}.",
                        usage.capacity)
                monthly = table[usage.capacity]
                unit_price = monthly
                quantity = factor.value
            else:
                unit_price = Decimal(str(params['unit_price']))
                monthly = unit_price * usage.capacity
                quantity = usage.capacity * factor.value
            amount = monthly * factor
            if total_kwh == 0 and version.zero_usage_basic_half:
                amount = amount / 2
                label += ' (使用量なし半額)'
            lines.append(Line(component.code, label,
                    quantity, unit_price, round_down(amount, 2)))
        elif component.kind == 'demand_basic':
            kw = contract_demand(usage)
            unit_price = Decimal(str(params['unit_price']))
            amount = unit_price * kw * factor
            if params.get('power_factor', True):
                pf = (Decimal(85) if total_kwh == 0 or usage.power_factor is None
                    else min(round_half_up(usage.power_factor), Decimal(100)))
                amount = amount * (185 - pf) / 100
                label += f' (力率{pf}%)'
            if total_kwh == 0 and version.zero_usage_basic_half:
                amount = amount / 2
                label += ' (使用量なし半額)'
            lines.append(Line(component.code, label, kw * factor.value, unit_price,
                    round_down(amount, 2)))
        elif component.kind == 'tou_energy':
            summer = usage.period_start.month in params.get(
                'summer_months', ())
            quantities = band_kwh(component, usage, seg_kwh)
            for band in params['bands']:
                price = Decimal(str(band['summer_price'] if summer
                        and band.get('summer_price') is not None
                        else band['price']))
                quantity = quantities.get(band['code'], Decimal(0))
                if quantity:
                    lines.append(Line(f"{component.code}_{band['code']}",
                            f"{label} {band['label']}", quantity, price,
                            quantity * price))
        elif component.kind == 'fixed':
            amount = Decimal(str(params['amount'])) * factor
            lines.append(Line(component.code, label, factor.value,
                    Decimal(str(params['amount'])), round_down(amount, 2)))
        elif component.kind == 'energy_tiers':
            lower = Decimal(0)
            tiers = params['tiers']
            if (params.get('summer_tiers')
                    and usage.period_start.month in params.get(
                        'summer_months', SUMMER_MONTHS)):
                tiers = params['summer_tiers']
                label += ' (夏季)'
            # 日割 scales each limit, or (Kansai's terms) each tier's width:
            # 15 of 30 days make 15/105/180 kWh tiers 8/53/90 kWh wide
            widths = params.get('prorate_widths', False)
            previous_upper = Decimal(0)
            for number, (upper, price) in enumerate(tiers, 1):
                price = Decimal(str(price))
                if upper is None:
                    bound = None
                elif widths:
                    upper = Decimal(str(upper))
                    bound = lower + round_half_up(
                        (upper - previous_upper) * factor)
                    previous_upper = upper
                else:
                    bound = round_half_up(Decimal(str(upper)) * factor)
                top = seg_kwh if bound is None else min(seg_kwh, bound)
                quantity = max(top - lower, Decimal(0))
                if quantity:
                    lines.append(Line(f'{component.code}_{number}',
                            f'{label} 第{number}段階', quantity, price,
                            quantity * price))
                if bound is not None:
                    lower = max(lower, bound)
    return lines
