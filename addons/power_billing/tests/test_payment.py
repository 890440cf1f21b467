# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Collections: direct debit, card, konbini, reconciliation of partial and
over-payments, late interest and dunning to termination."""
import datetime as dt
from unittest import mock

from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import setup_collections
from .tools import FEB10, JAN10, BillingTestCase, with_billing_company

DUE = dt.date(2025, 3, 12)        # FEB10 + 30 days
DEBIT = dt.date(2025, 3, 5)       # the last debit day (5, 15, 25) before it


def today(date):
    "Make ir.date's today date."
    return mock.patch.object(Pool().get('ir.date'), 'today',
        return_value=date)


class PaymentTestCase(BillingTestCase):
    "Collections (課金管理)"

    def billed(self, company, method=None, name='山田 太郎', **values):
        """A contract of a customer paying by method, billed for January:
        (customer, invoice)."""
        pool = Pool()
        Method = pool.get('power.payment.method')
        contract = self.contract(company, name=name)
        customer = contract.customer
        if method:
            agent = self.agents.get(method)
            Method.create([dict(party=customer.id, kind=method,
                        start_date=dt.date(2024, 6, 1),
                        agent=agent.id if method != 'konbini' else None,
                        **self.method_values(method), **values)])
        self.usage(contract, JAN10, FEB10, '259.6')
        self.bill()
        determinant, = self.determinants(contract)
        return customer, determinant.invoice

    def method_values(self, kind):
        if kind == 'card':
            return {'card_token': f'tok_{self.points}',
                'card_masked': '************4242', 'card_expiry': '202912'}
        if kind == 'bank':
            agent = self.agents['bank']
            return {'bank': agent.bank.id, 'bank_branch': agent.bank_branch.id,
                'account_type': '1', 'account_number': f'{self.points:07d}',
                'account_holder': 'ﾔﾏﾀﾞ ﾀﾛｳ'}
        return {}

    def setup(self, company):
        self.agents = setup_collections(company)

    @with_transaction()
    @with_billing_company
    def test_direct_debit_results(self, company):
        "A direct-debit batch: code 0 reconciled, code 1 followed up"
        pool = Pool()
        Group = pool.get('account.payment.group')
        Receipt = pool.get('power.payment.receipt')
        Slip = pool.get('power.payment.slip')
        self.setup(company)
        paid_by, paid = self.billed(company, 'bank')
        short_of, unpaid = self.billed(company, 'bank', name='鈴木 花子')
        group = Group.prepare(self.agents['bank'], DEBIT)
        self.assertEqual(len(group.payments), 2)
        self.assertEqual({p.amount for p in group.payments},
            {paid.total_amount, unpaid.total_amount})
        # a second batch of the same day finds nothing new
        self.assertIsNone(Group.prepare(self.agents['bank'], DEBIT))
        group.apply_results([
                (paid_by.customer_number, True, '0', ''),
                (short_of.customer_number, False, '1', '資金不足')])
        self.assertEqual(paid.state, 'paid')
        self.assertEqual(unpaid.state, 'posted')
        failed, = [p for p in group.payments if p.state == 'failed']
        self.assertEqual((failed.failure_code, failed.follow_up), ('1', 'slip'))
        slip, = Slip.search([('invoice', '=', unpaid.id)])
        self.assertEqual(slip.amount, int(unpaid.total_amount))
        self.assertEqual(len(slip.barcode), 44)
        # insufficient funds does not make the account invalid
        self.assertEqual(short_of.payment_method.state, 'pending')
        self.assertEqual(paid_by.payment_method.state, 'valid')
        receipt, = Receipt.search([])
        self.assertEqual((receipt.outcome, receipt.state, receipt.amount),
            ('matched', 'booked', int(paid.total_amount)))
        with self.assertRaises(Exception):
            group.apply_results([])

    @with_transaction()
    @with_billing_company
    def test_card_decline(self, company):
        "A declined card: payment failed, card invalid, slip issued"
        pool = Pool()
        Group = pool.get('account.payment.group')
        Slip = pool.get('power.payment.slip')
        self.setup(company)
        customer, invoice = self.billed(company, 'card')
        group = Group.prepare(self.agents['card'], DUE)
        group.apply_results([(customer.customer_number, False, 'G12',
                    'カード利用不可')])
        self.assertEqual(invoice.state, 'posted')
        method = customer.payment_method
        self.assertEqual((method.state, method.status_note),
            ('invalid', 'G12 カード利用不可'))
        self.assertEqual(len(Slip.search([('invoice', '=', invoice.id)])), 1)
        # the next collection leaves the invalid card alone
        self.assertIsNone(Group.prepare(self.agents['card'],
                DUE + dt.timedelta(days=1)))

    @with_transaction()
    @with_billing_company
    def test_card_number_never_stored(self, company):
        "A full card number is refused anywhere on a payment method"
        Method = Pool().get('power.payment.method')
        self.setup(company)
        customer, _ = self.billed(company)
        for values in [{'card_masked': '4242424242424242'},
                {'card_token': '4242 4242 4242 4242'}]:
            with self.subTest(values=values), self.assertRaises(Exception):
                Method.create([dict(party=customer.id, kind='card',
                            agent=self.agents['card'].id,
                            **{'card_token': 'tok', **values})])

    @with_transaction()
    @with_billing_company
    def test_card_number_scan_finds_a_stored_number(self, company):
        "The scan of the database finds a card number written anywhere"
        from power_cis_cli.scan import scan_cursor
        from trytond import backend
        customer, _ = self.billed(company)
        cursor = Transaction().connection.cursor()
        self.assertEqual(scan_cursor(cursor, backend.name), [])
        party = Pool().get('party.party').__table__()
        cursor.execute(*party.update([party.name],
                ['山田 4242-4242-4242-4242'], where=party.id == customer.id))
        found = scan_cursor(cursor, backend.name)
        self.assertEqual([masked for _, masked in found],
            ['************4242'])
        self.assertTrue(found[0][0].startswith('party_party.name row '))

    @with_transaction()
    @with_billing_company
    def test_changes_are_kept_with_who_and_when(self, company):
        "Who changed a contract, a menu, a regulated value or a payment method, when, and what it was"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Log = pool.get('ir.model.log')
        Contract = pool.get('power.contract')
        Fuel = pool.get('power.regulated.fuel')
        Method = pool.get('power.payment.method')
        self.setup(company)
        customer, _ = self.billed(company, 'bank')
        contract, = Contract.search([('customer', '=', customer.id)])
        menu = contract.versions[-1].menu
        fuel = Fuel.search([], limit=1)[0]
        method, = Method.search([('party', '=', customer.id)])
        clerk, = User.create([{'login': 'clerk', 'name': "Clerk",
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'groups': [('add', [
                                ModelData.get_id('power_cis', group)
                                for group in ('group_power_admin',
                                    'group_power_operator')]
                            + [ModelData.get_id(
                                    'power_billing', 'group_power_billing')])],
                    }])
        changes = [(contract, 'end_date', dt.date(2027, 3, 31)),
            (menu, 'name', menu.name + '（改定）'),
            (fuel, 'price', fuel.price + 1),
            (method, 'account_number', '7654321')]
        before = [getattr(record, field) for record, field, _ in changes]
        with Transaction().set_user(clerk.id), \
                Transaction().set_context(_check_access=True,
                    company=company.id):
            for record, field, value in changes:
                record.__class__.write([record.__class__(record.id)],
                    {field: value})
            Transaction()._store_log_records()
        cursor = Transaction().connection.cursor()
        for (record, field, value), old in zip(changes, before):
            with self.subTest(model=record.__name__):
                Model = record.__class__
                log, = Log.search([
                        ('resource', '=', str(record)),
                        ('event', '=', 'write')])
                self.assertEqual((log.user, log.target), (clerk, field))
                self.assertTrue(log.create_date)
                # every revision is kept with its author (Tryton's history):
                # the value before the change and the new one
                self.assertIn("Clerk", [name for _, _, name
                        in Model.history_revisions([record.id])])
                history = Model.__table_history__()
                cursor.execute(*history.select(getattr(history, field),
                        where=history.id == record.id))
                kept = {Model._fields[field].sql_format(v)
                    for v, in cursor}
                self.assertEqual(kept, {
                        Model._fields[field].sql_format(old),
                        Model._fields[field].sql_format(value)})

    @with_transaction()
    @with_billing_company
    def test_payment_data_by_role_and_every_read_logged(self, company):
        "Operators see the masked account only; a billing clerk's reads of the full number are logged"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Method = pool.get('power.payment.method')
        Log = pool.get('power.operator.log')
        self.setup(company)
        customer, _ = self.billed(company, 'bank')
        method, = Method.search([('party', '=', customer.id)])

        def user(login, *groups):
            return User.create([{'login': login, 'name': login,
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'groups': [('add', [ModelData.get_id(*g)
                                    for g in groups])]}])[0]
        operator = user('operator', ('power_cis', 'group_power_operator'))
        clerk = user('clerk', ('power_cis', 'group_power_operator'),
            ('power_billing', 'group_power_billing'))
        context = {'_check_access': True, 'company': company.id,
            '_request': {'remote_addr': '192.0.2.7'}}
        with Transaction().set_user(operator.id), \
                Transaction().set_context(context):
            masked, = Method.read([method.id], ['account_masked'])
            self.assertTrue(masked['account_masked'].endswith('**' + (
                        method.account_number[-3:])))
            for field in ('account_number', 'card_token'):
                with self.subTest(field=field), \
                        self.assertRaises(AccessError):
                    Method.read([method.id], [field])
            view = Method.fields_view_get(view_type='form')
            self.assertNotIn('account_number', view['fields'])
        self.assertEqual(Log.search_count(
                [('event', '=', 'personal_data')]), 0)
        with Transaction().set_user(clerk.id), \
                Transaction().set_context(context):
            full, = Method.read([method.id], ['account_number'])
            self.assertEqual(full['account_number'], method.account_number)
            # the list (masked numbers) is not a read of payment data
            Method.read([method.id], ['rec_name', 'account_masked'])
        log, = Log.search([('event', '=', 'personal_data')])
        self.assertEqual((log.user, log.resource, log.detail,
                log.ip_address), (clerk, method, 'account_number',
                '192.0.2.7'))

    @with_transaction()
    @with_billing_company
    def test_companies_kept_apart(self, company):
        "A user of one retailer finds and reads nothing of another's"
        from trytond.modules.company.tests import create_company
        from trytond.modules.power_cis.tests.tools import (
            create_contract, create_supply_point)
        pool = Pool()
        User = pool.get('res.user')
        Menu = pool.get('power.rate_menu')
        Inquiry = pool.get('power.inquiry')
        self.setup(company)
        customer, _ = self.billed(company, 'bank')
        other = create_company(name="Other Retailer",
            currency=company.currency)
        menu, = Menu.search([('code', '=', 'tepco-juryo-b')])
        theirs = create_contract(other,
            create_supply_point('0300001111999900000001'), menu)
        category, = pool.get('power.inquiry.category').create(
            [{'code': 'BILL', 'name': '料金'}])
        Inquiry.create([{'company': c.id, 'customer': customer.id,
                    'category': category.id,
                    'received_at': dt.datetime(2025, 2, 1, 10),
                    'channel': 'phone', 'subject': c.rec_name,
                    'contents': '料金について'} for c in (company, other)])
        users = {c: User.create([{'login': f'user{c.id}', 'name': 'u',
                        'companies': [('add', [c.id])], 'company': c.id,
                        'groups': [('add', [pool.get('ir.model.data').get_id(
                                        *g) for g in [
                                        ('power_cis', 'group_power_operator'),
                                        ('power_billing',
                                            'group_power_billing'),
                                        ('account', 'group_account')]])],
                        }])[0] for c in (company, other)}
        models = ['power.contract', 'power.inquiry',
            'power.billing.determinant', 'power.payment.receipt',
            'account.invoice', 'power.application',
            'power.switching.request', 'power.billing.adjustment']
        seen = {}
        for c, user in users.items():
            with Transaction().set_user(user.id), Transaction().set_context(
                    _check_access=True, company=c.id):
                for model in models:
                    Model = pool.get(model)
                    records = Model.search([])
                    seen[c, model] = len(records)
                    for record in records:
                        self.assertEqual(record.company, c, model)
                with self.assertRaises(AccessError):
                    pool.get('power.contract').read(
                        [theirs.id if c == company
                            else customer.power_contracts[0].id], ['number'])
        self.assertEqual((seen[company, 'power.contract'],
                seen[other, 'power.contract']), (1, 1))
        self.assertEqual((seen[company, 'power.inquiry'],
                seen[other, 'power.inquiry']), (1, 1))
        self.assertEqual((seen[company, 'power.billing.determinant'],
                seen[other, 'power.billing.determinant']), (1, 0))
        self.assertEqual(seen[other, 'account.invoice'], 0)

    @with_transaction()
    @with_billing_company
    def test_konbini_slip_paid(self, company):
        "A konbini customer gets a slip with the bill; its payment reconciles"
        pool = Pool()
        Slip = pool.get('power.payment.slip')
        Receipt = pool.get('power.payment.receipt')
        self.setup(company)
        customer, invoice = self.billed(company, 'konbini')
        slip, = Slip.search([('invoice', '=', invoice.id)])
        self.assertEqual(slip.due_date, DUE)
        # printed from the slip form: a PDF with the amount and barcode
        SlipLetter = pool.get('power.payment.slip.letter', type='report')
        oext, content, _, name = SlipLetter.execute([slip.id], {})
        self.assertEqual(oext, 'pdf')
        self.assertTrue(content.startswith(b'%PDF'))
        from power_core.letters import render_html
        from ..letters import slip_letters
        html = render_html(slip_letters([slip]))
        self.assertIn(f'{slip.amount:,}', html)
        self.assertIn('<svg', html)
        receipt, = Receipt.book('konbini', self.agents['konbini'],
            DUE - dt.timedelta(days=3), [{'customer_number':
                    customer.customer_number, 'amount': slip.amount,
                    'reference': invoice.id}])
        self.assertEqual(receipt.outcome, 'matched')
        self.assertEqual(invoice.state, 'paid')

    @with_transaction()
    @with_billing_company
    def test_reissue_carries_payments_and_credits(self, company):
        """Cancel and Re-issue of a paid, a partly paid and an unpaid bill:
        what the customer paid follows the revision bill, which shows only
        what is still due; the credit note is used up, no credit is left
        over and nothing is due twice (issue 22: a paid bill was unpaid
        again after its re-issue)"""
        pool = Pool()
        Receipt = pool.get('power.payment.receipt')
        Invoice = pool.get('account.invoice')
        Determinant = pool.get('power.billing.determinant')
        Party = pool.get('party.party')
        MoveLine = pool.get('account.move.line')
        self.setup(company)
        agent = self.agents['bank']
        cases = {}
        for paid, name in [('all', '佐藤 一郎'), ('part', '鈴木 二郎'),
                ('none', '高橋 三郎')]:
            customer, invoice = self.billed(company, name=name)
            total = int(invoice.total_amount)
            amount = {'all': total, 'part': 1000, 'none': 0}[paid]
            if amount:
                Receipt.book('transfer', agent, DUE - dt.timedelta(days=2),
                    [{'party': customer, 'amount': amount,
                            'reference': invoice.id}])
            cases[paid] = (customer, total, amount)
        for paid, (customer, total, amount) in cases.items():
            determinant, = Party(customer.id).billing_determinants
            Determinant.reissue([determinant])
            old, new = sorted(Party(customer.id).billing_determinants,
                key=lambda d: d.revision)
            self.assertEqual(new.total, total, paid)
            invoice = Invoice(new.invoice.id)
            self.assertEqual(int(invoice.amount_to_pay), total - amount,
                paid)
            self.assertEqual(invoice.state,
                'paid' if amount == total else 'posted', paid)
            # the cancelled bill and its credit note are settled
            self.assertEqual((Invoice(old.invoice.id).state,
                    Invoice(old.credit_note.id).state), ('paid', 'paid'),
                paid)
            # the receivable holds exactly what is due: no loose credit
            lines = MoveLine.search([('party', '=', customer.id),
                    ('account', '=', customer.account_receivable_used.id),
                    ('reconciliation', '=', None)])
            self.assertEqual(int(sum(l.debit - l.credit for l in lines)),
                total - amount, paid)
            # a bank transfer of what is left pays the revision bill
            if total - amount:
                receipt, = Receipt.book('transfer', agent, DUE,
                    [{'party': customer, 'amount': total - amount,
                            'reference': invoice.id}])
                self.assertEqual(receipt.outcome, 'matched', paid)
                self.assertEqual(Invoice(invoice.id).state, 'paid', paid)

    @with_transaction()
    @with_billing_company
    def test_partial_and_overpayment(self, company):
        """A partial payment stays on the invoice; an overpayment's surplus
        is a credit applied to the next bill"""
        pool = Pool()
        Receipt = pool.get('power.payment.receipt')
        Invoice = pool.get('account.invoice')
        self.setup(company)
        agent = self.agents['bank']
        customer, invoice = self.billed(company)
        total = int(invoice.total_amount)
        partial, = Receipt.book('transfer', agent, DUE,
            [{'party': customer, 'amount': 1000, 'reference': invoice.id}])
        self.assertEqual((partial.outcome, partial.state),
            ('partial', 'review'))
        invoice = Invoice(invoice.id)
        self.assertEqual((invoice.state, int(invoice.amount_to_pay)),
            ('posted', total - 1000))
        over, = Receipt.book('transfer', agent, DUE,
            [{'party': customer, 'amount': total - 1000 + 500,
                    'reference': invoice.id}])
        self.assertEqual((over.outcome, over.credit), ('overpaid', 500))
        self.assertEqual(Invoice(invoice.id).state, 'paid')
        Receipt.keep([over])
        # the next month's bill is reduced by the credit
        contract, = customer.power_contracts
        self.fuel(dt.date(2025, 3, 1), '-6.20')
        self.usage(contract, FEB10, dt.date(2025, 3, 11), '200')
        BatchRun = pool.get('power.batch.run')
        BatchRun.run_billing(dt.date(2025, 3, 13))
        second, = [d.invoice for d in self.determinants(contract)
            if d.invoice != invoice]
        self.assertEqual(int(second.amount_to_pay),
            int(second.total_amount) - 500)

    @with_transaction()
    @with_billing_company
    def test_unknown_customer_in_suspense(self, company):
        "A receipt of no known customer waits in suspense for a clerk"
        pool = Pool()
        Receipt = pool.get('power.payment.receipt')
        Allocate = pool.get('power.payment.receipt.allocate', type='wizard')
        self.setup(company)
        customer, invoice = self.billed(company)
        receipt, = Receipt.book('transfer', self.agents['bank'], DUE,
            [{'customer_number': 'NOBODY', 'amount':
                    int(invoice.total_amount)}])
        self.assertEqual((receipt.outcome, receipt.party),
            ('unmatched', None))
        with Transaction().set_context(active_model=Receipt.__name__,
                active_id=receipt.id, active_ids=[receipt.id]):
            session_id, _, _ = Allocate.create()
            Allocate.execute(session_id, {'start': {'receipt': receipt.id,
                        'party': customer.id, 'invoice': None}}, 'allocate')
        self.assertEqual(invoice.state, 'paid')
        self.assertEqual((receipt.state, receipt.resolution),
            ('done', 'allocated'))

    @with_transaction()
    @with_billing_company
    def test_late_interest_on_next_bill(self, company):
        "Paid 30 days late: 10% a year on the tax-excluded amount, untaxed"
        pool = Pool()
        Receipt = pool.get('power.payment.receipt')
        Adjustment = pool.get('power.billing.adjustment')
        self.setup(company)
        customer, invoice = self.billed(company)
        late = DUE + dt.timedelta(days=30)
        Receipt.book('transfer', self.agents['bank'], late,
            [{'party': customer, 'amount': int(invoice.total_amount)}])
        adjustment, = Adjustment.search([('reason', '=', 'late_interest')])
        expected = int(invoice.untaxed_amount) * 10 * 30 // (100 * 365)
        self.assertEqual(adjustment.amount, expected)
        self.assertFalse(adjustment.taxable)
        contract, = customer.power_contracts
        self.fuel(dt.date(2025, 3, 1), '-6.20')
        self.usage(contract, FEB10, dt.date(2025, 3, 11), '200')
        pool.get('power.batch.run').run_billing(dt.date(2025, 3, 13))
        adjustment = Adjustment(adjustment.id)
        second = adjustment.applied_in.invoice
        line, = [l for l in second.lines if l.description.startswith('延滞')]
        self.assertEqual((int(line.amount), line.taxes), (expected, ()))
        tax, = second.taxes
        self.assertEqual(int(tax.base), int(second.untaxed_amount) - expected)
        self.assertEqual(second.total_amount,
            second.untaxed_amount + second.tax_amount)

    def dun(self, date):
        Dunning = Pool().get('account.dunning')
        with today(date):
            Dunning.generate_dunnings(date)
            dunnings = Dunning.search([('state', '=', 'draft')])
            Dunning.process(dunnings)
        return Dunning.search([])

    @with_transaction()
    @with_billing_company
    def test_dunning_to_termination(self, company):
        "Reminder, warning 20 days ahead, termination and the 廃止 request"
        pool = Pool()
        Request = pool.get('power.switching.request')
        self.setup(company)
        customer, invoice = self.billed(company)
        contract, = customer.power_contracts
        dunning, = self.dun(DUE + dt.timedelta(days=1))
        self.assertEqual(dunning.level.power_action, 'reminder')
        warned_on = DUE + dt.timedelta(days=20)
        dunning, = self.dun(warned_on)
        self.assertEqual(dunning.level.power_action, 'warning')
        self.assertEqual(dunning.termination_date,
            warned_on + dt.timedelta(days=20))
        # not before the announced date
        dunning, = self.dun(dunning.termination_date - dt.timedelta(days=1))
        self.assertEqual(dunning.level.power_action, 'warning')
        self.assertEqual(contract.state, 'active')
        end = dunning.termination_date
        dunning, = self.dun(end)
        self.assertEqual(dunning.level.power_action, 'terminate')
        self.assertEqual((contract.state, contract.end_date),
            ('terminating', end))
        request, = Request.search([('contract', '=', contract.id)])
        self.assertEqual((request.kind, request.requested_date,
                request.state), ('termination', end, 'sent'))

    @with_transaction()
    @with_billing_company
    def test_customer_dunned_twice_is_terminated_once(self, company):
        """A customer with two dunnings due for termination the same day
        gets one termination (the demo with 60 customers crashed on
        'Duplicate records')"""
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Request = pool.get('power.switching.request')
        self.setup(company)
        customer, invoice = self.billed(company)
        contract, = customer.power_contracts
        self.dun(DUE + dt.timedelta(days=1))
        dunning, = self.dun(DUE + dt.timedelta(days=20))
        Dunning.terminate_contracts([dunning, dunning])
        request, = Request.search([('contract', '=', contract.id)])
        self.assertEqual((contract.state, contract.end_date),
            ('terminating', dunning.termination_date))

    @with_transaction()
    @with_billing_company
    def test_payment_stops_termination(self, company):
        "Paying after the warning, before the termination date, stops it"
        pool = Pool()
        Receipt = pool.get('power.payment.receipt')
        Request = pool.get('power.switching.request')
        self.setup(company)
        customer, invoice = self.billed(company)
        contract, = customer.power_contracts
        self.dun(DUE + dt.timedelta(days=1))
        dunning, = self.dun(DUE + dt.timedelta(days=20))
        end = dunning.termination_date
        with today(end - dt.timedelta(days=2)):
            Receipt.book('transfer', self.agents['bank'],
                end - dt.timedelta(days=2),
                [{'party': customer, 'amount': int(invoice.total_amount)}])
        self.dun(end)
        self.assertEqual(contract.state, 'active')
        self.assertFalse(Request.search([('contract', '=', contract.id)]))

    @with_transaction()
    @with_billing_company
    def test_protected_customer_not_terminated(self, company):
        "A protected customer gets reminders, never the termination"
        pool = Pool()
        Party = pool.get('party.party')
        self.setup(company)
        customer, invoice = self.billed(company)
        Party.write([customer], {'payment_protected': True,
                'protection_reason': '在宅医療機器'})
        contract, = customer.power_contracts
        for days in (1, 20, 60, 90):
            dunning, = self.dun(DUE + dt.timedelta(days=days))
        self.assertEqual(dunning.level.power_action, 'reminder')
        self.assertTrue(dunning.protected)
        self.assertEqual(contract.state, 'active')

    @with_transaction()
    @with_billing_company
    def test_reports_match_the_ledger(self, company):
        "Collection reports add up to the ledger to the yen"
        import io

        import openpyxl

        from ..collection_report import build, produce
        pool = Pool()
        Receipt = pool.get('power.payment.receipt')
        MoveLine = pool.get('account.move.line')
        StatementLine = pool.get('account.statement.line')
        Contract = pool.get('power.contract')
        Output = pool.get('power.report.output')
        self.setup(company)
        agent = self.agents['bank']
        paid_by, paid = self.billed(company, name='一 全額')
        part_by, part = self.billed(company, name='二 一部')
        over_by, over = self.billed(company, name='三 過入金')
        owes, owed = self.billed(company, name='四 未払')
        Receipt.book('transfer', agent, DUE, [
                {'party': paid_by, 'amount': int(paid.total_amount)},
                {'party': part_by, 'amount': 1000},
                {'party': over_by, 'amount': int(over.total_amount) + 700},
                {'customer_number': 'X9', 'amount': 555}])
        contract, = owes.power_contracts
        Contract.write([contract], {'end_date': DUE})
        Contract.terminate([contract])
        as_of = DUE + dt.timedelta(days=60)

        ledger = sum(int(l.debit - l.credit) for l in MoveLine.search([
                    ('account.type.receivable', '=', True),
                    ('move.state', '=', 'posted')]))
        for kind in ('ar_summary', 'ar_detail'):
            with self.subTest(kind=kind):
                table = build(kind, DUE, as_of)
                self.assertEqual(sum(table.values(r)[
                            [c.key for c in table.columns].index('open')]
                        for r in table.rows), ledger)
        statement_total = sum(int(l.amount) for l in StatementLine.search([
                    ('date', '>=', DUE), ('date', '<=', as_of)]))
        table = build('receipts_summary', DUE, as_of)
        rows = list(table.rows)
        self.assertEqual(sum(r['amount'] for r in rows), statement_total)
        self.assertEqual(sum(r['allocated'] + r['credit'] for r in rows),
            statement_total)
        monthly = build('receipts_monthly', DUE, DUE)
        self.assertEqual(sum(r['total'] for r in monthly.rows),
            statement_total)
        statement = build('statement', DUE.replace(day=1), as_of, over_by)
        self.assertEqual(list(statement.rows)[-1]['balance'], -700)
        agency = list(build('collection_agency', DUE, as_of).rows)
        self.assertEqual([(r['customer'], r['amount']) for r in agency],
            [('四 未払', int(owed.total_amount))])

        name, data = produce('ar_detail', DUE, as_of)
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        self.assertEqual(sheet['A1'].value, f'売掛金明細表 {as_of} 現在')
        header = [c.value for c in sheet[2]]
        self.assertEqual(header[:3], ['お客さま番号', 'お客さま名', '請求書番号'])
        last = [c.value for c in sheet[sheet.max_row]]
        self.assertEqual((last[0], last[header.index('未収額')]),
            ('合計', ledger))
        self.assertEqual(sheet.freeze_panes, 'A3')
        name, pdf = produce('receipts_detail', DUE, as_of, format='pdf')
        self.assertTrue(pdf.startswith(b'%PDF'))
        self.assertEqual(len(Output.search([])), 2)
