"""The consumer portal's rules without a web framework: typical households
for the rate simulation, the simulation of a month and of a year on each
menu with the billing engine, the checks of the application and change
forms with their Japanese messages, the usage chart series and CSV, and the
CSRF token comparison.

>>> [h.code for h in HOUSEHOLDS]
['1', '2', '3', '4']
>>> sum(household_year('2').values()) // 12
285
>>> check_fields({'holder_kana': 'やまだ たろう', 'phone': '０３－１２３４－５６７８'},
...     ['holder_kana', 'phone'])[0]
{'holder_kana': 'ヤマダ タロウ', 'phone': '0312345678'}
>>> check_fields({'postal_code': '12-345'}, ['postal_code'])[1]
{'postal_code': '郵便番号は7桁の数字で入力してください（例：100-0001）。'}
"""
import calendar
import datetime as dt
import functools
import gzip
import re
import secrets
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import jaconv

from power_core.errors import PowerCoreError
from power_core.formats import csv_bytes
from power_core.formats.zengin import ACCOUNT_TYPES as ZENGIN_ACCOUNT_TYPES
from power_core.ids import supply_point
from power_core.payments import find_card_number
from power_core.tariff import market
from power_core.tariff.formula import round_half_up
from power_core.tariff.rating import Usage, band_kwh, rate
from power_core.text import normalize_code, normalize_digits
from power_core.usage import SEASON, SHAPE

# a household of level 1.0 uses about 260 kWh in an average month; the
# months follow the seasonal shape of a Tokyo home (heating and cooling)
BASE_KWH = Decimal(260)
_SEASON_MEAN = sum(SEASON.values()) / 12


@dataclass(frozen=True)
class Household:
    code: str
    label: str
    level: float
    capacity: Decimal


HOUSEHOLDS = (
    Household('1', '一人暮らし', 0.7, Decimal(30)),
    Household('2', '2人世帯', 1.1, Decimal(30)),
    Household('3', '3人世帯', 1.4, Decimal(40)),
    Household('4', '4人以上の世帯', 1.7, Decimal(50)),
    )
_HOUSEHOLDS = {h.code: h for h in HOUSEHOLDS}


def household(code):
    try:
        return _HOUSEHOLDS[str(code)]
    except KeyError:
        raise PowerCoreError(f"unknown household {code!r}", code) from None


def household_year(code):
    "{month number: kWh} of a typical household over a year."
    level = household(code).level
    return {month: int(BASE_KWH * Decimal(str(
                    round(level * SEASON[month] / _SEASON_MEAN, 4))))
        for month in range(1, 13)}


def month_period(month):
    "The period [first day, first day of the next month) of a month."
    month = month.replace(day=1)
    return month, add_months(month, 1)


def add_months(date, months):
    year, month = divmod(date.year * 12 + date.month - 1 + months, 12)
    day = min(date.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


@dataclass(frozen=True)
class Quote:
    "A menu's bill for the simulated usage, or why it cannot be offered."
    menu: object
    bills: tuple = ()
    error: str = ''

    @property
    def total(self):
        return sum(b.total for b in self.bills)

    @property
    def kwh(self):
        return sum(b.kwh for b in self.bills)


def typical_interval(month, kwh):
    """The month's kWh spread over its half hours like a household's day
    (morning and evening peaks, more at home on weekends): what a
    time-of-use menu needs to split the usage into its bands."""
    weights = []
    for date in month_days(month):
        weekend = date.weekday() >= 5
        for slot, shape in enumerate(SHAPE):
            if weekend and 14 <= slot <= 34:
                shape *= 1.25
            start = dt.datetime.combine(date, dt.time()) + dt.timedelta(
                minutes=30 * slot)
            weights.append((start, Decimal(str(shape))))
    total = sum(w for _, w in weights)
    return tuple((start, (Decimal(kwh) * w / total).quantize(
                Decimal('0.001'))) for start, w in weights)


def half_hours(days, start, end):
    """The series ((start datetime, kWh), ...) of the days [start, end)
    from days ({date: DayProfile}); None when a day is missing (the caller
    then estimates)."""
    series = []
    date = start
    while date < end:
        day = days.get(date)
        if day is None:
            return None
        midnight = dt.datetime.combine(date, dt.time())
        series += [(midnight + dt.timedelta(minutes=30 * slot),
                Decimal(tenths) / 10) for slot, tenths in enumerate(day.tenths)]
        date += dt.timedelta(days=1)
    return tuple(series)


def tou_component(menu, start, end):
    "The time-of-use component in force over [start, end), or None."
    version = menu.versions_between(start, end)[-1][0]
    return next((c for c in version.components if c.kind == 'tou_energy'),
        None)


# (menu, its versions, month) → {band: share of the month's kWh}
_BAND_SHARES = {}


def typical_bands(menu, month, kwh):
    """A typical household's kWh of month per time-of-use band of menu,
    in whole kWh adding up to kwh (the bands' shares of the typical day are
    computed once per menu and month)."""
    start, end = month_period(month)
    component = tou_component(menu, start, end)
    key = (menu.code, tuple(v.valid_from for v in menu.versions), start)
    shares = _BAND_SHARES.get(key)
    if shares is None:
        scale = Decimal(100000)
        usage = Usage(start, end, scale, Decimal(0),
            interval=typical_interval(start, scale))
        shares = {band: value / scale for band, value in
            band_kwh(component, usage, scale).items()}
        _BAND_SHARES[key] = shares
    kwh = round_half_up(Decimal(kwh))
    bands = {band: round_half_up(kwh * share)
        for band, share in shares.items()}
    last = list(bands)[-1]
    bands[last] += kwh - sum(bands.values())
    return bands


def _market_linked(menu, start, end):
    "Whether menu's version at the end of [start, end) is market-linked."
    version = menu.versions_between(start, end)[-1][0]
    return any(c.kind == 'market_energy' for c in version.components)


def simulate(menus, regulated, area, capacity, months):
    """Rate months ([(first day of month, kWh)]) on each menu; return one
    Quote per menu, cheapest first, the menus that cannot rate it (capacity
    not offered, no version in force) last with the reason. A time-of-use
    menu rates the kWh split into its bands like a typical household's
    half hours (typical_bands); a market-linked menu rates them at the
    month's average JEPX area price (market.month_average: a household
    that uses more in dear half hours pays more)."""
    quotes = []
    for menu in menus:
        bills = []
        try:
            for month, kwh in months:
                start, end = month_period(month)
                bands = (typical_bands(menu, start, kwh)
                    if tou_component(menu, start, end) else None)
                overrides = ({'market_price': market.month_average(
                            regulated.market, area, start, end)}
                    if _market_linked(menu, start, end) else None)
                bills.append(rate(menu, Usage(
                            start, end, Decimal(kwh), Decimal(capacity),
                            area, band_kwh=bands, charge_month=start,
                            usage_month=start), regulated, overrides))
        except PowerCoreError as error:
            quotes.append(Quote(menu, error=str(error)))
            continue
        quotes.append(Quote(menu, tuple(bills)))
    return sorted(quotes, key=lambda q: (bool(q.error), q.total))


# --- form checks -----------------------------------------------------

MESSAGES = {
    'required': '{label}を入力してください。',
    'choice': '{label}を選択してください。',
    'kana': '全角カナで入力してください（例：ヤマダ タロウ）。',
    'phone': '電話番号は0から始まる10桁または11桁の数字で入力してください。',
    'email': 'メールアドレスの形式が正しくありません（例：taro@example.jp）。',
    'postal_code': '郵便番号は7桁の数字で入力してください（例：100-0001）。',
    'supply_point': ('供給地点特定番号は22桁の数字です。検針票（電気ご使用量のお知らせ）'
        'に記載の番号を入力してください。'),
    'date': '日付はYYYY-MM-DDの形式で入力してください。',
    'date_past': '{label}は本日以降の日付を指定してください。',
    'account_number': '口座番号は7桁以内の数字で入力してください。',
    'bank_code': '金融機関コードは4桁の数字で入力してください。',
    'branch_code': '支店コードは3桁の数字で入力してください。',
    'card_number': ('カード番号はこの画面に入力しないでください。カード情報は決済代行会社の'
        '画面でのみ入力します。'),
    'consent': '契約締結前交付書面の内容をご確認のうえ、同意してください。',
    'password': 'パスワードは10文字以上で、英字と数字を含めてください。',
    'password_long': 'パスワードは128文字以内で入力してください。',
    'password_common': ('このパスワードはよく使われていて推測されやすいため、'
        'ご利用いただけません。別のパスワードを設定してください。'),
    'password_email': 'パスワードにメールアドレスを含めないでください。',
    'text_invalid': ('{label}に使用できない文字が含まれています。'
        '入力し直してください。'),
    'registration_code': ('登録コードは英数字12文字です。ご請求のお知らせ（検針票）'
        'に記載のコードを入力してください。'),
    'password_match': '確認用パスワードが一致しません。',
    'text_long': '{label}は{size}文字以内で入力してください。',
    'member_id': '会員IDは8〜16桁の数字で入力してください。',
    'kwh': '1か月の使用量を0以上の整数（kWh）で入力してください。',
    'kwh_negative': ('使用量にマイナスの値は入力できません。1か月の使用量を'
        '0以上の整数（kWh）で入力してください。'),
    'kwh_large': ('1か月の使用量は100,000kWh以下で入力してください'
        '（ご家庭では多くても月に数千kWhです）。'),
    'date_tomorrow': '{label}は明日以降の日付を指定してください。',
    }

LABELS = {
    'kind': 'お申込みの種類',
    'supply_point': '供給地点特定番号',
    'postal_code': '郵便番号',
    'address': 'ご住所',
    'current_retailer': '現在ご契約中の小売電気事業者',
    'current_customer_number': '現在のお客さま番号',
    'holder_name': 'ご契約名義（漢字）',
    'holder_kana': 'ご契約名義（カナ）',
    'phone': '電話番号',
    'email': 'メールアドレス',
    'capacity': '契約容量',
    'menu': '料金プラン',
    'payment_kind': 'お支払い方法',
    'card_token': 'クレジットカード',
    'bank_code': '金融機関コード',
    'branch_code': '支店コード',
    'account_type': '預金種目',
    'account_number': '口座番号',
    'account_holder': '口座名義（カナ）',
    'requested_date': 'ご希望日',
    'consent': '同意',
    'subject': '件名',
    'contents': 'お問い合わせ内容',
    'password': 'パスワード',
    'member_id': '会員ID',
    'customer_number': 'お客さま番号',
    'category': 'お問い合わせの種類',
    'registration_code': '登録コード',
    'card_masked': 'クレジットカード',
    'kwh': '1か月の使用量',
    'forwarding_postal_code': '転居先の郵便番号',
    'forwarding_address': '転居先のご住所',
    'forwarding_phone': '転居先の電話番号',
    }
# fields checked as another: the forwarding address is an address
CHECKED_AS = {'forwarding_postal_code': 'postal_code',
    'forwarding_address': 'address', 'forwarding_phone': 'phone'}
# the most a month's usage can be in the simulation (a household uses a few
# hundred kWh, a large shop some thousands)
MAX_MONTH_KWH = 100000

_EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$')
_KANA = re.compile(r'^[\u30a0-\u30ff\u3000 ]+$')
_MEMBER = re.compile(r'^\d{8,16}$')
TEXT_SIZE = {'contents': 2000, 'address': 200, 'holder_name': 80,
    'subject': 100, 'current_retailer': 80, 'current_customer_number': 30,
    'email': 254, 'password': 128, 'holder_kana': 80,
    'account_holder': 80, 'forwarding_address': 200}
# every other field: at most this many characters, before any cleaning
DEFAULT_SIZE = 60


def invalid_text(value):
    """True if value holds characters no form field may carry: lone
    surrogates (which cannot be encoded in UTF-8) and control characters
    other than tab and line breaks.

    >>> invalid_text('山田' + chr(0xd800)), invalid_text('一行目\\n二行目')
    (True, False)
    """
    return any('\ud800' <= c <= '\udfff'
        or (ord(c) < 32 and c not in '\t\r\n') or c == '\x7f'
        for c in value)


def _kana(value):
    value = jaconv.h2z(value, kana=True, ascii=False, digit=False)
    value = jaconv.hira2kata(value).replace('\u3000', ' ')
    return ' '.join(value.split())


_MINUS = '-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70▲△'


def _kwh(value):
    """A month's kWh as typed (any width, thousands separators, a kWh
    suffix) as an integer, or raise KeyError: a negative or absurd value
    is refused, never rated as its absolute value.

    >>> _kwh('１，２００ kWh'), _kwh(' 0 ')
    (1200, 0)
    """
    value = unicodedata.normalize('NFKC', value).strip()
    value = re.sub(r'\s*kwh$', '', value, flags=re.IGNORECASE)
    value = ''.join(value.split())
    if value[:1] and value[0] in _MINUS and re.fullmatch(
            r'[\d,]*\d[\d,]*', value[1:], re.ASCII):
        raise KeyError('kwh_negative')
    if not re.fullmatch(r'\d{1,3}(,\d{3})+|\d+', value, re.ASCII):
        raise KeyError('kwh')
    kwh = int(value.replace(',', ''))
    if kwh > MAX_MONTH_KWH:
        raise KeyError('kwh_large')
    return kwh


def _clean(name, value):
    "The normalised value, or raise KeyError(message key)."
    name = CHECKED_AS.get(name, name)
    if name in {'phone'}:
        value = normalize_digits(value)
        if not re.fullmatch(r'0\d{9,10}', value):
            raise KeyError('phone')
    elif name in {'holder_kana', 'account_holder'}:
        value = _kana(value)
        if not _KANA.match(value):
            raise KeyError('kana')
    elif name == 'email':
        value = jaconv.z2h(value, kana=False, ascii=True, digit=True).strip()
        if not _EMAIL.match(value):
            raise KeyError('email')
        value = value.lower()
    elif name == 'postal_code':
        value = normalize_digits(value)
        if not re.fullmatch(r'\d{7}', value):
            raise KeyError('postal_code')
        value = f'{value[:3]}-{value[3:]}'
    elif name == 'supply_point':
        try:
            value = supply_point.validate(value)
        except PowerCoreError:
            raise KeyError('supply_point') from None
    elif name == 'requested_date':
        try:
            value = dt.date.fromisoformat(jaconv.z2h(
                    value, kana=False, ascii=True, digit=True)
                .strip().replace('/', '-'))
        except ValueError:
            raise KeyError('date') from None
    elif name == 'account_number':
        value = normalize_digits(value)
        if not re.fullmatch(r'\d{1,7}', value):
            raise KeyError('account_number')
        value = value.zfill(7)
    elif name == 'bank_code':
        value = normalize_digits(value)
        if not re.fullmatch(r'\d{4}', value):
            raise KeyError('bank_code')
    elif name == 'branch_code':
        value = normalize_digits(value)
        if not re.fullmatch(r'\d{3}', value):
            raise KeyError('branch_code')
    elif name == 'member_id':
        value = normalize_digits(value)
        if not _MEMBER.match(value):
            raise KeyError('member_id')
    elif name == 'customer_number':
        value = normalize_code(value)
    elif name == 'kwh':
        value = _kwh(value)
    elif name == 'registration_code':
        value = normalize_registration_code(value)
        if len(value) != REGISTRATION_CODE_LENGTH or not set(value) <= set(
                REGISTRATION_ALPHABET):
            raise KeyError('registration_code')
    else:
        value = ' '.join(value.split()) if name not in {
            'contents', 'password'} else value.strip()
    return value


def check_fields(data, names, optional=(), today=None):
    """Check and normalise the fields names of data (a dict of strings).
    Returns (clean values, {field: Japanese message}); an empty optional
    field is left out. A full card number in any field is refused there:
    card data goes only to the payment agent."""
    clean, errors = {}, {}
    for name in names:
        value = data.get(name)
        value = '' if value is None else str(value)
        if invalid_text(value):
            errors[name] = MESSAGES['text_invalid'].format(
                label=LABELS.get(name, name))
            continue
        if find_card_number(value) and name not in {'supply_point'}:
            errors[name] = MESSAGES['card_number']
            continue
        if not value.strip():
            if name not in optional:
                errors[name] = MESSAGES['required'].format(
                    label=LABELS.get(name, name))
            continue
        size = TEXT_SIZE.get(name, DEFAULT_SIZE)
        if len(value) > size:
            errors[name] = MESSAGES['text_long'].format(
                label=LABELS.get(name, name), size=size)
            continue
        try:
            clean[name] = _clean(name, value)
        except KeyError as error:
            errors[name] = MESSAGES[error.args[0]].format(
                label=LABELS.get(name, name))
            continue
        if name == 'requested_date' and today and clean[name] < today:
            del clean[name]
            errors[name] = MESSAGES['date_past'].format(label=LABELS[name])
    return clean, errors


def check_choice(data, name, choices, errors):
    "The value of a selection field if it is one of choices."
    value = str(data.get(name) or '')
    if value not in {str(c) for c in choices}:
        errors[name] = MESSAGES['choice'].format(label=LABELS.get(name, name))
        return None
    return value


def check_password(password, confirmation, email=None):
    """The Japanese message for a weak or mistyped password, or None: at
    least 10 characters with letters and digits, at most 128, none of the
    common passwords (lib/power_core/data/passwords), not containing the
    e-mail address or its part before the @.

    >>> check_password('password12', 'password12') == MESSAGES['password_common']
    True
    >>> check_password('taro-yamada-77', 'taro-yamada-77',
    ...     'Taro-Yamada@example.jp') == MESSAGES['password_email']
    True
    >>> check_password('kumo-no-ue-2026', 'kumo-no-ue-2026', 'taro@example.jp')
    """
    password = password or ''
    if (len(password) < 10 or not re.search(r'[A-Za-z]', password)
            or not re.search(r'\d', password)):
        return MESSAGES['password']
    if len(password) > TEXT_SIZE['password']:
        return MESSAGES['password_long']
    if invalid_text(password):
        return MESSAGES['text_invalid'].format(label=LABELS['password'])
    lowered = password.lower()
    if lowered in common_passwords():
        return MESSAGES['password_common']
    if email:
        email = str(email).strip().lower()
        local = email.split('@', 1)[0]
        if email in lowered or (len(local) >= 3 and local in lowered):
            return MESSAGES['password_email']
    if password != confirmation:
        return MESSAGES['password_match']
    return None


@functools.lru_cache(maxsize=1)
def common_passwords():
    "The set of common passwords refused by check_password (lower case)."
    path = Path(__file__).parent / 'data' / 'passwords' / (
        'common-passwords.txt.gz')
    with gzip.open(path, 'rt', encoding='utf-8') as lines:
        return frozenset(line.strip() for line in lines if line.strip())


# --- registration codes --------------------------------------------------

# no 0/O, 1/I/L: a code read out on the phone or typed from paper
REGISTRATION_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
REGISTRATION_CODE_LENGTH = 12
REGISTRATION_CODE_DAYS = 180


def new_registration_code():
    """A random one-time registration code: 12 characters of an
    unambiguous alphabet (about 59 bits).

    >>> code = new_registration_code()
    >>> len(code), set(code) <= set(REGISTRATION_ALPHABET)
    (12, True)
    """
    return ''.join(secrets.choice(REGISTRATION_ALPHABET)
        for _ in range(REGISTRATION_CODE_LENGTH))


def normalize_registration_code(text):
    """The code as typed (any width, case, hyphens or spaces) in its stored
    form.

    >>> normalize_registration_code('ｋ７ｍ２-Q9ZX 4PTA')
    'K7M2Q9ZX4PTA'
    """
    text = jaconv.z2h(str(text or ''), kana=False, ascii=True, digit=True)
    return ''.join(text.split()).replace('-', '').upper()


def format_registration_code(code):
    """The code as printed, in three groups of four.

    >>> format_registration_code('K7M2Q9ZX4PTA')
    'K7M2-Q9ZX-4PTA'
    """
    return '-'.join(code[i:i + 4] for i in range(0, len(code), 4))


def registration_code_matches(stored, entered, expires, today):
    """True if entered is the stored code (compared in constant time) and
    it has not expired on today."""
    if not stored or not entered or (expires and today > expires):
        return False
    return secrets.compare_digest(str(stored).encode(),
        normalize_registration_code(entered).encode())


# --- login back-off -------------------------------------------------------

def backoff(failures, free, cap):
    """Seconds to wait after the latest of failures before the next try:
    none for the first free failures, then 1, 2, 4, ... seconds, at most
    cap.

    >>> [backoff(n, 5, 300) for n in (0, 4, 5, 6, 9, 20)]
    [0, 0, 1, 2, 16, 300]
    """
    if failures < free:
        return 0
    return min(2 ** min(failures - free, 30), cap)


# --- cross-site requests -----------------------------------------------------

def cross_site(origin, referer, fetch_site, host):
    """The reason a state-changing request to host (its Host header) is
    refused as coming from another site, or None.

    Refused: Sec-Fetch-Site cross-site or same-site (a sibling domain);
    an Origin (including "null") that is not http(s)://host; without an
    Origin, a Referer from another host. A request with neither Origin nor
    Referer is not refused here (a browser posting across sites sends
    Origin; scripts and test clients send neither) and still needs the
    double-submit token.

    >>> cross_site('https://portal.example.jp', None, 'same-origin',
    ...     'portal.example.jp')
    >>> cross_site('null', None, None, 'portal.example.jp')
    'origin'
    >>> cross_site(None, None, 'cross-site', 'portal.example.jp')
    'fetch-site'
    >>> cross_site(None, 'https://evil.example/x', None, 'portal.example.jp')
    'referer'
    """
    if fetch_site and fetch_site.strip().lower() in {
            'cross-site', 'same-site'}:
        return 'fetch-site'
    host = (host or '').strip().lower()
    if origin is not None:
        return None if _same_host(origin, host) else 'origin'
    if referer:
        return None if _same_host(referer, host) else 'referer'
    return None


def _same_host(url, host):
    try:
        parts = urlsplit(str(url).strip())
    except ValueError:
        return False
    return bool(host) and parts.scheme in {'http', 'https'} and (
        parts.netloc.lower() == host)


# --- application steps -------------------------------------------------

@dataclass(frozen=True)
class Step:
    code: str
    title: str
    fields: tuple
    optional: tuple = ()


APPLICATION_STEPS = (
    Step('supply', 'ご利用場所', ('kind', 'supply_point', 'postal_code',
            'address', 'current_retailer', 'current_customer_number',
            'requested_date'),
        optional=('requested_date',)),
    Step('holder', 'ご契約者', ('holder_name', 'holder_kana', 'phone',
            'email')),
    Step('plan', '料金プラン', ('capacity', 'menu')),
    Step('payment', 'お支払い方法', ('payment_kind', 'card_token', 'card_masked',
            'bank_code', 'branch_code', 'account_type', 'account_number',
            'account_holder')),
    Step('explanation', '重要事項の説明', ('consent',)),
    Step('confirm', '入力内容の確認', ()),
    )
STEP_CODES = tuple(s.code for s in APPLICATION_STEPS)
KINDS = {'switch_in': '他の電力会社からの切替え', 'move_in': '引越し先でのご利用開始'}
PAYMENT_KINDS = {'card': 'クレジットカード', 'bank': '口座振替',
    'konbini': '払込票（コンビニ・郵便局でお支払い）'}
ACCOUNT_TYPES = {k: v for k, v in ZENGIN_ACCOUNT_TYPES.items() if k != '9'}


def check_application_step(step, data, menus=(), capacities=(), today=None):
    """Check one step of the application form; return (clean, errors).
    menus: the offered menu codes; capacities: the capacities offered by
    the chosen menu (strings such as '30')."""
    clean, errors = {}, {}
    if step == 'supply':
        kind = check_choice(data, 'kind', KINDS, errors)
        names = ['supply_point', 'postal_code', 'address', 'requested_date']
        optional = ['requested_date']
        if kind == 'switch_in':
            names += ['current_retailer', 'current_customer_number']
        else:
            optional.append('supply_point')
        clean, errors2 = check_fields(data, names, optional, today)
        errors.update(errors2)
        if kind:
            clean['kind'] = kind
        if kind == 'move_in' and not clean.get('requested_date') and (
                'requested_date' not in errors):
            errors['requested_date'] = MESSAGES['required'].format(
                label='ご利用開始日')
    elif step == 'holder':
        clean, errors = check_fields(
            data, ['holder_name', 'holder_kana', 'phone', 'email'])
    elif step == 'plan':
        menu = check_choice(data, 'menu', menus, errors)
        capacity = check_choice(data, 'capacity', capacities, errors)
        if menu:
            clean['menu'] = menu
        if capacity:
            clean['capacity'] = capacity
    elif step == 'payment':
        kind = check_choice(data, 'payment_kind', PAYMENT_KINDS, errors)
        if kind:
            clean['payment_kind'] = kind
        if kind == 'card':
            token = str(data.get('card_token') or '').strip()
            masked = str(data.get('card_masked') or '').strip()
            if find_card_number(token) or find_card_number(masked):
                errors['card_token'] = MESSAGES['card_number']
            elif token and not re.fullmatch(r'[A-Za-z0-9_-]{1,64}', token):
                errors['card_token'] = ('カード情報を確認できませんでした。'
                    'もう一度カードを登録してください。')
            elif not token:
                errors['card_token'] = ('決済代行会社の画面でカード情報を登録して'
                    'ください。')
            else:
                clean.update(card_token=token, card_masked=masked[:32])
        elif kind == 'bank':
            values, errors2 = check_fields(data, ['bank_code', 'branch_code',
                    'account_number', 'account_holder'])
            clean.update(values)
            errors.update(errors2)
            account_type = check_choice(
                data, 'account_type', ACCOUNT_TYPES, errors)
            if account_type:
                clean['account_type'] = account_type
    elif step == 'explanation':
        if str(data.get('consent') or '') != 'yes':
            errors['consent'] = MESSAGES['consent']
        else:
            clean['consent'] = 'yes'
    elif step != 'confirm':
        raise PowerCoreError(f"unknown step {step!r}", step)
    return clean, errors


# --- changes -------------------------------------------------------------

MOVE_OUT_FIELDS = ('requested_date', 'forwarding_postal_code',
    'forwarding_address', 'forwarding_phone')
MOVE_OUT_LAST_DAY = 'ご利用を停止する日'


def check_move_out(data, today=None):
    """Check the move-out form: the last day of supply (after today) and
    the forwarding address where the final bill is mailed (postal code and
    address required, phone optional); return (clean, errors)."""
    clean, errors = check_fields(data, MOVE_OUT_FIELDS,
        optional=('forwarding_phone',))
    if 'requested_date' in errors:
        errors['requested_date'] = errors['requested_date'].replace(
            LABELS['requested_date'], MOVE_OUT_LAST_DAY)
    elif today and clean['requested_date'] <= today:
        del clean['requested_date']
        errors['requested_date'] = MESSAGES['date_tomorrow'].format(
            label=MOVE_OUT_LAST_DAY)
    return clean, errors


# --- usage charts ------------------------------------------------------

def slot_labels():
    "The 48 half hours of a day as '0:00', '0:30', ... '23:30'."
    return [f'{i // 2}:{30 * (i % 2):02d}' for i in range(48)]


def month_days(month):
    "The days of month."
    start, end = month_period(month)
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


def months_back(month, count=13):
    "The first days of the count months ending with month, oldest first."
    month = month.replace(day=1)
    return [add_months(month, -i) for i in range(count - 1, -1, -1)]


def usage_csv(header, rows):
    """A CSV download for a spreadsheet: UTF-8 with a byte order mark (so
    that Excel reads the Japanese header), CRLF."""
    return b'\xef\xbb\xbf' + csv_bytes(header, rows)


# --- CSRF --------------------------------------------------------------

def new_token():
    return secrets.token_urlsafe(32)


def tokens_match(cookie, submitted):
    """The double-submit check: the form's token equals the cookie's, and
    neither is empty."""
    if not cookie or not submitted:
        return False
    return secrets.compare_digest(str(cookie), str(submitted))
