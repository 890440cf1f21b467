# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The power source mix on the menu, the bill notice and the yearly
disclosure (docs/power_mix.md)."""
import io
from decimal import Decimal as D

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from ..exceptions import PowerMixError
from .tools import FEB10, JAN10, BillingTestCase, with_billing_company

RESIDUAL = [('lng', D('35.0')), ('coal', D('25.0')), ('fit', D('10.0')),
    ('jepx', D('25.0')), ('other', D('5.0'))]
SOLAR = [('solar', D('60.0')), ('fit', D('40.0'))]


class PowerMixTestCase(BillingTestCase):
    "The power source mix"

    def mix(self, company, year, shares, menu=None, **values):
        Mix = Pool().get('power.power_mix')
        mix, = Mix.create([{'company': company.id,
                    'menu': menu.id if menu else None, 'fiscal_year': year,
                    'lines': [('create', [{'source': s, 'share': p}
                                for s, p in shares])],
                    'adjusted_factor': D('0.452'),
                    'source': 'https://example.jp/dengen (2025-07-01)',
                    **values}])
        return mix

    def billed(self, company):
        "(the menu, the determinant of a bill read on 2025-02-10)"
        Menu = Pool().get('power.rate_menu')
        menu, = Menu.search([('code', '=', 'tepco-juryo-b')])
        contract = self.contract(company)
        self.usage(contract, JAN10, FEB10, 260)
        self.bill()
        determinant, = self.determinants(contract)
        return menu, determinant

    @with_transaction()
    @with_billing_company
    def test_guideline_checked_on_save(self, company):
        "A mix that does not add up or claims renewable without certificates is refused"
        Menu = Pool().get('power.rate_menu')
        menu, = Menu.search([('code', '=', 'tepco-juryo-b')])
        with self.assertRaises(PowerMixError) as error:
            self.mix(company, 2024, RESIDUAL[:-1])
        self.assertIn('95.0 %', str(error.exception))
        with self.assertRaises(PowerMixError) as error:
            self.mix(company, 2025, SOLAR, menu, kind='plan',
                claim='renewable', certificate_share=D(50))
        self.assertIn('非化石証書', str(error.exception))
        # (a refused create is rolled back with its request; not here)
        mix = self.mix(company, 2026, SOLAR, menu, kind='plan',
            claim='renewable', certificate_share=D(100),
            adjusted_factor=D(0))
        self.assertEqual(mix.core().renewable_share, D(100))

    @with_transaction()
    @with_billing_company
    def test_shown_on_the_bill(self, company):
        "The bill shows its menu's latest result, or all sales', or the plan of a renewable menu"
        from ..notice import notices
        from power_core.notice import render_html
        menu, determinant = self.billed(company)
        # read on 2025-02-10: fiscal year 2024, so the latest result is 2023
        notice, = notices([determinant])
        self.assertIsNone(notice.power_mix)
        self.mix(company, 2022, RESIDUAL)
        self.mix(company, 2023, RESIDUAL, adjusted_factor=D('0.430'))
        self.mix(company, 2024, RESIDUAL, adjusted_factor=D('0.999'))
        notice, = notices([determinant])
        self.assertEqual((notice.power_mix.fiscal_year,
                notice.power_mix.adjusted_factor), (2023, D('0.430')))
        html = render_html(notice)
        self.assertIn('電源構成（2023年度実績）', html)
        self.assertIn('0.430 kg-CO2/kWh', html)
        self.assertIn('賦課金により賄われています', html)
        # the menu's own result comes first
        self.mix(company, 2023, SOLAR, menu, adjusted_factor=D('0.100'))
        notice, = notices([determinant])
        self.assertEqual(notice.power_mix.adjusted_factor, D('0.100'))
        self.assertEqual(notice.power_mix.menu, menu.name)
        # a menu sold as renewable shows this fiscal year's plan
        self.mix(company, 2024, SOLAR, menu, kind='plan',
            claim='renewable', certificate_share=D(100),
            adjusted_factor=D(0))
        notice, = notices([determinant])
        self.assertEqual((notice.power_mix.kind, notice.power_mix.claim),
            ('plan', 'renewable'))
        self.assertIn('再エネ100%', render_html(notice))

    @with_transaction()
    @with_billing_company
    def test_yearly_disclosure(self, company):
        "The disclosure weighs each menu's result by the kWh it sold; a missing one is named"
        from ..power_mix import disclosure_xlsx, sold_and_mixes
        import openpyxl
        menu, _ = self.billed(company)
        with self.assertRaises(PowerMixError) as error:
            sold_and_mixes(2024)
        self.assertIn(menu.rec_name, str(error.exception))
        self.mix(company, 2024, RESIDUAL)
        rows, overall = sold_and_mixes(2024)
        self.assertEqual([(name, kwh) for name, kwh, _ in rows],
            [(menu.name, D(260))])
        self.assertEqual(sold_and_mixes(2023)[0], [])
        book = openpyxl.load_workbook(io.BytesIO(
                disclosure_xlsx(2024, rows, overall)))
        values = [[c for c in row] for row in book.active.values]
        # hydro (none), then coal
        self.assertEqual(values[3][:4], [menu.name, 260, 0, 25])
        self.assertEqual(values[4][0], '全メニュー（販売電力量で加重）')
        self.assertTrue(any(v and str(v).startswith('出典：https://example.jp')
                for row in values for v in row))
