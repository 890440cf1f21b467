"""power-cis simulate: rate one month with a menu of the shipped data pack,
without a database, and print the bill as JSON.

The full form (--input) also takes max_demand, demand_history
([["YYYY-MM", kW], ...]), supply_start and power_factor for demand-based
menus, and band_kwh ({"night": kWh, ...}) or interval
([["YYYY-MM-DDTHH:MM", kWh], ...] per half hour) for time-of-use menus."""
import datetime as dt
import json
import sys
from decimal import Decimal, InvalidOperation

from power_core import capacity as capacity_rules
from power_core.data import MENUS, REGULATED
from power_core.errors import PowerCoreError
from power_core.tariff.menu import load_menus
from power_core.tariff.rating import Usage, rate
from power_core.tariff.regulated import RegulatedValues

FIELDS = ('menu', 'capacity', 'kwh', 'period_start', 'period_end')
OVERRIDES = ('fuel_adjustment', 'renewable_surcharge', 'subsidy',
    'market_price')


class InputError(Exception):
    "Bad input: one line for stderr, exit status 2."


def add_arguments(parser):
    parser.add_argument('--menu', help="menu code, e.g. tepco-juryo-b")
    parser.add_argument('--capacity', help="30A, 6kVA or 50kW")
    parser.add_argument('--kwh', help="usage of the period in kWh")
    parser.add_argument('--period-start', help="first day (YYYY-MM-DD)")
    parser.add_argument('--period-end',
        help="the next reading day, excluded (YYYY-MM-DD); its month is the "
        "charge month")
    parser.add_argument('--area', default='03', help="grid area code")
    for name in OVERRIDES:
        parser.add_argument('--' + name.replace('_', '-'),
            help="unit price in yen per kWh replacing the regulated value"
            if name != 'market_price' else "a JEPX area price (yen per kWh, "
            "tax excluded) for every half hour of a market-linked menu")
    parser.add_argument('--input', metavar='FILE',
        help="a JSON case with the same fields ('-' for stdin)")
    parser.add_argument('--database', metavar='NAME',
        help="rate with the active menu versions and the regulated values "
        "of this database instead of the shipped data pack")


def _decimal(name, value):
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InputError(f"{name}: {value!r} is not a number") from None


def _date(name, value):
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(
            f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _case(args):
    case = {}
    if args.input:
        try:
            text = (sys.stdin.read() if args.input == '-'
                else open(args.input, encoding='utf-8').read())
            case = json.loads(text)
        except OSError as e:
            raise InputError(f"--input: {e.strerror}: {args.input}") from None
        except json.JSONDecodeError as e:
            raise InputError(f"--input: malformed JSON at line {e.lineno} "
                f"column {e.colno}: {e.msg}") from None
        if not isinstance(case, dict):
            raise InputError("--input: the JSON must be an object")
    for name in (*FIELDS, 'area', *OVERRIDES):
        value = getattr(args, name)
        if value is not None and (name != 'area' or 'area' not in case):
            case[name] = value
    missing = [n for n in FIELDS if case.get(n) in (None, '')]
    if missing:
        raise InputError("missing " + ', '.join(
                '--' + n.replace('_', '-') for n in missing))
    return case


def _from_database(name):
    "The active menus and the regulated values of a database."
    from . import site
    site.configure_trytond()
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    if not site.database_exists(name):
        raise InputError(f"--database: no database {name!r}")
    Pool.start()
    Pool(name).init()
    with Transaction().start(name, 0, readonly=True):
        pool = Pool()
        from trytond.modules.power_billing.regulated import regulated_values
        menus = {m.code: m.to_core()
            for m in pool.get('power.rate_menu').search([])}
        menus = {k: v for k, v in menus.items() if v.versions}
        return menus, regulated_values()


def simulate(args):
    case = _case(args)
    if getattr(args, 'database', None):
        menus, regulated = _from_database(args.database)
    else:
        menus = load_menus(MENUS)
        regulated = RegulatedValues.from_folder(REGULATED)
    menu = menus.get(case['menu'])
    if menu is None:
        raise InputError(f"unknown menu {case['menu']!r} (known: "
            f"{', '.join(sorted(menus))})")
    try:
        capacity = capacity_rules.parse(str(case['capacity']))
    except PowerCoreError as e:
        raise InputError(f"--capacity: {e}") from None
    if capacity.unit != menu.capacity_unit:
        raise InputError(f"--capacity: menu {menu.code} is contracted in "
            f"{menu.capacity_unit}, not {capacity.unit}")
    extra = {}
    if case.get('max_demand') is not None:
        extra['max_demand'] = _decimal('max_demand', case['max_demand'])
    if case.get('power_factor') is not None:
        extra['power_factor'] = _decimal('power_factor', case['power_factor'])
    if case.get('supply_start'):
        extra['supply_start'] = _date('supply_start', case['supply_start'])
    try:
        if case.get('demand_history'):
            extra['demand_history'] = tuple(
                (_date('demand_history', f'{month}-01'[:10]),
                    _decimal('demand_history', kw))
                for month, kw in case['demand_history'])
        if case.get('band_kwh'):
            extra['band_kwh'] = {str(k): _decimal('band_kwh', v)
                for k, v in case['band_kwh'].items()}
        if case.get('interval'):
            extra['interval'] = tuple(
                (dt.datetime.fromisoformat(start), _decimal('interval', kwh))
                for start, kwh in case['interval'])
    except (TypeError, ValueError, AttributeError) as e:
        raise InputError(f"--input: malformed series: {e}") from None
    usage = Usage(
        _date('--period-start', case['period_start']),
        _date('--period-end', case['period_end']),
        _decimal('--kwh', case['kwh']), capacity.value,
        str(case.get('area', '03')), **extra)
    overrides = {n: _decimal('--' + n.replace('_', '-'), case[n])
        for n in OVERRIDES if case.get(n) is not None}
    try:
        bill = rate(menu, usage, regulated, overrides)
    except PowerCoreError as e:
        raise InputError(str(e)) from None
    return bill.as_dict()


def main(args):
    try:
        result = simulate(args)
    except InputError as e:
        print(f"power-cis simulate: {e}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write('\n')
    return 0
