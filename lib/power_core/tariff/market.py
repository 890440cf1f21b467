"""Market-linked energy charges (市場連動型) and the JEPX spot prices they
follow.

A market-linked menu prices each half hour's kWh at the JEPX day-ahead
area price of that half hour (円/kWh, tax excluded, as JEPX publishes it),
grossed up for the grid losses and with the retailer's margin
(docs/rating.md, "Market-linked menus"):

    unit = (area price ÷ (1 − loss rate) + margin) × (1 + tax rate)

The energy charge is the sum of kWh × unit over the half hours of the
period, kept to the sen (rounded down). A customer without complete
30-minute data is not billed on a guess: the rating refuses with the number
of half hours missing. The prices are data like any regulated value: a day
without its 48 prices is an error naming the area and the day.

JEPX publishes the day-ahead results as CSV (Shift_JIS), one row per
delivery day and time code (1 to 48), with a column of area prices per
area ("エリアプライス東京(円/kWh)"); `read_jepx` reads that file.

>>> prices = MarketPrices()
>>> prices.add('03', dt.date(2025, 9, 1), [Decimal('10.00')] * 48, 'test')
>>> unit_price(Decimal('10.00'), Decimal('0.05'), Decimal('2'))
Decimal('13.77894736842105263157894737')
"""
import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from power_core.areas import AREAS
from power_core.errors import RegulatedValueMissing, ValidationError

SLOTS = 48
TAX_RATE = Decimal('0.10')
# a half hour whose area price reaches this is a spike the portal warns of
# (yen/kWh, tax excluded)
SPIKE_PRICE = Decimal('30')
# the areas JEPX prices (Okinawa is not connected to the market)
AREAS_ON_JEPX = tuple(code for code in AREAS if code != '10')
DATE_COLUMN = '受渡日'
SLOT_COLUMN = '時刻コード'
AREA_COLUMN = 'エリアプライス{}(円/kWh)'


@dataclass
class MarketPrices:
    """JEPX area prices by (area, day): 48 prices in yen/kWh (tax
    excluded), each day with its source. loader(area, first day of a month)
    may fill a month on demand (the database adapter reads only what a
    bill needs)."""
    days: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    loader: object = None
    _loaded: set = field(default_factory=set, repr=False)

    def add(self, area, day, prices, source):
        prices = tuple(Decimal(p) for p in prices)
        if len(prices) != SLOTS:
            raise ValidationError(
                f"Area {area} on {day}: {len(prices)} prices, not {SLOTS}.",
                day)
        self.days[(area, day)] = prices
        self.sources[(area, day)] = source

    def day(self, area, day):
        "The 48 prices of area on day; an error naming both when missing."
        key = (area, day)
        if key not in self.days and self.loader is not None:
            month = day.replace(day=1)
            if (area, month) not in self._loaded:
                self._loaded.add((area, month))
                for loaded_day, prices, source in self.loader(area, month):
                    self.add(area, loaded_day, prices, source)
        try:
            return self.days[key]
        except KeyError:
            raise RegulatedValueMissing(
                f"No JEPX area price for area {area} on {day}.",
                key) from None


def month_average(prices, area, start, end):
    """The average area price of the days of [start, end) that have
    prices (a simulation's flat price); an error when none has."""
    found = []
    day = start
    while day < end:
        try:
            found.extend(prices.day(area, day))
        except RegulatedValueMissing:
            pass
        day += dt.timedelta(days=1)
    if not found:
        raise RegulatedValueMissing(
            f"No JEPX area price for area {area} from {start} to {end}.",
            (area, start))
    return sum(found) / len(found)


def period_average(prices, area, start, end):
    """The average area price of every half hour of [start, end) (a
    retailer's own fuel adjustment formula, 独自燃調); every day must have
    its prices."""
    found = []
    day = start
    while day < end:
        found.extend(prices.day(area, day))
        day += dt.timedelta(days=1)
    return sum(found) / len(found)


def unit_price(price, loss_rate, margin, tax_rate=TAX_RATE):
    "The tax-included unit of a half hour whose area price is price."
    return (price / (1 - loss_rate) + margin) * (1 + tax_rate)


def energy_charge(points, area, prices, loss_rate, margin,
        period_start, period_end, flat_price=None):
    """(kWh, amount) of the half-hour points [(start datetime, kWh)] of
    [period_start, period_end): Σ kWh × unit_price, kept to the sen
    (rounded down). Every half hour of the period must be there.
    flat_price: one area price for every half hour (a simulation or a test
    case), then the kWh are the points' sum or given as one point."""
    from power_core.tariff.formula import round_down
    expected = (period_end - period_start).days * SLOTS
    if flat_price is None and len(points) != expected:
        raise ValidationError(
            f"A market-linked menu needs the complete 30-minute series: "
            f"{expected - len(points)} of the {expected} half hours of "
            f"{period_start} to {period_end} are missing.", len(points))
    total_kwh, amount = Decimal(0), Decimal(0)
    for start, kwh in points:
        kwh = kwh if isinstance(kwh, Decimal) else Decimal(str(kwh))
        if flat_price is not None:
            price = Decimal(flat_price)
        else:
            slot = (start.hour * 60 + start.minute) // 30
            price = prices.day(area, start.date())[slot]
        total_kwh += kwh
        amount += kwh * unit_price(price, loss_rate, margin)
    return total_kwh, round_down(amount, 2)


def read_jepx(lines, name, source):
    """MarketPrices of JEPX's day-ahead result CSV (text lines); a bad file
    is refused naming the file, the line and why; a day without its 48
    time codes is refused too."""
    reader = csv.reader(lines)
    header = None
    rows = {}
    for number, cells in enumerate(reader, 1):
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
            if DATE_COLUMN not in header or SLOT_COLUMN not in header:
                raise ValidationError(
                    f"{name}: the first row must have the columns "
                    f"{DATE_COLUMN} and {SLOT_COLUMN}.", name)
            columns = {code: header.index(AREA_COLUMN.format(a.name_ja))
                for code, a in AREAS.items()
                if AREA_COLUMN.format(a.name_ja) in header}
            if not columns:
                raise ValidationError(
                    f"{name}: no area price column "
                    f"({AREA_COLUMN.format('東京')}, ...).", name)
            date_at, slot_at = (header.index(DATE_COLUMN),
                header.index(SLOT_COLUMN))
            continue
        where = f"{name} line {number}"
        cells = cells + [''] * (len(header) - len(cells))
        day = _date(cells[date_at], where)
        slot = _slot(cells[slot_at], where)
        for code, at in columns.items():
            day_prices = rows.setdefault((code, day), {})
            if slot in day_prices:
                raise ValidationError(
                    f"{where}: {day} time code {slot} is given twice.", slot)
            day_prices[slot] = _price(cells[at], where)
    if header is None:
        raise ValidationError(f"{name}: no header row.", name)
    prices = MarketPrices()
    for (code, day), by_slot in sorted(rows.items()):
        missing = [s for s in range(1, SLOTS + 1) if s not in by_slot]
        if missing:
            raise ValidationError(
                f"{name}: {day} lacks the time codes "
                f"{', '.join(map(str, missing[:5]))}"
                f"{' ...' if len(missing) > 5 else ''}.", day)
        prices.add(code, day, [by_slot[s] for s in range(1, SLOTS + 1)],
            source)
    if not prices.days:
        raise ValidationError(f"{name}: no prices.", name)
    return prices


def write_jepx(prices, days):
    """JEPX's day-ahead result CSV (text) of days for the areas of prices:
    what the market's simulator publishes."""
    areas = sorted({a for a, _ in prices.days})
    lines = [','.join([DATE_COLUMN, SLOT_COLUMN] + [
                AREA_COLUMN.format(AREAS[a].name_ja) for a in areas])]
    for day in days:
        for slot in range(SLOTS):
            lines.append(','.join([f'{day:%Y/%m/%d}', str(slot + 1)] + [
                        f'{prices.day(a, day)[slot]:.2f}' for a in areas]))
    return '\n'.join(lines) + '\n'


def spikes(day_prices, threshold):
    "The time codes (1..48) whose price reaches threshold."
    return [slot for slot, price in enumerate(day_prices, 1)
        if price >= threshold]


def _date(text, where):
    text = text.strip()
    for pattern in ('%Y/%m/%d', '%Y-%m-%d'):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(f"{where}: {text!r} is not a day.", text)


def _slot(text, where):
    try:
        slot = int(text.strip())
    except ValueError:
        slot = 0
    if not 1 <= slot <= SLOTS:
        raise ValidationError(
            f"{where}: {text!r} is not a time code (1 to {SLOTS}).", text)
    return slot


def _price(text, where):
    try:
        price = Decimal(text.strip())
    except InvalidOperation:
        raise ValidationError(
            f"{where}: {text!r} is not a price.", text) from None
    if price < 0:
        raise ValidationError(f"{where}: a negative price {price}.", price)
    return price
