# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""A billing company for module tests: JPY, the retailer chart of accounts,
fiscal years April to March with invoice sequences, the consumption tax,
the data-pack menus and regulated values."""
import datetime as dt
import functools
import unittest
from contextlib import contextmanager
from decimal import Decimal

from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, drop_db

from trytond.modules.power_cis.tests.tools import (
    create_contract, create_supply_point)

from ..regulated import import_regulated

JAN10, FEB10 = dt.date(2025, 1, 10), dt.date(2025, 2, 10)
BILL_DAY = dt.date(2025, 2, 12)


@contextmanager
def billing_company(years=(2024, 2025, 2026)):
    "A context manager: create the company, set it in the context."
    pool = Pool()
    Currency = pool.get('currency.currency')
    jpy, = Currency.create([{'name': 'Japanese Yen', 'code': 'JPY',
                'symbol': '¥', 'digits': 0, 'rounding': Decimal(1)}])
    company = create_company(currency=jpy)
    with set_company(company):
        yield _setup(company, years)


def _setup(company, years):
    pool = Pool()
    create_chart(company, chart='power_billing.account_template_jp_root')
    for year in years:
        create_fiscalyear(company, year)
    Tax = pool.get('account.tax')
    tax, = Tax.search([('name', '=', 'Consumption Tax 10%'),
            ('company', '=', company.id)])
    Configuration = pool.get('power.configuration')
    configuration = Configuration(1)
    configuration.consumption_tax = tax
    configuration.save()
    import_regulated()
    pool.get('power.rate_menu').import_data_pack()
    return company


def commit_with_billing_company(func):
    """func(company) with a new billing company in a committed transaction
    of the test database (for data that requests through the WSGI app must
    see), restarted with the locks it asks for; its result."""
    from trytond.tests.test_tryton import DB_NAME
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    while True:
        with Transaction().start(DB_NAME, 0, **extras) as transaction:
            try:
                with billing_company() as company:
                    result = func(company)
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
                continue
            transaction.commit()
            return result


def with_billing_company(func):
    "Decorate a test method (under with_transaction) to get the company."
    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        with billing_company() as company:
            return func(self, company, *args, **kwargs)
    return wrapper


def create_fiscalyear(company, year):
    pool = Pool()
    FiscalYear = pool.get('account.fiscalyear')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    InvoiceSequence = pool.get('account.fiscalyear.invoice_sequence')
    move_type, = SequenceType.search([('name', '=', "Account Move")], limit=1)
    invoice_type, = SequenceType.search([('name', '=', "Invoice")], limit=1)
    moves, = Sequence.create([{'name': f'Moves {year}',
                'sequence_type': move_type.id, 'company': company.id}])
    invoices, credits = Sequence.create([{'name': f'{p} {year}',
                'sequence_type': invoice_type.id, 'company': company.id,
                'prefix': f'{p}{year}-', 'padding': 6}
            for p in ('INV', 'CRN')])
    fiscalyear = FiscalYear(name=f'FY{year}', company=company,
        start_date=dt.date(year, 4, 1), end_date=dt.date(year + 1, 3, 31),
        move_sequence=moves)
    fiscalyear.invoice_sequences = [InvoiceSequence(
            in_invoice_sequence=invoices, in_credit_note_sequence=credits,
            out_invoice_sequence=invoices, out_credit_note_sequence=credits)]
    fiscalyear.save()
    FiscalYear.create_period([fiscalyear])
    return fiscalyear


class BillingHelpers:
    "Contracts, their confirmed usage and billing runs for module tests."

    def setUp(self):
        super().setUp()
        self.points = 0

    def contract(self, company, start=dt.date(2024, 6, 1), capacity=30,
            menu='tepco-juryo-b', name='山田 太郎', customer=None):
        pool = Pool()
        Menu = pool.get('power.rate_menu')
        Party = pool.get('party.party')
        Contract = pool.get('power.contract')
        self.points += 1
        point = create_supply_point(f'03000011112222333{self.points:05d}')
        if customer is None:
            customer, = Party.create([{'name': name,
                        'addresses': [('create', [{}])]}])
        menu, = Menu.search([('code', '=', menu)])
        contract = create_contract(company, point, menu, start=start,
            capacity=capacity, customer=customer)
        Contract.activate([contract])
        return contract

    def usage(self, contract, start, end, kwh, **values):
        Usage = Pool().get('power.usage.confirmed')
        return Usage.receive([{'supply_point': contract.supply_point.id,
                    'start': start, 'end': end, 'kwh': Decimal(kwh),
                    'meter_number': 'M1', **values}])

    def bill(self, **kwargs):
        BatchRun = Pool().get('power.batch.run')
        return BatchRun.run_billing(BILL_DAY, **kwargs)

    def determinants(self, contract):
        Determinant = Pool().get('power.billing.determinant')
        return Determinant.search([('contract', '=', contract.id)])


    def fuel(self, month, price, voltage='low', menu_type='regulated'):
        """The Tokyo fuel cost adjustment of the test: the data pack's row
        of that month replaced, or a new one (the tests' figures stay theirs
        as published months are added to the pack)."""
        pool = Pool()
        Fuel = pool.get('power.regulated.fuel')
        GridArea = pool.get('power.grid_area')
        area, = GridArea.search([('code', '=', '03')])
        key = {'area': area.id, 'voltage': voltage,
            'menu_type': menu_type, 'charge_month': month}
        found = Fuel.search([(k, '=', v) for k, v in key.items()])
        if found:
            Fuel.write(found, {'price': Decimal(price), 'source': 'test'})
        else:
            Fuel.create([{**key, 'price': Decimal(price), 'source': 'test'}])


class BillingTestCase(BillingHelpers, unittest.TestCase):
    """Tests on a database with power_billing activated, dropped after the
    class when _drop_db: the scenario doctests that run next in the same
    process restore their own database of the same name, which PostgreSQL
    refuses over an existing one."""
    _drop_db = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_billing')

    @classmethod
    def tearDownClass(cls):
        if cls._drop_db:
            drop_db()
        super().tearDownClass()


def sample_bank_branch():
    """The tests' collecting bank: サンプル銀行 (0999), head office 001,
    made once."""
    pool = Pool()
    Bank = pool.get('bank')
    Branch = pool.get('power.bank.branch')
    Party = pool.get('party.party')
    banks = Bank.search([('zengin_code', '=', '0999')], limit=1)
    if banks:
        bank, = banks
    else:
        bank = Bank(party=Party(name="サンプル銀行"), zengin_code='0999',
            name_kana='ｻﾝﾌﾟﾙｷﾞﾝｺｳ')
        bank.party.save()
        bank.save()
    branches = Branch.search([('bank', '=', bank.id), ('code', '=', '001')])
    if branches:
        return branches[0]
    branch = Branch(bank=bank, code='001', name="本店", name_kana='ﾎﾝﾃﾝ')
    branch.save()
    return branch


def setup_collections(company):
    "The collection set-up with the tests' collecting bank; {kind: agent}."
    from ..collection import setup_collections
    return setup_collections(company, sample_bank_branch())
