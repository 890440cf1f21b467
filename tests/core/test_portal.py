"""The portal's rules without a web framework: households, simulation,
form checks with their Japanese messages, usage CSV, CSRF comparison, and
the card agent's tokenisation simulator."""
import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from power_core import portal
from power_core.data import MENUS, REGULATED
from power_core.errors import PowerCoreError
from power_sim.payments import TokenService
from power_core.tariff.menu import load_menus
from power_core.tariff.rating import Usage, rate
from power_core.tariff.regulated import RegulatedValues

FEB = dt.date(2025, 2, 1)


@pytest.fixture(scope='module')
def data():
    return load_menus(MENUS), RegulatedValues.from_folder(REGULATED)


def test_households_follow_the_seasons():
    year = portal.household_year('1')
    assert year[1] > year[5] and year[8] > year[5]
    levels = [sum(portal.household_year(h.code).values())
        for h in portal.HOUSEHOLDS]
    assert levels == sorted(levels)
    with pytest.raises(PowerCoreError):
        portal.household('9')


def test_simulate_matches_billing_and_orders(data):
    menus, regulated = data
    chosen = [menus['tepco-juryo-b'], menus['new-retailer-b'],
        menus['tepco-juryo-c']]
    quotes = portal.simulate(chosen[:2], regulated, '03', 35, [(FEB, 300)])
    # 35 A is not offered: every menu explains why, none is rated
    assert all(q.error and not q.bills for q in quotes)
    quotes = portal.simulate(chosen[:2], regulated, '03', 30, [(FEB, 300)])
    assert [q.menu.code for q in quotes] == [
        'new-retailer-b', 'tepco-juryo-b']
    expected = rate(menus['tepco-juryo-b'], Usage(FEB, dt.date(2025, 3, 1),
            Decimal(300), Decimal(30), '03', charge_month=FEB,
            usage_month=FEB), regulated)
    assert quotes[1].total == expected.total
    assert quotes[1].bills[0].charge_month == FEB


def test_time_of_use_simulated_on_a_household_day(data):
    menus, regulated = data
    interval = portal.typical_interval(FEB, 300)
    assert len(interval) == 28 * 48
    assert abs(sum(k for _, k in interval) - 300) < Decimal('0.1')
    bands = portal.typical_bands(menus['tou-demo'], FEB, 300)
    assert sum(bands.values()) == 300 and len(bands) >= 2
    assert all(v > 0 for v in bands.values())
    # the same split as rating the typical half hours themselves
    interval = rate(menus['tou-demo'], Usage(FEB, dt.date(2025, 3, 1),
            Decimal(300), Decimal(30), '03', interval=interval,
            charge_month=FEB, usage_month=FEB), regulated)
    quote, = portal.simulate([menus['tou-demo']], regulated, '03', 30,
        [(FEB, 300)])
    assert abs(quote.total - interval.total) <= 50
    assert not quote.error and quote.total > 0
    assert len({line.code for line in quote.bills[0].lines
            if line.code.startswith('energy')}) >= 2


def test_check_fields_normalises_and_explains():
    clean, errors = portal.check_fields({
            'phone': '090−1234−5678', 'email': 'Ｔａｒｏ@Example.JP',
            'holder_kana': 'ﾔﾏﾀﾞ　ﾀﾛｳ', 'postal_code': '１００ー０００１',
            'supply_point': '03-0000-1234-5678-9012-3456',
            'account_number': '123'},
        ['phone', 'email', 'holder_kana', 'postal_code', 'supply_point',
            'account_number'])
    assert errors == {}
    assert clean == {'phone': '09012345678', 'email': 'taro@example.jp',
        'holder_kana': 'ヤマダ タロウ', 'postal_code': '100-0001',
        'supply_point': '0300001234567890123456',
        'account_number': '0000123'}
    _, errors = portal.check_fields({'phone': '12345', 'email': 'x@',
            'holder_kana': '山田', 'supply_point': '1234'},
        ['phone', 'email', 'holder_kana', 'supply_point', 'address'])
    assert errors['address'] == 'ご住所を入力してください。'
    assert '10桁または11桁' in errors['phone']
    assert '全角カナ' in errors['holder_kana']
    assert '22桁' in errors['supply_point']
    assert 'メールアドレス' in errors['email']


def test_card_numbers_refused_everywhere():
    _, errors = portal.check_fields(
        {'address': '東京都 4111-1111-1111-1111'}, ['address'])
    assert 'カード番号' in errors['address']
    _, errors = portal.check_application_step('payment', {
            'payment_kind': 'card', 'card_token': '4242424242424242'})
    assert 'カード番号' in errors['card_token']


def test_application_steps():
    base = {'kind': 'switch_in', 'supply_point': '0300001234567890123456',
        'postal_code': '1000001', 'address': '千代田1-1'}
    _, errors = portal.check_application_step('supply', base)
    assert set(errors) == {'current_retailer', 'current_customer_number'}
    _, errors = portal.check_application_step('supply', dict(base,
            kind='move_in', requested_date='2020-01-01'),
        today=dt.date(2026, 1, 1))
    assert '本日以降' in errors['requested_date']
    clean, errors = portal.check_application_step('plan',
        {'menu': 'b', 'capacity': '30A'}, menus=['b'], capacities=['30A'])
    assert (clean, errors) == ({'menu': 'b', 'capacity': '30A'}, {})
    _, errors = portal.check_application_step('plan',
        {'menu': 'x', 'capacity': '30A'}, menus=['b'], capacities=['30A'])
    assert errors == {'menu': '料金プランを選択してください。'}
    _, errors = portal.check_application_step('explanation', {})
    assert '同意' in errors['consent']
    clean, errors = portal.check_application_step('payment', {
            'payment_kind': 'bank', 'bank_code': '0001', 'branch_code': '１２３',
            'account_type': '1', 'account_number': '1234567',
            'account_holder': 'やまだ たろう'})
    assert errors == {} and clean['account_holder'] == 'ヤマダ タロウ'
    with pytest.raises(PowerCoreError):
        portal.check_application_step('nowhere', {})


def test_passwords():
    assert portal.check_password('short1', 'short1')
    assert portal.check_password('onlyletters', 'onlyletters')
    assert portal.check_password('letters123', 'letters124') == (
        portal.MESSAGES['password_match'])
    assert portal.check_password('letters1234', 'letters1234') is None


def test_usage_helpers():
    assert portal.slot_labels()[:3] == ['0:00', '0:30', '1:00']
    assert len(portal.month_days(dt.date(2024, 2, 10))) == 29
    assert portal.months_back(dt.date(2025, 2, 5), 3) == [
        dt.date(2024, 12, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1)]
    content = portal.usage_csv(['時刻', 'kWh'], [('0:00', '0.1')])
    assert content.startswith(b'\xef\xbb\xbf')
    assert content.decode('utf-8-sig') == '時刻,kWh\r\n0:00,0.1\r\n'


def test_csrf_tokens():
    token = portal.new_token()
    assert len(token) >= 40 and token != portal.new_token()
    assert portal.tokens_match(token, token)
    assert not portal.tokens_match(token, token[:-1] + 'x')
    assert not portal.tokens_match('', '')
    assert not portal.tokens_match(None, token)


def _call(service, method, body=b''):
    answer = {}

    def start_response(status, headers):
        answer['status'] = status
        answer['headers'] = dict(headers)
    environ = {'REQUEST_METHOD': method, 'PATH_INFO': '/tokens',
        'CONTENT_LENGTH': str(len(body)), 'wsgi.input': io.BytesIO(body)}
    result = b''.join(service(environ, start_response))
    return answer['status'], answer['headers'], result


def test_card_agent_tokens():
    service = TokenService(today=dt.date(2026, 11, 1))
    status, headers, body = _call(service, 'POST', json.dumps(
            {'number': '4242 4242 4242 4242', 'expiry': '12/29'}).encode())
    assert status.startswith('201')
    assert headers['Access-Control-Allow-Origin'] == '*'
    answer = json.loads(body)
    assert answer['masked'] == '************4242'
    assert answer['expiry'] == '202912' and answer['token'].startswith('tok_')
    assert '4242424242424242' not in body.decode()
    for card, expiry in [('4242 4242 4242 4241', '12/29'),
            ('4242424242424242', '10/26'), ('4242424242424242', '13/30'),
            ('4242424242424242', 'soon')]:
        status, _, body = _call(service, 'POST', json.dumps(
                {'number': card, 'expiry': expiry}).encode())
        assert status.startswith('400'), (card, expiry)
        assert json.loads(body)['message']
    status, _, _ = _call(service, 'POST', b'not json')
    assert status.startswith('400')
    assert _call(service, 'OPTIONS')[0].startswith('204')


def test_half_hours_of_own_days():
    from power_core.usage import DayProfile
    first = dt.date(2025, 1, 10)
    days = {first + dt.timedelta(days=n): DayProfile(
            first + dt.timedelta(days=n), tuple([3] * 48), 'M' * 48)
        for n in range(2)}
    series = portal.half_hours(days, first, first + dt.timedelta(days=2))
    assert len(series) == 96
    assert series[1] == (dt.datetime(2025, 1, 10, 0, 30), Decimal('0.3'))
    assert portal.half_hours(days, first, first + dt.timedelta(days=3)) is None


def test_card_agent_looks_tokens_up():
    "The agent answers whether it issued a token (the retailer checks each)"
    service = TokenService(today=dt.date(2026, 11, 1))
    _, _, body = _call(service, 'POST', json.dumps(
            {'number': '4242 4242 4242 4242', 'expiry': '12/29'}).encode())
    issued = json.loads(body)['token']

    def lookup(token):
        answer = {}

        def start_response(status, headers):
            answer['status'] = status
        environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': f'/tokens/{token}',
            'CONTENT_LENGTH': '0', 'wsgi.input': io.BytesIO(b'')}
        return answer, b''.join(service(environ, start_response))
    answer, body = lookup(issued)
    assert answer['status'].startswith('200')
    assert json.loads(body) == {'token': issued,
        'masked': '************4242', 'expiry': '202912'}
    for token in ['tok_' + '0' * 24, '', '../tokens']:
        answer, _ = lookup(token)
        assert answer['status'].startswith('404'), token


def test_password_policy():
    "Common passwords, ones with the e-mail, too short or too long ones are refused"
    assert portal.check_password('password12', 'password12') == (
        portal.MESSAGES['password_common'])
    assert portal.check_password('Password12', 'Password12') == (
        portal.MESSAGES['password_common'])
    assert len(portal.common_passwords()) > 10000
    assert portal.check_password('ichiro.suzuki99', 'ichiro.suzuki99',
        'Ichiro.Suzuki@example.jp') == portal.MESSAGES['password_email']
    assert portal.check_password('x1' * 70, 'x1' * 70) == (
        portal.MESSAGES['password_long'])
    assert portal.check_password('abc12', 'abc12') == (
        portal.MESSAGES['password'])
    assert portal.check_password('kumo-no-ue-2026', 'kumo-no-ue-2026',
        'taro@example.jp') is None


def test_registration_codes():
    codes = {portal.new_registration_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 12 and set(c) <= set(portal.REGISTRATION_ALPHABET)
        for c in codes)
    assert not set('01IOL') & set(portal.REGISTRATION_ALPHABET)
    code = sorted(codes)[0]
    printed = portal.format_registration_code(code)
    today = dt.date(2026, 12, 1)
    assert portal.registration_code_matches(code, printed.lower(),
        today, today)
    assert not portal.registration_code_matches(code, printed,
        today - dt.timedelta(days=1), today)
    assert not portal.registration_code_matches(code, '', None, today)
    assert not portal.registration_code_matches(None, code, None, today)
    assert not portal.registration_code_matches(code, code[:-1] + (
            '2' if code[-1] != '2' else '3'), None, today)
    clean, errors = portal.check_fields(
        {'registration_code': 'ab-cd'}, ['registration_code'])
    assert errors == {'registration_code':
        portal.MESSAGES['registration_code']}


def test_backoff_grows_and_is_capped():
    waits = [portal.backoff(n, 5, 300) for n in range(20)]
    assert waits[:5] == [0] * 5 and waits[5:8] == [1, 2, 4]
    assert max(waits) == 300 and waits == sorted(waits)


def test_cross_site_requests():
    host = 'portal.example.jp'
    same = 'https://portal.example.jp'
    assert portal.cross_site(same, None, None, host) is None
    assert portal.cross_site('http://portal.example.jp', None,
        'same-origin', host) is None
    assert portal.cross_site(None, same + '/power/portal/login', None,
        host) is None
    # neither header: scripts and the test client (the token still counts)
    assert portal.cross_site(None, None, None, host) is None
    for origin in ['null', 'evil', 'https://evil.example',
            'https://portal.example.jp.evil.example', 'ftp://portal.example.jp',
            '']:
        assert portal.cross_site(origin, same + '/', None, host) == (
            'origin'), origin
    assert portal.cross_site(None, 'https://evil.example/', None, host) == (
        'referer')
    for site in ['cross-site', 'same-site', 'Cross-Site']:
        assert portal.cross_site(same, None, site, host) == 'fetch-site'


def test_free_text_bounded_and_clean():
    "Every field is bounded; lone surrogates and control characters are refused"
    _, errors = portal.check_fields({'current_retailer': 'あ' * 100000},
        ['current_retailer'])
    assert '80文字以内' in errors['current_retailer']
    _, errors = portal.check_fields({'phone': '0' * 1000}, ['phone'])
    assert '60文字以内' in errors['phone']
    for bad in ['件名' + chr(0xdc80), 'a\x00b', 'x\x1b[31m']:
        _, errors = portal.check_fields({'subject': bad}, ['subject'])
        assert errors['subject'] == portal.MESSAGES['text_invalid'].format(
            label='件名'), bad
    clean, errors = portal.check_fields({'contents': '一行目\n二行目\tタブ'},
        ['contents'])
    assert not errors and clean['contents'] == '一行目\n二行目\tタブ'
    _, errors = portal.check_application_step('payment', {
            'payment_kind': 'card', 'card_token': 'tok_' + 'x' * 5000})
    assert 'card_token' in errors


def test_simulated_usage_refuses_negative_and_absurd_kwh():
    "−5 kWh is refused, not rated as 5 kWh; nor are more than 100,000 kWh a month (issue 22 item 7)"
    for text in ['-5', '−5', '－５', 'ー5', '▲5', ' - 5 ']:
        clean, errors = portal.check_fields({'kwh': text}, ['kwh'])
        assert clean == {} and errors == {
            'kwh': portal.MESSAGES['kwh_negative']}, text
    assert 'マイナス' in portal.MESSAGES['kwh_negative']
    for text in ['100001', '１０００００１', '99,999,999']:
        _, errors = portal.check_fields({'kwh': text}, ['kwh'])
        assert errors == {'kwh': portal.MESSAGES['kwh_large']}, text
    assert '100,000kWh以下' in portal.MESSAGES['kwh_large']
    for text in ['abc', '3.5', '٣٠٠', '1e3']:
        _, errors = portal.check_fields({'kwh': text}, ['kwh'])
        assert '0以上の整数' in errors['kwh'], text
    for text, kwh in [('300', 300), ('３００', 300), (' 1,200 ', 1200),
            ('0', 0), ('100000', 100000), ('300kWh', 300)]:
        assert portal.check_fields({'kwh': text}, ['kwh']) == (
            {'kwh': kwh}, {}), text


def test_customer_and_supply_point_numbers_normalised():
    "Full width, lower case, spaces of any kind: the number as stored (issue 22 item 7)"
    for typed in ['Ｃ０００００００４２', 'c000000042', ' c000 000 042 ',
            'ｃ０００\u3000０００\u00a0０４２', 'C-000-000-042\t',
            'Ｃ－０００‐０００—０４２']:
        assert portal.check_fields({'customer_number': typed},
            ['customer_number']) == ({'customer_number': 'C000000042'}, {}), (
                typed)
    for typed in ['０３００ ００１２ ３４５６\u00a07890 1234 56',
            '03\u00a00000-1234-5678-9012-3456\t', '03—0000—1234—5678—9012—3456']:
        assert portal.check_fields({'supply_point': typed},
            ['supply_point']) == (
                {'supply_point': '0300001234567890123456'}, {}), typed


def test_move_out_needs_the_forwarding_address():
    "The final bill's address: postal code and address required, phone optional (issue 22 item 7)"
    today = dt.date(2026, 3, 1)
    clean, errors = portal.check_move_out({'requested_date': '2026-03-20'},
        today=today)
    assert errors == {
        'forwarding_postal_code': '転居先の郵便番号を入力してください。',
        'forwarding_address': '転居先のご住所を入力してください。'}
    clean, errors = portal.check_move_out({'requested_date': '2026-03-20',
            'forwarding_postal_code': '12-345', 'forwarding_address': '大阪市',
            'forwarding_phone': '12345'}, today=today)
    assert errors == {'forwarding_postal_code': portal.MESSAGES['postal_code'],
        'forwarding_phone': portal.MESSAGES['phone']}
    assert clean == {'requested_date': dt.date(2026, 3, 20),
        'forwarding_address': '大阪市'}
    clean, errors = portal.check_move_out({'requested_date': '２０２６-０３-２０',
            'forwarding_postal_code': '５３０ー０００１',
            'forwarding_address': ' 大阪府大阪市北区梅田1-1 ',
            'forwarding_phone': ''}, today=today)
    assert errors == {}
    assert clean == {'requested_date': dt.date(2026, 3, 20),
        'forwarding_postal_code': '530-0001',
        'forwarding_address': '大阪府大阪市北区梅田1-1'}
    # the last day is tomorrow at the earliest
    clean, errors = portal.check_move_out({'requested_date': '2026-03-01',
            'forwarding_postal_code': '5300001',
            'forwarding_address': '大阪府大阪市北区梅田1-1',
            'forwarding_phone': '06-1234-5678'}, today=today)
    assert errors == {
        'requested_date': 'ご利用を停止する日は明日以降の日付を指定してください。'}
    assert clean['forwarding_phone'] == '0612345678'
    _, errors = portal.check_move_out({}, today=today)
    assert errors['requested_date'] == 'ご利用を停止する日を入力してください。'
