"""Rating many contract-months at once (the batch path of billing runs).

The same rules as `rating.rate`, on numpy int64 arrays in units of 1/10,000
yen, so results are identical to the scalar path to the yen (a property
test compares them on random menus and usages). Periods split by a menu
version and menus with formula components go through the scalar path.

>>> from power_core.data import MENUS, REGULATED
>>> from power_core.tariff.menu import load_menus
>>> from power_core.tariff.regulated import RegulatedValues
>>> from power_core.tariff.rating import Usage
>>> menu = load_menus(MENUS)['tepco-juryo-b']
>>> usages = [Usage(dt.date(2025, 1, 10), dt.date(2025, 2, 10), D(k), D(30))
...     for k in (0, 120, 260, 480)]
>>> rate_many(menu, usages, RegulatedValues.from_folder(REGULATED))
[467, 3849, 8174, 15706]
"""
import datetime as dt  # noqa: F401 (doctest)
from decimal import Decimal as D

import numpy as np

from power_core.errors import ValidationError
from power_core.tariff.formula import round_half_up
from power_core.tariff.rating import TAX_RATE, check_area, proration, rate

SCALE = 10_000  # 1 = 1/10,000 yen
SEN = 100       # 1 sen = 100 units


class NotVectorisable(Exception):
    "The version needs the scalar path."


def _units(value, scale=SCALE):
    "An exact integer number of 1/scale for a Decimal price."
    scaled = D(str(value)) * scale
    if scaled != scaled.to_integral_value():
        raise NotVectorisable(f"{value} has more than 4 decimals")
    return int(scaled)


def _trunc_div(numerator, denominator):
    "Integer division rounding toward zero, as Decimal ROUND_DOWN."
    return np.sign(numerator) * (np.abs(numerator) // denominator)


def rate_arrays(version, kwh, capacity10, days, denominator, prorate,
        fuel, subsidy, renewable):
    """Totals (yen, int64) of one menu version for arrays of equal length.

    kwh: whole kWh; capacity10: capacity in tenths (A, kVA or kW × 10);
    days, denominator: the 日割 days and denominator where prorate (a bool
    array; `rating.proration` gives them); fuel, subsidy, renewable: unit
    prices in 1/10,000 yen per kWh (subsidy positive, subtracted)."""
    n = len(kwh)
    if (version.kwh_rounding, version.total_rounding) != ('half_up', 'down'):
        raise NotVectorisable("rounding options")
    by_code = {}
    main = np.zeros(n, dtype=np.int64)
    surcharge = np.zeros(n, dtype=np.int64)
    for component in version.components:
        kind, params = component.kind, component.params
        if kind in {'basic_table', 'basic_per_unit'}:
            if kind == 'basic_table':
                table = {int(D(str(k)) * 10): _units(v)
                    for k, v in params['table'].items()}
                keys = np.array(sorted(table), dtype=np.int64)
                index = np.searchsorted(keys, capacity10)
                index = np.minimum(index, len(keys) - 1)
                if not np.all(keys[index] == capacity10):
                    raise ValidationError(
                        "A capacity has no basic charge in the table.", None)
                numerator = np.array([table[k] for k in keys])[index]
                extra = 1
            else:
                numerator = _units(params['unit_price']) * capacity10
                extra = 10
            half = np.where((kwh == 0) & version.zero_usage_basic_half, 2, 1)
            sen = np.where(prorate,
                numerator * days // (denominator * extra * SEN * half),
                numerator // (extra * SEN * half))
            amount = sen * SEN
        elif kind == 'energy_tiers' and params.get('prorate_widths'):
            raise NotVectorisable("tier widths pro-rated")
        elif kind == 'energy_tiers':
            amount = np.zeros(n, dtype=np.int64)
            lower = np.zeros(n, dtype=np.int64)
            for upper, price in params['tiers']:
                price_units = _units(price)
                if upper is None:
                    top = kwh
                    bound = None
                else:
                    upper = int(upper)
                    bound = np.where(prorate,
                        (2 * upper * days + denominator) // (2 * denominator),
                        upper)
                    top = np.minimum(kwh, bound)
                amount += np.maximum(top - lower, 0) * price_units
                if bound is not None:
                    lower = np.maximum(lower, bound)
        elif kind == 'fuel_adjustment':
            amount = fuel * kwh
        elif kind == 'subsidy':
            amount = -subsidy * kwh
        elif kind == 'discount_percent':
            base = sum((by_code[t] for t in params['targets']
                    if t in by_code), np.zeros(n, dtype=np.int64))
            percent = _units(params['percent'], 100)
            amount = -_trunc_div(base * percent, 100 * 100 * SEN) * SEN
        elif kind == 'renewable_surcharge':
            surcharge += _trunc_div(renewable * kwh, SCALE)
            continue
        else:
            raise NotVectorisable(kind)
        by_code[component.code] = amount
        main += amount
    return _trunc_div(main, SCALE) + surcharge


def rate_many(menu, usages, regulated, overrides=None):
    """The totals (yen) of usages with menu, in order: vectorised per menu
    version and month, scalar where a period is split by a version or the
    version has a formula component."""
    overrides = overrides or {}
    totals = [None] * len(usages)
    groups = {}
    for index, usage in enumerate(usages):
        segments = menu.versions_between(usage.period_start, usage.period_end)
        version = segments[0][0]
        vectorisable = len(segments) == 1 and not any(
            c.kind == 'formula' for c in version.components)
        if not vectorisable:
            totals[index] = rate(menu, usage, regulated, overrides).total
            continue
        key = (version, usage.area,
            (usage.charge_month or usage.period_end).replace(day=1),
            (usage.usage_month or usage.period_start).replace(day=1))
        groups.setdefault(key, []).append(index)
    for (version, area, charge_month, usage_month), indexes in groups.items():
        try:
            result = _rate_group(menu, version, [usages[i] for i in indexes],
                area, charge_month, usage_month, regulated, overrides)
        except NotVectorisable:
            result = [rate(menu, usages[i], regulated, overrides).total
                for i in indexes]
        for index, total in zip(indexes, result):
            totals[index] = int(total)
    return totals


def _rate_group(menu, version, usages, area, charge_month, usage_month,
        regulated, overrides):
    check_area(area)
    for usage in usages:
        if usage.period_end <= usage.period_start or usage.kwh < 0:
            raise ValidationError(f"Invalid usage {usage}.", usage)
        if menu.capacities and usage.capacity not in menu.capacities:
            raise ValidationError(
                f"Capacity {usage.capacity} not offered by {menu.code}.",
                usage.capacity)
    kwh = np.array([int(round_half_up(u.kwh)) for u in usages],
        dtype=np.int64)
    capacity10 = np.array([_units(u.capacity, 10) for u in usages],
        dtype=np.int64)
    shares = [proration(version, u, u.period_start, u.period_end)
        for u in usages]
    prorate = np.array([s is not None for s in shares])
    days = np.array([s[0] if s else 1 for s in shares], dtype=np.int64)
    denominator = np.array([s[1] if s else 1 for s in shares],
        dtype=np.int64)
    n = len(usages)

    def price(kind, lookup):
        value = overrides.get(kind)
        if value is None:
            value = lookup()
        return np.full(n, _units(value), dtype=np.int64)

    components = {c.kind: c for c in version.components}
    zero = lambda: 0  # noqa: E731
    fuel = price('fuel_adjustment', (lambda: regulated.fuel_adjustment(
                area, components['fuel_adjustment'].params.get(
                    'menu_type', 'free'), charge_month,
                components['fuel_adjustment'].params.get('voltage', 'low')))
        if 'fuel_adjustment' in components else zero)
    subsidy = price('subsidy', (lambda: regulated.subsidy_discount(
                components['subsidy'].params.get('customer_class', 'low'),
                usage_month))
        if 'subsidy' in components else zero)
    renewable = price('renewable_surcharge',
        (lambda: regulated.renewable_surcharge(charge_month))
        if 'renewable_surcharge' in components else zero)
    return rate_arrays(version, kwh, capacity10, days, denominator, prorate,
        fuel, subsidy, renewable)


def tax_included(totals):
    "The consumption tax included in totals (yen arrays)."
    totals = np.asarray(totals, dtype=np.int64)
    return _trunc_div(totals * int(TAX_RATE * 100), 100 + int(TAX_RATE * 100))
