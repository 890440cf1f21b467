# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal
from unittest.mock import patch

from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.power_cis.tests.tools import ListViewTestMixin
from trytond.model.exceptions import RequiredValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from ..exceptions import MenuComponentError, MenuVersionError
from .tools import FEB10, JAN10, BillingHelpers, with_billing_company


class PowerBillingTestCase(ListViewTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test power_billing module"
    module = 'power_billing'

    def _version(self):
        "従量電灯B with the 2024-04-01 prices, as a business user enters it."
        pool = Pool()
        Menu = pool.get('power.rate_menu')
        menu, = Menu.create([{
                    'code': 'b', 'name': '従量電灯B',
                    'customer_class': 'low_lighting', 'capacity_unit': 'A',
                    'capacity_options': [('create', [
                                {'capacity': Decimal(a)}
                                for a in (10, 15, 20, 30, 40, 50, 60)])],
                    'versions': [('create', [{
                                    'valid_from': dt.date(2024, 4, 1),
                                    'components': [('create', [{
                                                'sequence': 1, 'code': 'basic',
                                                'label': '基本料金',
                                                'kind': 'basic_table',
                                                'pairs': '30=935.25\n40=1247.00',
                                                }, {
                                                'sequence': 2,
                                                'code': 'energy',
                                                'label': '電力量料金',
                                                'kind': 'energy_tiers',
                                                'pairs': '120=29.80\n300=36.40\n'
                                                '=40.49'}, {
                                                'sequence': 3,
                                                'code': 'fuel',
                                                'label': '燃料費調整額',
                                                'kind': 'fuel_adjustment',
                                                'menu_type': 'regulated'}, {
                                                'sequence': 4,
                                                'code': 'renewable',
                                                'label': '再エネ賦課金',
                                                'kind': 'renewable_surcharge'},
                                            ])],
                                    'test_cases': [('create', [{
                                                # 935.25 + 3576.00 + 5096.00
                                                # − 1690.00 = 7917.25 → 7917;
                                                # + floor(260 × 3.49) = 907
                                                'name': '30A 260kWh',
                                                'capacity': Decimal(30),
                                                'kwh': Decimal(260),
                                                'period_start': dt.date(
                                                    2025, 1, 10),
                                                'period_end': dt.date(
                                                    2025, 2, 10),
                                                'fuel_adjustment': Decimal(
                                                    '-6.50'),
                                                'renewable_surcharge':
                                                Decimal('3.49'),
                                                'expected_total': 8824,
                                                }])],
                                    }])],
                    }])
        return menu.versions[0]

    @with_transaction()
    def test_daily_billing_scheduled_with_a_next_run(self):
        "The daily billing run is scheduled at 04:30 server time and shows its next run from the start"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Cron = pool.get('ir.cron')
        from trytond.tools import timezone as tz
        cron = Cron(ModelData.get_id('power_billing', 'cron_billing'))
        self.assertEqual((cron.method, cron.interval_type,
                cron.interval_number), ('power.batch.run|cron_billing',
                'days', 1))
        self.assertIsNotNone(cron.next_call)
        self.assertGreater(cron.next_call, dt.datetime.now())
        local = cron.next_call.replace(tzinfo=tz.UTC).astimezone(tz.SERVER)
        self.assertEqual((local.hour, local.minute), (4, 30))
        # every scheduled action of the power add-ons has its next run
        for cron in Cron.search([('method', 'like', 'power.%')]):
            self.assertIsNotNone(cron.next_call, cron.method)

    @with_transaction()
    def test_verify_and_activate(self):
        "A version whose test cases pass is activated"
        Version = Pool().get('power.rate_menu.version')
        version = self._version()
        Version.verify([version])
        case, = version.test_cases
        self.assertEqual(case.result, 'pass', case.detail)
        self.assertEqual(case.result_total, 8824)
        self.assertIn('基本料金', case.detail)
        Version.activate([version])
        self.assertEqual(version.state, 'active')
        self.assertEqual(version.verified, '1/1')

    @with_transaction()
    def test_changed_price_fails_and_blocks_activation(self):
        "After a price change the test case fails and activation is refused"
        pool = Pool()
        Version = pool.get('power.rate_menu.version')
        Component = pool.get('power.rate_menu.component')
        version = self._version()
        energy, = [c for c in version.components if c.code == 'energy']
        Component.write([energy], {
                'pairs': '120=29.90\n300=36.40\n=40.49'})
        with self.assertRaises(MenuVersionError) as cm:
            Version.activate([version])
        self.assertIn('30A 260kWh', cm.exception.message)
        case, = Version(version.id).test_cases
        # expected lines are checked one by one
        TestCase = Pool().get('power.rate_menu.test_case')
        TestCase.write([case], {'expected_lines': 'basic=935.25\nenergy_1=3576'})
        Version.verify([version])
        case, = Version(version.id).test_cases
        self.assertIn('energy_1: expected 3576, got 3588.00', case.detail)
        # the failing run is not saved (the transaction rolls back), so
        # verify alone to see the difference: 120 × 0.10 = 12 yen
        Version.verify([version])
        case, = Version(version.id).test_cases
        self.assertEqual(case.result, 'fail')
        self.assertEqual(case.difference, 12)

    @with_transaction()
    def test_formula_component(self):
        "A formula component uses earlier components; bad ones are refused"
        pool = Pool()
        Component = pool.get('power.rate_menu.component')
        Version = pool.get('power.rate_menu.version')
        version = self._version()
        Component.create([{
                    'version': version.id, 'sequence': 5, 'code': 'campaign',
                    'label': 'キャンペーン割引', 'kind': 'formula',
                    'expression': '-round_down(basic * 0.5)'}])
        case, = version.test_cases
        case.expected_total = 8824 - 467  # half of 935.25, rounded down
        case.save()
        Version.verify([version])
        self.assertEqual(Version(version.id).test_cases[0].result, 'pass')
        # tier kWh, demand and month are known to formulas
        Component.create([{
                    'version': version.id, 'sequence': 8, 'code': 'zero',
                    'label': 'x', 'kind': 'formula', 'expression':
                    'kwh_energy_2 * 0 + max_demand * 0 + month * 0'}])
        with self.assertRaises(MenuComponentError) as cm:
            Component.create([{
                        'version': version.id, 'sequence': 6, 'code': 'bad',
                        'label': 'x', 'kind': 'formula',
                        'expression': 'kwh * __class__'}])
        self.assertIn('column', cm.exception.message)
        with self.assertRaises(MenuComponentError) as cm:
            Component.create([{
                        'version': version.id, 'sequence': 7, 'code': 'bad2',
                        'label': 'x', 'kind': 'energy_tiers',
                        'pairs': '120:29.80'}])
        self.assertIn('KEY=VALUE', cm.exception.message)


    @with_transaction()
    def test_import_data_pack(self):
        "The shipped menus arrive with verified, activated versions"
        pool = Pool()
        Menu = pool.get('power.rate_menu')
        created = Menu.import_data_pack()
        menus = {m.code: m for m in Menu.search([])}
        self.assertEqual(set(menus), {'tepco-juryo-b', 'tepco-juryo-c',
                'new-retailer-b', 'tou-demo', 'high-demand-demo',
                'tepco-teiatsu', 'market-demo', 'kepco-juryo-a',
                'kyuden-juryo-b'})
        b = menus['tepco-juryo-b']
        self.assertEqual(
            [(str(v.valid_from), v.state) for v in sorted(
                    b.versions, key=lambda v: v.valid_from)],
            [('2023-06-01', 'active'), ('2024-04-01', 'active')])
        self.assertTrue(all(c.result == 'pass'
                for v in b.versions for c in v.test_cases))
        # the demo menus' cases (time-of-use bands, demand) pass too
        self.assertEqual(menus['tou-demo'].versions[0].state, 'active')
        self.assertEqual(menus['high-demand-demo'].versions[0].state, 'active')
        # 低圧電力's seasons shared by days are a formula of the menu
        self.assertEqual(menus['tepco-teiatsu'].versions[0].state, 'active')
        # a market-linked menu's cases are rated at their area price
        self.assertEqual(menus['market-demo'].versions[0].state, 'active')
        # Kansai's tier widths pro-rated (the move-in case)
        self.assertEqual(menus['kepco-juryo-a'].versions[0].state, 'active')
        # offered in its own area only
        self.assertEqual([a.code for a in menus['kepco-juryo-a'].areas],
            ['06'])
        # Kyushu's 従量電灯B with its 最低月額料金, offered in area 09 only
        self.assertEqual(menus['kyuden-juryo-b'].versions[0].state, 'active')
        self.assertEqual([a.code for a in menus['kyuden-juryo-b'].areas],
            ['09'])
        # a second import adds nothing
        self.assertEqual(Menu.import_data_pack(), [])
        self.assertEqual(len(created), 11)
        # the records rate like the data pack
        from power_core.tariff.rating import Usage, rate
        from power_core.tariff.regulated import RegulatedValues
        bill = rate(b.to_core(), Usage(dt.date(2025, 1, 10),
                dt.date(2025, 2, 10), Decimal(260), Decimal(30)),
            RegulatedValues(), {'fuel_adjustment': Decimal('-6.50'),
                'subsidy': Decimal('2.50'),
                'renewable_surcharge': Decimal('3.49')})
        self.assertEqual(bill.total, 8174)


    @with_transaction()
    def test_regulated_values(self):
        "The data pack's regulated values load once and feed the engine"
        from ..regulated import import_regulated, regulated_values
        from power_core.errors import RegulatedValueMissing
        added = import_regulated()
        self.assertGreater(added, 40)
        self.assertEqual(import_regulated(), 0)
        values = regulated_values()
        self.assertEqual(values.renewable_surcharge(dt.date(2025, 5, 1)),
            Decimal('3.98'))
        self.assertEqual(values.fuel_adjustment(
                '03', 'regulated', dt.date(2025, 2, 1)), Decimal('-6.50'))
        self.assertEqual(values.subsidy_discount('low', dt.date(2025, 1, 1)),
            Decimal('2.50'))
        with self.assertRaises(RegulatedValueMissing):
            values.fuel_adjustment('03', 'regulated', dt.date(2030, 1, 1))
        # a month typed mid-month is stored as its first day
        Fuel = Pool().get('power.regulated.fuel')
        fuel, = Fuel.search([('charge_month', '=', dt.date(2025, 2, 1)),
                ('menu_type', '=', 'free'), ('area.code', '=', '03')])
        Fuel.write([fuel], {'price': Decimal('-6.40')})
        self.assertEqual(regulated_values().fuel_adjustment(
                '03', 'free', dt.date(2025, 2, 1)), Decimal('-6.40'))
        # by voltage class, each row with its source
        self.assertEqual(values.fuel_adjustment(
                '03', 'free', dt.date(2025, 9, 1), 'high'), Decimal('-1.48'))
        self.assertEqual(values.fuel_adjustment(
                '03', 'free', dt.date(2025, 9, 1), 'low'), Decimal('-7.50'))
        self.assertIn('tess-eng', fuel.source + ''.join(f.source
                for f in Fuel.search([('voltage', '=', 'high')])))
        # a month without a programme is declared 0; one not declared stops
        self.assertEqual(values.subsidy_discount('low', dt.date(2024, 6, 1)),
            Decimal(0))
        self.assertEqual(values.subsidy_discount('high', dt.date(2024, 5, 1)),
            Decimal('0.90'))
        with self.assertRaisesRegex(RegulatedValueMissing, '2030-01'):
            values.subsidy_discount('low', dt.date(2030, 1, 1))
        Subsidy = Pool().get('power.regulated.subsidy')
        with self.assertRaises(RequiredValidationError):
            Subsidy.create([{'customer_class': 'low',
                        'usage_month': dt.date(2030, 1, 1),
                        'discount': Decimal(0)}])


    @with_transaction()
    def test_regulated_import_workflow(self):
        "A month's published values: review the differences, then activate"
        from ..exceptions import RegulatedImportError
        from ..regulated import import_regulated, regulated_values
        from trytond.model.exceptions import AccessError
        pool = Pool()
        Import = pool.get('power.regulated.import')
        Fuel = pool.get('power.regulated.fuel')
        import_regulated()
        text = ('# 燃料費調整単価 2025年10月分\n'
            'area,voltage,menu_type,charge_month,price,source\n'
            '03,low,free,2025-10,-7.80,TEPCO EP notice 2025-10\n'
            '03,low,free,2025-09,-7.50,tess-eng.co.jp\n'
            '03,high,free,2025-09,-1.50,a correction\n')
        first, = Import.create([{'name': 'fuel-2025-10.csv',
                    'file': text.encode()}])
        Import.review([first])
        self.assertEqual((first.state, first.table), ('reviewed', 'fuel'))
        self.assertEqual((first.new, first.changed, first.same), (1, 1, 1))
        self.assertEqual(
            {(l.name, l.kind, l.before, l.after) for l in first.lines}, {
                ('area 03 low voltage free 2025-10', 'new', None,
                    Decimal('-7.80')),
                ('area 03 low voltage free 2025-09', 'same',
                    Decimal('-7.50'), Decimal('-7.50')),
                ('area 03 high voltage free 2025-09', 'changed',
                    Decimal('-1.48'), Decimal('-1.50'))})
        # nothing is written before the activation
        self.assertEqual(regulated_values().fuel_adjustment(
                '03', 'free', dt.date(2025, 9, 1), 'high'), Decimal('-1.48'))
        rows = Fuel.search_count([])
        Import.activate([first])
        values = regulated_values()
        self.assertEqual(values.fuel_adjustment(
                '03', 'free', dt.date(2025, 9, 1), 'high'), Decimal('-1.50'))
        self.assertEqual(values.fuel_adjustment(
                '03', 'free', dt.date(2025, 10, 1)), Decimal('-7.80'))
        self.assertEqual(Fuel.search_count([]), rows + 1)
        october, = Fuel.search([('charge_month', '=', dt.date(2025, 10, 1))])
        self.assertEqual(october.source, 'TEPCO EP notice 2025-10')
        self.assertEqual((first.state, first.activated_by.id),
            ('activated', Transaction().user))
        self.assertTrue(first.activated_at)
        # the same file again changes nothing
        again, = Import.create([{'name': 'fuel-2025-10.csv',
                    'file': text.encode()}])
        Import.review([again])
        self.assertEqual((again.new, again.changed, again.same), (0, 0, 3))
        Import.activate([again])
        self.assertEqual(Fuel.search_count([]), rows + 1)
        # a bad file is refused saying where; nothing changes, it is kept
        bad, = Import.create([{'name': 'fuel-bad.csv',
                    'file': text.replace('-7.80', 'abc').encode()}])
        with self.assertRaisesRegex(RegulatedImportError,
                "fuel-bad.csv line 3: 'abc' is not a number"):
            Import.review([bad])
        self.assertEqual((bad.state, bad.lines), ('draft', ()))
        # a value changed after the review: review again
        stale, = Import.create([{'name': 'fuel-2025-11.csv',
                    'file': text.replace('2025-10', '2025-11').encode()}])
        Import.review([stale])
        Fuel.write([october], {'price': Decimal('-7.90')})
        Fuel.write(Fuel.search([('voltage', '=', 'high'),
                    ('charge_month', '=', dt.date(2025, 9, 1)),
                    ('area.code', '=', '03')]), {'price': Decimal('-1.49')})
        with self.assertRaises(RegulatedImportError):
            Import.activate([stale])
        # what was activated is kept
        with self.assertRaises(AccessError):
            Import.delete([first])

    @with_transaction()
    def test_capacity_contribution_imported_and_rated(self):
        "A year's capacity contribution per area is imported and rated"
        from ..regulated import regulated_values
        from power_core.errors import RegulatedValueMissing
        Import = Pool().get('power.regulated.import')
        with self.assertRaisesRegex(RegulatedValueMissing, 'fiscal year 2026'):
            regulated_values().capacity_contribution(
                '03', dt.date(2026, 4, 1))
        published, = Import.create([{'name': 'capacity-fy2026.xlsx',
                    'file': _xlsx([['area', 'fiscal_year', 'price', 'source'],
                            [3, 2026, 1.12, 'our FY2026 notice']])}])
        Import.review([published])
        self.assertEqual((published.table, published.new), ('capacity', 1))
        Import.activate([published])
        self.assertEqual(regulated_values().capacity_contribution(
                '03', dt.date(2027, 3, 1)), Decimal('1.12'))

    @with_transaction()
    def test_excel_round_trip(self):
        "A version goes to Excel and back; changes are previewed, then applied"
        import io

        import openpyxl

        from power_core.tariff.excel import differences, export_xlsx, import_xlsx
        pool = Pool()
        Version = pool.get('power.rate_menu.version')
        version = self._version()
        data = version.excel_data()
        self.assertEqual(data['prices'][('energy', '120')], Decimal('29.8'))
        book = openpyxl.load_workbook(io.BytesIO(
                export_xlsx(version.rec_name, data)))
        for row in book['Prices'].iter_rows(min_row=2):
            if (row[0].value, row[1].value) == ('energy', '300'):
                row[2].value = 36.5
        book['Test cases']['I2'] = '8850'
        out = io.BytesIO()
        book.save(out)
        new = import_xlsx(out.getvalue())
        self.assertEqual(differences(data, new), [
                'energy 300: 36.4 → 36.5',
                'test case 30A 260kWh expected_total: 8824 → 8850'])
        version.apply_excel_data(new)
        version = Version(version.id)
        energy, = [c for c in version.components if c.code == 'energy']
        self.assertEqual(energy.pairs, '120=29.8\n300=36.5\n=40.49')
        # 140 kWh × 0.10 more: 8824 + 14 = 8838, not the 8850 typed
        Version.verify([version])
        case, = Version(version.id).test_cases
        self.assertEqual((case.result, case.difference), ('fail', -12))
        Version.write([version], {'state': 'active'})
        with self.assertRaises(MenuVersionError):
            Version(version.id).apply_excel_data(new)

    @with_transaction()
    @with_billing_company
    def test_dunning_list_in_japanese(self, company):
        "The dunning list's level and state read in Japanese by a Japanese user"
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Lang = pool.get('ir.lang')
        from .tools import setup_collections
        setup_collections(company)
        helpers = BillingHelpers()
        helpers.points = 0
        contract = helpers.contract(company)
        helpers.usage(contract, JAN10, FEB10, '259.6')
        helpers.bill()
        overdue = dt.date(2025, 3, 13)      # the day after the due date
        with patch.object(pool.get('ir.date'), 'today',
                return_value=overdue):
            Dunning.generate_dunnings(overdue)
        dunning, = Dunning.search([])
        ja, = Lang.search([('code', '=', 'ja')])
        Lang.load_translations([ja])
        with Transaction().set_context(language='ja'):
            fields = Dunning.fields_view_get(view_type='tree')['fields']
            self.assertEqual(fields['level']['string'], '督促段階')
            self.assertEqual(fields['state']['string'], '状態')
            self.assertEqual(dict(fields['state']['selection']), {
                    'draft': '下書き', 'waiting': '次段階待ち',
                    'final': '最終段階'})
            self.assertEqual(dict(fields['power_action']['selection'])[
                    'reminder'], '督促')
            row, = Dunning.read([dunning.id],
                ['level.rec_name', 'state', 'power_action'])
            self.assertEqual(row['level.']['rec_name'], '督促@督促から解約まで')
            self.assertEqual(row['state'], 'draft')
        # the levels read in the default language keep their English action
        self.assertEqual(Dunning(dunning.id).level.rec_name,
            'Reminder (督促)@督促から解約まで')


def load_tests(loader, tests, pattern):
    "Also run the examples in the docstrings of the tariff adapter."
    import doctest

    from .. import tariff
    tests.addTests(doctest.DocTestSuite(tariff))
    return tests


del ModuleTestCase


def _xlsx(rows):
    "An XLSX workbook of rows on its first sheet, as staff save one."
    import io

    import xlsxwriter
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output)
    sheet = book.add_worksheet()
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    return output.getvalue()
