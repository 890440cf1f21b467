"""The grid operator (一般送配電事業者) as seen from the retailer: realistic
30-minute days of a household (season, weekday, morning and evening peaks),
and the daily, confirmed-usage and meter-replacement files it drops, in the
SBD-MSG layout of power_core.formats.grid (ZIP archives of one XML)."""
import os
from pathlib import Path

from power_core.formats import grid
from power_core.usage import DayProfile, MEASURED, SEASON, SHAPE, SLOTS


def household_day(date, level, rng):
    """A household's day of 30-minute usage; level 1.0 is a 30 A home of
    about 260 kWh a month."""
    weekend = date.weekday() >= 5
    season = SEASON[date.month]
    values = []
    for slot, shape in enumerate(SHAPE):
        if weekend and 14 <= slot <= 34:
            shape *= 1.25
        kwh = 0.22 * level * season * shape * rng.uniform(0.7, 1.3)
        values.append(max(0, round(kwh * 10)))
    return DayProfile(date, tuple(values), MEASURED * SLOTS)


class GridOperator:
    "Drops files into a retailer's inbox as a grid operator's server would."

    def __init__(self, inbox, sender='03001', receiver='A0999'):
        self.inbox = Path(inbox)
        self.sender, self.receiver = sender, receiver
        self.sequence = 0

    def _drop(self, header, records):
        self.sequence += 1
        name = grid.file_name(header, self.sequence)
        self.inbox.mkdir(parents=True, exist_ok=True)
        temporary = self.inbox / f'.{name}.part'
        with open(temporary, 'wb') as stream:
            grid.write(stream, header, records,
                zip_name=name.replace('.zip', '.xml'))
        # renamed when complete: the retailer never reads half a file
        os.replace(temporary, self.inbox / name)
        return self.inbox / name

    def daily(self, date, days):
        """Drop the 30-minute file of date: days are (supply point number,
        DayProfile) pairs or a generator of them."""
        header = grid.Header('daily', self.sender, self.receiver, date=date)
        return self._drop(header, (grid.Day(number, profile)
                for number, profile in days))

    def confirmed(self, month, readings):
        "Drop the confirmed usage (grid.Confirmed records) of a month."
        header = grid.Header('confirmed', self.sender, self.receiver,
            month=month.replace(day=1))
        return self._drop(header, readings)

    def meter_changes(self, date, changes):
        "Drop the meter replacements (grid.MeterChange records) of a day."
        header = grid.Header('meter', self.sender, self.receiver, date=date)
        return self._drop(header, changes)

    def households(self, date, points, rng):
        """The days of date for points: [(supply point number, level)]."""
        return ((number, household_day(date, level, rng))
            for number, level in points)
