# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""One payer, many sites (一括請求, docs/billing.md): each site billed on
its own, due on the payer's day, listed on one monthly statement archived
as issued; one transfer pays the statement, no slip per site, one dunning
letter for the statement's whole amount."""
import datetime as dt
import io
from unittest import mock

from trytond.model.exceptions import AccessError, DomainValidationError
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import (
    FEB10, JAN10, BillingTestCase, setup_collections,
    with_billing_company)

FEBRUARY, MARCH1 = dt.date(2025, 2, 1), dt.date(2025, 3, 1)
DUE = dt.date(2025, 3, 31)          # 翌月末 of February


def today(date):
    return mock.patch.object(Pool().get('ir.date'), 'today',
        return_value=date)


def pdf_text(data):
    import pypdf
    return ''.join(page.extract_text()
        for page in pypdf.PdfReader(io.BytesIO(data)).pages)


class PayerTestCase(BillingTestCase):
    "One bill for many sites"
    # the next class (collections) takes this database on; restored from
    # the test cache instead, on SQLite its billing company was found twice
    _drop_db = False

    def sites(self, company, count=3, **payer_values):
        """A corporate customer with count sites (従量電灯B, the third one
        低圧電力) on one payer account, January used and billed:
        (payer, contracts)."""
        pool = Pool()
        Party = pool.get('party.party')
        Payer = pool.get('power.billing.payer')
        Contract = pool.get('power.contract')
        customer, = Party.create([{'name': '株式会社さくら商事',
                    'addresses': [('create', [{'postal_code': '100-0005',
                                    'street': '丸の内2-2-2'}])]}])
        contracts = []
        for n in range(count):
            teiatsu = n % 3 == 2
            contracts.append(self.contract(company, customer=customer,
                    menu='tepco-teiatsu' if teiatsu else 'tepco-juryo-b',
                    capacity=6 if teiatsu else 30 + 10 * (n % 3)))
        payer, = Payer.create([{'name': '本社一括', 'party': customer.id,
                    'start_month': FEBRUARY, **payer_values}])
        Contract.write(contracts, {'payer': payer.id})
        for n, contract in enumerate(contracts):
            self.usage(contract, JAN10, FEB10, 200 + 50 * n)
        self.bill()
        return payer, contracts

    @with_transaction()
    @with_billing_company
    def test_statement_lists_the_site_bills(self, company):
        "Each site billed on its own, all due on the payer's day, one statement"
        pool = Pool()
        Statement = pool.get('power.billing.statement')
        Document = pool.get('power.billing.document')
        payer, contracts = self.sites(company)
        determinants = [d for c in contracts for d in self.determinants(c)]
        self.assertEqual(len(determinants), 3)
        for d in determinants:
            # each site's bill keeps its own tax, due on the statement's day
            self.assertEqual(d.invoice.state, 'posted')
            self.assertEqual((d.due_date, d.invoice.payment_term_date),
                (DUE, DUE))
            self.assertEqual({l.maturity_date
                    for l in d.invoice.lines_to_pay}, {DUE})
        self.assertEqual(payer.site_count, 3)
        statement, = Statement.consolidate([payer], FEBRUARY, date=MARCH1)
        self.assertEqual((statement.number, statement.month,
                statement.due_date, statement.site_count),
            (f'ST202502-{payer.id:06d}', FEBRUARY, DUE, 3))
        self.assertEqual(statement.total,
            sum(int(d.invoice.total_amount) for d in determinants))
        self.assertEqual(statement.tax,
            sum(int(d.invoice.tax_amount) for d in determinants))
        self.assertEqual(statement.kwh, sum(d.kwh for d in determinants))
        self.assertEqual(sorted(l.invoice for l in statement.lines),
            sorted(d.invoice for d in determinants))
        with today(MARCH1):
            statement = Statement(statement.id)
            self.assertEqual((statement.amount_due,
                    statement.payment_status), (statement.total, 'unpaid'))
        with today(DUE + dt.timedelta(days=1)):
            self.assertEqual(Statement(statement.id).payment_status,
                'overdue')
        # archived as issued, once
        document, = Document.search([('statement', '=', statement.id)])
        self.assertEqual((document.kind, document.number, document.amount,
                document.party), ('statement', statement.number,
                statement.total, payer.party))
        text = pdf_text(document.data)
        self.assertIn('電気料金一括ご請求書（2025年2月分）', text)
        for d in determinants:
            self.assertIn(d.invoice.number, text)
        self.assertIn(f'{statement.total:,}', text)
        # the month is made once; nothing new, no second statement
        self.assertEqual(
            Statement.consolidate([payer], FEBRUARY, date=MARCH1), [])
        self.assertEqual(
            Statement.consolidate([payer], MARCH1, date=MARCH1), [])
        # the staff print is the archived file
        Report = pool.get('power.billing.statement.report', type='report')
        extension, data, _, name = Report.execute([statement.id], {})
        self.assertEqual((extension, data, name),
            ('pdf', document.data, statement.number))

    @with_transaction()
    @with_billing_company
    def test_scheduled_statements_and_late_bills(self, company):
        """The daily job makes each closed month's statement once; a bill
        posted late for a month goes on the next statement"""
        pool = Pool()
        Payer = pool.get('power.billing.payer')
        Statement = pool.get('power.billing.statement')
        payer, contracts = self.sites(company, count=2)
        with today(dt.date(2025, 2, 20)):
            Payer.cron_consolidate()
        self.assertEqual(Statement.search([]), [])
        with today(dt.date(2025, 3, 2)):
            Payer.cron_consolidate()
            Payer.cron_consolidate()
        february, = Statement.search([])
        self.assertEqual(len(february.lines), 2)
        # a site joins late: its February bill goes on March's statement
        late = self.contract(company, customer=payer.party)
        late.payer = payer
        late.save()
        self.usage(late, JAN10, FEB10, 180)
        self.bill()
        with today(dt.date(2025, 4, 1)):
            Payer.cron_consolidate()
        march, = Statement.search([('month', '=', MARCH1)])
        line, = march.lines
        self.assertEqual(line.contract, late)
        self.assertEqual(march.due_date, dt.date(2025, 4, 30))
        # the late bill now falls due with March's statement
        self.assertEqual(line.invoice.payment_term_date,
            dt.date(2025, 4, 30))

    @with_transaction()
    @with_billing_company
    def test_transfer_naming_the_statement(self, company):
        "A transfer quoting the statement number pays its bills, oldest first"
        pool = Pool()
        Statement = pool.get('power.billing.statement')
        Receipt = pool.get('power.payment.receipt')
        agents = setup_collections(company)
        payer, contracts = self.sites(company)
        statement, = Statement.consolidate([payer], FEBRUARY, date=MARCH1)
        first = statement.lines[0].invoice
        receipt, = Receipt.book('transfer', agents['bank'], MARCH1, [{
                    'party': payer.party, 'amount': int(first.total_amount),
                    'reference': statement.number}])
        self.assertEqual(receipt.outcome, 'partial')
        with today(MARCH1):
            statement = Statement(statement.id)
            self.assertEqual(statement.payment_status, 'partial')
        self.assertEqual(statement.amount_due,
            statement.total - int(first.total_amount))
        rest = statement.amount_due
        receipt, = Receipt.book('transfer', agents['bank'], MARCH1, [{
                    'party': payer.party, 'amount': rest + 100,
                    'reference': statement.number}])
        self.assertEqual((receipt.outcome, receipt.credit),
            ('overpaid', 100))
        statement = Statement(statement.id)
        self.assertEqual((statement.amount_due, statement.payment_status),
            (0, 'paid'))
        self.assertEqual({l.invoice.state for l in statement.lines},
            {'paid'})

    @with_transaction()
    @with_billing_company
    def test_no_slip_per_site_and_one_debit(self, company):
        """Sites of a payer paying by slip get no slip each; a payer paying
        by direct debit is debited once for the day"""
        pool = Pool()
        Method = pool.get('power.payment.method')
        Slip = pool.get('power.payment.slip')
        Group = pool.get('account.payment.group')
        agents = setup_collections(company)
        payer, contracts = self.sites(company)
        self.assertEqual(Slip.search([]), [])
        Slip.issue([d.invoice for c in contracts
                for d in self.determinants(c)])
        self.assertEqual(Slip.search([]), [])
        agent = agents['bank']
        Method.create([dict(party=payer.party.id, kind='bank',
                    start_date=dt.date(2024, 6, 1), agent=agent.id,
                    bank=agent.bank.id, bank_branch=agent.bank_branch.id,
                    account_type='1', account_number='1234567',
                    account_holder='ｻｸﾗｼﾖｳｼﾞ')])
        # the last debit day (5, 15, 25) before the 31st
        group = Group.prepare(agent, dt.date(2025, 3, 25))
        self.assertEqual(len(group.payments), 3)
        self.assertEqual({p.party for p in group.payments}, {payer.party})
        self.assertEqual({p.date for p in group.payments},
            {dt.date(2025, 3, 25)})
        # the statement says how it is paid
        Statement = pool.get('power.billing.statement')
        Document = pool.get('power.billing.document')
        statement, = Statement.consolidate([payer], FEBRUARY, date=MARCH1)
        document, = Document.search([('statement', '=', statement.id)])
        self.assertIn('口座振替（サンプル銀行 本店', pdf_text(document.data))

    @with_transaction()
    @with_billing_company
    def test_one_dunning_letter_for_the_statement(self, company):
        "The statement's overdue bills get one letter for its whole amount"
        pool = Pool()
        Statement = pool.get('power.billing.statement')
        Dunning = pool.get('account.dunning')
        from ..letters import dunning_letters
        setup_collections(company)
        payer, contracts = self.sites(company)
        statement, = Statement.consolidate([payer], FEBRUARY, date=MARCH1)
        day = DUE + dt.timedelta(days=1)
        with today(day):
            Dunning.generate_dunnings(day)
            Dunning.process(Dunning.search([('state', '=', 'draft')]))
        dunnings = Dunning.search([])
        self.assertEqual(len(dunnings), 3)
        self.assertEqual({d.statement for d in dunnings}, {statement})
        self.assertEqual({d.amount_due for d in dunnings}, {statement.total})
        letter, = dunning_letters(dunnings, day)
        rows = dict(letter.rows)
        self.assertEqual(rows['ご請求書番号'], f'{statement.number}（一括請求）')
        self.assertEqual(rows['対象地点数'], '3地点')
        self.assertEqual(letter.amount, statement.total)
        # e-mailed once, every dunning of the statement marked with it
        party = payer.party
        party.paper_notice = False
        party.email = 'keiri@sakura.example'
        party.save()
        with mock.patch('trytond.ir.email_.send_message_transactional') \
                as send:
            mailed = Dunning.mail_letters(Dunning.search([]))
            self.assertEqual(len(mailed), 3)
            self.assertEqual(len({d.letter_email for d in mailed}), 1)
            self.assertEqual(Dunning.mail_letters(Dunning.search([])), [])
        self.assertEqual(send.call_count, 1)

    @with_transaction()
    @with_billing_company
    def test_refused_set_ups(self, company):
        """A site of another customer, a due day past the 28th and a first
        month not on the 1st are refused; statements are written by nobody"""
        pool = Pool()
        Payer = pool.get('power.billing.payer')
        Contract = pool.get('power.contract')
        Statement = pool.get('power.billing.statement')
        payer, contracts = self.sites(company, count=1)
        statement, = Statement.consolidate([payer], FEBRUARY, date=MARCH1)
        stranger = self.contract(company, name='他社 次郎')
        with self.assertRaises(DomainValidationError):
            Contract.write([stranger], {'payer': payer.id})
        for values in [{'due_day': 31}, {'due_months': 0},
                {'start_month': dt.date(2025, 2, 3)}]:
            with self.assertRaises(ValidationError, msg=values):
                Payer.write([payer], values)
        with Transaction().set_context(_check_access=True):
            for action in [
                    lambda: Statement.write([statement], {'total': 1}),
                    lambda: Statement.delete([statement]),
                    lambda: Statement.create([{'payer': payer.id}])]:
                with self.assertRaises(AccessError):
                    action()
