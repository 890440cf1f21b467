# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Switching requests through the switching hub simulator (SOAP)."""
import datetime as dt
import unittest

from power_sim import switching_hub

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.power_cis.tests.tools import (
    create_contract, create_menu, create_supply_point)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

START = dt.date(2025, 5, 12)


class SwitchingHubTestCase(unittest.TestCase):
    "Switching requests through the hub"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_edi')
        cls.hub, cls.url, cls.server = switching_hub.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def endpoint(self, url=None):
        Endpoint = Pool().get('power.edi.endpoint')
        endpoint = Endpoint.hub()
        endpoint.url = url or self.url
        endpoint.save()
        return endpoint

    def request(self, company, kind, number, **values):
        Request = Pool().get('power.switching.request')
        point = create_supply_point(number)
        contract = None
        if kind != 'equipment_inquiry':
            contract = create_contract(company, point, create_menu()
                if not hasattr(self, '_menu') else self._menu, start=START)
            self._menu = contract.versions[0].menu
        request, = Request.create([{'company': company.id, 'kind': kind,
                    'supply_point': point.id,
                    'contract': contract.id if contract else None,
                    'requested_date': START, **values}])
        return request

    def exchanges(self, kind=None):
        Exchange = Pool().get('power.edi.exchange')
        domain = [('kind', '=', kind)] if kind else []
        return Exchange.search(domain, order=[('id', 'ASC')])

    @with_transaction()
    def test_switch_in_until_the_contract_is_active(self):
        "Send → the hub accepts → completes: the contract is active"
        Request = Pool().get('power.switching.request')
        company = create_company()
        with set_company(company):
            endpoint = self.endpoint()
            request = self.request(company, 'switch_in',
                '0300001111222233334444', current_retailer='A0001',
                current_customer_number='1234567')
            Request.send([request])
            self.assertEqual(request.state, 'sent')
            self.assertTrue(request.hub_reference.startswith('SW'))
            sent = self.hub.applications[request.hub_reference]
            self.assertEqual((sent['ServiceId'], sent['ApplicationType'],
                    sent['CurrentCustomerNumber']), ('IF_10610', '05',
                    '1234567'))
            endpoint.query_hub()
            self.assertEqual((request.state, request.effective_date),
                ('accepted', START))
            endpoint.query_hub()
            self.assertEqual(request.state, 'completed')
            self.assertEqual(request.contract.state, 'active')
            submit_out, submit_in = self.exchanges('occto_submit')
            self.assertEqual((submit_out.direction, submit_in.direction,
                    submit_in.state), ('out', 'in', 'applied'))
            self.assertIn(b'IF_10610', submit_out.content)
            self.assertEqual(len(self.exchanges('occto_status')), 4)

    @with_transaction()
    def test_termination_relay(self):
        "A 廃止取次 goes to the hub as IS_20110 and is followed to its result"
        Request = Pool().get('power.switching.request')
        company = create_company()
        with set_company(company):
            endpoint = self.endpoint()
            request = self.request(company, 'relay',
                '0300001111222233335555', current_retailer='A0001',
                current_customer_number='7654321')
            Request.send([request])
            sent = self.hub.applications[request.hub_reference]
            self.assertEqual((sent['ServiceId'],
                    sent['CurrentCustomerNumber']), ('IS_20110', '7654321'))
            for _ in range(2):
                endpoint.query_hub()
            self.assertEqual(request.state, 'completed')
            self.assertIn(b'IS_20210', self.exchanges('occto_status')[0]
                .content)

    @with_transaction()
    def test_rejection_reason_from_the_hub(self):
        "The hub refuses: the request is rejected with the hub's reason"
        Request = Pool().get('power.switching.request')
        company = create_company()
        with set_company(company):
            endpoint = self.endpoint()
            request = self.request(company, 'switch_in',
                '0300001111222233339999')
            Request.send([request])
            endpoint.query_hub()
            self.assertEqual(request.state, 'rejected')
            self.assertEqual(request.rejection_reason.code, 'E1101')
            self.assertIn('一致しません', request.rejection_message)

    @with_transaction()
    def test_equipment_inquiry_updates_the_supply_point(self):
        "An equipment inquiry: meter, smart meter and reading day stored"
        Request = Pool().get('power.switching.request')
        company = create_company()
        with set_company(company):
            endpoint = self.endpoint()
            request = self.request(company, 'equipment_inquiry',
                '0300001111222233335555')
            Request.send([request])
            endpoint.query_hub()
            point = request.supply_point
            self.assertEqual(request.state, 'completed')
            self.assertEqual((point.meter_number, point.smart_meter,
                    point.next_reading_date, point.current_retailer),
                ('M33335555', True, START, 'A0001'))

    @with_transaction()
    def test_operator_and_admin_send_with_access_checked(self):
        """An operator (no integration group) and the administrator send a
        switch-in and an equipment inquiry as a client does, with access
        checked: the requests reach the hub (issue 22: "You are not allowed
        to access 接続先 / Power Edi Exchange")"""
        pool = Pool()
        Request = pool.get('power.switching.request')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            endpoint = self.endpoint()
            operator, = User.create([{'login': 'op-send', 'name': 'op',
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'groups': [('add', [ModelData.get_id(
                                        'power_cis', 'group_power_operator')])],
                        }])
            admin, = User.search([('login', '=', 'admin')])
            numbers = iter(['0300001111222233337001', '0300001111222233337002',
                    '0300001111222233337003', '0300001111222233337004'])
            for user in [operator, admin]:
                requests = [self.request(company, 'switch_in', next(numbers),
                        current_retailer='A0001',
                        current_customer_number='1234567'),
                    self.request(company, 'equipment_inquiry', next(numbers))]
                transaction = Transaction()
                with transaction.set_user(user.id), \
                        transaction.set_context(_check_access=True,
                            company=company.id):
                    Request.send(Request.browse([r.id for r in requests]))
                for request in Request.browse([r.id for r in requests]):
                    self.assertEqual(request.state, 'sent')
                    self.assertTrue(request.hub_reference.startswith('SW'),
                        (user.login, request.kind))
            for _ in range(2):
                endpoint.query_hub()
            switch_in = Request.search([('kind', '=', 'switch_in'),
                    ('supply_point.number', '=', '0300001111222233337001')])
            self.assertEqual(switch_in[0].contract.state, 'active')

    @with_transaction()
    def test_unreachable_hub_keeps_the_request_and_logs_it(self):
        "The hub cannot be reached: the request stays sent, the log says so"
        Request = Pool().get('power.switching.request')
        company = create_company()
        with set_company(company):
            self.endpoint('http://127.0.0.1:9/switching-hub')
            request = self.request(company, 'switch_in',
                '0300001111222233336666')
            Request.send([request])
            self.assertEqual((request.state, request.hub_reference),
                ('sent', None))
            failed = [e for e in self.exchanges('occto_submit')
                if e.state == 'failed']
            self.assertTrue(failed)
            self.assertIn('did not answer', failed[0].error)

    def refused_reply(self, company, kind, number, answer, polls=0):
        """Send a request, let the hub answer polls times as usual, then
        answer: (request, the failed reply's exchange)."""
        Request = Pool().get('power.switching.request')
        endpoint = self.endpoint()
        request = self.request(company, kind, number)
        Request.send([request])
        for _ in range(polls):
            endpoint.query_hub()
        self.hub.answers[request.hub_reference] = answer
        endpoint.query_hub()
        replies = [e for e in self.exchanges('occto_status')
            if e.direction == 'in']
        return request, replies[-1]

    @with_transaction()
    def test_impossible_effective_date_is_refused(self):
        "EffectiveDate 2027-02-30: logged as failed, nothing applied"
        company = create_company()
        with set_company(company):
            request, reply = self.refused_reply(company, 'switch_in',
                '0300001111222233337001', {'State': 'completed',
                    'EffectiveDate': '2027-02-30'}, polls=1)
            self.assertEqual((request.state, request.effective_date),
                ('accepted', START))
            self.assertEqual(request.contract.state, 'draft')
            self.assertEqual(reply.state, 'failed')
            self.assertIn('EffectiveDate', reply.error)
            self.assertIn('2027-02-30', reply.error)
            self.assertIn(b'2027-02-30', reply.content)

    @with_transaction()
    def test_smart_meter_maybe_is_refused(self):
        "SmartMeter 'maybe': the supply point is not changed"
        company = create_company()
        with set_company(company):
            request, reply = self.refused_reply(company, 'equipment_inquiry',
                '0300001111222233337002', {'SmartMeter': 'maybe'})
            point = request.supply_point
            self.assertEqual(request.state, 'sent')
            # not the meter, reading day and retailer of the reply
            self.assertEqual((point.meter_number, point.next_reading_date,
                    point.current_retailer), (None, None, None))
            self.assertEqual(reply.state, 'failed')
            self.assertIn('SmartMeter', reply.error)
            self.assertIn('maybe', reply.error)

    @with_transaction()
    def test_missing_values_and_senseless_states_are_refused(self):
        "No EffectiveDate, another reference, back to processing: refused"
        company = create_company()
        with set_company(company):
            for number, answer, polls, message in [
                    ('0300001111222233337003', {'EffectiveDate': None}, 0,
                        'EffectiveDate is missing'),
                    ('0300001111222233337004',
                        {'HubReference': 'SW0000009999'}, 0,
                        'not the reference asked about'),
                    ('0300001111222233337005', {'State': 'processing',
                            'EffectiveDate': None}, 1,
                        'accepted already'),
                    ('0300001111222233337006', {'State': 'terminated'}, 1,
                        "unknown state 'terminated'"),
                    ]:
                request, reply = self.refused_reply(company, 'switch_in',
                    number, answer, polls)
                self.assertEqual(request.state,
                    'accepted' if polls else 'sent', number)
                self.assertEqual(request.contract.state, 'draft', number)
                self.assertEqual(reply.state, 'failed', number)
                self.assertIn(message, reply.error, number)
