# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The management KPI dashboard: two small tables materialised from the
base records by a scheduled action (or the Refresh KPI wizard), read by
Tryton graph views: a row per month (sales, kWh, switch-ins, switch-outs,
live contracts) and a snapshot (customers by area, contracts by state,
receivables by age, payment method mix, switch-in pipeline). A snapshot row
of a state or a kind keeps its key: it reads as its label in the reader's
language, whoever refreshed it (the scheduled action runs in the server's
language)."""
import datetime as dt
from collections import Counter, defaultdict

from sql.aggregate import Count

from trytond import backend
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.wizard import StateTransition, Wizard

from .bi import _date, _months_back, stream

MONTHS = 25
SNAPSHOT_KINDS = [
    ('area', "Customers by Area"),
    ('state', "Contracts by State"),
    ('age', "Receivables by Age"),
    ('method', "Payment Method Mix"),
    ('pipeline', "Switch-in Pipeline"),
    ]
# the selection each kind's keys are values of
SNAPSHOT_SELECTIONS = {
    'state': ('power.contract', 'state'),
    'method': ('power.payment.method', 'kind'),
    'pipeline': ('power.switching.request', 'state'),
    }


class Month(ModelSQL, ModelView):
    "KPI by Month"
    __name__ = 'power.bi.kpi.month'
    month = fields.Date("Month", readonly=True)
    label = fields.Char("Month", readonly=True)
    sales = fields.Integer("Sales (yen, tax incl.)", readonly=True)
    kwh = fields.Integer("kWh Billed", readonly=True)
    bills = fields.Integer("Bills", readonly=True)
    switch_ins = fields.Integer("Supply Starts", readonly=True)
    switch_outs = fields.Integer("Supply Ends (Churn)", readonly=True)
    live = fields.Integer("Live Contracts at Month End", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'ASC'), ('id', 'ASC')]

    @classmethod
    def cron_refresh(cls):
        "The scheduled refresh of the whole dashboard."
        refresh_all()

    @classmethod
    def refresh(cls, today=None):
        "Recompute the last MONTHS months from the base records."
        pool = Pool()
        today = today or pool.get('ir.date').today()
        months = _months_back(today, MONTHS)
        first = months[0]
        det = pool.get('power.billing.determinant').__table__()
        contract = pool.get('power.contract').__table__()
        sales, kwh, bills = Counter(), Counter(), Counter()
        for end, total, quantity in stream(det.select(det.end, det.total,
                    det.kwh, where=(det.state != 'cancelled')
                    & (det.end >= first))):
            month = _date(end).replace(day=1)
            sales[month] += total
            kwh[month] += int(quantity)
            bills[month] += 1
        starts, ends = Counter(), Counter()
        periods = []
        for start, end_, state in stream(contract.select(
                    contract.start_date, contract.end_date, contract.state,
                    where=contract.state.in_(['active', 'terminating',
                            'terminated']))):
            start, end_ = _date(start), _date(end_)
            periods.append((start, end_))
            if start and start >= first:
                starts[start.replace(day=1)] += 1
            if end_ and end_ >= first and state == 'terminated':
                ends[end_.replace(day=1)] += 1
        rows = []
        for month in months:
            month_end = (month + dt.timedelta(days=32)).replace(day=1)
            live = sum(1 for start, end_ in periods
                if start and start < month_end
                and (end_ is None or end_ >= month_end))
            rows.append({'month': month, 'label': f'{month:%Y-%m}',
                    'sales': sales[month], 'kwh': kwh[month],
                    'bills': bills[month], 'switch_ins': starts[month],
                    'switch_outs': ends[month], 'live': live})
        cls.delete(cls.search([]))
        cls.create(rows)


class Snapshot(ModelSQL, ModelView):
    "KPI Snapshot"
    __name__ = 'power.bi.kpi.snapshot'
    kind = fields.Selection(SNAPSHOT_KINDS, "Kind", readonly=True)
    sequence = fields.Integer("Sequence", readonly=True)
    label = fields.Function(fields.Char("Label"), 'get_label')
    text = fields.Char("Text", readonly=True,
        help="The label of an area or an age bucket.")
    key = fields.Char("Key", readonly=True,
        help="The value of a state or a kind, shown as its label.")
    count = fields.Integer("Count", readonly=True)
    amount = fields.Integer("Amount (yen)", readonly=True)
    date = fields.Date("As Of", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('kind', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def __register__(cls, module):
        # Migration: the label was stored in the refresh's language
        if backend.TableHandler.table_exist(cls._table):
            table_h = cls.__table_handler__(module)
            if (table_h.column_exist('label')
                    and not table_h.column_exist('text')):
                table_h.column_rename('label', 'text')
        super().__register__(module)

    @classmethod
    def get_label(cls, snapshots, name):
        "The text, or the key's label in the language of the transaction."
        pool = Pool()
        labels = {}
        for kind, (model, field) in SNAPSHOT_SELECTIONS.items():
            if any(s.kind == kind and s.key for s in snapshots):
                labels[kind] = dict(pool.get(model).fields_get(
                        [field])[field]['selection'])
        return {s.id: labels[s.kind].get(s.key, s.key)
            if s.key and s.kind in labels else s.text
            for s in snapshots}

    @classmethod
    def refresh(cls, today=None):
        pool = Pool()
        today = today or pool.get('ir.date').today()
        rows = []

        def add(kind, items):
            for n, (label, count, amount) in enumerate(items):
                keyed = kind in SNAPSHOT_SELECTIONS
                text, key = (None, label) if keyed else (label, None)
                rows.append({'kind': kind, 'sequence': n, 'text': text,
                        'key': key, 'count': count, 'amount': amount,
                        'date': today})
        contract = pool.get('power.contract').__table__()
        point = pool.get('power.supply_point').__table__()
        area = pool.get('power.grid_area').__table__()
        live = ['applying', 'active', 'terminating']
        add('area', [(name or '', n, 0) for name, n in stream(
                    contract.join(point,
                        condition=contract.supply_point == point.id
                        ).join(area, 'LEFT', condition=point.area == area.id
                        ).select(area.name,
                        Count(contract.customer, distinct=True),
                        where=contract.state.in_(live),
                        group_by=[area.name], order_by=[area.name]))])
        add('state', [(s, n, 0) for s, n in stream(
                    contract.select(contract.state, Count(contract.id),
                        group_by=[contract.state],
                        order_by=[contract.state]))])
        from trytond.modules.power_billing.collection_report import (
            BUCKETS, receivable_items)
        ages = defaultdict(lambda: [0, 0])
        for item in receivable_items(today):
            if item['open'] > 0:
                ages[item['bucket']][0] += 1
                ages[item['bucket']][1] += item['open']
        add('age', [(label, *ages[label]) for _, label in BUCKETS])
        method = pool.get('power.payment.method').__table__()
        add('method', [(k, n, 0) for k, n in stream(
                    method.select(method.kind, Count(method.id),
                        where=method.state.in_(['pending', 'valid',
                                'invalid']),
                        group_by=[method.kind], order_by=[method.kind]))])
        request = pool.get('power.switching.request').__table__()
        add('pipeline', [(s, n, 0) for s, n in stream(
                    request.select(request.state, Count(request.id),
                        where=(request.kind.in_(['switch_in',
                                    'reconnection']))
                        & request.state.in_(['draft', 'sent', 'accepted',
                                'rejected']),
                        group_by=[request.state],
                        order_by=[request.state]))])
        cls.delete(cls.search([]))
        cls.create(rows)


def refresh_all(today=None):
    Pool().get('power.bi.kpi.month').refresh(today)
    Pool().get('power.bi.kpi.snapshot').refresh(today)


class Refresh(Wizard):
    "Refresh KPI"
    __name__ = 'power.bi.kpi.refresh'
    start_state = 'refresh'
    refresh = StateTransition()

    def transition_refresh(self):
        refresh_all()
        return 'end'
