# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import (
    RequiredValidationError, SQLConstraintError, ValidationError)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

from ..exceptions import (
    ContractOverlapError, ContractValidationError,
    SupplyPointValidationError)

NUMBER = '0300001111222233334444'


class PowerCisTestCase(CompanyTestMixin, ModuleTestCase):
    "Test power_cis module"
    module = 'power_cis'

    def _supply_point(self, number=NUMBER, **values):
        SupplyPoint = Pool().get('power.supply_point')
        values.setdefault('address', '東京都千代田区内幸町1-1-3')
        point, = SupplyPoint.create([dict(number=number, **values)])
        return point

    def _contract(self, company, point, start=dt.date(2025, 4, 1), **values):
        pool = Pool()
        Party = pool.get('party.party')
        Contract = pool.get('power.contract')
        customer = values.pop('customer', None) or Party(name='山田 太郎')
        if not customer.id:
            customer.save()
        values.setdefault('capacity', Decimal(30))
        contract, = Contract.create([dict(
                    company=company.id, customer=customer.id,
                    supply_point=point.id, start_date=start, **values)])
        return contract

    @with_transaction()
    def test_supply_point_number_normalised(self):
        "Full-width digits and separators are accepted and stored compact"
        point = self._supply_point(number='０３-0000-1111-2222-3333-4444')
        self.assertEqual(point.number, NUMBER)
        self.assertEqual(point.area, '03')
        self.assertEqual(point.area_operator, '東京電力パワーグリッド')
        self.assertEqual(point.rec_name, '03-0000-1111-2222-3333-4444')

    @with_transaction()
    def test_supply_point_number_invalid(self):
        "Invalid supply point numbers are refused, naming value and rule"
        SupplyPoint = Pool().get('power.supply_point')
        for number, rule in [
                ('030000111122223333444', '21 digits'),
                ('03000011112222333344445', '23 digits'),
                ('03000011112222333344AB', 'digits only'),
                ('1100001111222233334444', 'grid area code'),
                ('0000001111222233334444', 'grid area code'),
                ]:
            with self.subTest(number=number):
                with self.assertRaises(SupplyPointValidationError) as cm:
                    self._supply_point(number=number)
                self.assertIn(number, cm.exception.message)
                self.assertIn(rule, cm.exception.message)
        self.assertEqual(SupplyPoint.search([], count=True), 0)

    @with_transaction()
    def test_supply_point_number_invalid_on_write(self):
        "Writing an invalid number is refused and keeps the old one"
        SupplyPoint = Pool().get('power.supply_point')
        point = self._supply_point()
        with self.assertRaises(SupplyPointValidationError):
            SupplyPoint.write([point], {'number': '03'})
        self.assertEqual(SupplyPoint(point.id).number, NUMBER)

    @with_transaction()
    def test_supply_point_number_unique(self):
        "A supply point number is registered once"
        self._supply_point()
        with self.assertRaises(SQLConstraintError) as cm:
            self._supply_point(number='03 0000 1111 2222 3333 4444')
        self.assertIn('供給地点特定番号', cm.exception.message)

    @with_transaction()
    def test_supply_point_search_formatted(self):
        "Searching by the formatted number finds the point"
        SupplyPoint = Pool().get('power.supply_point')
        point = self._supply_point()
        self.assertEqual(SupplyPoint.search([
                    ('rec_name', '=', '03-0000-1111-2222-3333-4444')]),
            [point])

    @with_transaction()
    def test_reading_schedule(self):
        "Reading schedules are two-digit codes from 01 to 26"
        point = self._supply_point(reading_schedule='05')
        self.assertEqual(point.reading_schedule, '05')
        with self.assertRaises(ValidationError):
            self._supply_point(
                number='0300001111222233335555', reading_schedule='27')

    @with_transaction()
    def test_customer_number(self):
        "A contract makes its party a customer with a number"
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            party = Party(name='佐藤 花子', name_kana='サトウ ハナコ')
            party.save()
            self.assertFalse(party.customer_number)
            self._contract(company, self._supply_point(), customer=party)
            party = Party(party.id)
            self.assertTrue(party.is_customer)
            self.assertTrue(party.customer_number.startswith('C'))
            self.assertEqual(
                Party.search([('rec_name', '=', party.customer_number)]),
                [party])
            self.assertEqual(
                Party.search([('rec_name', 'ilike', '%サトウ%')]), [party])

    @with_transaction()
    def test_contract_workflow(self):
        "A contract goes from draft to active to terminated"
        pool = Pool()
        Contract = pool.get('power.contract')
        company = create_company()
        with set_company(company):
            contract = self._contract(company, self._supply_point())
            self.assertEqual(contract.state, 'draft')
            self.assertTrue(contract.number.startswith('K'))
            Contract.activate([contract])
            self.assertEqual(contract.state, 'active')
            Contract.terminate([contract])
            self.assertEqual(contract.state, 'terminated')
            self.assertTrue(contract.end_date)

    @with_transaction()
    def test_contract_overlap(self):
        "No two active contracts on one supply point at the same time"
        pool = Pool()
        Contract = pool.get('power.contract')
        company = create_company()
        with set_company(company):
            point = self._supply_point()
            first = self._contract(
                company, point, end_date=dt.date(2025, 9, 30))
            Contract.activate([first])
            overlapping = self._contract(
                company, point, start=dt.date(2025, 9, 1))
            with self.assertRaises(ContractOverlapError) as cm:
                Contract.activate([overlapping])
            self.assertIn(first.number, cm.exception.message)
            self.assertEqual(Contract(overlapping.id).state, 'draft')
            following = self._contract(
                company, point, start=dt.date(2025, 10, 1))
            Contract.activate([following])
            self.assertEqual(following.state, 'active')

    @with_transaction()
    def test_contract_capacity(self):
        "Amperes must be offered and belong to low voltage"
        company = create_company()
        with set_company(company):
            point = self._supply_point()
            with self.assertRaises(ContractValidationError) as cm:
                self._contract(company, point, capacity=Decimal(35))
            self.assertIn('35', cm.exception.message)
            high = self._supply_point(
                number='0300009999222233334444', voltage='high')
            with self.assertRaises(ContractValidationError):
                self._contract(company, high)
            contract = self._contract(
                company, high, capacity=Decimal(250), capacity_unit='kW')
            self.assertEqual(contract.capacity_unit, 'kW')

    @with_transaction()
    def test_contract_delete_active(self):
        "An active contract cannot be deleted"
        Contract = Pool().get('power.contract')
        company = create_company()
        with set_company(company):
            contract = self._contract(company, self._supply_point())
            Contract.activate([contract])
            with self.assertRaises(ContractValidationError):
                Contract.delete([contract])

    @with_transaction()
    def test_contract_required_fields(self):
        "A contract needs a supply point"
        pool = Pool()
        Contract = pool.get('power.contract')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            party, = Party.create([{'name': 'X'}])
            with self.assertRaises(RequiredValidationError):
                Contract.create([{
                            'company': company.id, 'customer': party.id,
                            'capacity': Decimal(30),
                            'start_date': dt.date(2025, 1, 1)}])


del ModuleTestCase
