# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The BI reports checked against the same facts read independently from
the base records through the ORM (cancelled records included where the
report says so), their XLSX opened with openpyxl, the dunning update file
exported, edited and imported, and the access rules."""
import datetime as dt
import functools
import io
import unittest
from decimal import Decimal

import openpyxl

from trytond import backend, config
from trytond.model.exceptions import AccessError
from trytond.modules.power_billing.tests.tools import (
    FEB10, JAN10, BillingHelpers, commit_with_billing_company)
from trytond.modules.power_cis import replica
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from .. import bi
from ..exceptions import BIError
from ..report import produce

MAR10 = dt.date(2025, 3, 10)
ALL = bi.Filters(dt.date(2020, 1, 1), dt.date(2030, 12, 31))


def rows(number, filters=ALL):
    return [list(r) for r in bi.REPORTS[number].build(filters).rows]


def definition(number):
    Definition = Pool().get('power.bi.report.definition')
    record, = Definition.search([('number', '=', number)])
    return record


def with_data(func):
    """Decorate a test (under with_transaction) to get the company and the
    two billed contracts committed once for the class; whatever the test
    writes is rolled back."""
    @functools.wraps(func)
    def wrapper(self):
        pool = Pool()
        Company = pool.get('company.company')
        Contract = pool.get('power.contract')
        cls = type(self)
        with Transaction().set_context(company=cls.company_id):
            return func(self, Company(cls.company_id),
                *Contract.browse(cls.contract_ids))
    return wrapper


class BITestCase(BillingHelpers, unittest.TestCase):
    "BI reports"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_bi')
        helper = cls()
        helper.points = 0
        cls.company_id, cls.contract_ids = commit_with_billing_company(
            lambda company: (company.id,
                [c.id for c in helper.billed(company)]))

    @classmethod
    def tearDownClass(cls):
        drop_db()
        super().tearDownClass()

    def billed(self, company):
        "Two customers billed for January, one bill reissued (cancelled)."
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        first = self.contract(company, name='山田 太郎')
        second = self.contract(company, name='佐藤 花子')
        for contract, kwh in [(first, '259.6'), (second, '301')]:
            self.usage(contract, JAN10, FEB10, kwh)
        self.bill()
        determinant, = self.determinants(second)
        Determinant.reissue([determinant])
        return first, second

    @with_transaction()
    @with_data
    def test_every_report_defined_and_exported(self, company, first, second):
        "All 17 reports exist, run, and open in openpyxl with their header"
        Output = Pool().get('power.report.output')
        self.assertEqual(sorted(bi.REPORTS), list(range(1, 18)))
        for number, report in sorted(bi.REPORTS.items()):
            filename, data = produce(definition(number), ALL)
            sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
            table = report.build(ALL)
            header = [c.value for c in next(sheet.iter_rows(
                        min_row=2 if table.subtitle else 1, max_row=2
                        if table.subtitle else 1))]
            self.assertEqual(header, [c.header for c in table.columns],
                report.title)
            self.assertEqual(sheet.freeze_panes,
                'A3' if table.subtitle else 'A2')
        # every export is in the report output history
        self.assertEqual(Output.search_count([('kind', '=', 'export')]), 17)

    @with_transaction()
    @with_data
    def test_billing_history_includes_cancelled(self, company, first, second):
        "Reports 4, 6 and 8 against the determinants themselves"
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        determinants = Determinant.search([])
        billing = rows(4)
        self.assertEqual(len(billing), len(determinants))
        self.assertEqual(sum(r[8] for r in billing),
            sum(d.total for d in determinants))
        states = {r[12] for r in billing}
        self.assertIn('Cancelled and Re-billed', states)
        # lines: one row per determinant line, amounts add up
        lines = rows(6)
        self.assertEqual(len(lines), sum(len(d.lines) for d in determinants))
        self.assertEqual(sum(Decimal(str(r[11])) for r in lines),
            sum(line.amount for d in determinants for line in d.lines))
        # 13 months back from February: the non-cancelled bills by month
        pivot = {r[0]: r for r in rows(8, bi.Filters(month=FEB10))}
        for contract in (first, second):
            billed = [d for d in Determinant.search(
                    [('contract', '=', contract.id)]) if d.state != 'cancelled']
            row = pivot[contract.number]
            self.assertEqual(row[3 + 2 * 12], sum(int(d.kwh) for d in billed))
            self.assertEqual(row[4 + 2 * 12], sum(d.total for d in billed))
            self.assertEqual(row[3:3 + 2 * 12], [None] * 24)

    @with_transaction()
    @with_data
    def test_inquiries_and_customers(self, company, first, second):
        "Reports 1, 2, 3 and 12 against inquiries and contracts"
        pool = Pool()
        Inquiry = pool.get('power.inquiry')
        Response = pool.get('power.inquiry.response')
        Category = pool.get('power.inquiry.category')
        Contract = pool.get('power.contract')
        Address = pool.get('party.address')
        address, = first.customer.addresses
        address.street = '千代田1-1'
        address.postal_code = '100-0001'
        address.save()
        category, = Category.create([{'code': 'BILL', 'name': '料金'}])
        inquiries = Inquiry.create([{'company': company.id,
                    'customer': c.customer.id, 'category': category.id,
                    'channel': 'phone', 'subject': f'質問{n}',
                    'contents': '…'} for n, c in enumerate([first, second])])
        Response.create([{'inquiry': inquiries[0].id, 'kind': 'note',
                    'content': f'対応{n}',
                    'date': dt.datetime(2025, 3, n + 1, 10)}
                for n in range(3)])
        report = {r[0]: r for r in rows(1)}
        for inquiry in Inquiry.browse(inquiries):
            row = report[inquiry.number]
            self.assertEqual(row[8], len(inquiry.responses))
            # in Japan time, 9 hours ahead of the UTC stored
            last = max((r.date for r in inquiry.responses), default=None)
            self.assertEqual(row[9],
                last + dt.timedelta(hours=9) if last else None)
            self.assertEqual(row[5], inquiry.customer.name)
        bpo = {r[0]: r for r in rows(2)}
        self.assertIn('千代田1-1', bpo[inquiries[0].number][10])
        self.assertIn('100-0001', bpo[inquiries[0].number][10])
        # the customers' contracts with their current menu and capacity
        contracts = {r[6]: r for r in rows(3, bi.Filters(date_to=MAR10))}
        for contract in Contract.search([]):
            row = contracts[contract.number]
            self.assertEqual(row[8], contract.menu.name)
            self.assertEqual(Decimal(str(row[9])), contract.capacity)
            self.assertEqual(row[0], contract.customer.customer_number)
        self.assertEqual(len(contracts), Contract.search_count([]))
        # contracts other than terminated, by state
        counts = dict(rows(12))
        self.assertEqual(sum(counts.values()), Contract.search_count(
                [('state', 'not in', ['terminated', 'cancelled'])]))
        del Address

    @with_transaction()
    @with_data
    def test_export_in_japanese(self, company, first, second):
        "An export in Japanese: Japanese labels, Japan times and Japan days"
        pool = Pool()
        Lang = pool.get('ir.lang')
        Inquiry = pool.get('power.inquiry')
        Invoice = pool.get('account.invoice')
        Receipt = pool.get('power.payment.receipt')
        Procedure = pool.get('account.dunning.procedure')
        Dunning = pool.get('account.dunning')
        MoveLine = pool.get('account.move.line')
        Category = pool.get('power.inquiry.category')
        category, = Category.create([{'code': 'MOVE', 'name': '引越し'}])
        # 2025-03-01 08:30 in Japan, still February in UTC
        inquiry, = Inquiry.create([{'company': company.id,
                    'customer': first.customer.id, 'channel': 'phone',
                    'category': category.id,
                    'subject': '引越し', 'contents': '…',
                    'received_at': dt.datetime(2025, 2, 28, 23, 30)}])
        invoice, = [i for i in first.customer.customer_invoices
            if i.state == 'posted']
        Receipt.create([{'company': company.id, 'date': MAR10,
                    'channel': 'konbini', 'party': first.customer.id,
                    'amount': 100, 'allocated': 100, 'credit': 0,
                    'outcome': 'matched', 'state': 'done',
                    'invoices': [('add', [invoice.id])]}])
        procedure = Procedure.japanese_default()
        line, = [l for l in MoveLine.search(
                [('account.type.receivable', '=', True), ('debit', '>', 0)])
            if l.move == invoice.move]
        Dunning.create([{'line': line.id, 'company': company.id,
                    'procedure': procedure.id,
                    'level': procedure.levels[0].id}])
        ja, = Lang.search([('code', '=', 'ja')])
        Lang.load_translations([ja])
        march = bi.Filters(dt.date(2025, 3, 1), dt.date(2025, 3, 1))

        def sheet(number, filters=ALL):
            _, data = produce(definition(number), filters)
            rows = list(openpyxl.load_workbook(io.BytesIO(data)
                    ).worksheets[0].iter_rows(values_only=True))
            if bi.REPORTS[number].build(filters).subtitle:
                rows = rows[1:]
            return [dict(zip(rows[0], r)) for r in rows[1:]
                if r[0] != '合計']
        with Transaction().set_context(language='ja'):
            row, = sheet(1, march)
            self.assertEqual(row['受付番号'], inquiry.number)
            self.assertEqual(row['受付日時（JST）'],
                dt.datetime(2025, 3, 1, 8, 30))
            self.assertEqual(row['チャネル'], '電話')
            self.assertEqual(row['状態'], '対応中')
            contracts = {r['契約番号']: r for r in sheet(3)}
            self.assertEqual(contracts[first.number]['状態'], '有効')
            link, = sheet(7)
            self.assertEqual(link['請求書の状態'], '計上済')
            target, = sheet(13)
            self.assertEqual((target['督促段階'], target['状態']),
                ('督促', '下書き'))
            update, = sheet(14)
            self.assertEqual((update['督促段階'], update['状態']),
                ('督促', '下書き'))
        # the same export in English, its times in Japan time too
        row, = sheet(1, march)
        self.assertEqual((row['チャネル'], row['状態']), ('Phone', 'Open'))
        self.assertEqual(row['受付日時（JST）'],
            dt.datetime(2025, 3, 1, 8, 30))
        self.assertEqual(sheet(1, bi.Filters(dt.date(2025, 2, 28),
                    dt.date(2025, 2, 28))), [])

    @with_transaction()
    @with_data
    def test_receipts_and_reconciliations(self, company, first, second):
        "Reports 5 and 7: every receipt; links to cancelled invoices left out"
        pool = Pool()
        Receipt = pool.get('power.payment.receipt')
        Invoice = pool.get('account.invoice')
        invoices = [i for i in Invoice.search([('type', '=', 'out')],
                order=[('id', 'ASC')]) if i.total_amount > 0]
        # a receipt also linked to an invoice cancelled since
        draft, = Invoice.copy(invoices[:1])
        Invoice.cancel([draft])
        receipts = Receipt.create([{'company': company.id,
                    'date': MAR10, 'channel': 'konbini',
                    'party': i.party.id, 'amount': int(i.total_amount),
                    'allocated': int(i.total_amount), 'credit': 0,
                    'outcome': 'matched', 'state': 'done',
                    'invoices': [('add', [i.id])]}
                for i in invoices + [draft]])
        history = rows(5)
        self.assertEqual(len(history), len(receipts))
        self.assertEqual(sum(r[6] for r in history),
            sum(r.amount for r in receipts))
        links = rows(7)
        self.assertEqual(Invoice(draft.id).state, 'cancelled')
        self.assertEqual(sorted(r[6] for r in links),
            sorted(i.number for i in invoices))
        # a date range leaves out the others
        self.assertEqual(rows(5, bi.Filters(MAR10 + dt.timedelta(days=1),
                    MAR10 + dt.timedelta(days=9))), [])

    @with_transaction()
    @with_data
    def test_methods_portal_and_print(self, company, first, second):
        "Reports 10, 11, 15, 16 and 17 against their records"
        pool = Pool()
        Method = pool.get('power.payment.method')
        WebUser = pool.get('web.user')
        Endpoint = pool.get('power.edi.endpoint')
        Exchange = pool.get('power.edi.exchange')
        from trytond.modules.power_billing.tests.tools import setup_collections
        agents = setup_collections(company)
        card, bank = Method.create([
                {'party': first.customer.id, 'kind': 'card',
                    'agent': agents['card'].id, 'card_token': 'tok_1',
                    'card_masked': '************4242',
                    'card_expiry': '202701', 'start_date': JAN10},
                {'party': second.customer.id, 'kind': 'bank',
                    'agent': agents['bank'].id, 'bank': agents['bank'].bank.id,
                    'bank_branch': agents['bank'].bank_branch.id,
                    'account_type': '1', 'account_number': '1234567',
                    'account_holder': 'ｻﾄｳ ﾊﾅｺ', 'start_date': JAN10}])
        Method.mark([card], 'invalid', 'G12 lapsed in the refresh')
        Method.mark([bank], 'invalid', 'registration refused: 2')
        cards, accounts = rows(10), rows(11)
        self.assertEqual([(r[0], r[2], r[5]) for r in cards],
            [(first.customer.customer_number, '************4242',
                    'G12 lapsed in the refresh')])
        self.assertEqual(len(accounts), 1)
        self.assertNotIn('1234567', str(accounts))
        # portal: one registered, one not
        WebUser.create([{'email': 'taro@example.jp', 'party':
                    first.customer.id, 'email_valid': True}])
        status = {r[0]: r[3] for r in rows(15)}
        self.assertEqual(status[first.customer.customer_number], '登録済み')
        self.assertEqual(status[second.customer.customer_number], '未登録')
        # print shop files: contract-related apart from the others
        endpoint, = Endpoint.create([{'name': 'Print', 'code': 'print',
                    'partner': 'print', 'transport': 'folder'}])
        Exchange.create([{'endpoint': endpoint.id, 'partner': 'print',
                    'direction': 'out', 'kind': kind, 'name': f'{kind}.pdf',
                    'received': dt.datetime(2025, 3, 1), 'state': 'sent',
                    'records': n}
                for n, kind in enumerate(['print_usage_notice',
                        'print_payment_slip', 'print_conclusion_notice'], 1)])
        self.assertEqual([r[4] for r in rows(16)], [1, 2])
        self.assertEqual([r[2] for r in rows(17)], ['契約締結後交付書面'])

    @with_transaction()
    @with_data
    def test_dunning_update_round_trip(self, company, first, second):
        "Report 14 exported, edited and imported; a bad file changes nothing"
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Procedure = pool.get('account.dunning.procedure')
        MoveLine = pool.get('account.move.line')
        procedure, = Procedure.create([{'name': '督促',
                    'levels': [('create', [{
                                    'overdue': dt.timedelta(days=1)}])]}])
        lines = MoveLine.search([('account.type.receivable', '=', True),
                ('debit', '>', 0)])
        dunnings = Dunning.create([{'line': line.id, 'company': company.id,
                    'procedure': procedure.id,
                    'level': procedure.levels[0].id} for line in lines])
        _, data = produce(definition(14), bi.Filters())
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        sheet = workbook.worksheets[0]
        self.assertEqual(sheet.cell(1, 10).value, '保留（はい／いいえ）')
        sheet.cell(2, 10).value = 'はい'
        edited = io.BytesIO()
        workbook.save(edited)
        changes = bi.read_dunning_update(edited.getvalue())
        self.assertEqual(bi.apply_dunning_update(changes), 1)
        blocked = [d for d in Dunning.browse(dunnings) if d.blocked]
        self.assertEqual([d.id for d in blocked], [sheet.cell(2, 1).value])
        # a bad value anywhere refuses the whole file
        sheet.cell(2, 10).value = 'いいえ'
        sheet.cell(3, 10).value = 'maybe'
        edited = io.BytesIO()
        workbook.save(edited)
        with self.assertRaises(bi.UpdateError) as refused:
            bi.read_dunning_update(edited.getvalue())
        self.assertIn('row 3', str(refused.exception))
        self.assertEqual(len([d for d in Dunning.browse(dunnings)
                    if d.blocked]), 1)
        for bad in [b'not a workbook', data.replace(b'xl/', b'xx/')]:
            with self.assertRaises(bi.UpdateError):
                bi.read_dunning_update(bad)
        with self.assertRaises(bi.UpdateError):
            bi.apply_dunning_update({10 ** 9: True})

    @with_transaction()
    @with_data
    def test_personal_data_restricted(self, company, first, second):
        "Reports with personal data run only for their groups"
        pool = Pool()
        User = pool.get('res.user')
        Output = pool.get('power.report.output')
        clerk, = User.create([{'login': 'clerk', 'name': 'Clerk',
                    'companies': [('add', [company.id])],
                    'company': company.id}])
        with Transaction().set_user(clerk.id):
            with self.assertRaises(AccessError):
                produce(definition(3), ALL)
            # the contract count has no personal data
            filename, data = produce(definition(12), ALL)
        self.assertTrue(filename.startswith('bi12_contract_count'))
        self.assertEqual(Output.search_count(
                [('filename', '=', filename)]), 1)
        with self.assertRaises(BIError):
            Definition = pool.get('power.bi.report.definition')
            unknown, = Definition.create([{'code': 'X', 'name': 'X',
                        'number': 99, 'personal_data': False}])
            produce(unknown, ALL)

    @with_transaction()
    @with_data
    def test_roles(self, company, first, second):
        """What each staff role may read, change, create and delete, model by
        model (docs/reliability.md), and the logs nobody may change"""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Access = pool.get('ir.model.access')
        Log = pool.get('power.operator.log')
        operator = 'power_cis.group_power_operator'
        roles = {
            'staff': [],
            'operator': [operator],
            'billing': [operator, 'power_billing.group_power_billing'],
            'integration': ['power_edi.group_power_edi'],
            'bi': ['power_bi.group_power_bi'],
            'admin': ['power_cis.group_power_admin'],
            }
        # role: rights, by model; a role not named has the first column's
        M = {
            'power.contract': ('', {'operator': 'rwcd', 'billing': 'rwcd'}),
            'power.inquiry': ('', {'operator': 'rwcd', 'billing': 'rwcd'}),
            'power.application': ('', {'operator': 'rwcd',
                    'billing': 'rwcd'}),
            'power.switching.request': ('', {'operator': 'rwcd',
                    'billing': 'rwcd'}),
            'power.supply_point': ('', {'operator': 'rwc', 'billing': 'rwc',
                    'admin': 'rwcd'}),
            'power.billing.determinant': ('r', {'billing': 'rwc'}),
            'power.billing.adjustment': ('r', {'billing': 'rwcd'}),
            'power.payment.method': ('r', {'billing': 'rwc'}),
            'power.payment.receipt': ('r', {'billing': 'rwc'}),
            'power.payment.slip': ('r', {'billing': 'rwc'}),
            'power.usage.confirmed': ('r', {'billing': 'rwc'}),
            'power.regulated.fuel': ('r', {'billing': 'rwcd'}),
            'power.regulated.subsidy': ('r', {'billing': 'rwcd'}),
            'power.regulated.import': ('r', {'billing': 'rwcd'}),
            'power.regulated.capacity': ('r', {'billing': 'rwcd'}),
            'power.regulated.market_price': ('r', {'billing': 'rwcd'}),
            'power.rate_menu': ('r', {'admin': 'rwcd'}),
            'power.rate_menu.version': ('r', {'billing': 'rwcd',
                    'admin': 'rwcd'}),
            'power.payment.agent': ('r', {'admin': 'rwcd'}),
            'power.configuration': ('r', {'admin': 'rwcd'}),
            'power.edi.endpoint': ('', {'integration': 'rwcd'}),
            'power.edi.exchange': ('', {'integration': 'r'}),
            'power.bi.kpi.month': ('', {'bi': 'r'}),
            'power.batch.run': ('', {'billing': 'rwc', 'admin': 'rwcd'}),
            # the logs: read by the administrators, changed by nobody
            'power.operator.log': ('', {'admin': 'r'}),
            'power.report.output': ('', {'admin': 'r'}),
            # issued bills: read by billing clerks and administrators,
            # changed by nobody (docs/archive.md)
            'power.billing.document': ('', {'billing': 'r', 'admin': 'r'}),
            # one payer, many sites: accounts kept by billing clerks,
            # statements made by the system (docs/billing.md)
            'power.billing.payer': ('r', {'billing': 'rwc'}),
            'power.billing.statement': ('r', {}),
            'power.billing.statement.line': ('r', {}),
            'power.power_mix': ('r', {'billing': 'rwcd'}),
            'power.dr.event': ('', {'operator': 'r', 'billing': 'rwcd'}),
            'power.dr.participant': ('', {'operator': 'r', 'billing': 'r'}),
            }
        users = {}
        for role, groups in roles.items():
            users[role], = User.create([{'login': f'role-{role}',
                        'name': role, 'companies': [('add', [company.id])],
                        'company': company.id,
                        'groups': [('add', [ModelData.get_id(*g.split('.'))
                                    for g in groups])]}])
        modes = {'r': 'read', 'w': 'write', 'c': 'create', 'd': 'delete'}
        found, wanted = {}, {}
        for role, user in users.items():
            with Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                for model, (default, by_role) in M.items():
                    wanted[role, model] = by_role.get(role, default)
                    found[role, model] = ''.join(letter
                        for letter, mode in modes.items()
                        if Access.check(model, mode, raise_exception=False))
        self.assertEqual(
            {k: v for k, v in found.items() if v != wanted[k]}, {})
        # the menus each role sees (docs/reliability.md): its sections of
        # Power Retail, no section left empty, no entry whose action the
        # role may not run
        sections = {
            'staff': [],
            'operator': ['Applications', 'Billing', 'Collections',
                'Contracts', 'Customers', 'Inquiries', 'Supply Points',
                'Switching Requests'],
            # the sections of what every staff member may read, and theirs
            'integration': ['Billing', 'Collections', 'Customers',
                'Integration'],
            'bi': ['Billing', 'Collections', 'Customers', 'Reports'],
            'admin': ['Billing', 'Collections', 'Configuration', 'Customers',
                'Logs', 'Supply Points'],
            }
        sections['billing'] = sections['operator']
        Menu = pool.get('ir.ui.menu')
        root = ModelData.get_id('power_cis', 'menu_power')
        ours = {data.db_id for data in ModelData.search([
                    ('model', '=', 'ir.ui.menu'),
                    ('module', 'like', 'power_%')])}
        found, faults = {}, []
        for role, user in users.items():
            groups = {group.id for group in user.groups}
            with Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                menus = [m for m in Menu.search([]) if m.id in ours]
            parents = {m.parent.id for m in menus if m.parent}
            found[role] = sorted(m.name for m in menus
                if m.parent and m.parent.id == root)
            for menu in menus:
                actions = [k.action for k in menu.action_keywords]
                if not actions and menu.id not in parents:
                    faults.append((role, menu.rec_name, 'empty section'))
                for action in actions:
                    if action.groups and not groups & {
                            g.id for g in action.groups}:
                        faults.append((role, menu.rec_name, 'not allowed'))
        self.assertEqual((found, faults), (sections, []))
        # only billing clerks review and activate published values
        from trytond.model.modelview import AccessButtonError
        Import = pool.get('power.regulated.import')
        published, = Import.create([{'name': 'subsidy.csv',
                    'file': b'customer_class,usage_month,discount,source\n'
                    b'low,2026-04,0,none\n'}])
        for role in ['operator', 'admin', 'bi', 'integration']:
            with Transaction().set_user(users[role].id), \
                    Transaction().set_context(_check_access=True):
                with self.assertRaises(AccessButtonError, msg=role):
                    Import.review([Import(published.id)])
        with Transaction().set_user(users['billing'].id), \
                Transaction().set_context(_check_access=True):
            Import.review([Import(published.id)])
        self.assertEqual(Import(published.id).state, 'reviewed')
        # the operator log is kept even from its readers
        Log.add('someone', 'login_failed')
        entry, = Log.search([('login', '=', 'someone')])
        with Transaction().set_user(users['admin'].id), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(Log.search([('login', '=', 'someone')]),
                [entry])
            with self.assertRaises(AccessError):
                Log.delete([entry])
            with self.assertRaises(AccessError):
                Log.write([entry], {'login': 'nobody'})

    @with_transaction()
    @with_data
    def test_kpi_dashboard(self, company, first, second):
        "The KPI tables against the determinants and contracts"
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Contract = pool.get('power.contract')
        Month = pool.get('power.bi.kpi.month')
        Snapshot = pool.get('power.bi.kpi.snapshot')
        from ..kpi import refresh_all
        refresh_all(today=MAR10)
        months = {m.month: m for m in Month.search([])}
        self.assertEqual(len(months), 25)
        billed = [d for d in Determinant.search([])
            if d.state != 'cancelled' and d.end.month == 2]
        february = months[dt.date(2025, 2, 1)]
        self.assertEqual(february.sales, sum(d.total for d in billed))
        self.assertEqual(february.kwh, sum(int(d.kwh) for d in billed))
        self.assertEqual(february.live, Contract.search_count(
                [('state', '=', 'active')]))
        self.assertEqual(months[dt.date(2024, 6, 1)].switch_ins,
            Contract.search_count([('start_date', '=', dt.date(2024, 6, 1))]))
        states = {s.label: s.count for s in Snapshot.search(
                [('kind', '=', 'state')])}
        self.assertEqual(sum(states.values()), Contract.search_count([]))
        ages = Snapshot.search([('kind', '=', 'age')])
        self.assertEqual(len(ages), 5)
        self.assertTrue(sum(a.amount for a in ages) > 0)
        # refreshed again: replaced, not added
        refresh_all(today=MAR10)
        self.assertEqual(Month.search_count([]), 25)
        # refreshed in English (the scheduled action), read in Japanese
        Lang = pool.get('ir.lang')
        ja, = Lang.search([('code', '=', 'ja')])
        Lang.load_translations([ja])
        active = Contract.search_count([('state', '=', 'active')])
        self.assertEqual(states['Active'], active)
        with Transaction().set_context(language='ja'):
            states = {s.label: s.count for s in Snapshot.search(
                    [('kind', '=', 'state')])}
            self.assertEqual(states['有効'], active)

    @unittest.skipUnless(backend.name == 'postgresql',
        "a read replica is a PostgreSQL server")
    @with_transaction()
    @with_data
    def test_reports_read_from_the_replica(self, company, first, second):
        "With a replica configured, the reports read there, not in the transaction"
        uri = config.get('database', 'uri')
        committed = dict(rows(12))['Active']
        self.contract(company, name='未確定 三郎')     # not committed
        self.assertEqual(dict(rows(12))['Active'], committed + 1)
        config.set('database', 'replica_uri', uri)
        try:
            on_replica = dict(rows(12))['Active']
            # the committed determinant lines, through a server-side cursor
            lines = rows(6)
        finally:
            config.set('database', 'replica_uri', '')
            replica.close()
        self.assertEqual(on_replica, committed)
        self.assertEqual(lines, rows(6))
        self.assertTrue(lines)
