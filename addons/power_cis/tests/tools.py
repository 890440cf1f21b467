# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Helpers shared by the module tests of power_cis and the modules above it."""
import datetime as dt
from decimal import Decimal

from lxml import etree

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

AMPERES = (10, 15, 20, 30, 40, 50, 60)


def create_menu(code='tepco-juryo-b', unit='A', options=AMPERES):
    "A rate menu offering the given capacities."
    RateMenu = Pool().get('power.rate_menu')
    menu, = RateMenu.create([{
                'code': code,
                'name': code,
                'customer_class': 'low_lighting' if unit != 'kW' else 'high',
                'capacity_unit': unit,
                'capacity_options': [('create', [
                            {'capacity': Decimal(c)} for c in options])],
                }])
    return menu


def create_supply_point(number='0300001111222233334444', **values):
    SupplyPoint = Pool().get('power.supply_point')
    values.setdefault('address', '東京都千代田区内幸町1-1-3')
    values.setdefault('reading_schedule', '05')
    point, = SupplyPoint.create([dict(number=number, **values)])
    return point


def create_contract(company, point, menu, start=dt.date(2025, 4, 1),
        capacity=30, customer=None, **values):
    "A draft contract with its first version."
    pool = Pool()
    Party = pool.get('party.party')
    Contract = pool.get('power.contract')
    if customer is None:
        customer, = Party.create([{'name': '山田 太郎'}])
    contract, = Contract.create([dict(
                company=company.id, customer=customer.id,
                supply_point=point.id, start_date=start,
                versions=[('create', [{
                                'start_date': start,
                                'menu': menu.id,
                                'capacity': Decimal(capacity),
                                'holder_name': customer.name,
                                }])],
                **values)])
    return contract


class ListViewTestMixin:
    "Checks of list views that ModuleTestCase does not make."

    @with_transaction()
    def test_list_datetime_widget(self):
        "sao has no datetime column: list views split it in date and time"
        pool = Pool()
        View = pool.get('ir.ui.view')
        for view in View.search([
                    ('module', '=', self.module), ('type', '=', 'tree')]):
            Model = pool.get(view.model)
            tree = etree.fromstring(view.arch)
            for field in tree.iter('field'):
                ftype = Model._fields[field.get('name')]._type
                if ftype in {'datetime', 'timestamp'}:
                    with self.subTest(view=view.name, field=field.get('name')):
                        self.assertIn(field.get('widget'), {'date', 'time'})
