# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The grid operator's usage files: daily 30-minute usage, monthly
confirmed usage and meter replacements, into power_billing's usage.

A file streams through in batches (memory does not grow with the file);
the whole file runs under the exchange's savepoint, so a bad block near the
end rolls back the batches written before it."""
import logging
from itertools import islice

from power_core.formats import grid as codec
from sql import Null

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .edi import handler, reason_of
from .exceptions import FileRefusedError

logger = logging.getLogger(__name__)
BATCH = 5000


class Exchange(metaclass=PoolMeta):
    __name__ = 'power.edi.exchange'

    @handler('grid')
    def apply_grid(self, data):
        """Store a grid operator's file; the supply points whose confirmed
        usage it brought (for the billing that follows)."""
        header, records = codec.read(data, self.name)
        expected = self.endpoint.partner_code
        if expected and header.sender != expected:
            raise FileRefusedError(gettext('power_edi.msg_grid_sender',
                    file=self.name, sender=header.sender,
                    expected=expected))
        ours = self.our_code()
        if not ours:
            raise FileRefusedError(gettext('power_edi.msg_grid_no_own_code',
                    file=self.name))
        if header.receiver != ours:
            raise FileRefusedError(gettext('power_edi.msg_grid_receiver',
                    file=self.name, receiver=header.receiver, ours=ours))
        self.kind = f'grid_{header.kind}'
        when = header.date or header.month
        self.business_key = (f'{header.sender} {header.kind} '
            f'{when.isoformat() if when else ""}').strip()
        apply = {'daily': self._apply_days, 'confirmed': self._apply_confirmed,
            'meter': self._apply_meter_changes}[header.kind]
        read = applied = unchanged = 0
        unknown, confirmed = [], set()
        for batch in _batches(records, BATCH):
            # the supply point ids of a batch, read once; others are skipped
            ids = _supply_point_ids([r.supply_point for r in batch])
            known = []
            for record in batch:
                if record.supply_point in ids:
                    known.append((ids[record.supply_point], record))
                else:
                    unknown.append(record.supply_point)
            stored, same, points = apply(known)
            confirmed |= points
            read += len(batch)
            applied += stored
            unchanged += same
        self.records, self.applied_records = read, applied
        self.unchanged_records = unchanged
        if unknown:
            self.message = gettext('power_edi.msg_unknown_supply_points',
                count=len(unknown), numbers=', '.join(unknown[:10]))
        self.save()
        return frozenset(confirmed)

    def our_code(self):
        """Our retailer code the partner addresses files to: the
        endpoint's own code, else the one we have at the switching hub."""
        Endpoint = Pool().get('power.edi.endpoint')
        if self.endpoint.own_code:
            return self.endpoint.own_code.strip()
        hub = Endpoint.hub()
        return (hub.own_code or '').strip() if hub else ''

    def _apply_days(self, days):
        "[(supply point id, Day)] → (stored, unchanged, no confirmed points)."
        IntervalDay = Pool().get('power.usage.interval')
        stored, unchanged, _ = IntervalDay.receive(
            [(point, day.profile) for point, day in days],
            source=self.rec_name)
        return stored, unchanged, set()

    def _apply_confirmed(self, readings):
        """[(supply point id, Confirmed)] → (stored, unchanged, supply points
        of the stored usage)."""
        Usage = Pool().get('power.usage.confirmed')
        records, _ = Usage.receive([{
                    'supply_point': point,
                    'start': reading.start, 'end': reading.end,
                    'kwh': reading.kwh, 'kind': reading.kind,
                    'meter_number': reading.meter_number or None,
                    'max_demand': reading.max_demand,
                    'power_factor': reading.power_factor,
                    'next_reading_date': reading.next_reading_date,
                    'source': self.rec_name,
                    } for point, reading in readings])
        return (len(records), len(readings) - len(records),
            {r.supply_point.id for r in records})

    def _apply_meter_changes(self, changes):
        """[(supply point id, MeterChange)] → (stored, unchanged, no
        confirmed points)."""
        pool = Pool()
        SupplyPoint = pool.get('power.supply_point')
        Work = pool.get('power.supply_point.work')
        existing = {(w.supply_point.id, w.date) for w in Work.search([
                    ('supply_point', 'in', [p for p, _ in changes]),
                    ('kind', '=', 'meter_replacement'),
                    ])}
        new = [(p, c) for p, c in changes if (p, c.date) not in existing]
        Work.create([{'supply_point': p, 'date': c.date,
                    'kind': 'meter_replacement',
                    'old_meter_number': c.old_meter,
                    'new_meter_number': c.new_meter,
                    'description': c.reason or None} for p, c in new])
        # the supply point shows its meter as of the latest replacement
        latest = {}
        for point_id, change in new:
            if point_id not in latest or change.date > latest[point_id].date:
                latest[point_id] = change
        points = SupplyPoint.browse(list(latest))
        for point in points:
            point.meter_number = latest[point.id].new_meter
        SupplyPoint.save(points)
        return len(new), len(changes) - len(new), set()

    def after_applied(self, result):
        super().after_applied(result)
        # a grid file's handler returns the supply points of its confirmed
        # usage
        points = result if self.partner == 'grid' else None
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
                            error=reason_of(exception))]))
        else:
            cursor.execute('RELEASE SAVEPOINT power_edi_billing')
            self.message = '\n'.join(filter(None, [self.message,
                        gettext('power_edi.msg_billing_run',
                            run=run.rec_name, total=run.total or 0)]))
        self.save()


def _batches(records, size):
    "Lists of up to size records from an iterator, read as they come."
    records = iter(records)
    while batch := list(islice(records, size)):
        yield batch


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
