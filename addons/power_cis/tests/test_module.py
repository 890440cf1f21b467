# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal
from unittest.mock import patch

from trytond.model.exceptions import (
    RequiredValidationError, SQLConstraintError, ValidationError)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from ..exceptions import (
    ApplicationError, ContractOverlapError, ContractValidationError,
    ContractVersionError, InquiryError, MasterValidationError, SwitchingError,
    SupplyPointValidationError, TransitionError)
from .tools import (
    ListViewTestMixin, create_contract, create_menu, create_supply_point)

NUMBER = '0300001111222233334444'


class PowerCisTestCase(ListViewTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test power_cis module"
    module = 'power_cis'

    # -- Japanese addresses -------------------------------------------------

    @with_transaction()
    def test_prefectures_loaded(self):
        "Japan and its 47 prefectures are there once the module is active"
        pool = Pool()
        Subdivision = pool.get('country.subdivision')
        Country = pool.get('country.country')
        from ..country import ensure_japan
        japan, = Country.search([('code', '=', 'JP')])
        prefectures = Subdivision.search([('country', '=', japan.id)])
        self.assertEqual(len(prefectures), 47)
        tokyo, = Subdivision.search([('code', '=', 'JP-13')])
        self.assertEqual((tokyo.name, tokyo.type), ('東京都', 'prefecture'))
        # loading again changes nothing
        self.assertEqual(ensure_japan(), japan)
        self.assertEqual(
            Subdivision.search([('country', '=', japan.id)], count=True), 47)

    @with_transaction()
    def test_postal_code_fills_the_address(self):
        "A postal code fills prefecture, city and town; a typed street stays"
        Address = Pool().get('party.address')
        address = Address(postal_code='１５０００４１', country=None,
            subdivision=None, city=None, street_unstructured=None,
            street_name=None)
        address.on_change_postal_code()
        self.assertEqual(address.postal_code, '150-0041')
        self.assertEqual(address.subdivision.code, 'JP-13')
        self.assertEqual(address.country.code, 'JP')
        self.assertEqual(address.city, '渋谷区')
        self.assertEqual(address.street_unstructured, '神南')
        typed = Address(postal_code='530-0001', country=None,
            subdivision=None, city=None, street_unstructured='梅田1-1-1',
            street_name=None)
        typed.on_change_postal_code()
        self.assertEqual(typed.subdivision.name, '大阪府')
        self.assertEqual(typed.street_unstructured, '梅田1-1-1')
        # a code Japan Post does not list changes nothing
        unknown = Address(postal_code='000-0000', country=None,
            subdivision=None, city='x', street_unstructured=None,
            street_name=None)
        unknown.on_change_postal_code()
        self.assertEqual((unknown.city, unknown.subdivision), ('x', None))

    @with_transaction()
    def test_address_from_one_line(self):
        "An application's one-line address becomes prefecture, city, street"
        pool = Pool()
        Address = pool.get('party.address')
        Party = pool.get('party.party')
        values = Address.japanese_values('1500041', '東京都渋谷区神南1-2-3')
        self.assertEqual(values['city'], '渋谷区')
        self.assertEqual(values['street'], '神南1-2-3')
        party, = Party.create([{'name': '山田 太郎',
                    'addresses': [('create', [values])]}])
        address, = party.addresses
        self.assertEqual(address.subdivision.name, '東京都')
        # printed in Japanese order for the Japanese language
        with Transaction().set_context(language='ja'):
            address = Address(address.id)
            self.assertEqual(address.full_address.splitlines()[:2],
                ['〒150-0041', '東京都渋谷区神南1-2-3'])
        # without a known postal code the line is kept as it was written
        self.assertEqual(Address.japanese_values('9999999', '住所不明'),
            {'postal_code': '9999999', 'street': '住所不明'})

    @with_transaction()
    def test_party_code_hidden_for_customers(self):
        "Customers show their customer number, not Tryton's party code"
        Party = Pool().get('party.party')
        states = Party.fields_get(['code'])['code']['states']
        self.assertIn('invisible', states)
        self.assertIn('is_customer', states)

    # -- the Zengin bank master ----------------------------------------------

    @with_transaction()
    def test_bank_master_import(self):
        "Banks and branches come from the Zengin master, matched by code"
        pool = Pool()
        Bank = pool.get('bank')
        Branch = pool.get('power.bank.branch')
        from ..bank import import_master
        counts = import_master(['0001', '9900'])
        self.assertEqual(counts['banks_created'], 2)
        self.assertGreater(counts['branches_created'], 400)
        mizuho, = Bank.search([('zengin_code', '=', '0001')])
        self.assertEqual((mizuho.party.name, mizuho.name_kana),
            ('みずほ', 'ﾐｽﾞﾎ'))
        tokyo, = Branch.search([('bank', '=', mizuho.id),
                ('code', '=', '001')])
        self.assertEqual(tokyo.name_kana, 'ﾄｳｷﾖｳ')
        # the same master again changes nothing
        again = import_master(['0001', '9900'])
        self.assertEqual(sum(again.values()), 0)
        # a renamed branch is put back, one the master lacks deactivated
        Branch.write([tokyo], {'name': '旧名'})
        Branch.create([{'bank': mizuho.id, 'code': '999', 'name': '廃止店'}])
        third = import_master(['0001'])
        self.assertEqual((third['branches_updated'],
                third['branches_deactivated']), (1, 1))
        self.assertEqual(Branch(tokyo.id).name, '東京営業部')
        self.assertFalse(Branch.search([('bank', '=', mizuho.id),
                    ('code', '=', '999')]))
        # an unknown code imports nothing
        with self.assertRaises(KeyError):
            import_master(['0001', '0000'])

    # -- supply points -----------------------------------------------------

    @with_transaction()
    def test_supply_point_number_normalised(self):
        "Full-width digits and separators are accepted and stored compact"
        point = create_supply_point(number='０３-0000-1111-2222-3333-4444')
        self.assertEqual(point.number, NUMBER)
        self.assertEqual(point.area.code, '03')
        self.assertEqual(point.area.operator_name, '東京電力パワーグリッド')
        self.assertEqual(point.voltage_class.code, 'low')
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
                    create_supply_point(number=number)
                self.assertIn(number, cm.exception.message)
                self.assertIn(rule, cm.exception.message)
        self.assertEqual(SupplyPoint.search([], count=True), 0)

    @with_transaction()
    def test_supply_point_number_invalid_on_write(self):
        "Writing an invalid number is refused and keeps the old one"
        SupplyPoint = Pool().get('power.supply_point')
        point = create_supply_point()
        with self.assertRaises(SupplyPointValidationError):
            SupplyPoint.write([point], {'number': '03'})
        self.assertEqual(SupplyPoint(point.id).number, NUMBER)

    @with_transaction()
    def test_supply_point_number_unique(self):
        "A supply point number is registered once"
        create_supply_point()
        with self.assertRaises(SQLConstraintError) as cm:
            create_supply_point(number='03 0000 1111 2222 3333 4444')
        self.assertIn('供給地点特定番号', cm.exception.message)

    @with_transaction()
    def test_supply_point_search_formatted(self):
        "Searching by the formatted number finds the point"
        SupplyPoint = Pool().get('power.supply_point')
        point = create_supply_point()
        self.assertEqual(SupplyPoint.search([
                    ('rec_name', '=', '03-0000-1111-2222-3333-4444')]),
            [point])

    @with_transaction()
    def test_reading_schedule(self):
        "Reading schedules are two-digit codes from 01 to 26"
        point = create_supply_point(reading_schedule='5')
        self.assertEqual(point.reading_schedule, '05')
        with self.assertRaises(ValidationError):
            create_supply_point(
                number='0300001111222233335555', reading_schedule='27')

    @with_transaction()
    def test_next_reading_date_uses_published_calendar(self):
        "A reading day entered by staff replaces the computed one"
        ReadingDay = Pool().get('power.reading.day')
        point = create_supply_point(reading_schedule='01')
        computed = point.next_reading_date_from(dt.date(2025, 4, 1))
        self.assertEqual(computed, dt.date(2025, 4, 2))
        ReadingDay.create([{'area': point.area.id, 'schedule': '01',
                    'date': dt.date(2025, 4, 3)}])
        self.assertEqual(point.next_reading_date_from(dt.date(2025, 4, 1)),
            dt.date(2025, 4, 3))

    # -- customers and contracts -------------------------------------------

    @with_transaction()
    def test_customer_number(self):
        "A contract makes its party a customer with a number"
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            party, = Party.create([{
                        'name': '佐藤 花子', 'name_kana': 'サトウ ハナコ'}])
            self.assertFalse(party.customer_number)
            create_contract(
                company, create_supply_point(), create_menu(), customer=party)
            party = Party(party.id)
            self.assertTrue(party.is_customer)
            self.assertTrue(party.customer_number.startswith('C'))

    @with_transaction()
    def test_contract_workflow(self):
        "A contract goes from draft to active to terminated"
        Contract = Pool().get('power.contract')
        company = create_company()
        with set_company(company):
            contract = create_contract(
                company, create_supply_point(), create_menu())
            self.assertEqual(contract.state, 'draft')
            self.assertTrue(contract.number.startswith('K'))
            self.assertEqual(contract.capacity, Decimal(30))
            self.assertEqual(contract.capacity_unit, 'A')
            Contract.activate([contract])
            self.assertEqual(contract.state, 'active')
            Contract.start_termination([contract])
            Contract.resume([contract])
            self.assertEqual(contract.state, 'active')
            Contract.terminate([contract])
            self.assertEqual(contract.state, 'terminated')
            self.assertTrue(contract.end_date)

    @with_transaction()
    def test_transition_not_allowed(self):
        "A transition not allowed from the current state is refused"
        Contract = Pool().get('power.contract')
        company = create_company()
        with set_company(company):
            contract = create_contract(
                company, create_supply_point(), create_menu())
            with self.assertRaises(TransitionError) as cm:
                Contract.terminate([contract])
            self.assertIn(contract.number, cm.exception.message)
            self.assertIn('Draft', cm.exception.message)
            self.assertEqual(Contract(contract.id).state, 'draft')
            self.assertIsNone(Contract(contract.id).end_date)

    @with_transaction()
    def test_contract_overlap(self):
        "No two live contracts on one supply point at the same time"
        Contract = Pool().get('power.contract')
        company = create_company()
        with set_company(company):
            point, menu = create_supply_point(), create_menu()
            first = create_contract(
                company, point, menu, end_date=dt.date(2025, 9, 30))
            Contract.activate([first])
            overlapping = create_contract(
                company, point, menu, start=dt.date(2025, 9, 1))
            with self.assertRaises(ContractOverlapError) as cm:
                Contract.activate([overlapping])
            self.assertIn(first.number, cm.exception.message)
            self.assertEqual(Contract(overlapping.id).state, 'draft')
            following = create_contract(
                company, point, menu, start=dt.date(2025, 10, 1))
            Contract.activate([following])
            self.assertEqual(following.state, 'active')

    @with_transaction()
    def test_contract_capacity(self):
        "Capacities must be offered by the menu and amperes be low voltage"
        pool = Pool()
        VoltageClass = pool.get('power.voltage_class')
        company = create_company()
        with set_company(company):
            point, menu = create_supply_point(), create_menu()
            with self.assertRaises(ContractValidationError) as cm:
                create_contract(company, point, menu, capacity=35)
            self.assertIn('35', cm.exception.message)
            narrow = create_menu(code='narrow', options=[30, 40])
            with self.assertRaises(ContractValidationError) as cm:
                create_contract(company, point, narrow, capacity=20)
            self.assertIn('narrow', cm.exception.message)
            high_class, = VoltageClass.search([('code', '=', 'high')])
            high = create_supply_point(
                number='0300009999222233334444', voltage_class=high_class.id)
            with self.assertRaises(ContractValidationError):
                create_contract(company, high, menu)
            kw_menu = create_menu(code='high-demand', unit='kW', options=[])
            contract = create_contract(company, high, kw_menu, capacity=250)
            self.assertEqual(contract.capacity_unit, 'kW')

    @with_transaction()
    def test_contract_versions(self):
        "A change adds a dated version and keeps the earlier terms"
        Contract = Pool().get('power.contract')
        company = create_company()
        with set_company(company):
            contract = create_contract(
                company, create_supply_point(), create_menu())
            Contract.activate([contract])
            version = contract.change(
                dt.date(2025, 6, 4), 'ampere_change', capacity=Decimal(40))
            contract = Contract(contract.id)
            first, second = sorted(contract.versions,
                key=lambda v: v.start_date)
            self.assertEqual(first.end_date, dt.date(2025, 6, 3))
            self.assertEqual(first.capacity, Decimal(30))
            self.assertEqual(second, version)
            self.assertEqual(second.capacity, Decimal(40))
            self.assertIsNone(second.end_date)
            self.assertEqual(contract.version_at(dt.date(2025, 6, 3)), first)
            self.assertEqual(contract.version_at(dt.date(2025, 6, 4)), second)
            with Transaction().set_context(date=dt.date(2025, 5, 1)):
                self.assertEqual(Contract(contract.id).capacity, Decimal(30))
                self.assertEqual(Contract.search(
                        [('capacity', '=', Decimal(30))]), [contract])
            self.assertEqual(Contract.search(
                    [('capacity', '=', Decimal(40))]), [contract])

    @with_transaction()
    def test_contract_versions_overlapping(self):
        "Two versions cannot start on the same day, nor outside the contract"
        Contract = Pool().get('power.contract')
        company = create_company()
        with set_company(company):
            contract = create_contract(
                company, create_supply_point(), create_menu(),
                end_date=dt.date(2025, 12, 31))
            Contract.activate([contract])
            contract.change(dt.date(2025, 6, 4), 'ampere_change',
                capacity=Decimal(40))
            with self.assertRaises(ContractVersionError):
                contract.change(dt.date(2026, 1, 5), 'ampere_change',
                    capacity=Decimal(50))
            with self.assertRaises(ContractVersionError):
                contract.change(dt.date(2025, 3, 1), 'ampere_change',
                    capacity=Decimal(50))
            with self.assertRaises(ContractVersionError) as cm:
                contract.change(dt.date(2025, 6, 4), 'ampere_change',
                    capacity=Decimal(50))
            self.assertIn('2025-06-04', cm.exception.message)
            self.assertEqual(len(Contract(contract.id).versions), 2)

    @with_transaction()
    def test_contract_history_protected(self):
        "Staff cannot rewrite a version already in force"
        pool = Pool()
        Contract = pool.get('power.contract')
        Version = pool.get('power.contract.version')
        company = create_company()
        with set_company(company):
            contract = create_contract(
                company, create_supply_point(), create_menu())
            Contract.activate([contract])
            version, = contract.versions
            with Transaction().set_context(_check_access=True):
                with self.assertRaises(ContractVersionError):
                    Version.write([version], {'capacity': Decimal(60)})
            self.assertEqual(Version(version.id).capacity, Decimal(30))

    @with_transaction()
    def test_contract_delete_active(self):
        "An active contract cannot be deleted"
        Contract = Pool().get('power.contract')
        company = create_company()
        with set_company(company):
            contract = create_contract(
                company, create_supply_point(), create_menu())
            Contract.activate([contract])
            with self.assertRaises(ContractValidationError):
                Contract.delete([contract])

    @with_transaction()
    def test_contract_needs_version_to_activate(self):
        "A contract without terms cannot be activated"
        pool = Pool()
        Contract = pool.get('power.contract')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            party, = Party.create([{'name': 'X'}])
            contract, = Contract.create([{
                        'company': company.id, 'customer': party.id,
                        'supply_point': create_supply_point().id,
                        'start_date': dt.date(2025, 1, 1)}])
            with self.assertRaises(ContractVersionError):
                Contract.activate([contract])
            with self.assertRaises(RequiredValidationError):
                Contract.create([{
                            'company': company.id, 'customer': party.id,
                            'start_date': dt.date(2025, 1, 1)}])

    # -- search --------------------------------------------------------------

    @with_transaction()
    def test_customer_search_by_each_key(self):
        "Customers are found by number, name, kana, phone, email, point, address"
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            customer, = Party.create([{
                        'name': '山田 太郎', 'name_kana': 'ヤマダ タロウ',
                        'is_customer': True,
                        'addresses': [('create', [{
                                        'postal_code': '100-0011',
                                        'city': '千代田区',
                                        'street': '内幸町1-1-3'}])],
                        'contact_mechanisms': [('create', [
                                    {'type': 'phone', 'value': '03-1234-5678'},
                                    {'type': 'email',
                                        'value': 'taro@example.jp'}])],
                        }])
            other, = Party.create([{'name': '佐藤 花子', 'is_customer': True}])
            create_contract(company, create_supply_point(
                    address='東京都港区芝公園4-2-8'), create_menu(),
                customer=customer)
            for key in [customer.customer_number, '山田太郎', 'ﾔﾏﾀﾞ ﾀﾛｳ',
                    'やまだ', '0312345678', '03-1234-5678', '(03)1234-5678',
                    '０３−１２３４−５６７８', 'taro@example.jp', 'TARO@EXAMPLE',
                    '03-0000-1111-2222-3333-4444', NUMBER, '芝公園',
                    '内幸町']:
                with self.subTest(key=key):
                    self.assertEqual(Party.search([
                                ('rec_name', 'ilike', f'%{key}%'),
                                ('is_customer', '=', True)]), [customer])
            # a new phone number is found once saved
            ContactMechanism = pool.get('party.contact_mechanism')
            ContactMechanism.create([{'party': other.id, 'type': 'mobile',
                        'value': '+81-90-1111-2222'}])
            self.assertEqual(Party.search([
                        ('rec_name', 'ilike', '%090-1111-2222%')]), [other])

    # -- applications and switching ------------------------------------------

    def _explanation(self):
        Document = Pool().get('power.explanation.document')
        document, = Document.create([{
                    'code': 'PRE-2025', 'name': '契約締結前交付書面',
                    'kind': 'pre', 'version': '2025.4',
                    'valid_from': dt.date(2025, 4, 1),
                    'content': '供給条件の説明'}])
        return document

    def _switch_in_application(self, company, menu, **values):
        Application = Pool().get('power.application')
        values = {
            'company': company.id,
            'kind': 'switch_in',
            'channel': 'paper',
            'applicant_name': '鈴木 一郎',
            'applicant_name_kana': 'スズキ イチロウ',
            'phone': '03-5555-0001',
            'email': 'ichiro@example.jp',
            'postal_code': '160-0023',
            'address': '東京都新宿区西新宿2-8-1',
            'supply_point_number': '03-0000-2222-3333-4444-5555',
            'reading_schedule': '12',
            'current_retailer': '東京電力エナジーパートナー',
            'current_customer_number': '1234567890',
            'menu': menu.id,
            'capacity': Decimal(40),
            'explanation_document': self._explanation().id,
            'explained_at': dt.datetime(2025, 4, 7, 10, 0),
            'consent': True,
            **values}
        application, = Application.create([values])
        return application

    @with_transaction()
    def test_application_paper_to_active(self):
        "A paper application becomes an active contract via a switch-in"
        pool = Pool()
        Application = pool.get('power.application')
        company = create_company()
        with set_company(company):
            application = self._switch_in_application(company, create_menu())
            Application.receive([application])
            Application.approve([application])
            self.assertEqual(application.state, 'approved')
            contract = application.contract
            self.assertEqual(contract.state, 'applying')
            self.assertEqual(contract.customer.name, '鈴木 一郎')
            self.assertEqual(contract.supply_point.number,
                '0300002222333344445555')
            self.assertEqual(len(contract.customer.consents), 1)
            request, = application.switching_requests
            self.assertEqual(request.kind, 'switch_in')
            self.assertEqual(request.service_id, 'IF_10610')
            # the request takes effect on a reading day of schedule 12
            point = contract.supply_point
            self.assertEqual(request.requested_date,
                point.next_reading_date_from(request.requested_date))
            self.assertEqual(contract.start_date, request.requested_date)
            self._through_hub(request)
            self.assertTrue(request.deadline)
            contract = pool.get('power.contract')(contract.id)
            self.assertEqual(contract.state, 'active')
            self.assertEqual(contract.capacity, Decimal(40))

    @with_transaction()
    def test_application_refused_changes_nothing(self):
        "An application with an unknown supply point creates nothing"
        pool = Pool()
        Application = pool.get('power.application')
        Party = pool.get('party.party')
        Contract = pool.get('power.contract')
        company = create_company()
        with set_company(company):
            parties = Party.search([], count=True)
            application = self._switch_in_application(
                company, create_menu(),
                supply_point_number='99-0000-2222-3333-4444-5555')
            with self.assertRaises(SupplyPointValidationError) as cm:
                Application.approve([application])
            self.assertIn('9900002222333344445555', cm.exception.message)
            # the transaction is rolled back by the server on error; the
            # check runs before any contract is created
            self.assertEqual(Contract.search([], count=True), 0)
            self.assertEqual(Application(application.id).state, 'draft')
            del parties

    @with_transaction()
    def test_application_needs_consent(self):
        "New supply needs the explained and accepted pre-contract document"
        Application = Pool().get('power.application')
        company = create_company()
        with set_company(company):
            application = self._switch_in_application(
                company, create_menu(), consent=False)
            with self.assertRaises(ApplicationError) as cm:
                Application.approve([application])
            self.assertIn('第2条の13', cm.exception.message)
            self.assertEqual(application.state, 'draft')

    @staticmethod
    def _through_hub(request, accept=True):
        "Send a switching request and complete it (accepted first)."
        Request = Pool().get('power.switching.request')
        Request.send([request])
        if accept:
            Request.accept([request])
        Request.complete([request])

    def _approved(self, company, contract, kind, **values):
        "Approve an application of kind for contract; return it."
        Application = Pool().get('power.application')
        application, = Application.create([{
                    'company': company.id, 'kind': kind,
                    'channel': 'phone', 'customer': contract.customer.id,
                    'contract': contract.id, **values}])
        Application.approve([application])
        return application

    def _active_contract(self, company):
        Contract = Pool().get('power.contract')
        contract = create_contract(
            company, create_supply_point(), create_menu(),
            start=dt.date(2024, 4, 1))
        Contract.activate([contract])
        return contract

    @with_transaction()
    def test_ampere_change(self):
        "An ampere change adds a version from the next reading date"
        Contract = Pool().get('power.contract')
        company = create_company()
        with set_company(company):
            contract = self._active_contract(company)
            application = self._approved(company, contract, 'ampere_change',
                capacity=Decimal(50))
            request, = application.switching_requests
            self.assertEqual(request.kind, 'ampere_change')
            next_reading = contract.supply_point.next_reading_date_from(
                dt.date.today())
            self.assertGreaterEqual(request.requested_date, next_reading)
            self.assertEqual(request.requested_date,
                contract.supply_point.next_reading_date_from(
                    request.requested_date))
            self._through_hub(request)
            contract = Contract(contract.id)
            old, new = sorted(contract.versions, key=lambda v: v.start_date)
            self.assertEqual(new.start_date, request.effective_date)
            self.assertEqual(new.capacity, Decimal(50))
            self.assertEqual(new.change_kind, 'ampere_change')
            self.assertEqual(old.capacity, Decimal(30))
            self.assertEqual(old.end_date,
                request.effective_date - dt.timedelta(days=1))

    @with_transaction()
    def test_name_and_plan_change(self):
        "A name change and a plan change each add a dated version"
        pool = Pool()
        Application = pool.get('power.application')
        Contract = pool.get('power.contract')
        company = create_company()
        with set_company(company):
            contract = self._active_contract(company)
            other_menu = create_menu(code='new-retailer-b')
            name, plan = Application.create([{
                        'company': company.id, 'kind': 'name_change',
                        'customer': contract.customer.id,
                        'contract': contract.id,
                        'requested_date': dt.date(2025, 5, 1),
                        'holder_name': '山田 花子'}, {
                        'company': company.id, 'kind': 'plan_change',
                        'customer': contract.customer.id,
                        'contract': contract.id, 'menu': other_menu.id}])
            Application.approve([name, plan])
            contract = Contract(contract.id)
            kinds = {v.change_kind: v for v in contract.versions}
            self.assertEqual(kinds['name_change'].holder_name, '山田 花子')
            self.assertEqual(kinds['name_change'].start_date,
                dt.date(2025, 5, 1))
            self.assertEqual(kinds['plan_change'].menu, other_menu)
            self.assertEqual(kinds['plan_change'].holder_name, '山田 花子')
            request, = name.switching_requests
            self.assertEqual(request.kind, 'info_change')

    @with_transaction()
    def test_move_out(self):
        "A move-out terminates the contract on the confirmed date"
        Contract = Pool().get('power.contract')
        company = create_company()
        with set_company(company):
            contract = self._active_contract(company)
            application = self._approved(company, contract, 'move_out',
                meter_removal=True, requested_date=dt.date(2025, 8, 20))
            self.assertEqual(Contract(contract.id).state, 'terminating')
            request, = application.switching_requests
            self.assertEqual(request.kind, 'removal')
            self._through_hub(request)
            contract = Contract(contract.id)
            self.assertEqual(contract.state, 'terminated')
            self.assertEqual(contract.end_date, dt.date(2025, 8, 20))

    @with_transaction()
    def test_switching_rejected_with_reason(self):
        "A rejected request keeps its reason and leaves the contract applying"
        pool = Pool()
        Application = pool.get('power.application')
        Request = pool.get('power.switching.request')
        Reason = pool.get('power.switching.rejection.reason')
        company = create_company()
        with set_company(company):
            application = self._switch_in_application(company, create_menu())
            Application.approve([application])
            request, = application.switching_requests
            Request.send([request])
            with self.assertRaises(SwitchingError):
                Request.reject([request])
            self.assertEqual(Request(request.id).state, 'sent')
            reason, = Reason.create([{
                        'code': 'NG03', 'name': '需要者名義不一致',
                        'customer_action': '現在の契約名義をご確認ください。'}])
            request.rejection_reason = reason
            request.rejection_message = 'Name does not match'
            request.save()
            Request.reject([request])
            self.assertEqual(request.state, 'rejected')
            self.assertEqual(request.rejection_reason.code, 'NG03')
            self.assertEqual(application.contract.state, 'applying')
            # corrected and sent again
            Request.draft([request])
            Request.send([request])
            self.assertEqual(request.state, 'sent')

    @with_transaction()
    def test_switching_overdue(self):
        "A request not answered by its deadline is overdue"
        pool = Pool()
        Request = pool.get('power.switching.request')
        company = create_company()
        with set_company(company):
            point = create_supply_point()
            request, = Request.create([{
                        'company': company.id, 'kind': 'equipment_inquiry',
                        'supply_point': point.id}])
            Request.send([request])
            self.assertFalse(request.overdue)
            request.deadline = dt.date.today() - dt.timedelta(days=1)
            request.save()
            self.assertTrue(Request(request.id).overdue)
            self.assertEqual(
                Request.search([('overdue', '=', True)]), [request])
            self.assertEqual(Request.search([('overdue', '=', False)]), [])

    @with_transaction()
    def test_equipment_inquiry_updates_supply_point(self):
        "The equipment inquiry's answer updates the supply point"
        pool = Pool()
        Request = pool.get('power.switching.request')
        company = create_company()
        with set_company(company):
            point = create_supply_point(smart_meter=False)
            request, = Request.create([{
                        'company': company.id, 'kind': 'equipment_inquiry',
                        'supply_point': point.id}])
            Request.send([request])
            request.result_meter_number = 'M99887766'
            request.result_smart_meter = True
            request.result_next_reading_date = dt.date(2025, 7, 9)
            request.result_current_retailer = '東京電力エナジーパートナー'
            request.save()
            Request.complete([request])
            point = pool.get('power.supply_point')(point.id)
            self.assertEqual(point.meter_number, 'M99887766')
            self.assertTrue(point.smart_meter)
            self.assertEqual(point.next_reading_date, dt.date(2025, 7, 9))
            self.assertTrue(point.equipment_checked)

    # -- inquiries -------------------------------------------------------------

    @with_transaction()
    def test_inquiry_reply_by_template(self):
        "An inquiry is answered by a template mail, stored on the inquiry"
        pool = Pool()
        Inquiry = pool.get('power.inquiry')
        Category = pool.get('power.inquiry.category')
        Result = pool.get('power.inquiry.result')
        Template = pool.get('power.mail.template')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            customer, = Party.create([{'name': '田中 誠', 'is_customer': True,
                        'contact_mechanisms': [('create', [{
                                        'type': 'email',
                                        'value': 'makoto@example.jp'}])]}])
            contract = create_contract(company, create_supply_point(),
                create_menu(), customer=customer)
            category, = Category.create([{'code': 'BILL', 'name': '料金'}])
            template, = Template.create([{'code': 'ANS01', 'name': '回答',
                        'subject': '【{company}】お問合せ{inquiry_number}への回答',
                        'body': '{customer_name} 様\n契約番号 {contract_number}'
                        ' ({capacity}) についてご回答します。'}])
            inquiry, = Inquiry.create([{
                        'company': company.id, 'channel': 'phone',
                        'category': category.id, 'customer': customer.id,
                        'contract': contract.id, 'subject': '請求額について',
                        'contents': '先月の請求額が高い'}])
            self.assertTrue(inquiry.number.startswith('Q'))
            with patch('trytond.ir.email_.send_message_transactional') as send:
                response = inquiry.send_reply(template)
            message = send.call_args[0][0]
            self.assertEqual(message['To'], 'makoto@example.jp')
            self.assertIn(inquiry.number, message['Subject'])
            self.assertIn('田中 誠 様', response.content)
            self.assertIn(f'{contract.number} (30A)', response.content)
            self.assertEqual(response.email.resource, inquiry)
            inquiry = Inquiry(inquiry.id)
            self.assertEqual(inquiry.response_count, 1)
            # the reply wizard as a client runs it: the template fills the
            # text, the operator writes the answer in it; what was sent is
            # what is stored
            Reply = pool.get('power.inquiry.reply', type='wizard')
            ReplyStart = pool.get('power.inquiry.reply.start')
            start = ReplyStart(template=template, inquiry=inquiry)
            start.on_change_template()
            self.assertIn('田中 誠 様', start.body)
            body = start.body + '\n\n4月分は検針日の変更で32日分となりました。<b>'
            session_id, _, _ = Reply.create()
            with Transaction().set_context(active_model='power.inquiry',
                    active_id=inquiry.id, active_ids=[inquiry.id]), \
                    patch('trytond.ir.email_.send_message_transactional'
                        ) as send:
                Reply.execute(session_id, {}, 'start')
                Reply.execute(session_id, {'start': {
                            'template': template.id,
                            'to': 'makoto@example.jp', 'inquiry': inquiry.id,
                            'subject': start.subject + '（追記）',
                            'body': body}}, 'send')
            message = send.call_args[0][0]
            self.assertTrue(message['Subject'].endswith('（追記）'))
            sent = message.get_body(('html',)).get_content()
            self.assertIn('32日分となりました。&lt;b&gt;', sent)
            inquiry = Inquiry(inquiry.id)
            self.assertEqual(inquiry.response_count, 2)
            latest = inquiry.responses[0]
            self.assertEqual(latest.content,
                f"{start.subject}（追記）\n\n{body}")
            with self.assertRaises(InquiryError):
                Inquiry.close([inquiry])
            result, = Result.create([{'code': 'DONE', 'name': '解決'}])
            inquiry.result = result
            inquiry.save()
            Inquiry.close([inquiry])
            self.assertEqual(inquiry.state, 'closed')
            self.assertEqual(customer.inquiries, (inquiry,))

    @with_transaction()
    def test_contract_list_opens_on_all(self):
        "The contracts list opens on its All tab: a number is found whatever the contract's state"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action.act_window')
        action = Action(ModelData.get_id('power_cis', 'act_contract_form'))
        first = min(action.act_window_domains, key=lambda d: d.sequence)
        self.assertEqual((first.name, first.domain or '[]'), ('All', '[]'))

    @with_transaction()
    def test_mail_template_unknown_placeholder(self):
        "A template with an unknown placeholder is refused when saved"
        Template = Pool().get('power.mail.template')
        with self.assertRaises(MasterValidationError) as cm:
            Template.create([{'code': 'X', 'name': 'X', 'subject': 'x',
                        'body': '{customer_nme} 様'}])
        self.assertIn('customer_nme', cm.exception.message)

    @with_transaction()
    def test_inquiry_card_number_refused(self):
        """A full card number in an inquiry or its response is refused
        however it is written (widths, spaces, dots, slashes, underscores,
        no-break spaces, line breaks); the last four digits are kept"""
        pool = Pool()
        Inquiry = pool.get('power.inquiry')
        Category = pool.get('power.inquiry.category')
        company = create_company()
        with set_company(company):
            category, = Category.create([{'code': 'PAY', 'name': '支払'}])
            values = {'company': company.id, 'channel': 'phone',
                'category': category.id, 'subject': 'カード変更'}
            for separator in ['', ' ', '.', '/', '_', '\u00a0', '\n', '-']:
                number = separator.join(['4111', '1111', '1111', '1111'])
                for written in [number, number.translate(str.maketrans(
                                '0123456789', '０１２３４５６７８９'))]:
                    with self.subTest(written=written), \
                            self.assertRaises(InquiryError) as cm:
                        Inquiry.create([dict(values,
                                    contents=f'カード番号 {written} に変更希望')])
                    self.assertIn('Contents', cm.exception.message)
            inquiry, = Inquiry.create([dict(values,
                        contents='カード番号 下4桁 1111 に変更希望')])
            with self.assertRaises(InquiryError):
                Inquiry.write([inquiry], {'subject': '4111 1111 1111 1111'})

    # -- common functions ----------------------------------------------------

    @with_transaction()
    def test_operator_log(self):
        "Logins, failed logins and logouts are logged with the address"
        pool = Pool()
        User = pool.get('res.user')
        Log = pool.get('power.operator.log')
        Session = pool.get('ir.session')
        User.create([{'login': 'clerk', 'name': 'Clerk',
                    'password': 'secret-password'}])
        context = {'_request': {'remote_addr': '192.0.2.10'}}
        with Transaction().set_context(**context):
            user_id = User.get_login('clerk', {'password': 'secret-password'})
            self.assertTrue(user_id)
            self.assertIsNone(
                User.get_login('clerk', {'password': 'wrong-password'}))
            with Transaction().set_user(user_id):
                key = Session.new()
            Session.remove(key)
        events = [(l.event, l.login, l.ip_address)
            for l in Log.search([], order=[('id', 'ASC')])]
        self.assertEqual(events, [
                ('login', 'clerk', '192.0.2.10'),
                ('login_failed', 'clerk', '192.0.2.10'),
                ('logout', 'clerk', '192.0.2.10'),
                ])

    @with_transaction()
    def test_operator_log_search(self):
        "The operator log's search box finds rows by user, event and record"
        pool = Pool()
        User = pool.get('res.user')
        Log = pool.get('power.operator.log')
        Party = pool.get('party.party')
        Lang = pool.get('ir.lang')
        clerk, _ = User.create([
                {'login': 'clerk', 'name': 'Tanaka Hanako'},
                {'login': 'auditor', 'name': 'Suzuki Jiro'}])
        party, = Party.create([{'name': '山田 太郎'}])
        Log.add('clerk', 'login', user=clerk.id)
        Log.add('intruder', 'login_failed')
        with Transaction().set_user(clerk.id):
            Log.personal_data_read('party.party', [party.id], ['name'])
        login, failed, viewed = Log.search([], order=[('id', 'ASC')])

        def found(operand, operator='ilike'):
            return set(Log.search([('rec_name', operator, operand)]))
        self.assertEqual(found('%tanaka%'), {login, viewed})
        self.assertEqual(found('%intrud%'), {failed})
        self.assertEqual(found('%failed%'), {failed})
        self.assertEqual(found('%Data Viewed%'), {viewed})
        self.assertEqual(found('%山田%'), {viewed})
        self.assertEqual(found(f'party.party,{party.id}', '='), {viewed})
        self.assertEqual(found('%name%'), {viewed})
        self.assertEqual(found('%nobody%'), set())
        self.assertEqual(found('%tanaka%', 'not ilike'), {failed})
        self.assertEqual(login.rec_name, 'clerk')
        # the event's label in the user's language
        ja, = Lang.search([('code', '=', 'ja')])
        Lang.load_translations([ja])
        with Transaction().set_context(language='ja'):
            self.assertEqual(found('%ログイン失敗%'), {failed})
            self.assertEqual(found('%閲覧%'), {viewed})

    @with_transaction()
    def test_report_output_and_batch_run(self):
        "Generated files and batch results are kept"
        pool = Pool()
        Output = pool.get('power.report.output')
        Run = pool.get('power.batch.run')
        point = create_supply_point()
        output = Output.record('Zengin request', 'zengin.txt', 'data',
            kind='file', resource=point)
        self.assertEqual(output.size, 4)
        self.assertEqual(output.resource, point)
        self.assertEqual(len(output.checksum), 64)
        run = Run.start('daily billing')
        self.assertEqual(run.state, 'running')
        run.add_error(point, 'missing usage')
        run.finish(processed=10, failed=1)
        self.assertEqual(run.state, 'partial')
        self.assertEqual(run.errors[0].record, point)


del ModuleTestCase
