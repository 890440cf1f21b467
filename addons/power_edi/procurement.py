# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The daily supply plan to power procurement (電源調達先) and its
acknowledgement (layout: docs/formats/procurement.md)."""
import datetime as dt

from power_core.formats import procurement

from trytond.i18n import gettext
from trytond.model import ModelView
from trytond.pool import Pool, PoolMeta

from .edi import handler, rebuilder
from .exceptions import FileRefusedError

DAYS = 8  # today and the coming week


class Endpoint(metaclass=PoolMeta):
    __name__ = 'power.edi.endpoint'
    _partner_buttons = {'send_plan': 'procurement'}

    @classmethod
    @ModelView.button
    def send_plan(cls, endpoints, date=None):
        "Send the supply plan of today and the coming week."
        for endpoint in endpoints:
            endpoint.send_supply_plan(date)

    @classmethod
    def cron_plan(cls):
        "Scheduled action: the daily supply plan."
        cls.send_plan(cls.search([('partner', '=', 'procurement')]))

    def send_supply_plan(self, date=None):
        """The plan of date and the DAYS - 1 days after it, from the
        contracts supplied, starting or ending then; its exchange."""
        pool = Pool()
        Exchange = pool.get('power.edi.exchange')
        date = date or pool.get('ir.date').today()
        rows = self.plan_rows(date)
        name = f'PLAN_{date:%Y%m%d}.csv'
        return Exchange.send_file(self, name, procurement.write_plan(rows),
            'procurement_plan', business_key=f'plan {date.isoformat()}',
            message=gettext('power_edi.msg_plan_sent', rows=len(rows),
                contracts=sum(r.contracts for r in rows if r.date == date)))

    @staticmethod
    def plan_rows(date):
        "The rows of the supply plan of date and the DAYS - 1 days after."
        Contract = Pool().get('power.contract')
        last = date + dt.timedelta(days=DAYS - 1)
        contracts = Contract.search([
                ('state', 'in', ['applying', 'active', 'terminating',
                        'terminated']),
                ('start_date', '<=', last),
                ['OR', ('end_date', '=', None),
                    ('end_date', '>=', date - dt.timedelta(days=1))],
                ])
        rows = procurement.plan([
                (c.supply_point.area.code if c.supply_point.area else '03',
                    c.start_date, c.end_date,
                    [(v.start_date, procurement.capacity_kva(
                                v.capacity, v.capacity_unit))
                        for v in c.versions])
                for c in contracts], date, DAYS)
        return rows


class Exchange(metaclass=PoolMeta):
    __name__ = 'power.edi.exchange'

    @rebuilder('procurement_plan')
    def rebuild_procurement_plan(self):
        "The plan of the day in the business key (plan YYYY-MM-DD)."
        date = dt.date.fromisoformat(self.business_key.split()[-1])
        return procurement.write_plan(self.endpoint.plan_rows(date))

    @handler('procurement')
    def apply_procurement(self, data):
        "The partner's acknowledgement of a supply plan."
        file, status, message = procurement.read_ack(data, self.name)
        plans = self.search([('direction', '=', 'out'),
                ('partner', '=', 'procurement'), ('name', '=', file)],
            order=[('id', 'DESC')], limit=1)
        if not plans:
            raise FileRefusedError(gettext('power_edi.msg_plan_unknown',
                    file=self.name, plan=file))
        plan, = plans
        self.kind = 'procurement_ack'
        self.business_key = file
        self.records = 1
        self.applied_records = 1 if status == 'OK' else 0
        if status == 'OK':
            plan.state = 'acknowledged'
        else:
            plan.error = message
            self.message = gettext('power_edi.msg_plan_refused', file=file,
                message=message)
        plan.save()
        self.save()
