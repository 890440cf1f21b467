# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Usage records as the grid operator sends them.

Both kinds keep two timelines: the period the value is valid for, and when
it arrived (`received`). A correction never overwrites: the earlier record
is marked superseded (when, and by which record) and stays visible."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from power_core.usage import MISSING, SLOTS, TENTH, DayProfile, Reading
from sql import Cast, Column, Literal, Null, Values
from sql.functions import Function, Substring

from trytond import backend
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.power_cis.common import ServerReadonly, now
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.pyson import Eval
from trytond.transaction import Transaction

JAPAN = ZoneInfo('Asia/Tokyo')
_STATES = [
    ('current', "Current"),
    ('superseded', "Superseded"),
    ]


class _Bitemporal:
    __slots__ = ()
    received = fields.DateTime(
        "Received", required=True, readonly=True,
        help="When the value arrived from the grid operator.")
    superseded = fields.DateTime(
        "Superseded", readonly=True,
        help="When a correction replaced this value (empty while current).")
    source = fields.Char(
        "Source", readonly=True,
        help="The file or message the value came in.")
    state = fields.Function(fields.Selection(_STATES, "State"),
        'get_state', searcher='search_state')

    def get_state(self, name):
        return 'superseded' if self.superseded else 'current'

    @classmethod
    def search_state(cls, name, clause):
        _, operator, value = clause[:3]
        current = (value == 'current') == (operator == '=')
        return [('superseded', '=' if current else '!=', None)]


class IntervalDay(ServerReadonly, _Bitemporal, ModelSQL, ModelView):
    "30-Minute Usage Day"
    __name__ = 'power.usage.interval'
    _client_create = False
    supply_point = fields.Many2One(
        'power.supply_point', "Supply Point", required=True, readonly=True,
        ondelete='RESTRICT')
    date = fields.Date("Date", required=True, readonly=True)
    values = fields.Text(
        "Values (0.1 kWh)", required=True, readonly=True,
        help="The 48 half-hour values in tenths of a kWh, from 0:00.")
    quality = fields.Char(
        "Quality", size=48, required=True, readonly=True,
        help="One letter per half hour: M measured, E estimated, - missing.")
    kwh = fields.Numeric("kWh", digits=(16, 1), required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.supply_point, Index.Range()), (t.date, Index.Range()),
                where=t.superseded == Null))

    def profile(self):
        return DayProfile.decode(self.date, self.values, self.quality)

    @classmethod
    def receive(cls, days, source=None):
        """Store [(supply point id, DayProfile)] set-wise: an identical day
        is skipped, a different one supersedes the current one. Returns
        (stored, unchanged, superseded) counts."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        received = now()
        by_key = {}
        for supply_point, day in days:
            by_key[(supply_point, day.date)] = day
        current = {}
        supply_points = sorted({k[0] for k in by_key})
        dates = sorted({k[1] for k in by_key})
        for sub in grouped_slice(supply_points, 1000):
            cursor.execute(*table.select(
                    table.id, table.supply_point, table.date, Column(table, 'values'),
                    table.quality,
                    where=table.supply_point.in_(list(sub))
                    & (table.date >= dates[0]) & (table.date <= dates[-1])
                    & (table.superseded == Null)))
            for id_, supply_point, date, values, quality in cursor:
                if isinstance(date, str):
                    date = dt.date.fromisoformat(date)
                current[(supply_point, date)] = (id_, values, quality)
        rows, replaced, unchanged = [], [], 0
        for (supply_point, date), day in by_key.items():
            values, quality = day.encode()
            old = current.get((supply_point, date))
            if old and (old[1], old[2]) == (values, quality):
                unchanged += 1
                continue
            if old:
                replaced.append(old[0])
            rows.append([supply_point, date, values, quality,
                    day.kwh, received, source])
        for sub in grouped_slice(replaced, 1000):
            cursor.execute(*table.update(
                    [table.superseded], [received],
                    where=table.id.in_(list(sub))))
        user = Transaction().user
        if backend.name == 'postgresql':
            # COPY: several times faster than INSERT for a day's file
            names = ', '.join(f'"{n}"' for n in ('supply_point', 'date',
                    'values', 'quality', 'kwh', 'received', 'source',
                    'create_uid', 'create_date'))
            with cursor.copy(f'COPY "{cls._table}" ({names}) FROM STDIN'
                    ) as copy:
                for row in rows:
                    copy.write_row(row + [user, received])
        else:
            columns = [table.supply_point, table.date,
                Column(table, 'values'), table.quality, table.kwh,
                table.received, table.source, table.create_uid,
                table.create_date]
            for sub in grouped_slice(rows, 1000):
                cursor.execute(*table.insert(columns,
                        [r + [user, received] for r in sub]))
        return len(rows), unchanged, len(replaced)

    @classmethod
    def daily_kwh(cls, supply_point, start, end):
        "{date: kWh} of the current days in [start, end)."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.date, table.kwh,
                where=(table.supply_point == int(supply_point))
                & (table.date >= start) & (table.date < end)
                & (table.superseded == Null)))
        result = {}
        for date, kwh in cursor:
            if isinstance(date, str):
                date = dt.date.fromisoformat(date)
            result[date] = Decimal(str(kwh))
        return result


class SplitPart(Function):
    "SPLIT_PART(text, delimiter, n): the n-th field (from 1)."
    __slots__ = ()
    _function = 'SPLIT_PART'


class HalfHour(ModelSQL, ModelView):
    """30-Minute Usage: one row per half hour of the current days.

    A view over `power.usage.interval` (nothing is stored twice): each
    current day joined with the 48 slots, the slot's value cut out of the
    day's text with ``split_part`` (PostgreSQL's; trytond registers the same
    function for SQLite). Staff chart a contract's half hours with it."""
    __name__ = 'power.usage.half_hour'
    day = fields.Many2One(
        'power.usage.interval', "Usage Day", readonly=True)
    supply_point = fields.Many2One(
        'power.supply_point', "Supply Point", readonly=True)
    date = fields.Date("Date", readonly=True)
    slot = fields.Integer(
        "Half Hour", readonly=True, help="1 for 0:00-0:30 to 48.")
    tenths = fields.Integer("Value (0.1 kWh)", readonly=True)
    quality = fields.Char(
        "Quality", readonly=True,
        help="M measured, E estimated, - missing.")
    start = fields.Function(fields.DateTime("Start"), 'get_start')
    time = fields.Function(fields.Char("Time"), 'get_time')
    kwh = fields.Function(
        fields.Numeric("kWh", digits=(16, 1)), 'get_kwh')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('slot', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        day = Pool().get('power.usage.interval').__table__()
        slots = Values([[i] for i in range(1, SLOTS + 1)])
        slot = Column(slots, 'column1')
        return day.join(slots, condition=Literal(True)).select(
            (day.id * 100 + slot).as_('id'),
            day.create_uid.as_('create_uid'),
            day.create_date.as_('create_date'),
            day.write_uid.as_('write_uid'),
            day.write_date.as_('write_date'),
            day.id.as_('day'),
            day.supply_point.as_('supply_point'),
            day.date.as_('date'),
            slot.as_('slot'),
            Cast(SplitPart(Column(day, 'values'), ' ', slot),
                'INTEGER').as_('tenths'),
            Substring(day.quality, slot, 1).as_('quality'),
            where=day.superseded == Null)

    def get_start(self, name):
        # the grid operator's day is a day in Japan; Tryton keeps naive UTC
        # (the client shows it in the user's zone)
        start = dt.datetime.combine(self.date, dt.time(), JAPAN) + (
            dt.timedelta(minutes=30 * (self.slot - 1)))
        return start.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def get_time(self, name):
        minutes = 30 * (self.slot - 1)
        return f'{minutes // 60:02d}:{minutes % 60:02d}'

    def get_kwh(self, name):
        if self.quality == MISSING or self.tenths is None:
            return None
        return Decimal(self.tenths) * TENTH

    def get_rec_name(self, name):
        return f'{self.date} {self.time}'


class ConfirmedUsage(ServerReadonly, _Bitemporal, ModelSQL, ModelView):
    "Confirmed Usage"
    __name__ = 'power.usage.confirmed'
    _client_create = False
    supply_point = fields.Many2One(
        'power.supply_point', "Supply Point", required=True, readonly=True,
        ondelete='RESTRICT')
    meter_number = fields.Char("Meter Number", readonly=True)
    start = fields.Date(
        "From", required=True, readonly=True,
        help="The previous meter reading day (or the supply start).")
    end = fields.Date(
        "Reading Day", required=True, readonly=True,
        domain=[('end', '>', Eval('start', None))],
        help="The meter reading day that closes the period (not included).")
    kind = fields.Selection([
            ('reading', "Meter Reading"),
            ('meter_change', "Meter Replacement"),
            ('final', "Final Reading"),
            ], "Kind", required=True, readonly=True,
        help="A meter replacement closes a part of a period; the reading "
        "that follows closes the period.")
    kwh = fields.Numeric("kWh", digits=(16, 1), required=True, readonly=True)
    max_demand = fields.Numeric(
        "Maximum Demand (kW)", digits=(16, 1), readonly=True)
    power_factor = fields.Numeric(
        "Power Factor (%)", digits=(16, 1), readonly=True)
    next_reading_date = fields.Date("Next Reading Day", readonly=True)
    superseded_by = fields.Many2One(
        'power.usage.confirmed', "Superseded By", readonly=True,
        ondelete='RESTRICT')
    determinant = fields.Many2One(
        'power.billing.determinant', "Billing Determinant", readonly=True,
        ondelete='SET NULL',
        help="The billing determinant (調定) this usage was billed in.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('end', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.supply_point, Index.Range()),
                    (t.end, Index.Range()), where=t.superseded == Null),
                # the usage not billed yet: all of it (the due contracts)
                # and that of a chunk's supply points; with the supply
                # point first, a chunk reads its 200 points' rows, not
                # every unbilled row of the day (the planner took the
                # index by receipt and filtered 83,500 rows a chunk)
                Index(t, (t.supply_point, Index.Range()),
                    (t.received, Index.Range()),
                    where=(t.superseded == Null) & (t.determinant == Null)),
                # the foreign key's check when usage is deleted
                Index(t, (t.superseded_by, Index.Equality()),
                    where=t.superseded_by != Null),
                })

    @classmethod
    def default_kind(cls):
        return 'reading'

    def get_rec_name(self, name):
        return (f'{self.supply_point.rec_name} '
            f'{self.start}〜{self.end} {self.kwh} kWh')

    def reading(self):
        return Reading(self.start, self.end, self.kwh,
            self.meter_number or '', self.max_demand, self.power_factor)

    @classmethod
    def receive(cls, values):
        """Store confirmed usage (dicts of field values); a value for the
        same supply point, meter and period as a current one supersedes it
        when different and is skipped when identical. Returns (new records,
        [(superseded, new)])."""
        received = now()
        keys = ('kwh', 'max_demand', 'power_factor', 'next_reading_date',
            'kind')

        def key(record):
            get = (record.get if isinstance(record, dict)
                else lambda name: getattr(record, name))
            start, end = get('start'), get('end')
            return (int(get('supply_point')), get('meter_number') or None,
                start.isoformat() if start else None,
                end.isoformat() if end else None)
        # the current values of these supply points, read set-wise
        current = {}
        points = sorted({int(v['supply_point']) for v in values})
        starts = {v['start'] for v in values}
        for sub in grouped_slice(points, 1000):
            for old in cls.search([
                        ('supply_point', 'in', list(sub)),
                        ('start', 'in', list(starts)),
                        ('superseded', '=', None),
                        ]):
                current[key(old)] = old
        to_create, replaced = [], []
        for value in values:
            old = current.get(key(value))
            if old:
                if all(_same(getattr(old, k), value.get(k, getattr(old, k)))
                        for k in keys):
                    continue
                replaced.append((old, len(to_create)))
            to_create.append({**value, 'received': received})
        # created in slices: the ORM checks every id of a batch per record
        records = []
        for sub in grouped_slice(to_create, 500):
            records += cls.create(list(sub))
        pairs = []
        for old, index in replaced:
            old.superseded = received
            old.superseded_by = records[index]
            pairs.append((old, records[index]))
        cls.save([old for old, _ in pairs])
        billed = [old.determinant for old, _ in pairs
            if old.determinant and old.determinant.state == 'billed']
        if billed:
            Determinant = Pool().get('power.billing.determinant')
            Determinant.correct(list({d.id: d for d in billed}.values()))
        return records, pairs


def _same(a, b):
    if isinstance(a, (Decimal, int, float)) and b is not None:
        return Decimal(str(a)) == Decimal(str(b))
    return a == b
