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
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal

import jaconv

from power_core.errors import PowerCoreError
from power_core.formats import csv_bytes
from power_core.formats.zengin import ACCOUNT_TYPES as ZENGIN_ACCOUNT_TYPES
from power_core.ids import supply_point
from power_core.payments import find_card_number
from power_core.simulators.grid import SEASON, SHAPE
from power_core.tariff.formula import round_half_up
from power_core.tariff.rating import Usage, band_kwh, rate
from power_core.text import normalize_digits

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


def simulate(menus, regulated, area, capacity, months):
    """Rate months ([(first day of month, kWh)]) on each menu; return one
    Quote per menu, cheapest first, the menus that cannot rate it (capacity
    not offered, no version in force) last with the reason. A time-of-use
    menu rates the kWh split into its bands like a typical household's
    half hours (typical_bands)."""
    quotes = []
    for menu in menus:
        bills = []
        try:
            for month, kwh in months:
                start, end = month_period(month)
                bands = (typical_bands(menu, start, kwh)
                    if tou_component(menu, start, end) else None)
                bills.append(rate(menu, Usage(
                            start, end, Decimal(kwh), Decimal(capacity),
                            area, band_kwh=bands, charge_month=start,
                            usage_month=start), regulated))
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
    'password_match': '確認用パスワードが一致しません。',
    'text_long': '{label}は{size}文字以内で入力してください。',
    'member_id': '会員IDは8〜16桁の数字で入力してください。',
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
    }

_EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$')
_KANA = re.compile(r'^[\u30a0-\u30ff\u3000 ]+$')
_MEMBER = re.compile(r'^\d{8,16}$')
TEXT_SIZE = {'contents': 2000, 'address': 200, 'holder_name': 80,
    'subject': 100}


def _kana(value):
    value = jaconv.h2z(value, kana=True, ascii=False, digit=False)
    value = jaconv.hira2kata(value).replace('\u3000', ' ')
    return ' '.join(value.split())


def _clean(name, value):
    "The normalised value, or raise KeyError(message key)."
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
        value = normalize_digits(value).upper()
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
        if find_card_number(value) and name not in {'supply_point'}:
            errors[name] = MESSAGES['card_number']
            continue
        if not value.strip():
            if name not in optional:
                errors[name] = MESSAGES['required'].format(
                    label=LABELS.get(name, name))
            continue
        size = TEXT_SIZE.get(name)
        if size and len(value) > size:
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


def check_password(password, confirmation):
    "The Japanese message for a weak or mistyped password, or None."
    if (len(password or '') < 10 or not re.search(r'[A-Za-z]', password)
            or not re.search(r'\d', password)):
        return MESSAGES['password']
    if password != confirmation:
        return MESSAGES['password_match']
    return None


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
            elif not token:
                errors['card_token'] = ('決済代行会社の画面でカード情報を登録して'
                    'ください。')
            else:
                clean.update(card_token=token, card_masked=masked)
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
