# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The payment partners through the drop folders, against the simulators:
a Zengin request, the bank's result and the reconciliation; card charges
and the refresh; konbini payment notices."""
import datetime as dt
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from power_sim.payments import Bank, CardAgent, KonbiniAgent

from trytond.modules.power_billing.tests.tools import setup_collections
from trytond.modules.power_billing.tests.tools import (
    FEB10, JAN10, BillingHelpers, with_billing_company)
from trytond.exceptions import UserError
from trytond.model.exceptions import SQLConstraintError
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from ..edi import FileMoves

DEBIT = dt.date(2025, 3, 5)


def apply_again(exchange):
    """Apply an applied file's content once more as a new exchange, past
    the checksum check (as if the partner had sent the same records in a
    file of other bytes): the records' own checks must hold. The new
    exchange."""
    Exchange = Pool().get('power.edi.exchange')
    again, = Exchange.create([{'endpoint': exchange.endpoint.id,
                'partner': exchange.partner, 'direction': 'in',
                'name': exchange.name,
                'content': exchange.data(), 'size': exchange.size,
                'checksum': f'again-{exchange.checksum}',
                'received': exchange.received, 'state': 'received'}])
    return Exchange._apply_isolated(again)


class PaymentExchangeTestCase(BillingHelpers, unittest.TestCase):
    "Payment partners' files"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_edi')

    @classmethod
    def tearDownClass(cls):
        # the scenario doctests run next in this process and restore their
        # own database (PostgreSQL refuses to create it over this one)
        drop_db()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.folder = Path(tempfile.mkdtemp(prefix='power-pay-'))

    def endpoint(self, agent):
        Endpoint = Pool().get('power.edi.endpoint')
        folder = self.folder / agent.code
        endpoint, = Endpoint.create([{'name': agent.name,
                    'code': f'pay-{agent.code}', 'partner': 'payment',
                    'payment_agent': agent.id,
                    'inbox': str(folder / 'inbox'),
                    'outbox': str(folder / 'outbox'),
                    'archive': str(folder / 'archive'),
                    'error_folder': str(folder / 'error')}])
        return endpoint

    def commit_files(self):
        Transaction().join(FileMoves()).tpc_finish(Transaction())

    def customer(self, company, kind, agent, name):
        Method = Pool().get('power.payment.method')
        contract = self.contract(company, name=name)
        values = {}
        if kind == 'card':
            values = {'card_token': f'tok_{self.points}',
                'card_masked': '************1111'}
        elif kind == 'bank':
            values = {'bank': agent.bank.id,
                'bank_branch': agent.bank_branch.id, 'account_type': '1',
                'account_number': f'{self.points}', 'account_holder': 'ﾃｽﾄ'}
        Method.create([dict(party=contract.customer.id, kind=kind,
                    start_date=dt.date(2024, 6, 1),
                    agent=agent.id if kind != 'konbini' else None,
                    **values)])
        self.usage(contract, JAN10, FEB10, '259.6')
        return contract

    def konbini_slip(self, company):
        """A billed customer paying by konbini slip: (agent, endpoint,
        contract, slip, the day paid, two days before the due date)."""
        Slip = Pool().get('power.payment.slip')
        agent = setup_collections(company)['konbini']
        endpoint = self.endpoint(agent)
        contract = self.customer(company, 'konbini', agent, '山田 太郎')
        self.bill()
        slip, = Slip.search([])
        return (agent, endpoint, contract, slip,
            slip.due_date - dt.timedelta(days=2))

    def money_state(self):
        "What a payment file could change: counts and states."
        pool = Pool()
        Receipt = pool.get('power.payment.receipt')
        Payment = pool.get('account.payment')
        Invoice = pool.get('account.invoice')
        Slip = pool.get('power.payment.slip')
        Method = pool.get('power.payment.method')
        return (Receipt.search_count([]),
            sorted((p.id, p.state) for p in Payment.search([])),
            sorted((i.id, i.state) for i in Invoice.search([])),
            Slip.search_count([]),
            sorted((m.id, m.state) for m in Method.search([])))

    def invoice(self, contract):
        determinant, = self.determinants(contract)
        return determinant.invoice

    @with_transaction()
    @with_billing_company
    def test_zengin_request_result_reconciliation(self, company):
        "Zengin request → the bank's result → reconciled and followed up"
        pool = Pool()
        Endpoint = pool.get('power.edi.endpoint')
        Exchange = pool.get('power.edi.exchange')
        Slip = pool.get('power.payment.slip')
        agents = setup_collections(company)
        agent = agents['bank']
        endpoint = self.endpoint(agent)
        payer = self.customer(company, 'bank', agent, '山田 太郎')
        failing = self.customer(company, 'bank', agent, '鈴木 花子')
        self.bill()
        with mock.patch.object(pool.get('ir.date'), 'today',
                return_value=DEBIT - dt.timedelta(days=4)):
            Endpoint.send_collections([endpoint])
        self.commit_files()
        request, = Exchange.search([('kind', '=', 'zengin_request')])
        self.assertEqual(request.name, 'ZENGIN_BANK_20250305.txt')
        # the request and the registration check built again from the
        # database are the files sent, byte for byte
        check, = Exchange.search([('kind', '=', 'registration_check')])
        Exchange.rebuild([request, check])
        self.assertIn('identical', request.rebuilt)
        self.assertIn('identical', check.rebuilt)
        # an account number changed since: the debit's line differs (the
        # header is line 1), the change is seen, nothing else changes
        method = payer.customer.payment_method
        number = method.account_number
        method.account_number = '7654321'
        method.save()
        Exchange.rebuild([request])
        self.assertIn('line 2 differs', request.rebuilt)
        method.account_number = number
        method.save()
        folder = self.folder / agent.code
        bank = Bank(folder / 'outbox', folder / 'inbox',
            {failing.customer.customer_number.lstrip('0'): '2'})
        # the registration check of the new accounts and the debit result
        self.assertEqual(len(bank.process()), 2)
        self.assertEqual(len(bank.requests[request.name]), 2)
        # read long after (the file gives the debit day without its year:
        # 03-05 must not be taken for this year's), it still finds its
        # collection
        with mock.patch.object(pool.get('ir.date'), 'today',
                return_value=DEBIT + dt.timedelta(days=380)):
            Endpoint.poll([endpoint])
        self.commit_files()
        # the new accounts were checked first: one is confirmed, the
        # closed one refused
        check, = Exchange.search([('kind', '=', 'registration_result')])
        self.assertEqual((check.records, check.applied_records), (2, 2))
        self.assertEqual(payer.customer.payment_method.state, 'valid')
        result, = Exchange.search([('kind', '=', 'zengin_result')])
        self.assertEqual((result.state, result.records,
                result.applied_records), ('applied', 2, 2))
        self.assertEqual(self.invoice(payer).state, 'paid')
        self.assertEqual(self.invoice(failing).state, 'posted')
        # no such account (code 2): the account is invalid, a slip is sent
        method = failing.customer.payment_method
        self.assertEqual(method.state, 'invalid')
        self.assertTrue(Slip.search([('party', '=', failing.customer.id)]))
        # the same result file again: refused, nothing applied twice
        result_file = (folder / 'archive' / result.name)
        (folder / 'inbox' / 'again.txt').write_bytes(result_file.read_bytes())
        with mock.patch.object(pool.get('ir.date'), 'today',
                return_value=DEBIT + dt.timedelta(days=2)):
            Endpoint.poll([endpoint])
        again, = Exchange.search([('name', '=', 'again.txt')])
        self.assertEqual(again.state, 'duplicate')
        # the same records past the checksum: the results and the checks
        # are refused as answered already; nothing changes
        state = self.money_state()
        for applied in (result, check):
            again = apply_again(applied)
            self.assertEqual(again.state, 'failed')
        self.assertIn('applied already', apply_again(result).error)
        self.assertEqual(self.money_state(), state)

    @with_transaction()
    @with_billing_company
    def test_card_charges_and_refresh(self, company):
        "Card charges, a decline, and the monthly refresh"
        pool = Pool()
        Endpoint = pool.get('power.edi.endpoint')
        agents = setup_collections(company)
        agent = agents['card']
        endpoint = self.endpoint(agent)
        good = self.customer(company, 'card', agent, '山田 太郎')
        bad = self.customer(company, 'card', agent, '鈴木 花子')
        self.bill()
        due = self.invoice(good).payment_term_date
        with mock.patch.object(pool.get('ir.date'), 'today',
                return_value=due):
            Endpoint.send_collections([endpoint])
            self.commit_files()
            folder = self.folder / agent.code
            simulator = CardAgent(folder / 'outbox', folder / 'inbox',
                {bad.customer.payment_method.card_token: 'G54'}, today=due)
            simulator.process()
            Endpoint.poll([endpoint])
            self.commit_files()
        # the charge request built again after its results: the same bytes
        Exchange = pool.get('power.edi.exchange')
        request, = Exchange.search([('kind', '=', 'card_request')])
        Exchange.rebuild([request])
        self.assertIn('identical', request.rebuilt)
        # the same results past the checksum: refused, nothing changes
        result, = Exchange.search([('kind', '=', 'card_result')])
        state = self.money_state()
        again = apply_again(result)
        self.assertEqual(again.state, 'failed')
        self.assertIn('applied already', again.error)
        self.assertEqual(self.money_state(), state)
        self.assertEqual(self.invoice(good).state, 'paid')
        self.assertEqual(bad.customer.payment_method.state, 'invalid')
        simulator.refresh('202504', invalid={
                good.customer.payment_method.card_token})
        Endpoint.poll([endpoint])
        self.assertEqual(good.customer.payment_method.state, 'invalid')
        self.assertTrue(good.customer.payment_method.status_note
            .startswith('洗替 G12'))

    def card_results(self, company):
        """Two billed card customers, their charges sent and the agent's
        answer waiting in the inbox: (endpoint, its folder, the answer's
        path, the day it is applied)."""
        pool = Pool()
        Endpoint = pool.get('power.edi.endpoint')
        agent = setup_collections(company)['card']
        endpoint = self.endpoint(agent)
        good = self.customer(company, 'card', agent, '山田 太郎')
        self.customer(company, 'card', agent, '鈴木 花子')
        self.bill()
        due = self.invoice(good).payment_term_date
        with mock.patch.object(pool.get('ir.date'), 'today',
                return_value=due):
            Endpoint.send_collections([endpoint])
        self.commit_files()
        folder = self.folder / agent.code
        name, = [n for n in CardAgent(folder / 'outbox', folder / 'inbox',
                today=due).process() if n.startswith('CARD_RES')]
        return endpoint, folder, folder / 'inbox' / name, due

    def poll_on(self, endpoint, day):
        pool = Pool()
        with mock.patch.object(pool.get('ir.date'), 'today',
                return_value=day):
            pool.get('power.edi.endpoint').poll([endpoint])
        self.commit_files()

    @with_transaction()
    @with_billing_company
    def test_card_file_with_card_numbers_is_kept_masked(self, company):
        "A card answer holding full card numbers: refused, kept masked"
        from trytond.filestore import filestore
        from power_cis_cli.scan import scan_bytes, scan_file, scan_tree
        Exchange = Pool().get('power.edi.exchange')
        endpoint, folder, path, due = self.card_results(company)
        lines = path.read_bytes().decode('utf-8').split('\r\n')
        # the token column of both charges holds a card number, one in
        # full-width digits split by no-break spaces
        first, second = lines[1].split(','), lines[2].split(',')
        first[2] = '4242 4242 4242 4242'
        second[2] = '\u00a0'.join(['４１１１'] + ['１１１１'] * 3)
        lines[1], lines[2] = ','.join(first), ','.join(second)
        path.write_bytes('\r\n'.join(lines).encode('utf-8'))
        self.assertEqual(len(scan_file(path)), 2)
        state = self.money_state()[:4]
        self.poll_on(endpoint, due)
        exchange, = Exchange.search([('name', '=', path.name)])
        self.assertEqual(exchange.state, 'failed')
        self.assertIn(f'{path.name} holds full card numbers (lines 2, 3)',
            exchange.error)
        self.assertEqual(self.money_state()[:4], state)
        # nowhere in full: not in the stored content, the file store, the
        # error folder, nor the inbox
        self.assertEqual(scan_bytes(exchange.content, 'content'), [])
        self.assertIn(b'**** **** **** 4242', exchange.content)
        self.assertEqual(scan_file(filestore._filename(exchange.content_id,
                    Transaction().database.name)), [])
        self.assertIn(path.name, [p.name for p in (folder / 'error').iterdir()])
        self.assertEqual(scan_tree(folder), [])
        self.assertFalse(path.exists())
        # the scan reads these folders: the file store, the error folder
        from power_cis_cli.scan import data_folders
        folders = data_folders(Transaction().database.name,
            Transaction().connection.cursor())
        self.assertIn(folder / 'error', folders)
        self.assertIn(Path(filestore.path) / Transaction().database.name,
            folders)
        # what is kept masked is never applied
        with self.assertRaises(UserError) as raised:
            Exchange.retry([exchange])
        self.assertIn('masked', raised.exception.message)
        self.assertEqual(self.money_state()[:4], state)

    @with_transaction()
    @with_billing_company
    def test_card_result_of_an_unknown_payment_names_file_and_line(self,
            company):
        "A card answer naming a payment we never asked for: file and line"
        Exchange = Pool().get('power.edi.exchange')
        endpoint, folder, path, due = self.card_results(company)
        lines = path.read_bytes().decode('utf-8').split('\r\n')
        second = lines[2].split(',')
        second[0] = '999999'
        lines[2] = ','.join(second)
        path.write_bytes('\r\n'.join(lines).encode('utf-8'))
        state = self.money_state()[:4]
        self.poll_on(endpoint, due)
        exchange, = Exchange.search([('name', '=', path.name)])
        self.assertEqual(exchange.state, 'failed')
        self.assertIn(f'{path.name} line 3: request_id 999999 is no card '
            'charge we asked', exchange.error)
        self.assertEqual(self.money_state()[:4], state)

    @with_transaction()
    @with_billing_company
    def test_konbini_notice(self, company):
        "A store payment of a slip's barcode reconciles its invoice"
        pool = Pool()
        Endpoint = pool.get('power.edi.endpoint')
        agent, endpoint, contract, slip, paid_on = self.konbini_slip(company)
        KonbiniAgent(self.folder / agent.code / 'inbox').notice(
            [slip.barcode], paid_on)
        Endpoint.poll([endpoint])
        self.assertEqual(self.invoice(contract).state, 'paid')
        self.assertEqual((slip.state, slip.paid_on), ('paid', paid_on))

    @with_transaction()
    @with_billing_company
    def test_konbini_payment_notified_again(self, company):
        """The same notice twice is a duplicate; a later notice repeating a
        payment books only what is new (a second payment of the same slip
        at another store is real money and is booked, as a credit)"""
        pool = Pool()
        Endpoint = pool.get('power.edi.endpoint')
        Exchange = pool.get('power.edi.exchange')
        Receipt = pool.get('power.payment.receipt')
        agent, endpoint, contract, slip, paid_on = self.konbini_slip(company)
        inbox = self.folder / agent.code / 'inbox'
        first = KonbiniAgent(inbox).notice([slip.barcode], paid_on)
        data = (inbox / first).read_bytes()
        Endpoint.poll([endpoint])
        self.commit_files()
        # the very same file again, under another name
        (inbox / 'KONBINI_resent.csv').write_bytes(data)
        # the next day's notice repeats the payment (store 000001) and
        # brings a second payment of the same slip at store 000002
        KonbiniAgent(inbox).notice([slip.barcode, slip.barcode], paid_on,
            name='KONBINI_next.csv')
        Endpoint.poll([endpoint])
        self.commit_files()
        resent, = Exchange.search([('name', '=', 'KONBINI_resent.csv')])
        self.assertEqual(resent.state, 'duplicate')
        following, = Exchange.search([('name', '=', 'KONBINI_next.csv')])
        self.assertEqual((following.state, following.records,
                following.applied_records, following.unchanged_records),
            ('applied', 2, 1, 1))
        self.assertIn('(lines 2)', following.message)
        receipts = Receipt.search([('channel', '=', 'konbini')],
            order=[('id', 'ASC')])
        self.assertEqual(len(receipts), 2)
        invoice = self.invoice(contract)
        self.assertEqual(invoice.state, 'paid')
        self.assertEqual(receipts[0].allocated, invoice.total_amount)
        self.assertEqual((receipts[1].allocated, receipts[1].credit),
            (0, slip.amount))
        self.assertEqual(len({r.partner_key for r in receipts}), 2)
        # the same notice past the checksum: every payment booked already
        again = apply_again(following)
        self.assertEqual((again.state, again.applied_records,
                again.unchanged_records), ('applied', 0, 2))
        self.assertEqual(Receipt.search_count([('channel', '=', 'konbini')]),
            2)
        # the database refuses a second receipt of the same payment
        with self.assertRaises(SQLConstraintError):
            Receipt.create([{'company': company.id, 'date': paid_on,
                        'channel': 'konbini', 'amount': 1, 'state': 'review',
                        'outcome': 'unmatched',
                        'partner_key': receipts[0].partner_key}])

    @with_transaction()
    @with_billing_company
    def test_slips_and_dunning_letters_to_print_shop(self, company):
        "Payment slips and dunning letters go to the print shop in batches"
        from power_core.formats import print_shop
        from power_sim.print_shop import PrintShop
        pool = Pool()
        Endpoint = pool.get('power.edi.endpoint')
        Exchange = pool.get('power.edi.exchange')
        Dunning = pool.get('account.dunning')
        agents = setup_collections(company)
        slip_payer = self.customer(company, 'konbini', agents['konbini'],
            '山田 太郎')
        other = self.contract(company, name='鈴木 花子')
        self.usage(other, JAN10, FEB10, '180')
        # she chose electronic notices: her letters come by e-mail
        pool.get('party.party').write([other.customer], {
                'paper_notice': False, 'contact_mechanisms': [('create', [{
                                'type': 'email',
                                'value': 'hanako@example.jp'}])]})
        late = self.customer(company, 'konbini', agents['konbini'],
            '佐藤 一郎')
        self.bill()
        due = self.invoice(late).payment_term_date
        with mock.patch.object(pool.get('ir.date'), 'today',
                return_value=due + dt.timedelta(days=1)):
            Dunning.generate_dunnings(due + dt.timedelta(days=1))
            Dunning.process(Dunning.search([('state', '=', 'draft')]))
        endpoint, = Endpoint.search([('partner', '=', 'print')])
        folder = self.folder / 'print'
        for name in ('inbox', 'outbox', 'archive', 'error_folder'):
            setattr(endpoint, name, str(folder / name))
        endpoint.save()
        with mock.patch('trytond.ir.email_.send_message_transactional') \
                as send:
            Endpoint.send_print([endpoint])
        self.assertEqual(send.call_count, 1)
        self.commit_files()
        slips, = Exchange.search([('kind', '=', 'print_payment_slip')])
        items, pdf = print_shop.read_batch(
            (folder / 'outbox' / slips.name).read_bytes())
        self.assertEqual(sorted(i.name for i in items),
            ['佐藤 一郎', '山田 太郎'])
        self.assertEqual({i.kind for i in items}, {'payment_slip'})
        self.assertTrue(pdf.startswith(b'%PDF'))
        letters, = Exchange.search([('kind', '=', 'print_dunning_letter')])
        items, _ = print_shop.read_batch(
            (folder / 'outbox' / letters.name).read_bytes())
        # every unpaid customer is reminded: the slip payers on paper, the
        # other by e-mail with the letter attached
        self.assertEqual({i.kind for i in items}, {'dunning_letter'})
        self.assertEqual(sorted(i.name for i in items),
            ['佐藤 一郎', '山田 太郎'])
        mailed, = Dunning.search([('letter_email', '!=', None)])
        self.assertEqual(mailed.line.party, other.customer)
        self.assertEqual(mailed.letter_email.recipients, 'hanako@example.jp')
        self.assertIn('督促状', mailed.letter_email.subject)
        del slip_payer
        # built again later from the database: the same bytes (the letters
        # are dated by their batch, not by the day they are rebuilt)
        with mock.patch.object(pool.get('ir.date'), 'today',
                return_value=due + dt.timedelta(days=9)):
            Exchange.rebuild([slips, letters])
        self.assertIn('identical', slips.rebuilt)
        self.assertIn('identical', letters.rebuilt)
        PrintShop(folder / 'outbox', folder / 'inbox').process()
        Endpoint.poll([endpoint])
        self.assertEqual({Exchange(slips.id).state,
                Exchange(letters.id).state}, {'acknowledged'})
        # processed again at the next level, the dunning has a new letter
        with mock.patch.object(pool.get('ir.date'), 'today',
                return_value=due + dt.timedelta(days=20)):
            Dunning.generate_dunnings(due + dt.timedelta(days=20))
            Dunning.process(Dunning.search([('state', '=', 'draft')]))
        with mock.patch('trytond.ir.email_.send_message_transactional') \
                as send:
            Endpoint.send_print([endpoint])
        # her warning goes by e-mail too
        self.assertEqual(send.call_count, 1)
        warnings = Exchange.search([('kind', '=', 'print_dunning_letter')],
            order=[('id', 'DESC')], limit=1)[0]
        items, _ = print_shop.read_batch(
            (folder / 'outbox' / warnings.name).read_bytes()
            if (folder / 'outbox' / warnings.name).exists()
            else warnings.content)
        self.assertEqual({i.kind for i in items}, {'termination_warning'})


    @with_transaction()
    @with_billing_company
    def test_post_contract_documents_to_print_shop(self, company):
        "Each concluded contract's 契約締結後交付書面 is printed once"
        from power_core.formats import print_shop
        pool = Pool()
        Endpoint = pool.get('power.edi.endpoint')
        Exchange = pool.get('power.edi.exchange')
        Document = pool.get('power.explanation.document')
        Document.create([{'code': 'POST1', 'name': '契約締結後交付書面',
                    'kind': 'post', 'version': '2025.1',
                    'valid_from': dt.date(2024, 1, 1),
                    'content': '供給条件は電気需給約款のとおりです。\n'
                    '解約はお客さまセンターで承ります。'}])
        first = self.contract(company, name='山田 太郎')
        second = self.contract(company, name='鈴木 花子')
        endpoint, = Endpoint.search([('partner', '=', 'print')])
        folder = self.folder / 'print'
        for name in ('inbox', 'outbox', 'archive', 'error_folder'):
            setattr(endpoint, name, str(folder / name))
        endpoint.save()
        Endpoint.send_print([endpoint])
        self.commit_files()
        batch, = Exchange.search([('kind', '=', 'print_conclusion_notice')])
        items, pdf = print_shop.read_batch(
            (folder / 'outbox' / batch.name).read_bytes())
        self.assertEqual([(i.kind, i.name) for i in items],
            [('conclusion_notice', '山田 太郎'),
                ('conclusion_notice', '鈴木 花子')])
        self.assertEqual((first.conclusion_exchange,
                second.conclusion_exchange), (batch, batch))
        # built again the next month: the same bytes, until the document's
        # text changes
        with mock.patch.object(pool.get('ir.date'), 'today',
                return_value=dt.date.today() + dt.timedelta(days=31)):
            Exchange.rebuild([batch])
        self.assertIn('identical', batch.rebuilt)
        post, = Document.search([('code', '=', 'POST1')])
        post.content = '供給条件は電気需給約款のとおりです。'
        post.save()
        Exchange.rebuild([batch])
        self.assertIn('documents.pdf differs', batch.rebuilt)
        Endpoint.send_print([endpoint])
        self.assertEqual(len(Exchange.search(
                    [('kind', '=', 'print_conclusion_notice')])), 1)


class PointProgrammeTestCase(BillingHelpers, unittest.TestCase):
    "The point programme's files"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_edi')

    @classmethod
    def tearDownClass(cls):
        # the scenario doctests run next in this process and restore their
        # own database (PostgreSQL refuses to create it over this one)
        drop_db()
        super().tearDownClass()

    @with_transaction()
    @with_billing_company
    def test_members_and_grants(self, company):
        "Member IDs verified, paid bills granted points, bad IDs refused"
        from power_sim.points import PointProgramme
        pool = Pool()
        Endpoint = pool.get('power.edi.endpoint')
        Exchange = pool.get('power.edi.exchange')
        Party = pool.get('party.party')
        Receipt = pool.get('power.payment.receipt')
        Grant = pool.get('power.point.grant')
        agents = setup_collections(company)
        folder = Path(tempfile.mkdtemp(prefix='power-points-'))
        endpoint, = Endpoint.search([('code', '=', 'points')])
        for name in ('inbox', 'outbox', 'archive', 'error_folder'):
            setattr(endpoint, name, str(folder / name))
        endpoint.save()
        member = self.contract(company, name='山田 太郎')
        other = self.contract(company, name='鈴木 花子')
        with self.assertRaises(Exception):
            Party.write([member.customer], {'point_member_id': '12ab'})
        Party.write([member.customer], {'point_member_id': '１２３４５６７８'})
        self.assertEqual((member.customer.point_member_id,
                member.customer.point_member_state),
            ('12345678', 'unverified'))
        Party.write([other.customer], {'point_member_id': '99999999'})
        for contract in (member, other):
            self.usage(contract, JAN10, FEB10, '259.6')
        self.bill()
        for contract in (member, other):
            invoice, = [d.invoice for d in self.determinants(contract)]
            Receipt.book('transfer', agents['bank'],
                invoice.payment_term_date, [{'party': contract.customer,
                        'amount': int(invoice.total_amount)}])
        simulator = PointProgramme(folder / 'outbox', folder / 'inbox',
            unknown={'99999999'})
        Endpoint.send_points([endpoint])
        self.commit_files()
        simulator.process()
        Endpoint.poll([endpoint])
        self.assertEqual(member.customer.point_member_state, 'valid')
        self.assertEqual(other.customer.point_member_state, 'invalid')
        # the member check built again after its answer (which changed the
        # states that chose its members): the same bytes, until an ID changes
        check, = Exchange.search([('kind', '=', 'point_member_check')])
        Exchange.rebuild([check])
        self.assertIn('identical', check.rebuilt)
        # grants go to valid members only
        Endpoint.send_points([endpoint])
        self.commit_files()
        grant, = Grant.search([])
        self.assertEqual((grant.party, grant.points, grant.state),
            (member.customer, int(grant.amount) // 200, 'requested'))
        simulator.process()
        Endpoint.poll([endpoint])
        self.assertEqual(Grant(grant.id).state, 'granted')
        # the grant file built again from the database, after its answer
        sent, = Exchange.search([('kind', '=', 'point_grant')])
        Exchange.rebuild([sent])
        self.assertIn('identical', sent.rebuilt)
        # an inbound file cannot be built again
        answer, = Exchange.search([('kind', '=', 'point_grant_result')])
        with self.assertRaises(UserError):
            Exchange.rebuild([answer])
        # the same answers past the checksum: refused, the grant unchanged
        again = apply_again(answer)
        self.assertEqual(again.state, 'failed')
        self.assertIn('answered already', again.error)
        self.assertEqual(Grant(grant.id).state, 'granted')
        # nothing more to grant
        Endpoint.send_points([endpoint])
        self.assertEqual(len(Exchange.search([('kind', '=', 'point_grant')])),
            1)
        # a member ID corrected since the check: its line differs
        Party.write([other.customer], {'point_member_id': '99999998'})
        Exchange.rebuild([check])
        self.assertIn('line 3 differs', Exchange(check.id).rebuilt)

    def commit_files(self):
        Transaction().join(FileMoves()).tpc_finish(Transaction())
