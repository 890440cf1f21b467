# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The grid operator's usage files: daily 30-minute usage, monthly
confirmed usage and meter replacements, into power_billing's usage.

A file streams through in batches (memory does not grow with the file);
the whole file runs under the exchange's savepoint, so a bad block near the
end rolls back the batches written before it."""
import logging

from power_core.formats import FormatError
from power_core.formats import grid as codec
from sql import Null

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .edi import handler

logger = logging.getLogger(__name__)
BATCH = 5000
# supply points whose confirmed usage an exchange brought, by exchange id,
# for the billing that follows the import
_CONFIRMED_POINTS = {}


class Exchange(metaclass=PoolMeta):
    __name__ = 'power.edi.exchange'

    @handler('grid')
    def apply_grid(self):
        _CONFIRMED_POINTS[self.id] = set()
        header, records = codec.read(self.data(), self.name)
        expected = self.endpoint.partner_code
        if expected and header.sender != expected:
            raise FormatError(f"the sender {header.sender} is not this "
                f"endpoint's grid operator {expected}", self.name)
        self.kind = f'grid_{header.kind}'
        when = header.date or header.month
        self.business_key = (f'{header.sender} {header.kind} '
            f'{when.isoformat() if when else ""}').strip()
        apply = {'daily': self._apply_days, 'confirmed': self._apply_confirmed,
            'meter': self._apply_meter_changes}[header.kind]
        read = applied = unchanged = 0
        unknown = []
        batch = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                counts = apply(batch, unknown)
                read, applied, unchanged = _add((read, applied, unchanged),
                    (len(batch),) + counts)
                batch = []
        if batch:
            counts = apply(batch, unknown)
            read, applied, unchanged = _add((read, applied, unchanged),
                (len(batch),) + counts)
        self.records, self.applied_records = read, applied
        self.unchanged_records = unchanged
        if unknown:
            self.message = gettext('power_edi.msg_unknown_supply_points',
                count=len(unknown), numbers=', '.join(unknown[:10]))
        self.save()

    def _apply_days(self, days, unknown):
        IntervalDay = Pool().get('power.usage.interval')
        ids = _supply_point_ids([d.supply_point for d in days])
        rows = []
        for day in days:
            if day.supply_point not in ids:
                unknown.append(day.supply_point)
                continue
            rows.append((ids[day.supply_point], day.profile))
        stored, unchanged, _ = IntervalDay.receive(rows, source=self.rec_name)
        return stored, unchanged

    def _apply_confirmed(self, readings, unknown):
        Usage = Pool().get('power.usage.confirmed')
        ids = _supply_point_ids([r.supply_point for r in readings])
        values = []
        for reading in readings:
            if reading.supply_point not in ids:
                unknown.append(reading.supply_point)
                continue
            values.append({
                    'supply_point': ids[reading.supply_point],
                    'start': reading.start, 'end': reading.end,
                    'kwh': reading.kwh, 'kind': reading.kind,
                    'meter_number': reading.meter_number or None,
                    'max_demand': reading.max_demand,
                    'power_factor': reading.power_factor,
                    'next_reading_date': reading.next_reading_date,
                    'source': self.rec_name,
                    })
        records, _ = Usage.receive(values)
        _CONFIRMED_POINTS.setdefault(self.id, set()).update(
            r.supply_point.id for r in records)
        return len(records), len(values) - len(records)

    def _apply_meter_changes(self, changes, unknown):
        pool = Pool()
        SupplyPoint = pool.get('power.supply_point')
        Work = pool.get('power.supply_point.work')
        ids = _supply_point_ids([c.supply_point for c in changes])
        known = [c for c in changes if c.supply_point in ids]
        unknown += [c.supply_point for c in changes
            if c.supply_point not in ids]
        existing = {(w.supply_point.id, w.date) for w in Work.search([
                    ('supply_point', 'in', [ids[c.supply_point]
                            for c in known]),
                    ('kind', '=', 'meter_replacement'),
                    ])}
        new = [c for c in known
            if (ids[c.supply_point], c.date) not in existing]
        Work.create([{'supply_point': ids[c.supply_point], 'date': c.date,
                    'kind': 'meter_replacement',
                    'old_meter_number': c.old_meter,
                    'new_meter_number': c.new_meter,
                    'description': c.reason or None} for c in new])
        # the supply point shows its meter as of the latest replacement
        points = SupplyPoint.browse([ids[c.supply_point] for c in new])
        latest = {}
        for change in new:
            point_id = ids[change.supply_point]
            if point_id not in latest or change.date > latest[point_id].date:
                latest[point_id] = change
        for point in points:
            point.meter_number = latest[point.id].new_meter
        SupplyPoint.save(points)
        return len(new), len(known) - len(new)

    def after_applied(self):
        super().after_applied()
        points = _CONFIRMED_POINTS.pop(self.id, None)
        if not points or not self.endpoint.trigger_billing:
            return
        pool = Pool()
        Contract = pool.get('power.contract')
        BatchRun = pool.get('power.batch.run')
        contracts = Contract.search([('supply_point', 'in', list(points))])
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute('SAVEPOINT power_edi_billing')
        try:
            run = BatchRun.run_billing(contracts=contracts)
        except Exception as exception:  # the import stands regardless
            cursor.execute('ROLLBACK TO SAVEPOINT power_edi_billing')
            transaction.cache.clear()
            logger.exception("billing after %s failed", self.rec_name)
            self.message = '\n'.join(filter(None, [self.message,
                        gettext('power_edi.msg_billing_failed',
                            error=str(exception))]))
        else:
            cursor.execute('RELEASE SAVEPOINT power_edi_billing')
            self.message = '\n'.join(filter(None, [self.message,
                        gettext('power_edi.msg_billing_run',
                            run=run.rec_name, total=run.total or 0)]))
        self.save()


def _add(totals, counts):
    return tuple(a + b for a, b in zip(totals, counts))


def _supply_point_ids(numbers):
    "{number: id} of the supply points among numbers."
    SupplyPoint = Pool().get('power.supply_point')
    table = SupplyPoint.__table__()
    cursor = Transaction().connection.cursor()
    result = {}
    for sub in grouped_slice(sorted(set(numbers)), 1000):
        cursor.execute(*table.select(table.number, table.id,
                where=table.number.in_(list(sub)) & (table.number != Null)))
        result.update(cursor)
    return result
