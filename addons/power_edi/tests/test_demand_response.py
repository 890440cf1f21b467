# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Demand response events: announced to the area's customers, settled
from each one's 30-minute history, rewarded through the point programme
(docs/demand_response.md)."""
import datetime as dt
import unittest
from decimal import Decimal as D
from unittest import mock

from power_core.usage import DayProfile

from trytond.modules.power_billing.tests.tools import (
    BillingHelpers, with_billing_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from ..exceptions import DemandResponseError

SEND = 'trytond.ir.email_.send_message_transactional'
EVENT_DAY = dt.date(2025, 7, 16)     # a Wednesday; 17:00-19:00


class DemandResponseTestCase(BillingHelpers, unittest.TestCase):
    "Demand response events"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_edi')

    def days(self, contract, first, last, tenths, skip=()):
        "30-minute days of tenths each half hour, first to last."
        Interval = Pool().get('power.usage.interval')
        day, days = first, []
        while day <= last:
            if day not in skip:
                days.append((contract.supply_point.id,
                        DayProfile(day, (tenths,) * 48, 'M' * 48)))
            day += dt.timedelta(days=1)
        Interval.receive(days)

    def today(self, date):
        Date = Pool().get('ir.date')
        return mock.patch.object(Date, 'today', return_value=date)

    @with_transaction()
    @with_billing_company
    def test_announce_settle_and_reward(self, company):
        "The area's customers are told; savers are settled against High 4 of 5 and rewarded"
        pool = Pool()
        Event = pool.get('power.dr.event')
        Party = pool.get('party.party')
        GridArea = pool.get('power.grid_area')
        Grant = pool.get('power.point.grant')
        tokyo, = GridArea.search([('code', '=', '03')])
        saver = self.contract(company, name='山田 太郎')
        short = self.contract(company, name='鈴木 花子')
        Party.write([saver.customer], {'point_member_id': '12345678',
                'point_member_state': 'valid',
                'contact_mechanisms': [('create', [{'type': 'email',
                                'value': 'yamada@example.jp'}])]})
        event, = Event.create([{'company': company.id,
                    'name': '夏の節電チャレンジ', 'area': tokyo.id,
                    'date': EVENT_DAY, 'first_slot': '34', 'last_slot': '37',
                    'points_per_kwh': 10,
                    'message': '7月16日17時から19時の節電にご協力ください。'}])
        # told the day before at the latest
        with self.today(EVENT_DAY), self.assertRaises(DemandResponseError):
            Event.announce([event])
        with self.today(dt.date(2025, 7, 10)), mock.patch(SEND) as send:
            Event.announce([event])
        self.assertEqual(sorted(p.party.name for p in event.participants),
            ['山田 太郎', '鈴木 花子'])
        # the customer with an address is mailed
        self.assertEqual(send.call_count, 1)
        message = send.call_args.args[0] if send.call_args.args else (
            send.call_args.kwargs.get('msg'))
        self.assertIn('yamada@example.jp', str(message['To']))
        # no data for the day yet: everyone waits, the event stays open
        Event.settle([event])
        self.assertEqual({p.state for p in event.participants}, {'waiting'})
        self.assertEqual(Event(event.id).state, 'announced')
        # the saver: 1.0 kWh each half hour for a month, 0.5 in the event
        self.days(saver, dt.date(2025, 6, 16), dt.date(2025, 7, 15), 10)
        self.days(saver, EVENT_DAY, EVENT_DAY, 5)
        # the other: two days of history only
        self.days(short, dt.date(2025, 7, 14), EVENT_DAY, 8)
        Event.settle([event])
        event = Event(event.id)
        self.assertEqual(event.state, 'settled')
        by_name = {p.party.name: p for p in event.participants}
        settled = by_name['山田 太郎']
        # by hand: 4 half hours × (1.0 − 0.5) = 2.00 kWh, 20 points
        self.assertEqual((settled.state, settled.baseline_kwh,
                settled.actual_kwh, settled.saved_kwh, settled.points),
            ('settled', D('4.0'), D('2.0'), D('2.00'), 20))
        # the 5 weekdays before (15, 14, 11, 10, 9) used alike: the farthest
        # is dropped
        self.assertEqual(settled.baseline_days, '07-10, 07-11, 07-14, 07-15')
        failed = by_name['鈴木 花子']
        self.assertEqual((failed.state, failed.saved_kwh), ('failed', None))
        self.assertIn('5 needed', failed.reason)
        self.assertEqual((event.participant_count, event.saver_count,
                event.saved_kwh, event.points), (2, 1, D('2.00'), 20))
        # the reward goes to the point programme with the bill grants
        grant, = Grant.search([])
        self.assertEqual((grant.party, grant.points, grant.reference,
                grant.invoice, grant.state, settled.grant),
            (saver.customer, 20, f'DR{event.id}', None, 'requested', grant))
        Endpoint = pool.get('power.edi.endpoint')
        line = Endpoint.grants_file([grant]).decode().splitlines()[1]
        self.assertEqual(line, f'{grant.id},{saver.customer.customer_number},'
            f'12345678,DR{event.id},0,20')

    @with_transaction()
    @with_billing_company
    def test_event_half_hours_checked(self, company):
        "The half hours of an event run forward"
        pool = Pool()
        Event = pool.get('power.dr.event')
        GridArea = pool.get('power.grid_area')
        tokyo, = GridArea.search([('code', '=', '03')])
        with self.assertRaises(DemandResponseError):
            Event.create([{'company': company.id, 'name': 'x',
                        'area': tokyo.id, 'date': EVENT_DAY,
                        'first_slot': '37', 'last_slot': '34',
                        'points_per_kwh': 10, 'message': 'x'}])
