# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The portal through HTTP (werkzeug's test client on trytond's WSGI app):
simulation, application, registration and login, member pages, and the
security rules: nobody reads another customer's records by changing an id,
and no form is accepted without its CSRF token."""
import datetime as dt
import json
import re
import unittest
from decimal import Decimal
from unittest import mock
from urllib.parse import unquote, urlsplit

from werkzeug.test import Client

from power_core.data import MENUS
from power_core.tariff.menu import load_menus
from power_core.tariff.rating import Usage, rate

from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction
from trytond.wsgi import app

from .. import routes
from .tools import load_japanese

from trytond.modules.power_billing.tests.tools import (
    FEB10, JAN10, BillingHelpers, commit_with_billing_company)

PASSWORD = 'secret-pass-2026'
SEND = 'trytond.ir.email_.send_message_transactional'


def token(body):
    match = re.search(r'name="csrf_token" value="([^"]+)"', body)
    return match.group(1) if match else None


def _mail_link(send, path):
    "The link to path in the last mail sent."
    message = send.call_args[0][0]
    text = message.get_body(('plain',)).get_content() if hasattr(
        message, 'get_body') else str(message)
    match = re.search(r'(http://\S*' + re.escape(path) + r'\S*)', text)
    return unquote(match.group(1)).replace('&amp;', '&')


class PortalTestCase(BillingHelpers, unittest.TestCase):
    "Consumer portal"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_portal')
        # the pages' Japanese: the module's messages in ja.po
        load_japanese()
        helper = cls()
        helper.points = 0
        cls.data = commit_with_billing_company(helper.create_data)

    @classmethod
    def tearDownClass(cls):
        drop_db()
        super().tearDownClass()

    def create_data(self, company):
        pool = Pool()
        Menu = pool.get('power.rate_menu')
        Document = pool.get('power.explanation.document')
        Interval = pool.get('power.usage.interval')
        WebUser = pool.get('web.user')
        Inquiry = pool.get('power.inquiry')
        Bank = pool.get('bank')
        Branch = pool.get('power.bank.branch')
        Party = pool.get('party.party')
        from power_core.usage import DayProfile
        from trytond.modules.power_billing.tests.tools import setup_collections
        setup_collections(company)
        menus = Menu.search([('customer_class', '=', 'low_lighting')])
        Menu.write(menus, {'portal_offered': True})
        Document.create([{'code': 'pre', 'name': '契約締結前交付書面',
                    'kind': 'pre', 'version': '2026.1',
                    'valid_from': dt.date(2024, 1, 1),
                    'content': '供給条件の説明：料金、契約期間、解約の方法…'}])
        bank, = Bank.create([{'party': Party.create([{'name': 'みずほ'}])[0].id,
                    'zengin_code': '0001'}])
        Branch.create([{'bank': bank.id, 'code': '001', 'name': '東京営業部'}])
        Category = pool.get('power.inquiry.category')
        category, = Category.create([{'code': 'contract',
                    'name': 'ご契約について'}])
        data = {}
        for key, name in [('a', '山田 太郎'), ('b', '佐藤 花子')]:
            contract = self.contract(company, name=name)
            self.usage(contract, JAN10, FEB10, '259.6')
            day = DayProfile(JAN10 + dt.timedelta(days=3),
                tuple(range(48)), 'M' * 48)
            Interval.receive([(contract.supply_point.id, day)])
            customer = contract.customer
            user = WebUser(email=f'{key}@example.jp', password=PASSWORD,
                party=customer, email_valid=True)
            user.save()
            inquiry, = Inquiry.create([{'company': company.id,
                        'customer': customer.id, 'channel': 'portal',
                        'category': category.id,
                        'subject': f'{key} の質問', 'contents': '秘密の内容'}])
            data[key] = {'contract': contract.id, 'customer': customer.id,
                'customer_number': customer.customer_number,
                'supply_point': contract.supply_point.number,
                'inquiry': inquiry.id, 'day': day.date}
        data['category'] = category.id
        self.bill()
        Determinant = pool.get('power.billing.determinant')
        for key in ['a', 'b']:
            determinant, = Determinant.search(
                [('contract', '=', data[key]['contract'])])
            data[key]['bill'] = determinant.id
            data[key]['total'] = determinant.total
        # the mix of all sales in fiscal year 2023 (the bills read in
        # 2025-02, FY2024, show it)
        pool.get('power.power_mix').create([{'company': company.id,
                    'fiscal_year': 2023, 'adjusted_factor': Decimal('0.430'),
                    'source': 'https://example.jp/dengen (2024-07-01)',
                    'lines': [('create', [
                                {'source': 'lng', 'share': Decimal(60)},
                                {'source': 'fit', 'share': Decimal(15)},
                                {'source': 'jepx', 'share': Decimal(25)}])],
                    }])
        # a demand response event announced to a for a day to come
        tokyo, = pool.get('power.grid_area').search([('code', '=', '03')])
        event, = pool.get('power.dr.event').create([{'company': company.id,
                    'name': '夏の節電チャレンジ', 'area': tokyo.id,
                    'date': dt.date.today() + dt.timedelta(days=7),
                    'points_per_kwh': 10, 'state': 'announced',
                    'message': '17時から19時の節電にご協力ください。'}])
        pool.get('power.dr.participant').create([{'event': event.id,
                    'contract': data['a']['contract'],
                    'party': data['a']['customer']}])
        # b's bill is archived by the scheduled job; a's when first downloaded
        Archive = pool.get('power.billing.document')
        document, = Archive.issue([data['b']['bill']])
        data['b']['document'] = document.id
        # a third customer who has not registered yet
        contract = self.contract(company, name='鈴木 一郎')
        Code = pool.get('power.portal.registration_code')
        data['c'] = {'customer_number': contract.customer.customer_number,
            'supply_point': contract.supply_point.number,
            'customer': contract.customer.id,
            'code': Code.issue([contract.customer.id])[contract.customer.id]}
        return data

    # --- helpers -------------------------------------------------------

    def client(self):
        return Client(app)

    def url(self, path):
        return f'/{DB_NAME}/portal{path}'

    def get(self, client, path, **kwargs):
        response = client.get(self.url(path), **kwargs)
        return response, response.get_data().decode('utf-8', 'replace')

    def post(self, client, path, data, csrf=True):
        if csrf:
            _, body = self.get(client, '/login')
            data = dict(data, csrf_token=token(body))
        response = client.post(self.url(path), data=data)
        return response, response.get_data(as_text=True)

    def login(self, key='a'):
        client = self.client()
        response, _ = self.post(client, '/login',
            {'email': f'{key}@example.jp', 'password': PASSWORD})
        self.assertEqual(response.status_code, 303, response.get_data())
        return client

    # --- public pages --------------------------------------------------

    def test_simulation(self):
        "The simulation rates each offered menu like the billing engine"
        client = self.client()
        response, body = self.get(client,
            '/simulate?run=1&area=03&capacity=30A&mode=kwh&kwh=300')
        self.assertEqual(response.status_code, 200)
        month = re.search(r'(\d{4})年(\d+)月の単価で', body)
        self.assertTrue(month, body[:2000])
        start = dt.date(int(month.group(1)), int(month.group(2)), 1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        # the same month rated independently with the data pack
        menu = load_menus(MENUS)['tepco-juryo-b']
        with Transaction().start(DB_NAME, 0, readonly=True):
            from trytond.modules.power_billing.regulated import (
                regulated_values)
            regulated = regulated_values()
        bill = rate(menu, Usage(start, end, Decimal(300), Decimal(30), '03',
                charge_month=start, usage_month=start),
            regulated)
        self.assertIn(f'{bill.total:,}円', body)
        self.assertIn('再生可能エネルギー発電促進賦課金です', body)
        # a typical household over a year
        response, body = self.get(client,
            '/simulate?run=1&area=03&capacity=30A&mode=household&household=2')
        self.assertIn('年額', body)
        # bad input: a message next to the field, nothing rated
        response, body = self.get(client,
            '/simulate?run=1&area=03&capacity=30A&mode=kwh&kwh=abc')
        self.assertIn('0以上の整数', body)
        self.assertNotIn('試算結果', body)

    def test_application_lookups(self):
        "Postal code to address, banks and branches by kana, for the form"
        with Transaction().start(DB_NAME, 0) as transaction:
            from trytond.modules.power_cis.bank import import_master
            import_master(['0001', '9900'])
            transaction.commit()
        client = self.client()
        response, body = self.get(client, '/lookup/postal?code=１５０-００４１')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(json.loads(body), {'postal_code': '150-0041',
                'prefecture': '東京都', 'city': '渋谷区', 'town': '神南'})
        response, body = self.get(client, '/lookup/postal?code=0000000')
        self.assertEqual(response.status_code, 404)
        self.assertIn('見つかりません', json.loads(body)['error'])
        # a bank by its kana in hiragana, its name or its code
        for query in ['みず', 'ミズホ', 'ﾐｽﾞ', '0001', 'みずほ']:
            with self.subTest(query=query):
                _, body = self.get(client, f'/lookup/banks?q={query}')
                self.assertIn('0001', [b['code'] for b in json.loads(body)])
        _, body = self.get(client, '/lookup/banks?q=ゆうちょ')
        self.assertEqual([b['code'] for b in json.loads(body)], ['9900'])
        _, body = self.get(client, '/lookup/banks?q=')
        self.assertEqual(json.loads(body), [])
        # a branch of the chosen bank by its kana
        _, body = self.get(client,
            '/lookup/branches?bank=0001&q=とうきよう')
        branches = json.loads(body)
        self.assertIn('001', [b['code'] for b in branches])
        self.assertTrue(all(b['kana'].startswith('ﾄｳｷﾖｳ') for b in branches))
        _, body = self.get(client, '/lookup/branches?bank=0001')
        self.assertEqual(len(json.loads(body)), 20)
        # no more than 20 answers, nothing of another bank
        _, body = self.get(client, '/lookup/branches?bank=0000&q=1')
        self.assertEqual(json.loads(body), [])

    def test_power_mix_disclosed(self):
        "The public page of the power source mix, its CO2 factor, explanations and source"
        response, body = self.get(self.client(), '/power-mix')
        self.assertEqual(response.status_code, 200)
        for expected in ('電源構成（2023年度実績）', 'LNG火力', '60.0%',
                '0.430 kg-CO2/kWh', '賦課金により賄われています',
                'この電気には、水力、火力', '出典：https://example.jp/dengen'):
            self.assertIn(expected, body)

    def test_market_prices_of_tomorrow_with_their_spikes(self):
        "The next day's JEPX prices, each offered market menu's unit, spikes"
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Price = pool.get('power.regulated.market_price')
            GridArea = pool.get('power.grid_area')
            tokyo, = GridArea.search([('code', '=', '03')])
            kansai, = GridArea.search([('code', '=', '06')])
            Price.create([{'area': tokyo.id, 'date': tomorrow,
                        'prices': ' '.join(['10.00'] * 36 + ['45.50']
                            + ['10.00'] * 11), 'source': 'test'},
                    {'area': kansai.id, 'date': dt.date.today(),
                        'prices': ' '.join(['8.00'] * 48),
                        'source': 'test'}])
            transaction.commit()
        client = self.client()
        response, body = self.get(client, '/market?area=03')
        self.assertEqual(response.status_code, 200)
        self.assertIn('（明日分）', body)
        self.assertIn('18:00 の時間帯は市場価格が1kWhあたり30円以上に高騰します',
            body)
        # 市場連動プラン (デモ): (45.50 ÷ 0.939 + 3.00) × 1.1 = 56.60…;
        # (10.00 ÷ 0.939 + 3.00) × 1.1 = 15.01…
        self.assertIn('市場連動プラン (デモ)（円/kWh）', body)
        self.assertIn('56.60', body)
        self.assertIn('15.01', body)
        # tomorrow's not published yet: today's, said so
        response, body = self.get(client, '/market?area=06')
        self.assertIn('本日分', body)
        self.assertNotIn('高騰', body.split('<table')[1])
        _, body = self.get(client, '/market?area=04')
        self.assertIn('このエリアの価格はまだありません', body)
        # Okinawa is not on the market; an unknown area neither
        for area in ['10', '99']:
            response, _ = self.get(client, f'/market?area={area}')
            self.assertEqual(response.status_code, 404)
        # a member without a market-linked contract is not warned
        client = self.login('a')
        _, body = self.get(client, '/dashboard')
        self.assertNotIn('market-warning', body)
        # one on a market-linked menu is, at the configured spike price
        from types import SimpleNamespace

        from ..catalog import catalog
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Configuration = pool.get('power.configuration')
            contract = self._extra_contract(transaction, '市場 太郎',
                menu='market-demo')
            page = SimpleNamespace(pool=pool, catalog=catalog(pool))
            warning = routes.market_warning(page, [contract])
            self.assertIn('18:00', warning)
            self.assertIn('1kWhあたり30円以上に高騰します', warning)
            configuration = Configuration(1)
            configuration.market_spike_price = Decimal('50')
            configuration.save()
            self.assertIsNone(routes.market_warning(page, [contract]))
            transaction.rollback()

    def test_application(self):
        "An application walks its steps, keeps values going back, lands in the CIS"
        client = self.client()
        _, body = self.get(client, '/apply')
        csrf = token(body)
        supply = {'csrf_token': csrf, 'step': 'supply', 'go': 'next',
            'kind': 'switch_in', 'supply_point': '０３００００２２２２３３３３４４４４５５５５',
            'postal_code': '1000001', 'address': '東京都千代田区千代田1-1',
            'current_retailer': '東京電力エナジーパートナー',
            'current_customer_number': '1234567890'}
        # a bad postal code: the Japanese message, the values kept
        response = client.post(self.url('/apply'),
            data=dict(supply, postal_code='12-34'))
        body = response.get_data(as_text=True)
        self.assertIn('郵便番号は7桁の数字で入力してください', body)
        self.assertIn('東京都千代田区千代田1-1', body)
        values = dict(supply)
        steps = [
            ('supply', {}),
            ('holder', {'holder_name': '高橋 次郎', 'holder_kana': 'たかはし じろう',
                    'phone': '090-1234-5678', 'email': 'jiro@example.jp'}),
            ('plan', {'menu': 'tepco-juryo-b', 'capacity': '40A'}),
            ('payment', {'payment_kind': 'bank', 'bank_code': '0001',
                    'branch_code': '001', 'account_type': '1',
                    'account_number': '1234567',
                    'account_holder': 'タカハシ ジロウ'}),
            ('explanation', {'consent': 'yes'}),
            ]
        for step, fields in steps:
            values.update(fields, step=step, go='next')
            response = client.post(self.url('/apply'), data=values)
            body = response.get_data(as_text=True)
            self.assertNotIn('入力内容をご確認ください', body, step)
            values = dict(re.findall(
                    r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                    body))
        self.assertIn('入力内容の確認', body)
        self.assertIn('タカハシ ジロウ', body)
        # back from the confirmation: the consent is still checked
        response = client.post(self.url('/apply'),
            data=dict(values, go='back'))
        self.assertIn('value="yes" checked', response.get_data(as_text=True))
        with mock.patch(SEND) as send:
            response = client.post(self.url('/apply'),
                data=dict(values, go='submit'))
        body = response.get_data(as_text=True)
        self.assertIn('お申込みを受け付けました', body)
        number = re.search(r'id="application-number">([^<]+)<', body).group(1)
        self.assertEqual(send.call_count, 1)
        with Transaction().start(DB_NAME, 0, readonly=True):
            Application = Pool().get('power.application')
            application, = Application.search([('number', '=', number)])
            self.assertEqual(application.state, 'received')
            self.assertEqual(application.channel, 'portal')
            self.assertEqual(application.applicant_name_kana, 'タカハシ ジロウ')
            self.assertEqual(application.supply_point_number,
                '0300002222333344445555')
            self.assertTrue(application.consent)
            self.assertEqual(application.explanation_document.version,
                '2026.1')
            self.assertEqual(application.payment_kind, 'bank')
            self.assertEqual(application.capacity, Decimal(40))

    def submit_application(self, supply, payment):
        """Walk /apply with the supply and payment steps' fields and submit:
        (the page's body, the mail sender mock)."""
        client = self.client()
        _, body = self.get(client, '/apply')
        values = {'csrf_token': token(body), **supply}
        steps = [('supply', {}),
            ('holder', {'holder_name': '佐藤 花子', 'holder_kana': 'サトウ ハナコ',
                    'phone': '090-1111-2222', 'email': 'hanako@example.jp'}),
            ('plan', {'menu': 'tepco-juryo-b', 'capacity': '30A'}),
            ('payment', payment), ('explanation', {'consent': 'yes'})]
        for step, fields in steps:
            values.update(fields, step=step, go='next')
            body = client.post(self.url('/apply'), data=values).get_data(
                as_text=True)
            self.assertNotIn('入力内容をご確認ください', body, step)
            values = dict(re.findall(
                    r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                    body))
        with mock.patch(SEND) as send:
            response = client.post(self.url('/apply'),
                data=dict(values, go='submit'))
        self.assertEqual(response.status_code, 200)
        return response.get_data(as_text=True), send

    def test_move_in_application(self):
        "A move-in (引越し) with its requested day, paid by slip and by card, lands in the CIS (it was a 500: fromisoformat of a date)"
        import json
        import urllib.request
        from power_sim.payments import start_tokens
        requested = dt.date.today() + dt.timedelta(days=14)
        service, url, server = start_tokens(0)
        try:
            request = urllib.request.Request(url + '/tokens', data=json.dumps(
                    {'number': '4242424242424242', 'expiry': '12/39'}).encode(),
                headers={'Content-Type': 'application/json'})
            issued = json.loads(urllib.request.urlopen(request).read())
            payments = {'konbini': {'payment_kind': 'konbini'},
                'card': {'payment_kind': 'card',
                    'card_token': issued['token']}}
            for (kind, payment), point in zip(payments.items(), [
                        '0300002222333344446661', '0300002222333344446662']):
                with mock.patch.dict(routes.lookup_card_token.__globals__,
                        {'card_agent_origin': lambda: url}):
                    body, send = self.submit_application({'kind': 'move_in',
                            'supply_point': point, 'postal_code': '1600022',
                            'address': '東京都新宿区新宿1-1-1',
                            'requested_date': requested.strftime('%Y/%m/%d')},
                        payment)
                self.assertIn('お申込みを受け付けました', body, kind)
                self.assertEqual(send.call_count, 1)
                number = re.search(
                    r'id="application-number">([^<]+)<', body).group(1)
                with Transaction().start(DB_NAME, 0, readonly=True):
                    Application = Pool().get('power.application')
                    application, = Application.search(
                        [('number', '=', number)])
                    self.assertEqual((application.kind,
                            application.requested_date,
                            application.payment_kind,
                            application.supply_point_number),
                        ('move_in', requested, kind, point))
        finally:
            server.shutdown()
            server.server_close()

    def test_card_number_refused(self):
        "A card number typed into any application field is refused there"
        client = self.client()
        _, body = self.get(client, '/apply')
        response = client.post(self.url('/apply'), data={
                'csrf_token': token(body), 'step': 'holder', 'go': 'next',
                'holder_name': '4242 4242 4242 4242', 'holder_kana': 'ア',
                'phone': '0312345678', 'email': 'x@example.jp'})
        self.assertIn('カード番号はこの画面に入力しないでください',
            response.get_data(as_text=True))

    # --- security ------------------------------------------------------

    def test_csrf(self):
        "A form without its CSRF token, or with another's, is refused"
        client = self.client()
        self.get(client, '/login')
        for data in [{}, {'csrf_token': 'forged'}]:
            response = client.post(self.url('/login'), data=dict(data,
                    email='a@example.jp', password=PASSWORD))
            self.assertEqual(response.status_code, 403)
            self.assertNotIn('portal_session', response.headers.get(
                    'Set-Cookie', ''))
        member = self.login('a')
        with Transaction().start(DB_NAME, 0, readonly=True):
            Application = Pool().get('power.application')
            before = Application.search_count([])
        response = member.post(self.url('/changes'), data={
                'kind': 'ampere_change', 'contract': self.data['a']['contract'],
                'capacity': '40'})
        self.assertEqual(response.status_code, 403)
        with Transaction().start(DB_NAME, 0, readonly=True):
            self.assertEqual(Application.search_count([]), before)

    def test_other_customer(self):
        "A member cannot read another customer's records by changing an id"
        client = self.login('a')
        other = self.data['b']
        for path in [f"/bills/{other['bill']}",
                f"/bills/{other['bill']}/pdf",
                f"/documents/{other['document']}/pdf",
                f"/usage?contract={other['contract']}",
                f"/usage?contract={other['contract']}&view=day"
                f"&date={other['day']}",
                f"/usage.csv?contract={other['contract']}",
                f"/inquiries/{other['inquiry']}",
                f"/changes?contract={other['contract']}"]:
            response, body = self.get(client, path)
            self.assertEqual(response.status_code, 404, path)
            self.assertNotIn('佐藤', body, path)
            self.assertNotIn('b の質問', body, path)
        response, _ = self.post(client, '/changes', {
                'kind': 'ampere_change', 'contract': other['contract'],
                'capacity': '40'})
        self.assertEqual(response.status_code, 404)
        # and their own records are there
        own = self.data['a']
        response, body = self.get(client, f"/bills/{own['bill']}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(f"{own['total']:,}円", body)
        # anonymous: every member page sends to the login page
        for path in ['/dashboard', f"/bills/{own['bill']}/pdf", '/usage']:
            response, _ = self.get(self.client(), path)
            self.assertEqual(response.status_code, 303)
            self.assertIn('/login', response.headers['Location'])

    def test_nothing_without_a_session(self):
        "Every route and every RPC method of every model, wizard and report gives nothing to a request without a session"
        import json
        import uuid
        own = self.data['a']
        public = {f'/<database_name>/portal{p}' for p in [
                '/static/<name>', '/', '/simulate', '/apply', '/register',
                '/verify', '/login', '/logout', '/reset', '/reset/confirm',
                # the exchange's prices are public, as JEPX publishes them
                '/market',
                # the power source mix is the retailer's public disclosure
                '/power-mix',
                # the application form's lookups: Japan Post's postal codes
                # and the Zengin bank master, public data
                '/lookup/postal', '/lookup/banks', '/lookup/branches']}
        # the containers' health check says only whether the database
        # answers (addons/power_cis/health.py)
        public.add('/<database_name>/health')
        # Tryton's own: the server version, the login itself and the logout
        # (which answers 200 with nothing to a request without a session)
        public |= {'/rpc/', '/<string:database_name>/session/login',
            '/<string:database_name>/session/logout', '/<path:path>', '/'}
        values = {'database_name': DB_NAME, 'name': 'power.contract',
            'model': 'power.contract', 'id': str(own['contract']),
            'record': str(own['contract']), 'field': 'number',
            'action': 'read', 'bill_id': str(own['bill']),
            'inquiry_id': str(own['inquiry']), 'uuid': uuid.uuid4().hex}
        secrets = ['山田', own['customer_number'], own['supply_point'],
            '秘密の内容']
        tried = 0
        for rule in app.url_map.iter_rules():
            if rule.rule in public:
                continue
            path = rule.rule
            for converter in rule.arguments:
                value = values.get(converter, 'x')
                path = re.sub(rf'<[^>]*\b{converter}>', value, path)
            for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
                with self.subTest(route=rule.rule, method=method):
                    response = self.client().open(path, method=method,
                        json={'id': 1, 'method': 'model.power.contract.read',
                            'params': [[own['contract']], ['number']]}
                        if method == 'POST' and '/portal/' not in path
                        else None)
                    body = response.get_data(as_text=True)
                    tried += 1
                    if '/portal/' in path:
                        # to the login page, or refused for lack of the
                        # form's token
                        self.assertIn(response.status_code, {303, 403})
                        if response.status_code == 303:
                            self.assertIn('/login',
                                response.headers['Location'])
                    else:
                        self.assertGreaterEqual(response.status_code, 400)
                    for secret in secrets:
                        self.assertNotIn(str(secret), body)
        self.assertGreater(tried, 25)
        # every RPC method of the database, as the web client calls it
        names = []
        pool = Pool(DB_NAME)
        for kind in ('model', 'wizard', 'report'):
            for name, Object in pool.iterobject(type=kind):
                rpc = getattr(Object, '__rpc__', {}) if kind == 'model' \
                    else {'create': 0, 'execute': 0, 'delete': 0} \
                    if kind == 'wizard' else {'execute': 0}
                names += [f'{kind}.{name}.{method}' for method in rpc]
        self.assertGreater(len(names), 1000)
        client = self.client()
        refused = set()
        for name in names:
            response = client.post(f'/{DB_NAME}/rpc/', data=json.dumps(
                    {'id': 1, 'method': name, 'params': [[own['contract']],
                            ['number'], {}]}),
                content_type='application/json',
                headers={'X-Requested-With': 'XMLHttpRequest'})
            refused.add(response.status_code)
            self.assertNotIn('result', response.get_data(as_text=True), name)
        self.assertEqual(refused, {401})

    def test_malformed_rpc_arguments(self):
        """A staff session's RPC calls with malformed arguments (wrong
        types, unknown fields, bad domains, huge or deeply nested lists,
        missing or extra parameters) each get an error answer, never a
        server error, and change nothing"""
        import base64
        import json
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            User = pool.get('res.user')
            ModelData = pool.get('ir.model.data')
            User.create([{'login': 'rpc-clerk', 'name': 'RPC Clerk',
                        'password': 'rpc-clerk-2026-pass',
                        'groups': [('add', [
                                    ModelData.get_id('power_cis',
                                        'group_power_operator'),
                                    ModelData.get_id('power_billing',
                                        'group_power_billing')])]}])
            transaction.commit()
        client = self.client()

        def call(method, params, auth=None, raw=None):
            response = client.post(f'/{DB_NAME}/rpc/', data=raw or json.dumps(
                    {'id': 1, 'method': method, 'params': params}),
                content_type='application/json', headers=auth or {})
            body = response.get_data(as_text=True)
            try:
                return response.status_code, json.loads(body)
            except ValueError:
                return response.status_code, {'body': body[:300]}
        status, answer = call('common.db.login',
            ['rpc-clerk', {'password': 'rpc-clerk-2026-pass'}, 'en'])
        self.assertEqual(status, 200, answer)
        user_id, session, _ = answer['result']
        token = base64.b64encode(
            f'rpc-clerk:{user_id}:{session}'.encode()).decode()
        auth = {'Authorization': f'Session {token}'}

        def counts():
            with Transaction().start(DB_NAME, 0, readonly=True):
                pool = Pool()
                return {name: pool.get(name).search_count([])
                    for name in ('power.contract', 'power.inquiry',
                        'party.party', 'power.payment.method',
                        'power.billing.determinant', 'account.invoice')}
        before = counts()
        own = self.data['a']
        huge = list(range(1, 200001))
        malformed = {
            'read': [['x'], [[own['contract']], 'number'],
                [[{'id': 1}], ['number']], [huge, ['number']],
                [[own['contract']], ['no_such_field']],
                [[own['contract']], [None]], [[-1], ['number']]],
            'search': [['not a domain'], [[['id', 'is-like', 1]]],
                [[['number', '=', {'$ne': 1}]]],
                [[], 'x'], [[], 0, 10 ** 6], [[], 0, None, 'id DESC; DROP']],
            'search_count': [[[['no_such_field', '=', 1]]], ['x']],
            'write': [[[own['contract']], {'no_such_field': 1}],
                [[own['contract']], {'number': ['x']}],
                [['x'], {'number': 'X'}], [[own['contract']], 'number'],
                [huge, {'state': 'cancelled'}],
                [[own['contract']], {'customer': 'not an id'}]],
            'create': [[[{'customer': 'abc'}]], [['x']], ['x'],
                [[{'no_such_field': 1}]], [[{}] * 1000]],
            'delete': [[['x']], [[-1]], [huge], [[{'id': 1}]]],
            }
        tried = 0
        for model in ['power.contract', 'power.inquiry',
                'power.payment.method', 'power.billing.determinant']:
            for method, argument_sets in malformed.items():
                for arguments in argument_sets:
                    # with the context, without it, with one too many
                    for params in (arguments + [{}], arguments,
                            arguments + [{}, 'extra', 1]):
                        with self.subTest(model=model, method=method,
                                params=repr(params)[:80]):
                            status, answer = call(
                                f'model.{model}.{method}', params, auth)
                            tried += 1
                            # an HTTP refusal (422 for a missing context)
                            # or a JSON-RPC error; never a result, never a
                            # server error
                            self.assertLess(status, 500, answer)
                            self.assertNotIn('result', answer)
                            self.assertTrue(status >= 400
                                or 'error' in answer, answer)
        self.assertGreater(tried, 350)
        # a domain nested 100,000 deep (beyond any recursion limit)
        depth = 100000
        status, answer = call(None, None, auth, raw=(
                '{"id": 1, "method": "model.power.contract.search", '
                '"params": [' + '[' * depth + ']' * depth + ', {}]}'))
        self.assertLess(status, 500, answer)
        self.assertNotIn('result', answer)
        self.assertEqual(counts(), before)
        # the session still works after all that
        status, answer = call('model.power.contract.read',
            [[own['contract']], ['number'], {}], auth)
        self.assertEqual(status, 200)
        self.assertEqual(len(answer['result']), 1)

    # --- members -------------------------------------------------------

    def test_registration(self):
        "Registration with the customer number, e-mail check, login, reset"
        client = self.client()
        c = self.data['c']
        form = {'customer_number': c['customer_number'],
            'supply_point': '03' + '9' * 20, 'email': 'ichiro@example.jp',
            'registration_code': c['code'],
            'password': 'abcdefghij1', 'password2': 'abcdefghij1'}
        with mock.patch(SEND) as send:
            _, body = self.post(client, '/register', form)
            self.assertIn('ご入力の内容ではご登録できません', body)
            _, body = self.post(client, '/register',
                dict(form, supply_point=c['supply_point'], password2='x'))
            self.assertIn('確認用パスワードが一致しません', body)
            _, body = self.post(client, '/register',
                dict(form, supply_point=c['supply_point']))
            self.assertIn('確認メールをお送りしました', body)
            link = _mail_link(send, '/verify')
        response, body = self.post(client, '/login',
            {'email': 'ichiro@example.jp', 'password': 'abcdefghij1'})
        self.assertIn('メールアドレスの確認が済んでいません', body)
        response = client.get(urlsplit(link).path + '?' + urlsplit(link).query)
        self.assertIn('登録が完了しました', response.get_data(as_text=True))
        response, _ = self.post(client, '/login',
            {'email': 'ichiro@example.jp', 'password': 'abcdefghij1'})
        self.assertEqual(response.status_code, 303)
        _, body = self.get(client, '/dashboard')
        self.assertIn('鈴木 一郎 様のマイページ', body)
        # password reset
        with mock.patch(SEND) as send:
            _, body = self.post(client, '/reset', {'email': 'ichiro@example.jp'})
            link = _mail_link(send, '/reset/confirm')
        parts = urlsplit(link)
        query = dict(p.split('=', 1) for p in parts.query.split('&'))
        _, body = self.post(client, '/reset/confirm', dict(query,
                password='newpassword99', password2='newpassword99'))
        self.assertIn('パスワードを変更しました', body)
        response, _ = self.post(self.client(), '/login',
            {'email': 'ichiro@example.jp', 'password': 'newpassword99'})
        self.assertEqual(response.status_code, 303)

    def test_member_pages(self):
        "Dashboard, usage charts and CSV, bills and PDF, changes, points, inquiries"
        client = self.login('a')
        own = self.data['a']
        _, body = self.get(client, '/dashboard')
        self.assertIn('前回のご請求', body)
        self.assertIn('夏の節電チャレンジ（1kWhあたり10ポイント）', body)
        self.assertIn('17:00〜19:00', body)
        self.assertIn('実施前', body)
        self.assertIn(f"{own['total']:,}円", body)
        _, body = self.get(client, '/usage')
        self.assertIn('id="chart-data"', body)
        self.assertIn('"使用量（kWh）": [null', body)
        self.assertIn('<td class="num">260</td>', body)
        _, body = self.get(client, f"/usage?view=day&date={own['day']}")
        self.assertIn('"使用量（kWh）": [0.0, 0.1, 0.2', body)
        response, _ = self.get(client, f"/usage.csv?view=day&date={own['day']}")
        csv = response.get_data().decode('utf-8-sig').splitlines()
        self.assertEqual(csv[0], '時刻,使用量(kWh)')
        self.assertEqual(csv[2], '0:30,0.1')
        _, body = self.get(client, f"/bills/{own['bill']}")
        self.assertIn('電源構成（2023年度実績）', body)
        self.assertIn('0.430 kg-CO2/kWh', body)
        response, _ = self.get(client, f"/bills/{own['bill']}/pdf")
        self.assertEqual(response.status_code, 200)
        issued = response.get_data()
        self.assertTrue(issued.startswith(b'%PDF'))
        # archived when first downloaded: the same file ever after, and in
        # the list of issued documents, searched by date and amount
        response, _ = self.get(client, f"/bills/{own['bill']}/pdf")
        self.assertEqual(response.get_data(), issued)
        _, body = self.get(client, '/documents')
        self.assertIn(f"{own['total']:,}円", body)
        document_id = re.search(r'/documents/(\d+)/pdf', body).group(1)
        response, _ = self.get(client, f'/documents/{document_id}/pdf')
        self.assertEqual(response.get_data(), issued)
        _, body = self.get(client,
            f"/documents?min={own['total']}&max={own['total']}")
        self.assertIn(f'/documents/{document_id}/pdf', body)
        _, body = self.get(client, f"/documents?min={own['total'] + 1}")
        self.assertNotIn(f'/documents/{document_id}/pdf', body)
        _, body = self.get(client, '/documents?from=2099-01-01')
        self.assertIn('条件に合う請求書はありません', body)
        response, body = self.get(client, '/documents?min=1e3')
        self.assertEqual(response.status_code, 400)
        self.assertIn('金額をご確認ください', body)
        response, body = self.get(client, '/documents?from=2025-13-01')
        self.assertEqual(response.status_code, 400)
        self.assertIn('日付をご確認ください', body)
        response, _ = self.post(client, '/settings/paper', {'paper': 'yes'})
        self.assertEqual(response.status_code, 303)
        with mock.patch(SEND):
            _, body = self.post(client, '/changes', {
                    'kind': 'ampere_change', 'contract': own['contract'],
                    'capacity': '40'})
        self.assertIn('アンペア変更のお申込みを受け付けました', body)
        self.assertIn('現在のプラン', body)
        _, body = self.post(client, '/changes', {
                'kind': 'move_out', 'contract': own['contract'],
                'requested_date': '2000-01-01'})
        self.assertIn('明日以降の日付', body)
        _, body = self.post(client, '/points', {'member_id': 'PT-0001234'})
        self.assertIn('会員IDは8〜16桁の数字で入力してください', body)
        _, body = self.post(client, '/points', {'member_id': '１２３４-５６７８-９０'})
        self.assertIn('会員IDを登録しました', body)
        _, body = self.post(client, '/inquiries', {
                'subject': '引越しについて', 'contents': '来月引越します。',
                'category': ''})
        self.assertIn('お問い合わせの種類を選択してください', body)
        _, body = self.post(client, '/inquiries', {
                'subject': '引越しについて', 'contents': '来月引越します。',
                'category': str(self.data['category'])})
        self.assertIn('お問い合わせを受け付けました', body)
        with Transaction().start(DB_NAME, 0, readonly=True):
            pool = Pool()
            Party = pool.get('party.party')
            party = Party(own['customer'])
            self.assertTrue(party.paper_notice)
            self.assertEqual(party.point_member_id, '1234567890')
            Application = pool.get('power.application')
            change, = Application.search([('customer', '=', party.id),
                    ('kind', '=', 'ampere_change')])
            self.assertEqual((change.state, change.channel, change.capacity),
                ('received', 'portal', Decimal(40)))
            Inquiry = pool.get('power.inquiry')
            self.assertTrue(Inquiry.search([('customer', '=', party.id),
                        ('subject', '=', '引越しについて')]))

    def test_rate_limit(self):
        "Registration attempts from one address are limited"
        client = self.client()
        form = {'customer_number': 'X', 'supply_point': '1',
            'email': 'x@example.jp', 'password': 'a', 'password2': 'a'}
        with mock.patch.object(routes, 'limit', return_value=3):
            codes = [self.post(client, '/register', form)[0].status_code
                for _ in range(5)]
        self.assertEqual(codes[-1], 429)
        self.assertIn(200, codes)
        # the daily clean-up keeps the recent attempts
        with Transaction().start(DB_NAME, 0) as transaction:
            Attempt = Pool().get('power.portal.attempt')
            Attempt.clean()
            self.assertEqual(Attempt.search_count([('kind', '=', 'register')]), 3)
            transaction.commit()

    def test_password_hashing_bounded(self):
        """A login storm hashes a few passwords at a time (64 MiB each):
        members' and staff's alike"""
        import threading
        import time
        from trytond.modules.power_cis import common
        from trytond.res.user import PASSWORD_HASH
        active = {'now': 0, 'most': 0}
        lock = threading.Lock()
        verify, hash_ = PASSWORD_HASH.verify_and_update, PASSWORD_HASH.hash

        def counted(function):
            def wrapper(*args):
                with lock:
                    active['now'] += 1
                    active['most'] = max(active['most'], active['now'])
                try:
                    time.sleep(0.02)
                    return function(*args)
                finally:
                    with lock:
                        active['now'] -= 1
            return wrapper
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            WebUser, User = pool.get('web.user'), pool.get('res.user')
            stored = WebUser.search([('email', '=', 'a@example.jp')])[0]
            password_hash = stored.password_hash
        results = []

        def login(n):
            if n % 3 == 0:
                results.append(bool(User.hash_password(PASSWORD)))
            model = WebUser if n % 2 else User
            results.append(model.check_password(PASSWORD, password_hash)[0])
        with mock.patch.object(common, 'HASHING',
                    threading.BoundedSemaphore(2)), \
                mock.patch.object(PASSWORD_HASH, 'verify_and_update',
                    counted(verify)), \
                mock.patch.object(PASSWORD_HASH, 'hash', counted(hash_)):
            threads = [threading.Thread(target=login, args=(n,))
                for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(len(results), 11)
        self.assertTrue(all(results))
        self.assertLessEqual(active['most'], 2)
        self.assertEqual(active['most'], 2)

    def test_security_headers(self):
        "Session cookies are HTTP-only; pages forbid framing"
        response, _ = self.post(self.client(), '/login',
            {'email': 'a@example.jp', 'password': PASSWORD})
        cookie = [c for c in response.headers.getlist('Set-Cookie')
            if c.startswith('portal_session=')][0]
        self.assertIn('HttpOnly', cookie)
        self.assertIn('Max-Age', cookie)
        self.assertIn('SameSite=Lax', cookie)
        self.assertEqual(response.headers['X-Frame-Options'], 'DENY')
        self.assertIn("script-src 'self'",
            response.headers['Content-Security-Policy'])
        # served to anyone but this machine, the cookies are Secure
        for base in ['https://portal.example.jp', 'http://portal.example.jp']:
            response = self.client().get(self.url('/login'), base_url=base)
            cookie, = response.headers.getlist('Set-Cookie')
            self.assertIn('Secure', cookie)
            self.assertIn('HttpOnly', cookie)


    # --- issue 21 ------------------------------------------------------

    def _extra_contract(self, transaction, name, menu='tepco-juryo-b'):
        "An active contract of a new customer, in transaction"
        Company = Pool().get('company.company')
        company, = Company.search([], limit=1)
        # supply point numbers after those of create_data
        PortalTestCase.extra_points = getattr(
            PortalTestCase, 'extra_points', 100) + 1
        self.points = PortalTestCase.extra_points
        with transaction.set_context(company=company.id):
            return self.contract(company, name=name, menu=menu)

    def _new_customer(self, name):
        "(customer id, number, supply point, registration code) committed"
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            contract = self._extra_contract(transaction, name)
            Code = pool.get('power.portal.registration_code')
            party = contract.customer
            code = Code.issue([party.id])[party.id]
            result = (party.id, party.customer_number,
                contract.supply_point.number, code)
            transaction.commit()
        return result

    def _unlimited_registrations(self):
        "No registration limit in this test, and its attempts forgotten after"
        limits = mock.patch.object(routes, 'limit', return_value=1000)
        limits.start()
        self.addCleanup(limits.stop)

        def forget():
            with Transaction().start(DB_NAME, 0) as transaction:
                Attempt = Pool().get('power.portal.attempt')
                Attempt.delete(Attempt.search([('kind', '=', 'register')]))
                transaction.commit()
        self.addCleanup(forget)

    def test_registration_needs_the_code(self):
        "Customer and supply point numbers alone register nobody; the code is single use; a pending registration does not lock the customer out"
        self._unlimited_registrations()
        party, number, point, code = self._new_customer('中村 三郎')
        form = {'customer_number': number, 'supply_point': point,
            'email': 'attacker@example.jp', 'password': 'kumo-no-ue-2026',
            'password2': 'kumo-no-ue-2026'}
        with mock.patch(SEND) as send:
            # what is printed on every letter is not enough
            for extra in [{}, {'registration_code': 'ABCD-EFGH-JKMN'},
                    {'registration_code': code[:-1] + (
                            '2' if code[-1] != '2' else '3')}]:
                _, body = self.post(self.client(), '/register',
                    dict(form, **extra))
                self.assertNotIn('確認メールをお送りしました', body, extra)
            self.assertEqual(send.call_count, 0)
            # someone with the code registers but never confirms ...
            _, body = self.post(self.client(), '/register',
                dict(form, registration_code=code.lower()))
            self.assertIn('確認メールをお送りしました', body)
            # ... and the customer, with the same code, is not locked out
            _, body = self.post(self.client(), '/register',
                dict(form, email='saburo@example.jp',
                    registration_code=code))
            self.assertIn('確認メールをお送りしました', body)
            link = _mail_link(send, '/verify')
        response = self.client().get(
            urlsplit(link).path + '?' + urlsplit(link).query)
        self.assertIn('登録が完了しました', response.get_data(as_text=True))
        with Transaction().start(DB_NAME, 0, readonly=True):
            WebUser = Pool().get('web.user')
            users = WebUser.search([('party', '=', party)])
            self.assertEqual([(u.email, u.email_valid) for u in users],
                [('saburo@example.jp', True)])
        # used: the code registers nobody again
        with mock.patch(SEND):
            _, body = self.post(self.client(), '/register',
                dict(form, registration_code=code))
        self.assertIn('ご入力の内容ではご登録できません', body)

    def test_registration_code_expires_and_staff_issue_it(self):
        "Staff read the customer's code and issue a new one; the old one and an expired one register nobody; the code is not searchable"
        self._unlimited_registrations()
        party, number, point, old = self._new_customer('小林 四郎')
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Party = pool.get('party.party')
            record = Party(party)
            self.assertEqual(record.portal_code.replace('-', ''), old)
            Party.issue_portal_code([record])
            new = Party(party).portal_code
            self.assertNotEqual(new.replace('-', ''), old)
            with self.assertRaises(Exception):
                Party.search([('portal_code', '=', new)])
            transaction.commit()
        form = {'customer_number': number, 'supply_point': point,
            'email': 'shiro@example.jp', 'password': 'kumo-no-ue-2026',
            'password2': 'kumo-no-ue-2026'}
        with mock.patch(SEND):
            _, body = self.post(self.client(), '/register',
                dict(form, registration_code=old))
            self.assertIn('ご入力の内容ではご登録できません', body)
            with mock.patch.object(routes, 'today',
                    return_value=dt.date.today() + dt.timedelta(days=400)):
                _, body = self.post(self.client(), '/register',
                    dict(form, registration_code=new))
            self.assertIn('ご入力の内容ではご登録できません', body)
            _, body = self.post(self.client(), '/register',
                dict(form, registration_code=new))
            self.assertIn('確認メールをお送りしました', body)
        # the bill notice of a customer without an account prints the code
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Code = pool.get('power.portal.registration_code')
            Notice = pool.get('power.billing.notice', type='report')
            Determinant = pool.get('power.billing.determinant')
            a, = Determinant.browse([self.data['a']['bill']])
            code = Code.issue([self.data['a']['customer']])[
                self.data['a']['customer']]
            html = Notice.render(None, {'records': [a]})
            # a is registered: no code on its notice
            self.assertNotIn('登録コード', html)
            WebUser = pool.get('web.user')
            user, = WebUser.search([('party', '=', a.customer.id)])
            user.email_valid = False
            user.save()
            html = Notice.render(None, {'records': [a]})
            self.assertIn(routes.core.format_registration_code(code), html)
            transaction.rollback()

    def test_password_policy(self):
        "Registration and reset refuse common passwords and ones with the e-mail"
        self._unlimited_registrations()
        c = self.data['c']
        form = {'customer_number': c['customer_number'],
            'supply_point': c['supply_point'], 'email': 'kei@example.jp',
            'registration_code': c['code']}
        with mock.patch(SEND) as send:
            for password, message in [('password12', '推測されやすい'),
                    ('kei@example.jp1', 'メールアドレスを含めないで'),
                    ('short1', '10文字以上')]:
                _, body = self.post(self.client(), '/register', dict(form,
                        password=password, password2=password))
                self.assertIn(message, body, password)
            self.assertEqual(send.call_count, 0)
        _, body = self.post(self.client(), '/reset/confirm', {
                'email': 'a@example.jp', 'token': 'x',
                'password': 'password12', 'password2': 'password12'})
        self.assertIn('推測されやすい', body)

    def _login_as(self, email, password, address='10.0.0.1'):
        client = self.client()
        _, body = self.get(client, '/login')
        response = client.post(self.url('/login'), data={
                'email': email, 'password': password,
                'csrf_token': token(body)},
            environ_base={'REMOTE_ADDR': address})
        return response.status_code

    def test_login_backoff(self):
        "Wrong passwords make the account and the address wait seconds, not hours; the right password works after the wait"
        import time
        settings = {'login_free': 3, 'login_free_address': 6,
            'login_backoff_cap': 2, 'login_window': 3600}
        authenticate = Pool(DB_NAME).get('web.user').authenticate.__func__
        with mock.patch.dict(authenticate.__globals__,
                {'setting': lambda name, default: settings[name]}):
            # six wrong passwords for a from different addresses
            codes = [self._login_as('b@example.jp', 'wrong-pass-1',
                    f'10.1.{n}.1') for n in range(6)]
            self.assertIn(429, codes)
            self.assertEqual(codes[:3], [200] * 3)
            # while it waits, even the right password is refused ...
            self.assertEqual(self._login_as('b@example.jp', PASSWORD,
                    '10.2.0.1'), 429)
            # ... for seconds (at most the cap), not for 8 hours
            time.sleep(2.2)
            self.assertEqual(self._login_as('b@example.jp', PASSWORD,
                    '10.2.0.1'), 303)
            # an address trying many accounts waits too
            codes = [self._login_as(f'nobody{n}@example.jp', 'wrong-pass-1',
                    '10.3.0.1') for n in range(8)]
            self.assertIn(429, codes)
            self.assertEqual(self._login_as('a@example.jp', PASSWORD,
                    '10.3.0.1'), 429)
            self.assertEqual(self._login_as('a@example.jp', PASSWORD,
                    '10.4.0.1'), 303)

    def test_login_time_does_not_tell_registered_emails(self):
        "An unknown e-mail costs a password check too"
        WebUser = Pool(DB_NAME).get('web.user')
        calls = []
        check = WebUser.check_password.__func__

        def counted(cls, password, hash_):
            calls.append(hash_)
            return check(cls, password, hash_)
        with mock.patch.object(WebUser, 'check_password',
                classmethod(counted)):
            self.assertEqual(self._login_as('unknown-person@example.jp',
                    'wrong-pass-1', '10.5.0.1'), 200)
            self.assertEqual(self._login_as('a@example.jp',
                    'wrong-pass-1', '10.5.0.2'), 200)
        self.assertEqual(len(calls), 2)
        self.assertTrue(all(calls), calls)

    def test_cross_site_posts_refused(self):
        "A POST from another site (Origin, null Origin, Referer, Sec-Fetch-Site) is a clean 403 page that changes nothing; the same site passes"
        member = self.login('a')
        _, body = self.get(member, '/changes')
        csrf = token(body)
        data = {'csrf_token': csrf, 'kind': 'name_change',
            'contract': self.data['a']['contract'],
            'holder_name': '山田 太郎', 'holder_kana': 'ヤマダ タロウ'}
        with Transaction().start(DB_NAME, 0, readonly=True):
            Application = Pool().get('power.application')
            before = Application.search_count([])
        for headers in [{'Origin': 'https://evil.example'},
                {'Origin': 'evil'}, {'Origin': 'null'},
                {'Referer': 'https://evil.example/page'},
                {'Sec-Fetch-Site': 'cross-site'},
                {'Origin': 'http://localhost', 'Sec-Fetch-Site': 'same-site'}]:
            with self.subTest(headers=headers), \
                    self.assertNoLogs('trytond.wsgi', 'ERROR'):
                response = member.post(self.url('/changes'), data=data,
                    headers=headers)
                body = response.get_data(as_text=True)
                self.assertEqual(response.status_code, 403)
                self.assertIn('別のサイトからの送信はお受けできません', body)
                self.assertNotIn('Traceback', body)
        with Transaction().start(DB_NAME, 0, readonly=True):
            self.assertEqual(Application.search_count([]), before)
        # the portal's own pages (Origin and Referer of this host) pass
        with mock.patch(SEND):
            response = member.post(self.url('/changes'), data=data,
                headers={'Origin': 'http://localhost',
                    'Referer': 'http://localhost' + self.url('/changes'),
                    'Sec-Fetch-Site': 'same-origin'})
        self.assertEqual(response.status_code, 200)
        self.assertIn('名義変更のお申込みを受け付けました',
            response.get_data(as_text=True))

    def test_bad_ids_and_dates_are_4xx(self):
        "Ids beyond any record and dates like 0001-01-01 give a Japanese 4xx page"
        client = self.login('a')
        for path, status in [('/bills/' + '9' * 20, 404),
                ('/bills/' + '9' * 20 + '/pdf', 404),
                ('/inquiries/２', 404), ('/inquiries/-1', 404),
                ('/usage?contract=' + '9' * 20, 404),
                ('/changes?contract=' + '9' * 20, 404),
                ('/usage?view=day&date=0001-01-01', 400),
                ('/usage.csv?view=day&date=0001-01-01', 400),
                ('/usage?view=month&month=0001-01', 400),
                ('/usage?view=day&date=9999-12-31', 400)]:
            with self.subTest(path=path):
                response, body = self.get(client, path)
                self.assertEqual(response.status_code, status)
                self.assertIn('<html lang="ja"', body[:500])
                self.assertNotIn('Traceback', body)
                self.assertNotIn('INTEGER', body)

    def test_usage_clipped_to_the_contract(self):
        "A member sees no half hour or day outside their contract's dates, neither on the page nor in the CSV"
        own = self.data['a']
        day = own['day']
        client = self.login('a')
        _, body = self.get(client, f'/usage?view=day&date={day}')
        self.assertIn('"使用量（kWh）": [0.0, 0.1', body)

        def set_dates(start, end):
            with Transaction().start(DB_NAME, 0) as transaction:
                table = Pool().get('power.contract').__table__()
                cursor = transaction.connection.cursor()
                cursor.execute(*table.update(
                        [table.start_date, table.end_date], [start, end],
                        where=table.id == own['contract']))
                transaction.commit()
        with Transaction().start(DB_NAME, 0, readonly=True):
            contract = Pool().get('power.contract')(own['contract'])
            start, end = contract.start_date, contract.end_date
        try:
            for first, last in [(start, day - dt.timedelta(days=1)),
                    (day + dt.timedelta(days=1), None)]:
                set_dates(first, last)
                _, body = self.get(client, f'/usage?view=day&date={day}')
                self.assertNotIn('[0.0, 0.1', body)
                self.assertNotIn('<td class="num">0.1</td>', body)
                response, _ = self.get(client,
                    f'/usage.csv?view=day&date={day}')
                self.assertEqual(response.get_data().decode('utf-8-sig')
                    .splitlines(), ['時刻,使用量(kWh)'])
                response, _ = self.get(client,
                    f'/usage.csv?view=month&month={day:%Y-%m}')
                rows = response.get_data().decode('utf-8-sig').splitlines()
                self.assertIn(f'{day.isoformat()},,', rows)
        finally:
            set_dates(start, end)

    def test_apply_limited_and_bounded(self):
        "/apply is rate-limited per address; a 100 kB field is refused, not stored"
        client = self.client()
        _, body = self.get(client, '/apply')
        supply = {'csrf_token': token(body), 'step': 'supply', 'go': 'next',
            'kind': 'switch_in', 'supply_point': '0300002222333344445555',
            'postal_code': '1000001', 'address': '東京都千代田区千代田1-1',
            'current_retailer': 'あ' * 100000,
            'current_customer_number': '1234567890'}
        response = client.post(self.url('/apply'), data=supply)
        body = response.get_data(as_text=True)
        self.assertIn('現在ご契約中の小売電気事業者は80文字以内', body)
        self.assertLess(len(body), 30000)
        with mock.patch.object(routes, 'limit', return_value=0), \
                mock.patch(SEND) as send:
            response = client.post(self.url('/apply'), data=dict(supply,
                    step='confirm', go='submit'))
        self.assertEqual(response.status_code, 429)
        self.assertEqual(send.call_count, 0)

    def test_card_token_checked_with_the_agent(self):
        "A card token the agent never issued is refused; an issued one passes with the agent's masked number"
        import json
        import urllib.request
        from power_sim.payments import start_tokens
        service, url, server = start_tokens(0)
        agent = mock.patch.dict(routes.lookup_card_token.__globals__,
            {'card_agent_origin': lambda: url})
        try:
            request = urllib.request.Request(url + '/tokens', data=json.dumps(
                    {'number': '4242424242424242', 'expiry': '12/39'}).encode(),
                headers={'Content-Type': 'application/json'})
            issued = json.loads(urllib.request.urlopen(request).read())
            client = self.client()
            _, body = self.get(client, '/apply')
            payment = {'csrf_token': token(body), 'step': 'payment',
                'go': 'next', 'payment_kind': 'card'}
            with agent:
                for forged in ['tok_' + 'a' * 24, 'tok_forged']:
                    response = client.post(self.url('/apply'), data=dict(
                            payment, card_token=forged,
                            card_masked='************1111'))
                    self.assertIn('カード情報を確認できませんでした',
                        response.get_data(as_text=True), forged)
                response = client.post(self.url('/apply'), data=dict(
                        payment, card_token=issued['token'],
                        card_masked='************1111'))
                body = response.get_data(as_text=True)
                self.assertNotIn('カード情報を確認できませんでした', body)
                self.assertIn('重要事項の説明', body)
                self.assertIn('value="************4242"', body)
            server.shutdown()
            server.server_close()
            with agent:
                response = client.post(self.url('/apply'), data=dict(
                        payment, card_token=issued['token']))
            self.assertIn('決済代行会社に接続できませんでした',
                response.get_data(as_text=True))
        finally:
            server.shutdown()
            server.server_close()

    def test_staff_client_not_framed(self):
        "The staff web client and RPC answers forbid framing; a foreign Origin there is a 403, not a server error"
        client = self.client()
        for path in ['/', f'/{DB_NAME}/rpc/']:
            response = client.get(path)
            self.assertEqual(response.headers.get('X-Frame-Options'), 'DENY',
                path)
            self.assertIn("frame-ancestors 'none'",
                response.headers.get('Content-Security-Policy', ''))
            self.assertEqual(
                response.headers.get('X-Content-Type-Options'), 'nosniff')
        response = client.post(f'/{DB_NAME}/rpc/', data='{}',
            content_type='application/json',
            headers={'Origin': 'https://evil.example'})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.headers.get('X-Frame-Options'), 'DENY')
        # the portal keeps its own stricter policy
        response, _ = self.get(client, '/login')
        self.assertIn("script-src 'self'",
            response.headers['Content-Security-Policy'])

    def test_lone_surrogates(self):
        "A lone surrogate in a portal form is refused with a message; in a staff inquiry it is replaced, never a server error"
        client = self.login('a')
        with Transaction().start(DB_NAME, 0, readonly=True):
            Inquiry = Pool().get('power.inquiry')
            before = Inquiry.search_count([])
        from urllib.parse import quote
        _, body = self.get(client, '/login')
        # a browser cannot send a lone surrogate (it sends U+FFFD) and
        # werkzeug keeps its bytes percent-encoded; control characters
        for subject in ['%ED%A0%80', '%00', quote('件名') + '%1B']:
            response = client.post(self.url('/inquiries'), data=(
                    f'csrf_token={token(body)}&subject={subject}'
                    f'&contents=x&category={self.data["category"]}'),
                content_type='application/x-www-form-urlencoded')
            self.assertEqual(response.status_code, 200)
            page = response.get_data(as_text=True)
            if subject != '%ED%A0%80':
                self.assertIn('件名に使用できない文字が含まれています', page)
        with Transaction().start(DB_NAME, 0, readonly=True):
            Inquiry = Pool().get('power.inquiry')
            # only the one whose bytes became U+FFFD
            self.assertEqual(Inquiry.search_count([]), before + 1)
            # (werkzeug keeps bytes that are not UTF-8 percent-encoded)
            latest, = Inquiry.search([], order=[('id', 'DESC')], limit=1)
            self.assertFalse(routes.core.invalid_text(latest.subject))
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Inquiry = pool.get('power.inquiry')
            Company = pool.get('company.company')
            company, = Company.search([], limit=1)
            transaction.set_context(company=company.id)
            inquiry, = Inquiry.create([{'company': company.id,
                        'customer': self.data['a']['customer'],
                        'channel': 'phone', 'category': self.data['category'],
                        'subject': '電話' + chr(0xdc00),
                        'contents': '内容\n' + chr(0xd83d) + '\x00'}])
            Inquiry.write([inquiry], {'subject': chr(0xd800) + '再'})
            self.assertEqual(inquiry.subject, '\ufffd再')
            self.assertEqual(inquiry.contents, '内容\n\ufffd\ufffd')
            transaction.rollback()

    def test_codes_issued_to_customers_without_an_account(self):
        "The daily action gives a code to each customer without a confirmed account or a valid code, once"
        party, _, _, _ = self._new_customer('加藤 五郎')
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Code = pool.get('power.portal.registration_code')
            Code.consume([party], delete=True)
            issued = Code.issue_missing()
            self.assertIn(party, issued)
            self.assertNotIn(self.data['a']['customer'], issued)
            self.assertNotIn(self.data['c']['customer'], issued)
            self.assertIn(party, Code.current([party]))
            self.assertEqual(Code.issue_missing(), [])
            transaction.rollback()

    # --- issue 22 item 7 ------------------------------------------------

    def test_simulation_refuses_negative_and_absurd_usage(self):
        "−5 kWh is refused with a message, not rated as 5 kWh; so are more than 100,000 kWh; the value stays in the form (issue 22 item 7)"
        client = self.client()
        for kwh, message in [('-5', 'マイナスの値は入力できません'),
                ('－５', 'マイナスの値は入力できません'),
                ('100001', '100,000kWh以下')]:
            with self.subTest(kwh=kwh):
                response, body = self.get(client, '/simulate?run=1&area=03'
                    f'&capacity=30A&mode=kwh&kwh={kwh}')
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, body)
                self.assertNotIn('試算結果', body)
                self.assertIn(f'name="kwh" inputmode="numeric" value="{kwh}"',
                    body)
        _, body = self.get(client,
            '/simulate?run=1&area=03&capacity=30A&mode=kwh&kwh=5')
        self.assertIn('試算結果', body)

    def test_simulation_in_an_area_without_menus(self):
        "An area where no menu is offered says so instead of an empty table (issue 22 item 7)"
        from ..catalog import clear

        def tie_menus(codes):
            with Transaction().start(DB_NAME, 0) as transaction:
                pool = Pool()
                Menu = pool.get('power.rate_menu')
                GridArea = pool.get('power.grid_area')
                areas = GridArea.search([('code', 'in', codes)])
                menus = Menu.search([('portal_offered', '=', True)])
                Menu.write(menus, {'areas': [('remove',
                                [a.id for m in menus for a in m.areas])]})
                if areas:
                    Menu.write(menus,
                        {'areas': [('add', [a.id for a in areas])]})
                transaction.commit()
            clear()
        # as in the demo: the menus are offered in Tokyo only
        tie_menus(['03'])
        self.addCleanup(tie_menus, [])
        client = self.client()
        _, body = self.get(client,
            '/simulate?run=1&area=01&capacity=30A&mode=kwh&kwh=300')
        self.assertIn('北海道エリアでは、現在お申込みいただける料金プランがありません',
            body)
        self.assertNotIn('<table class="results">', body)
        self.assertIn('<option value="01" selected>', body)
        _, body = self.get(client, '/simulate?run=1&area=01&capacity=30A'
            '&mode=household&household=2')
        self.assertIn('北海道エリアでは、現在お申込みいただける料金プランがありません',
            body)
        _, body = self.get(client,
            '/simulate?run=1&area=03&capacity=30A&mode=kwh&kwh=300')
        self.assertIn('<table class="results">', body)
        self.assertNotIn('お申込みいただける料金プランがありません', body)

    def test_registration_with_full_width_numbers(self):
        "A customer number and supply point typed in full width, lower case or with any spaces register (issue 22 item 7)"
        self._unlimited_registrations()
        _, number, point, code = self._new_customer('森 六郎')
        wide = number.lower().translate({c: c + 0xfee0 for c in range(33, 127)})
        typed_number = f' {wide[:4]}\u3000{wide[4:7]}\u00a0{wide[7:]}\t'
        typed_point = '\u00a0'.join(point[i:i + 4] for i in range(0, 22, 4))
        with mock.patch(SEND):
            _, body = self.post(self.client(), '/register', {
                    'customer_number': typed_number,
                    'supply_point': typed_point, 'registration_code': code,
                    'email': 'rokuro@example.jp',
                    'password': 'kumo-no-ue-2026',
                    'password2': 'kumo-no-ue-2026'})
        self.assertIn('確認メールをお送りしました', body)

    def _new_member(self, name, email):
        "(customer id, contract id) of a new customer with a confirmed account"
        with Transaction().start(DB_NAME, 0) as transaction:
            WebUser = Pool().get('web.user')
            contract = self._extra_contract(transaction, name)
            WebUser(email=email, password=PASSWORD, party=contract.customer,
                email_valid=True).save()
            result = contract.customer.id, contract.id
            transaction.commit()
        return result

    def test_move_out_asks_where_the_final_bill_goes(self):
        "Move-out needs the forwarding address (postal code, address; phone optional); staff see it on the application and, approved, the final bill is mailed there (issue 22 item 7)"
        party, contract_id = self._new_member('高橋 七郎', 'shichiro@example.jp')
        client = self.client()
        response, _ = self.post(client, '/login',
            {'email': 'shichiro@example.jp', 'password': PASSWORD})
        self.assertEqual(response.status_code, 303)
        _, body = self.get(client, '/changes')
        for name in ['forwarding_postal_code', 'forwarding_address',
                'forwarding_phone']:
            self.assertIn(f'name="{name}"', body)
        last_day = dt.date.today() + dt.timedelta(days=14)
        form = {'kind': 'move_out', 'contract': contract_id,
            'requested_date': last_day.isoformat()}
        _, body = self.post(client, '/changes', form)
        self.assertIn('転居先の郵便番号を入力してください', body)
        self.assertIn('転居先のご住所を入力してください', body)
        _, body = self.post(client, '/changes', dict(form,
                forwarding_postal_code='53-0001',
                forwarding_address='大阪府大阪市北区梅田1-1',
                forwarding_phone='12345'))
        self.assertIn('郵便番号は7桁の数字で入力してください', body)
        self.assertIn('電話番号は0から始まる10桁または11桁', body)
        # the values are kept
        self.assertIn('value="大阪府大阪市北区梅田1-1"', body)
        self.assertIn('value="53-0001"', body)
        with Transaction().start(DB_NAME, 0, readonly=True):
            Application = Pool().get('power.application')
            self.assertEqual(Application.search_count(
                    [('customer', '=', party)]), 0)
        with mock.patch(SEND):
            _, body = self.post(client, '/changes', dict(form,
                    forwarding_postal_code='５３０ー０００１',
                    forwarding_address='大阪府大阪市北区梅田1-1 梅田ハイツ101',
                    forwarding_phone='06-1234-5678'))
        self.assertIn('引越し（ご利用の停止）のお申込みを受け付けました', body)
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Application = pool.get('power.application')
            Contract = pool.get('power.contract')
            Company = pool.get('company.company')
            application, = Application.search([('customer', '=', party)])
            # what the CIS stores, as staff read it on the application
            self.assertEqual((application.kind, application.requested_date,
                    application.forwarding_postal_code,
                    application.forwarding_address,
                    application.forwarding_phone),
                ('move_out', last_day, '530-0001',
                    '大阪府大阪市北区梅田1-1 梅田ハイツ101', '0612345678'))
            arch = Application.fields_view_get(view_type='form')['arch']
            for name in ['forwarding_postal_code', 'forwarding_address',
                    'forwarding_phone']:
                self.assertIn(f'name="{name}"', arch)
            # approved: a new address of the customer, the contract's final
            # bill address
            company, = Company.search([], limit=1)
            with transaction.set_context(company=company.id):
                Application.approve([application])
            contract = Contract(contract_id)
            self.assertEqual(contract.state, 'terminating')
            address = contract.final_bill_address
            # split as Japan Post's data says: prefecture, city, street
            self.assertEqual((address.party.id, address.postal_code,
                    address.subdivision.name, address.city, address.street),
                (party, '530-0001', '大阪府', '大阪市北区',
                    '梅田1-1 梅田ハイツ101'))
            self.assertIn('0612345678', [m.value
                    for m in address.party.contact_mechanisms
                    if m.type == 'phone'])
            self.assertIn('final_bill_address',
                Contract.fields_view_get(view_type='form')['arch'])
            # the final bill (its period reaches the last day of supply)
            # goes to the forwarding address; a bill before it does not
            contract.end_date = FEB10
            contract.save()
            self.fuel(dt.date(2025, 1, 1), '-6.40')
            self.usage(contract, JAN10 - dt.timedelta(days=31), JAN10, '210')
            self.usage(contract, JAN10, FEB10, '180')
            with transaction.set_context(company=company.id):
                self.bill(contracts=[contract.id])
            from trytond.modules.power_billing.notice import notices
            first, final = sorted(self.determinants(contract),
                key=lambda d: d.start)
            self.assertEqual(final.end, FEB10)
            self.assertEqual(final.invoice.invoice_address, address)
            self.assertNotEqual(first.invoice.invoice_address, address)
            first_notice, final_notice = notices([first, final])
            self.assertEqual((final_notice.postal_code,
                    final_notice.billing_address),
                ('530-0001', '大阪府大阪市北区梅田1-1 梅田ハイツ101'))
            self.assertNotEqual(first_notice.postal_code, '530-0001')
            transaction.rollback()

    def test_bill_period_as_on_the_notice(self):
        "The portal's bill pages end the period the day before the reading day, as the PDF notice does (issue 22 item 7)"
        own = self.data['a']
        client = self.login('a')
        # the bill of [2025-01-10, 2025-02-10): read on 10 February
        _, body = self.get(client, f"/bills/{own['bill']}")
        self.assertIn('2025年1月10日〜2025年2月9日', body)
        self.assertNotIn('〜2025年2月10日', body)
        _, body = self.get(client, '/bills')
        self.assertIn('1月10日〜2月9日', body)
        self.assertNotIn('〜2月10日', body)
        _, body = self.get(client, '/dashboard')
        self.assertIn('2025年1月10日〜2025年2月9日', body)
        with Transaction().start(DB_NAME, 0, readonly=True):
            pool = Pool()
            Determinant = pool.get('power.billing.determinant')
            from trytond.modules.power_billing.notice import notices
            from power_core.notice import render_html
            notice, = notices([Determinant(own['bill'])])
            page = re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ',
                    render_html(notice)))
        self.assertIn('1月10日〜2月9日（31日間）', page)
        self.assertIn('検針日 2025年2月10日', page)

    # --- issue 26: one payer, many sites ---------------------------------

    def _corporate(self):
        """A corporate customer with two sites on one payer account, billed
        for January and consolidated for February, with a contract holder
        and a site manager of the first site: {name: id}."""
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            WebUser = pool.get('web.user')
            Payer = pool.get('power.billing.payer')
            Statement = pool.get('power.billing.statement')
            Determinant = pool.get('power.billing.determinant')
            first = self._extra_contract(transaction, '株式会社さくら商事')
            party = first.customer
            company = first.company
            self.points = PortalTestCase.extra_points = (
                PortalTestCase.extra_points + 1)
            with transaction.set_context(company=company.id):
                second = self.contract(company, customer=party)
                payer, = Payer.create([{'name': '本社一括',
                            'party': party.id,
                            'start_month': dt.date(2025, 2, 1)}])
                for contract in (first, second):
                    contract.payer = payer
                    contract.save()
                    self.usage(contract, JAN10, FEB10, 300)
                self.bill(contracts=[first, second])
                statement, = Statement.consolidate([payer],
                    dt.date(2025, 2, 1), date=dt.date(2025, 3, 1))
            WebUser(email='keiri@sakura.example', password=PASSWORD,
                party=party, email_valid=True).save()
            WebUser(email='tenpo1@sakura.example', password=PASSWORD,
                party=party, email_valid=True, portal_role='site_manager',
                portal_sites=[first]).save()
            bills = {c: Determinant.search([('contract', '=', c.id)])[0].id
                for c in (first, second)}
            result = {'statement': statement.id, 'number': statement.number,
                'total': statement.total, 'first': first.id,
                'second': second.id, 'first_bill': bills[first],
                'second_bill': bills[second],
                'second_invoice': Determinant(bills[second]).invoice.number}
            transaction.commit()
        return result

    def _login_email(self, email):
        client = self.client()
        response, _ = self.post(client, '/login',
            {'email': email, 'password': PASSWORD})
        self.assertEqual(response.status_code, 303, response.get_data())
        return client

    def test_corporate_holder_and_site_manager(self):
        "The contract holder sees every site and the statements; a site manager only their sites (issue 26)"
        data = self._corporate()
        holder = self._login_email('keiri@sakura.example')
        _, body = self.get(holder, '/dashboard')
        self.assertIn('一括請求', body)
        _, body = self.get(holder, '/statements')
        self.assertIn(data['number'], body)
        self.assertIn(f"{data['total']:,}円", body)
        _, body = self.get(holder, f"/statements/{data['statement']}")
        self.assertIn(data['second_invoice'], body)
        self.assertIn('2025年2月分', body)
        response, _ = self.get(holder,
            f"/statements/{data['statement']}/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.get_data().startswith(b'%PDF'))
        _, body = self.get(holder, '/documents')
        self.assertIn('一括請求書', body)
        for bill in ('first_bill', 'second_bill'):
            response, _ = self.get(holder, f"/bills/{data[bill]}")
            self.assertEqual(response.status_code, 200)

        manager = self._login_email('tenpo1@sakura.example')
        _, body = self.get(manager, '/dashboard')
        self.assertNotIn(self.url('/statements'), body)
        self.assertNotIn(self.url('/points'), body)
        for path in ['/statements', f"/statements/{data['statement']}",
                f"/statements/{data['statement']}/pdf", '/points']:
            response, body = self.get(manager, path)
            self.assertEqual(response.status_code, 403, path)
            self.assertIn('ご契約者', body)
        response, _ = self.get(manager, f"/bills/{data['first_bill']}")
        self.assertEqual(response.status_code, 200)
        for path in [f"/bills/{data['second_bill']}",
                f"/bills/{data['second_bill']}/pdf",
                f"/usage?contract={data['second']}"]:
            response, _ = self.get(manager, path)
            self.assertEqual(response.status_code, 404, path)
        _, body = self.get(manager, '/bills')
        self.assertIn(f"/bills/{data['first_bill']}", body)
        self.assertNotIn(f"/bills/{data['second_bill']}", body)
        _, body = self.get(manager, '/documents')
        self.assertNotIn('一括請求書</td>', body)
        response, _ = self.post(manager, '/settings/paper', {'paper': 'yes'})
        self.assertEqual(response.status_code, 403)

    def test_site_manager_needs_a_site_of_the_customer(self):
        "A site manager without a site, or with another customer's, is refused"
        from trytond.model.exceptions import (
            DomainValidationError, ValidationError)
        with Transaction().start(DB_NAME, 0) as transaction:
            WebUser = Pool().get('web.user')
            contract = self._extra_contract(transaction, '株式会社もみじ')
            other = self._extra_contract(transaction, '他社 三郎')
            with self.assertRaises(ValidationError):
                WebUser(email='nosite@momiji.example', password=PASSWORD,
                    party=contract.customer, portal_role='site_manager'
                    ).save()
            with self.assertRaises(DomainValidationError):
                WebUser(email='other@momiji.example', password=PASSWORD,
                    party=contract.customer, portal_role='site_manager',
                    portal_sites=[other]).save()
            transaction.rollback()
