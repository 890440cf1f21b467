"""Supply plan for power procurement (電源調達先): layout version 1
(docs/formats/procurement.md).

A daily CSV tells the procurement partner, per grid area and day for the
coming days, how many contracts we supply and their contracted capacity
(kVA; amperes count 100 V each), scheduled switch-ins, terminations and
capacity changes included. The partner answers with an acknowledgement."""
import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from power_core.areas import AREAS
from power_core import formats
from power_core.formats import FormatError, csv_rows, whole

PLAN_COLUMNS = ['date', 'area', 'contracts', 'capacity_kva', 'starting',
    'ending']
ACK_COLUMNS = ['file', 'status', 'message']


@dataclass(frozen=True)
class PlanRow:
    date: dt.date
    area: str              # grid area code 01..10
    contracts: int
    capacity_kva: Decimal
    starting: int = 0      # supplies starting that day
    ending: int = 0        # supplies ending the day before


def capacity_kva(capacity, unit):
    "Contracted capacity in kVA: amperes at 100 V, kVA and kW as they are."
    capacity = Decimal(capacity)
    return capacity / 10 if unit == 'A' else capacity


def plan(contracts, first, days):
    """PlanRows for days from first: contracts are (area, start, end or
    None (last day supplied), [(valid from, kVA)]) tuples."""
    rows = {}
    dates = [first + dt.timedelta(days=n) for n in range(days)]
    for area, start, end, versions in contracts:
        versions = sorted(versions)
        for date in dates:
            key = (date, area)
            row = rows.setdefault(key, [0, Decimal(0), 0, 0])
            if start == date:
                row[2] += 1
            if end is not None and end + dt.timedelta(days=1) == date:
                row[3] += 1
            if start > date or (end is not None and end < date):
                continue
            valid = [kva for since, kva in versions if since <= date]
            if not valid:
                continue
            row[0] += 1
            row[1] += valid[-1]
    return [PlanRow(date, area, *values)
        for (date, area), values in sorted(rows.items())]


def write_plan(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(PLAN_COLUMNS)
    for row in rows:
        writer.writerow([f'{row.date:%Y%m%d}', row.area, row.contracts,
                f'{row.capacity_kva:.1f}', row.starting, row.ending])
    return out.getvalue().encode('utf-8')


def read_plan(data, name=''):
    rows, seen = [], set()
    for number, values in csv_rows(data, PLAN_COLUMNS, name, shift_jis=False):
        where = f'{name} line {number}'.strip()
        day = formats.date(values['date'], 'date', where)
        if values['area'] not in AREAS:
            raise FormatError(f"area {values['area']!r} is not a grid area "
                "code 01 to 10", where)
        counts = [whole(values[k], k, where)
            for k in ('contracts', 'starting', 'ending')]
        kva = formats.number(values['capacity_kva'], 'capacity_kva', where)
        if (day, values['area']) in seen:
            raise FormatError(f"{day} area {values['area']} appears twice",
                where)
        seen.add((day, values['area']))
        rows.append(PlanRow(day, values['area'], counts[0], kva,
                counts[1], counts[2]))
    return rows


def write_ack(file, status, message=''):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(ACK_COLUMNS)
    writer.writerow([file, status, message])
    return out.getvalue().encode('utf-8')


def read_ack(data, name=''):
    "(file acknowledged, status OK | NG, message)."
    rows = csv_rows(data, ACK_COLUMNS, name, shift_jis=False)
    if len(rows) != 1:
        raise FormatError(f"{len(rows)} lines; an acknowledgement has one",
            name)
    _, values = rows[0]
    if values['status'] not in ('OK', 'NG'):
        raise FormatError(f"status {values['status']!r} is not OK or NG",
            f'{name} line 2')
    return values['file'], values['status'], values['message']
