# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.

from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class PowerPortalTestCase(ModuleTestCase):
    "Test power_portal module"
    module = 'power_portal'

    @with_transaction()
    def test_view_extensions_are_applied(self):
        """Every view extension of the power add-ons extends a view that
        Tryton applies extensions to: an extension of an extension is never
        shown (the customer form once had no Billing, Payment or Points
        tab)"""
        View = Pool().get('ir.ui.view')
        for view in View.search([('module', 'like', 'power_%'),
                    ('inherit', '!=', None)]):
            if view.inherit.model == view.model:
                self.assertFalse(view.inherit.inherit,
                    f"{view.module}.{view.name} extends the extension "
                    f"{view.inherit.module}.{view.inherit.name}")

    @with_transaction()
    def test_customer_form_pages(self):
        "The customer form shows contracts, inquiries, billing, payment, points and the portal code"
        Party = Pool().get('party.party')
        arch = Party.fields_view_get(view_type='form')['arch']
        for part in ['name="power_contracts"', 'name="inquiries"',
                'id="power_billing"', 'id="power_payment"',
                'id="power_points"', 'name="portal_code"',
                'name="billing_determinants"', 'name="receipts"',
                'name="point_grants"']:
            self.assertIn(part, arch)


del ModuleTestCase
