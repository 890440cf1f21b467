# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.

from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class PowerBillingTestCase(CompanyTestMixin, ModuleTestCase):
    "Test power_billing module"
    module = 'power_billing'


del ModuleTestCase
