# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The billing run from confirmed usage to posted invoices; figures by hand
from docs/domain.md §1 (see tests/core/test_billing.py)."""
import datetime as dt
import unittest
from decimal import Decimal as D

from power_core.usage import DayProfile

from trytond.modules.power_cis.tests.tools import create_supply_point
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..invoicing import InvoiceData, InvoiceLine, post_invoices
from .tools import BILL_DAY, FEB10, JAN10, BillingHelpers, with_billing_company



class BillingRunTestCase(BillingHelpers, unittest.TestCase):
    "The billing run (調定)"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_billing')

    @with_transaction()
    @with_billing_company
    def test_demand_menu_takes_the_peak_of_the_previous_months(self, company):
        """実量制 in the billing run: January's contract demand is the 250 kW
        peak of November, not January's own 180 kW (the run passed no
        demand history to the rating)"""
        contract = self.contract(company, capacity=250,
            menu='high-demand-demo')
        nov, dec, jan, feb = (dt.date(2024, 11, 1), dt.date(2024, 12, 1),
            dt.date(2025, 1, 1), dt.date(2025, 2, 1))
        # the menu takes high-voltage fuel adjustments, of the month used
        # when the point is metered on the 1st, else of the reading month
        for month in (nov, dec, jan, feb):
            self.fuel(month, '-1.00', voltage='high', menu_type='free')
        self.usage(contract, nov, dec, 40000, max_demand=D(250),
            power_factor=D(100))
        self.bill()
        self.usage(contract, jan, feb, 30000, max_demand=D(180),
            power_factor=D(100))
        self.bill()
        determinants = sorted(self.determinants(contract),
            key=lambda d: d.start)
        january = determinants[-1]
        self.assertEqual(january.start, jan)
        basic, = [l for l in january.lines if l.code == 'basic']
        # 1,826.00 yen × 250 kW × (185 − 100) / 100
        self.assertEqual(basic.amount, D('1826.00') * 250 * D('0.85'))

    @with_transaction()
    @with_billing_company
    def test_accounts_come_from_the_configuration(self, company):
        """The chart made from the retailer template fills the accounts of
        the power configuration; an account not set stops with its name"""
        from trytond.exceptions import UserError
        Configuration = Pool().get('power.configuration')
        configuration = Configuration(1)
        accounts = configuration.accounts(company, 'account_sales',
            'account_surcharge', 'account_adjustment', 'account_interest',
            'account_collection', 'account_suspense', 'account_refund')
        self.assertEqual({n: a.code for n, a in accounts.items()}, {
                'account_sales': '4110', 'account_surcharge': '4120',
                'account_adjustment': '4130', 'account_interest': '4910',
                'account_collection': '1120', 'account_suspense': '2320',
                'account_refund': '2110'})
        configuration.set_multivalue('account_sales', None,
            company=company.id)
        with self.assertRaisesRegex(UserError, 'Sales Account'):
            Configuration(1).accounts(company, 'account_sales')

    @with_transaction()
    @with_billing_company
    def test_point_metered_on_the_first_is_charged_for_the_month_used(
            self, company):
        """A high-voltage point metered on the 1st: September's usage is
        the September charges, with the high-voltage fuel adjustment of
        2025-09 (the run took the unpublished 2025-10 of the reading day)"""
        pool = Pool()
        BatchRun = pool.get('power.batch.run')
        contract = self.contract(company, capacity=250,
            menu='high-demand-demo', start=dt.date(2024, 4, 1))
        point = contract.supply_point
        point.reading_schedule = None
        point.save()
        self.usage(contract, dt.date(2025, 9, 1), dt.date(2025, 10, 1),
            50000, max_demand=D(240), power_factor=D(100))
        run = BatchRun.run_billing(dt.date(2025, 10, 3))
        self.assertEqual(run.state, 'done',
            run.errors and run.errors[0].message)
        determinant, = self.determinants(contract)
        self.assertEqual(determinant.charge_month, dt.date(2025, 9, 1))
        prices = {l.code: l.unit_price for l in determinant.lines}
        self.assertEqual(prices['fuel'], D('-1.48'))
        self.assertEqual(prices['subsidy'], D('-1.00'))

    @with_transaction()
    @with_billing_company
    def test_market_linked_menu_from_imported_jepx_prices(self, company):
        """A market-linked contract is billed half hour by half hour at the
        JEPX prices imported like any published value; a contract without
        its 30-minute data is set aside, not guessed"""
        from power_core.tariff.market import MarketPrices, write_jepx
        pool = Pool()
        BatchRun = pool.get('power.batch.run')
        Import = pool.get('power.regulated.import')
        Interval = pool.get('power.usage.interval')
        sep1, sep2, sep3 = (dt.date(2025, 9, 1), dt.date(2025, 9, 2),
            dt.date(2025, 9, 3))
        market = MarketPrices()
        market.add('03', sep1, [D('10.00')] * 48, 'test')
        market.add('03', sep2, [D('12.00')] * 36 + [D('100.00')]
            + [D('12.00')] * 11, 'test')
        jepx, = Import.create([{'name': 'spot_summary_2025.csv',
                    'file': write_jepx(market, [sep1, sep2]).encode(
                        'cp932')}])
        Import.review([jepx])
        self.assertEqual((jepx.table, jepx.new), ('market', 2))
        Import.activate([jepx])
        metered = self.contract(company, menu='market-demo')
        unmetered = self.contract(company, menu='market-demo',
            name='佐藤 花子')
        Interval.receive([(metered.supply_point.id,
                    DayProfile.from_kwh(day, [D('0.5')] * 48))
                for day in (sep1, sep2)], 'test')
        self.usage(metered, sep1, sep3, 48)
        self.usage(unmetered, sep1, sep3, 48)
        run = BatchRun.run_billing(dt.date(2025, 9, 5))
        self.assertEqual((run.processed, run.failed), (1, 1))
        error, = run.errors
        self.assertEqual(error.record, unmetered)
        self.assertIn('96 of the 96 half hours', error.message)
        determinant, = self.determinants(metered)
        amounts = {l.code: l.amount for l in determinant.lines}
        # 6.1 % losses, 3.00 margin, 10 % tax, 0.5 kWh a half hour:
        # 24 × (10 ÷ 0.939 + 3) × 1.1 = 360.3501…
        # 23.5 × (12 ÷ 0.939 + 3) × 1.1 = 407.9014…
        # 0.5 × (100 ÷ 0.939 + 3) × 1.1 = 60.2229… → 828.47
        self.assertEqual(amounts['energy'], D('828.47'))
        # 2 days of September's 30: basic 935.25 × 2/30 = 62.35; subsidy
        # 48 × 2.00 (2025-09 usage); 62.35 + 828.47 − 96.00 = 794.82 → 794;
        # surcharge floor(48 × 3.98) = 191
        self.assertEqual(amounts['basic'], D('62.35'))
        self.assertEqual(determinant.total, 794 + 191)

    @with_transaction()
    @with_billing_company
    def test_golden_vectors_through_the_run(self, company):
        """The golden vectors billed by the billing run from the database's
        regulated values (those rated with the data pack's values, whole
        periods of area 03): the same totals as the hand arithmetic"""
        import json
        from pathlib import Path
        pool = Pool()
        BatchRun = pool.get('power.batch.run')
        vectors = [v for v in json.loads((Path(__file__).parents[3]
                    / 'tests' / 'core' / 'golden' / 'tariff_vectors.json'
                    ).read_text()) if v['area'] == '03' and not any(
                k in v for k in ['fuel_adjustment', 'subsidy', 'terms',
                    'market_price', 'renewable_surcharge'])]
        self.assertGreaterEqual(len(vectors), 30)
        contracts = []
        for vector in vectors:
            contract = self.contract(company, menu=vector['menu'],
                capacity=int(vector['capacity']), name=vector['name'])
            self.usage(contract,
                dt.date.fromisoformat(vector['period_start']),
                dt.date.fromisoformat(vector['period_end']), vector['kwh'])
            contracts.append(contract)
        run = BatchRun.run_billing(dt.date(2025, 9, 21))
        self.assertEqual((run.processed, run.failed), (len(vectors), 0),
            run.errors and run.errors[0].message)
        for vector, contract in zip(vectors, contracts):
            determinant, = self.determinants(contract)
            self.assertEqual(determinant.total, vector['expected_total'],
                vector['name'])

    @with_transaction()
    @with_billing_company
    def test_queued_chunk_leaves_its_numbering_to_its_task(self, company):
        """A chunk of the task queue posts its invoices unnumbered and hands
        their numbering and its counts to the numbering task, by value; a
        contract set aside leaves nothing to number"""
        pool = Pool()
        BatchRun = pool.get('power.batch.run')
        from ..invoicing import Numbering
        good = self.contract(company)
        self.usage(good, JAN10, FEB10, '259.6')
        bad = self.contract(company)
        self.usage(bad, JAN10, FEB10, '100')
        bad.supply_point.area = None   # an unknown area: set aside
        bad.supply_point.save()
        run = BatchRun.start("queued chunk")
        numbering = Numbering()
        counts = BatchRun.bill_chunk([run], [good.id, bad.id], BILL_DAY,
            numbering)
        self.assertEqual(counts, (1, 1))
        # not counted on the run yet, and the invoice has no number
        self.assertEqual((run.processed or 0, run.failed or 0), (0, 0))
        determinant, = self.determinants(good)
        self.assertFalse(self.determinants(bad))
        self.assertIsNone(determinant.invoice.number)
        self.assertEqual([g[2] for g in numbering.groups],
            [[determinant.invoice.id]])
        BatchRun.number_chunk([run], numbering.groups, *counts)
        # (the numbers are written in SQL: searched, not read from a cache)
        Invoice = pool.get('account.invoice')
        self.assertEqual(Invoice.search([('number', 'like', 'INV%')]),
            [determinant.invoice])
        counted, = BatchRun.read([run.id], ['processed', 'failed'])
        self.assertEqual((counted['processed'], counted['failed']), (1, 1))

    @with_transaction()
    @with_billing_company
    def test_normal_month_posts_an_invoice(self, company):
        "A normal month: determinant, posted invoice, balanced move"
        contract = self.contract(company)
        self.usage(contract, JAN10, FEB10, '259.6')
        run = self.bill()

        self.assertEqual((run.state, run.total, run.processed, run.failed),
            ('done', 1, 1, 0))
        determinant, = self.determinants(contract)
        # 259.6 → 260 kWh: 8174 yen as in tests/core/test_rating.py
        # (tepco_b_normal_month), tax 8174 × 10 / 110 = 743.09 → 743
        self.assertEqual((determinant.kwh, determinant.total,
                determinant.tax), (D(260), 8174, 743))
        self.assertEqual(determinant.due_date, dt.date(2025, 3, 12))
        self.assertEqual(sum(l.untaxed for l in determinant.lines), 8174 - 743)
        invoice = determinant.invoice
        self.assertEqual((invoice.state, invoice.type, invoice.total_amount,
                invoice.tax_amount, invoice.untaxed_amount),
            ('posted', 'out', D(8174), D(743), D(7431)))
        self.assertEqual(invoice.number, 'INV2024-000001')
        self.assertEqual(invoice.invoice_date, BILL_DAY)
        self.assertEqual(invoice.amount_to_pay, D(8174))
        line_to_pay, = invoice.lines_to_pay
        self.assertEqual((line_to_pay.debit, line_to_pay.maturity_date,
                line_to_pay.party), (D(8174), dt.date(2025, 3, 12),
                contract.customer))
        move = invoice.move
        self.assertEqual(move.state, 'posted')
        self.assertEqual(sum(l.debit - l.credit for l in move.lines), 0)
        self.assertEqual(len(invoice.lines), len(determinant.lines))
        self.assertEqual({l.origin for l in invoice.lines}, {determinant})
        usage, = determinant.usages
        self.assertEqual(usage.determinant, determinant)
        self.assertEqual(determinant.menu.code, 'tepco-juryo-b')
        self.assertIn('2024-04-01', determinant.detail)

    @with_transaction()
    @with_billing_company
    def test_rerun_bills_nothing_twice(self, company):
        "Running again the same day bills nothing twice"
        contract = self.contract(company)
        self.usage(contract, JAN10, FEB10, 260)
        self.bill()
        second = self.bill()
        self.assertEqual((second.total, second.state), (0, 'done'))
        self.assertEqual(len(self.determinants(contract)), 1)
        # the same usage arriving again changes nothing either
        records, corrections = self.usage(contract, JAN10, FEB10, 260)
        self.assertEqual((records, corrections), ([], []))
        self.assertEqual(self.bill().total, 0)

    @with_transaction()
    @with_billing_company
    def test_one_failing_contract_does_not_stop_the_run(self, company):
        "A contract that fails is set aside with its reason"
        good = self.contract(company)
        gap = self.contract(company, name='佐藤 花子')
        # the meter was replaced but the old meter's part is missing
        self.usage(good, JAN10, FEB10, 260)
        self.usage(gap, dt.date(2025, 1, 20), FEB10, 170, kind='reading')
        self.usage(gap, dt.date(2024, 12, 10), JAN10, 300, kind='meter_change')
        run = self.bill()
        self.assertEqual((run.state, run.processed, run.failed),
            ('partial', 1, 1))
        error, = run.errors
        self.assertEqual(error.record, gap)
        self.assertIn('No confirmed usage from 2025-01-10 to 2025-01-20',
            error.message)
        self.assertEqual(len(self.determinants(good)), 1)
        self.assertEqual(self.determinants(gap), [])

    @with_transaction()
    @with_billing_company
    def test_meter_replacement_is_one_period(self, company):
        "A meter replacement splits the usage, not the bill"
        contract = self.contract(company)
        self.usage(contract, JAN10, dt.date(2025, 1, 20), 80,
            kind='meter_change', meter_number='OLD')
        self.usage(contract, dt.date(2025, 1, 20), FEB10, 180,
            meter_number='NEW')
        self.bill()
        determinant, = self.determinants(contract)
        self.assertEqual((determinant.start, determinant.kwh,
                determinant.total), (JAN10, D(260), 8174))
        self.assertEqual(len(determinant.usages), 2)

    @with_transaction()
    @with_billing_company
    def test_move_in_is_prorated_and_zero_usage_halved(self, company):
        "A pro-rated move-in and a month without usage"
        moved_in = self.contract(company, start=dt.date(2025, 1, 25))
        empty = self.contract(company, name='空家')
        self.usage(moved_in, dt.date(2025, 1, 25), FEB10, 100)
        self.usage(empty, JAN10, FEB10, 0)
        self.bill()
        determinant, = self.determinants(moved_in)
        basic, = [l for l in determinant.lines if l.code == 'basic']
        self.assertEqual(basic.amount, D('482.70'))  # 935.25 × 16 / 31
        zero, = self.determinants(empty)
        self.assertEqual((zero.total, zero.tax), (467, 42))  # 935.25 / 2
        self.assertEqual(zero.invoice.total_amount, D(467))

    @with_transaction()
    @with_billing_company
    def test_period_across_a_menu_version(self, company):
        "A period crossing a menu version is split and pro-rated"
        pool = Pool()
        Fuel = pool.get('power.regulated.fuel')
        GridArea = pool.get('power.grid_area')
        contract = self.contract(company, start=dt.date(2023, 1, 1))
        area, = GridArea.search([('code', '=', '03')])
        Fuel.create([{'area': area.id, 'menu_type': 'regulated',
                    'charge_month': dt.date(2024, 4, 1), 'price': D('-1.00'),
                    'source': 'test'}])
        self.usage(contract, dt.date(2024, 3, 10), dt.date(2024, 4, 10), 300)
        BatchRun = pool.get('power.batch.run')
        run = BatchRun.run_billing(dt.date(2024, 4, 12))
        self.assertEqual(run.state, 'done', run.errors and run.errors[0].message)
        determinant, = self.determinants(contract)
        labels = [l.label for l in determinant.lines if l.code == 'basic']
        self.assertEqual(len(labels), 2)
        self.assertIn('2023-06-01', determinant.detail)
        self.assertIn('2024-04-01', determinant.detail)

    @with_transaction()
    @with_billing_company
    def test_terms_changed_inside_the_period(self, company):
        "An ampere change inside the period: two pro-rated parts"
        contract = self.contract(company)
        contract.change(dt.date(2025, 1, 25), 'ampere_change', capacity=D(40))
        self.usage(contract, JAN10, FEB10, 300)
        self.bill()
        determinant, = self.determinants(contract)
        self.assertEqual(determinant.total, 4548 + 5021)
        self.assertEqual(determinant.contract_version.capacity, D(40))


    def configure(self, **values):
        Configuration = Pool().get('power.configuration')
        configuration = Configuration(1)
        for name, value in values.items():
            setattr(configuration, name, value)
        configuration.save()

    @with_transaction()
    @with_billing_company
    def test_correction_cancel_and_rebill(self, company):
        "A correction after billing: credit note and a new invoice (全取消)"
        self.configure(correction_policy='rebill')
        contract = self.contract(company)
        self.usage(contract, JAN10, FEB10, 260)
        self.bill()
        old, = self.determinants(contract)
        records, corrections = self.usage(contract, JAN10, FEB10, 300)
        self.assertEqual(len(corrections), 1)
        old, new = sorted(self.determinants(contract), key=lambda d: d.revision)
        self.assertEqual((old.state, new.state, new.revision, new.corrects),
            ('cancelled', 'billed', 1, old))
        # the credit note cancels the old invoice exactly; it is paid
        self.assertEqual(old.credit_note.total_amount, -old.invoice.total_amount)
        self.assertEqual(old.invoice.state, 'paid')
        self.assertEqual(new.kwh, D(300))
        self.assertEqual(new.invoice.total_amount, D(new.total))
        # numbers stay gapless: the set-wise writer and stock posting share
        # the sequences in one transaction
        # the correction is billed today: the credit note (a negative
        # invoice, its subsidy line being positive) then the new invoice
        self.assertEqual((old.invoice.number, old.credit_note.number,
                new.invoice.number),
            ('INV2024-000001', 'INV2026-000001', 'INV2026-000002'))
        # move numbers run per fiscal year: FY2026 has the credit note's
        # and then the new invoice's
        self.assertEqual((old.credit_note.move.number,
                new.invoice.move.number), ('1', '2'))
        self.assertEqual(new.usages[0].kwh, D(300))
        self.assertEqual(old.usages[0].state, 'superseded')
        # nothing more is due
        self.assertEqual(self.bill().total, 0)

    @with_transaction()
    @with_billing_company
    def test_correction_adjusted_on_the_next_bill(self, company):
        "A correction carried to the next invoice (調整取消)"
        self.configure(correction_policy='adjust')
        contract = self.contract(company)
        self.usage(contract, JAN10, FEB10, 260)
        self.bill()
        self.usage(contract, JAN10, FEB10, 250)
        old, new = sorted(self.determinants(contract), key=lambda d: d.revision)
        self.assertEqual((old.state, new.state, new.invoice),
            ('adjusted', 'billed', None))
        Adjustment = Pool().get('power.billing.adjustment')
        adjustment, = Adjustment.search([])
        self.assertEqual(adjustment.amount, new.total - old.total)
        self.assertLess(adjustment.amount, 0)
        self.assertEqual(adjustment.state, 'pending')
        # the next month's invoice carries it
        self.fuel(dt.date(2025, 3, 1), '-6.20')
        self.usage(contract, FEB10, dt.date(2025, 3, 11), 200)
        BatchRun = Pool().get('power.batch.run')
        BatchRun.run_billing(dt.date(2025, 3, 13))
        march, = [d for d in self.determinants(contract) if d.start == FEB10]
        adjustment = Adjustment(adjustment.id)
        self.assertEqual((adjustment.state, adjustment.applied_in),
            ('applied', march))
        self.assertEqual(march.invoice.total_amount,
            D(march.total + adjustment.amount))
        self.assertIn('訂正による調整',
            [l.description for l in march.invoice.lines][-1])
        # the notice of March: the correction among its lines, and the
        # corrected kWh of February with the amount of its standing invoice
        from ..notice import notices
        notice, = notices([march])
        self.assertEqual([a.amount for a in notice.adjustments],
            [adjustment.amount])
        self.assertEqual([(m.kwh, m.amount) for m in notice.history],
            [(D(250), old.total), (D(200), march.total + adjustment.amount)])

    @with_transaction()
    @with_billing_company
    def test_estimated_bill_and_true_up(self, company):
        "Usage late: an estimated bill, trued up when the usage arrives"
        self.configure(estimate_after_days=5, correction_policy='rebill')
        self.fuel(dt.date(2025, 1, 1), '-6.40')
        contract = self.contract(company, start=dt.date(2024, 12, 10))
        # a year ago (before this contract) and last month, then nothing for
        # the 2025-02-10 reading
        self.usage(contract, dt.date(2024, 1, 10), dt.date(2024, 2, 9), 300)
        self.usage(contract, dt.date(2024, 12, 10), JAN10, 280,
            next_reading_date=FEB10)
        BatchRun = Pool().get('power.batch.run')
        BatchRun.run_billing(dt.date(2025, 1, 12))
        self.assertEqual(BatchRun.run_billing(dt.date(2025, 2, 14)).total, 0)
        run = BatchRun.run_billing(dt.date(2025, 2, 16))
        self.assertEqual((run.processed, run.failed), (1, 0))
        estimated, = [d for d in self.determinants(contract)
            if d.start == JAN10]
        # 300 kWh over 30 days a year ago → 31 days: 310 kWh
        self.assertEqual((estimated.kind, estimated.kwh,
                estimated.estimate_basis),
            ('estimated', D(310), 'same month last year'))
        self.assertIn('推定', estimated.invoice.description)
        # not estimated twice
        self.assertEqual(BatchRun.run_billing(dt.date(2025, 2, 17)).total, 0)
        # the confirmed usage arrives: the estimate is credited, re-billed
        self.usage(contract, JAN10, FEB10, 260)
        BatchRun.run_billing(dt.date(2025, 2, 18))
        old, new = sorted([d for d in self.determinants(contract)
                if d.start == JAN10], key=lambda d: d.revision)
        self.assertEqual((old.state, new.kind, new.kwh, new.corrects),
            ('cancelled', 'actual', D(260), old))
        self.assertEqual(new.total, 8174)

    @with_transaction()
    @with_billing_company
    def test_manual_adjustment_on_the_next_invoice(self, company):
        "A manual adjustment with its reason goes on the next invoice"
        Adjustment = Pool().get('power.billing.adjustment')
        contract = self.contract(company)
        adjustment, = Adjustment.create([{'contract': contract.id,
                    'amount': -500, 'description': 'お詫び割引',
                    'note': '検針ミスのお詫び'}])
        self.assertEqual(adjustment.customer, contract.customer)
        self.usage(contract, JAN10, FEB10, 260)
        self.bill()
        determinant, = self.determinants(contract)
        self.assertEqual(determinant.invoice.total_amount, D(8174 - 500))
        self.assertEqual(determinant.invoice.tax_amount,
            D((8174 - 500) * 10 // 110))
        with self.assertRaises(Exception):
            Adjustment.delete([Adjustment(adjustment.id)])

    @with_transaction()
    @with_billing_company
    def test_customer_overview(self, company):
        "The customer overview: points, versions, overdue bills and balance"
        pool = Pool()
        Party = pool.get('party.party')
        contract = self.contract(company)
        self.usage(contract, JAN10, FEB10, 260)
        self.bill()
        customer = Party(contract.customer.id)
        determinant, = customer.billing_determinants
        self.assertEqual(customer.supply_points, (contract.supply_point,))
        self.assertEqual(customer.contract_versions, contract.versions)
        # due 2025-03-12, long past, not paid: overdue, and the balance
        self.assertEqual(customer.overdue_bills, (determinant,))
        self.assertEqual(customer.overdue_amount, D(8174))
        self.assertEqual(customer.receivable_today, D(8174))
        # before the due date nothing is overdue yet
        with Transaction().set_context(date=dt.date(2025, 3, 1)):
            customer = Party(contract.customer.id)
            self.assertEqual((customer.overdue_bills,
                    customer.overdue_amount), ((), 0))

    @with_transaction()
    @with_billing_company
    def test_customer_billing_screen_and_reissue(self, company):
        "The customer's billing page; cancel and re-issue an invoice"
        Party = Pool().get('party.party')
        contract = self.contract(company)
        self.usage(contract, JAN10, FEB10, 260)
        self.bill()
        customer = Party(contract.customer.id)
        determinant, = customer.billing_determinants
        # due 2025-03-12, long past
        self.assertEqual(determinant.payment_status, 'overdue')
        self.assertEqual(customer.customer_invoices, (determinant.invoice,))
        Determinant = Pool().get('power.billing.determinant')
        Determinant.reissue([determinant])
        old, new = sorted(Party(customer.id).billing_determinants,
            key=lambda d: d.revision)
        self.assertEqual((old.payment_status, new.payment_status),
            ('credited', 'overdue'))
        self.assertEqual(new.total, old.total)
        self.assertEqual(len(Party(customer.id).customer_invoices), 3)


    @with_transaction()
    @with_billing_company
    def test_bill_notice(self, company):
        "The bill notice: the invoice's amounts, adjustments, history, PDF"
        pool = Pool()
        Adjustment = pool.get('power.billing.adjustment')
        Configuration = pool.get('power.configuration')
        Notice = pool.get('power.billing.notice', type='report')
        from trytond.exceptions import UserError

        from ..notice import notices
        configuration = Configuration(1)
        configuration.invoice_registration = 'T5835678256247'
        with self.assertRaises(UserError):
            configuration.save()
        configuration.invoice_registration = 'T5835678256246'
        configuration.notice_contact = '0120-000-000'
        configuration.save()
        self.fuel(dt.date(2025, 1, 1), '-6.40')
        contract = self.contract(company)
        self.usage(contract, dt.date(2024, 12, 10), JAN10, 300)
        self.bill()
        Adjustment.create([{'contract': contract.id, 'amount': -500,
                    'description': 'お詫び割引', 'note': '検針ミス'}])
        self.usage(contract, JAN10, FEB10, '259.6')
        self.bill()
        first, second = sorted(self.determinants(contract),
            key=lambda d: d.start)

        notice, = notices([second])
        self.assertEqual((notice.total, notice.tax, notice.kwh),
            (8174 - 500, (8174 - 500) * 10 // 110, D(260)))
        self.assertEqual([a.label for a in notice.adjustments], ['お詫び割引'])
        self.assertEqual(notice.invoice_number, second.invoice.number)
        # the customer number (C + 9 digits) the portal registers with,
        # not the party's code
        self.assertEqual(notice.customer_number,
            contract.customer.customer_number)
        self.assertRegex(notice.customer_number, r'^C\d{9}$')
        self.assertNotEqual(notice.customer_number, contract.customer.code)
        self.assertEqual(notice.capacity, '30A')
        self.assertEqual(notice.retailer.invoice_registration,
            'T5835678256246')
        self.assertEqual([(m.month, m.kwh, m.amount) for m in notice.history],
            [(dt.date(2025, 1, 1), D(300), first.total),
                (dt.date(2025, 2, 1), D(260), 8174 - 500)])
        self.assertEqual({l.unit for l in notice.lines if 'kWh' in l.unit},
            {'kWh'})

        oext, content, _, name = Notice.execute(
            [first.id, second.id], {})
        self.assertEqual(oext, 'pdf')
        self.assertTrue(content.startswith(b'%PDF'))

        # a period carried to a later bill has no invoice to print
        first.invoice = None
        with self.assertRaises(UserError):
            notices([first])

    @with_transaction()
    @with_billing_company
    def test_shadow_billing_of_a_draft_version(self, company):
        "A draft version rated over billed usage; nothing real touched"
        pool = Pool()
        Version = pool.get('power.rate_menu.version')
        Shadow = pool.get('power.billing.shadow')
        Invoice = pool.get('account.invoice')
        contracts = [self.contract(company, name=f'需要家{n}')
            for n in range(3)]
        for contract, kwh in zip(contracts, (100, 260, 500)):
            self.usage(contract, JAN10, FEB10, kwh)
        self.bill()
        invoices = Invoice.search_count([])
        active, = Version.search([('menu.code', '=', 'tepco-juryo-b'),
                ('valid_from', '=', dt.date(2024, 4, 1))])
        draft, = Version.copy([active], {'valid_from': dt.date(2026, 4, 1)})
        energy, = [c for c in draft.components if c.code == 'energy']
        # the third tier up by 1 yen: only usage over 300 kWh changes
        energy.pairs = energy.pairs.replace('40.49', '41.49')
        energy.save()
        shadow, = Shadow.create([{'version': draft.id, 'months': 24}])
        Shadow.run([shadow])
        self.assertEqual((shadow.state, shadow.periods, shadow.customers,
                shadow.failed), ('done', 3, 3, 0))
        # 200 kWh over 300 at 1 yen more
        self.assertEqual(shadow.difference, 200)
        self.assertEqual(shadow.largest_increase, 200)
        self.assertEqual(shadow.largest_decrease, 0)
        self.assertEqual(shadow.median, 0)
        first = shadow.lines[0]
        self.assertEqual((first.difference, first.customer),
            (200, contracts[2].customer))
        self.assertEqual(Invoice.search_count([]), invoices)


class FastInvoiceTestCase(unittest.TestCase):
    "Set-wise invoices are the rows stock posting leaves"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_billing')

    @with_transaction()
    @with_billing_company
    def test_fast_invoice_equals_stock(self, company):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Line = pool.get('account.invoice.line')
        InvoiceTax = pool.get('account.invoice.tax')
        Party = pool.get('party.party')
        Account = pool.get('account.account')
        Journal = pool.get('account.journal')
        Configuration = pool.get('power.configuration')
        party, = Party.create([{'name': 'テスト', 'addresses': [('create', [{}])]}])
        sales, = Account.search([('code', '=', '4110')])
        journal, = Journal.search([('type', '=', 'revenue')], limit=1)
        tax = Configuration(1).consumption_tax
        date = dt.date(2025, 2, 12)
        due = dt.date(2025, 3, 12)
        # (a negative line would get its own credit-note tax line in stock
        # Tryton; the set-wise writer keeps one tax line per invoice)
        amounts = [850, 3252, 198]
        # the tax of a tax-included bill is taken once from the total: it is
        # kept as a manual tax line on the stock invoice
        stock = Invoice(type='out', party=party, company=company,
            invoice_address=party.addresses[0], journal=journal,
            account=party.account_receivable_used, currency=company.currency,
            invoice_date=date, payment_term_date=due,
            description='電気料金', reference='C1')
        stock.lines = [Line(type='line', account=sales, quantity=1,
                unit_price=D(a), description=f'line {n}', sequence=n,
                taxes=[tax], currency=company.currency, company=company)
            for n, a in enumerate(amounts, 1)]
        stock.save()
        Invoice.update_taxes([stock])
        invoice_tax, = stock.taxes
        invoice_tax.amount = D(430)
        invoice_tax.manual = False
        invoice_tax.save()
        with Transaction().set_context(_skip_warnings=True):
            Invoice.post([stock])

        data = InvoiceData(party.id, party.addresses[0].id,
            party.account_receivable_used.id, date, due,
            [InvoiceLine(f'line {n}', a, sales.id)
                for n, a in enumerate(amounts, 1)], 430,
            description='電気料金', reference='C1')
        fast, = Invoice.browse(post_invoices([data], company, journal, tax))

        def rows(invoice):
            cursor = Transaction().connection.cursor()
            skip = {'id', 'create_date', 'write_date', 'number',
                'number_alnum', 'number_digit', 'move', 'invoice', 'line',
                'origin', 'post_date', 'write_uid', 'move_line', 'invoice_report_cache',
                'invoice_report_format', 'invoice_report_cache_id',
                'posted_by', 'validated_by'}
            result = {}
            for table, where in [
                    ('account_invoice', f'id = {invoice.id}'),
                    ('account_invoice_line', f'invoice = {invoice.id}'),
                    ('account_invoice_tax', f'invoice = {invoice.id}'),
                    ('account_move', f'id = {invoice.move.id}'),
                    ('account_move_line', f'move = {invoice.move.id}'),
                    ('account_tax_line', 'move_line in (select id from '
                        f'account_move_line where move = {invoice.move.id})'),
                    ('"account_invoice_line-account_tax"',
                        'line in (select id from account_invoice_line '
                        f'where invoice = {invoice.id})')]:
                cursor.execute(f'SELECT * FROM {table} WHERE {where}')
                names = [d[0] for d in cursor.description]
                result[table] = sorted(
                    tuple(sorted((n, str(v)) for n, v in zip(names, row)
                            if n not in skip and v not in (None, False, 0)))
                    for row in cursor)
            return result
        self.maxDiff = None
        self.assertEqual(rows(fast), rows(stock))
        self.assertEqual(fast.total_amount, stock.total_amount)
        self.assertEqual(fast.amount_to_pay, D(4730))
        self.assertTrue(fast.number.startswith('INV2024-'))
        self.assertNotEqual(fast.number, stock.number)
        self.assertEqual(len(InvoiceTax.search([('invoice', '=', fast.id)])), 1)


class IntervalUsageTestCase(unittest.TestCase):
    "30-minute usage days"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_billing')

    @with_transaction()
    def test_receive_is_set_wise_and_keeps_history(self):
        Interval = Pool().get('power.usage.interval')
        point = create_supply_point()
        day = DayProfile.from_kwh(JAN10, [D('0.4')] * 48)
        self.assertEqual(Interval.receive([(point.id, day)], 'W41120-a'),
            (1, 0, 0))
        self.assertEqual(Interval.receive([(point.id, day)], 'W41120-a'),
            (0, 1, 0))
        corrected = DayProfile.from_kwh(JAN10, [D('0.5')] * 48)
        self.assertEqual(Interval.receive([(point.id, corrected)], 'W41120-b'),
            (1, 0, 1))
        current, = Interval.search([('state', '=', 'current')])
        old, = Interval.search([('state', '=', 'superseded')])
        self.assertEqual((current.kwh, old.kwh), (D('24.0'), D('19.2')))
        self.assertEqual(current.profile(), corrected)
        self.assertEqual(Interval.daily_kwh(point, JAN10, FEB10),
            {JAN10: D('24.0')})

    @with_transaction()
    def test_half_hours_cut_out_of_the_current_day(self):
        "the staff chart's half hours: values, quality, time, current only"
        pool = Pool()
        Interval = pool.get('power.usage.interval')
        HalfHour = pool.get('power.usage.half_hour')
        point = create_supply_point()
        values = [D(i) / 10 for i in range(47)] + [None]
        Interval.receive([(point.id, DayProfile.from_kwh(JAN10, values))],
            'W41120-a')
        corrected = [D('12.3')] + values[1:]
        Interval.receive([(point.id, DayProfile.from_kwh(JAN10, corrected))],
            'W41120-b')
        day, = Interval.search([('state', '=', 'current')])
        halves = HalfHour.search([('supply_point', '=', point.id)])
        self.assertEqual(len(halves), 48)
        self.assertEqual([h.slot for h in halves], list(range(1, 49)))
        self.assertEqual({h.day for h in halves}, {day})
        first, second, last = halves[0], halves[1], halves[-1]
        self.assertEqual((first.time, first.kwh, first.quality),
            ('00:00', D('12.3'), 'M'))
        self.assertEqual((second.time, second.kwh), ('00:30', D('0.1')))
        # 00:30 in Japan, kept as naive UTC as Tryton keeps every datetime
        self.assertEqual(second.start, dt.datetime(2025, 1, 9, 15, 30))
        self.assertEqual((last.time, last.kwh, last.quality),
            ('23:30', None, '-'))
        self.assertEqual(sum(h.kwh or 0 for h in halves), day.kwh)
        # the day's relate: its 48 half hours; a search by date and slot
        self.assertEqual(HalfHour.search([('day', '=', day.id)]), halves)
        self.assertEqual(
            HalfHour.search_count([('date', '=', JAN10), ('slot', '>', 46)]),
            2)

