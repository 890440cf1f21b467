"""The power exchange's side (JEPX): day-ahead area prices as JEPX
publishes them (its result CSV in Shift_JIS), for the demo and tests.

The prices follow a plain daily shape (cheap at night, dearer in the
morning and the evening, summer and winter dearer than spring and autumn)
with an occasional evening spike, from a seeded generator so that the same
days give the same prices."""
import datetime as dt
import math
import random
from decimal import Decimal

from power_core.tariff.market import (
    AREAS_ON_JEPX, SLOTS, MarketPrices, write_jepx)

CENT = Decimal('0.01')


def day_prices(area, day, seed=2016):
    "The 48 prices (yen/kWh, tax excluded) of area on day."
    rng = random.Random(f'{seed}-{area}-{day.isoformat()}')
    season = 1 + 0.25 * math.cos((day.timetuple().tm_yday - 20) / 365
        * 2 * math.pi) ** 2
    level = (9.5 + 0.3 * (int(area) - 3)) * season
    spike = rng.random() < 0.08
    prices = []
    for slot in range(SLOTS):
        hour = slot / 2
        shape = (0.75 if hour < 6 else 1.15 if 7 <= hour < 10
            else 1.35 if 17 <= hour < 21 else 1.0)
        price = level * shape * rng.uniform(0.92, 1.08)
        if spike and 17.5 <= hour < 19.5:
            price *= 4
        prices.append(Decimal(str(round(price, 2))).quantize(CENT))
    return prices


def publish(days, areas=AREAS_ON_JEPX, seed=2016):
    "JEPX's result CSV of days (Shift_JIS bytes) and its MarketPrices."
    prices = MarketPrices()
    for day in days:
        for area in areas:
            prices.add(area, day, day_prices(area, day, seed),
                'JEPX simulator')
    return write_jepx(prices, days).encode('cp932'), prices


def days_between(first, last):
    "The days from first to last, both included."
    return [first + dt.timedelta(days=i)
        for i in range((last - first).days + 1)]
