# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The consumer portal's pages (Japanese): simulation, application,
registration and login, and the member area. Every member route reads the
customer from the session and every record through `owned`, so changing an
id in a URL shows nothing of anybody else. What a page refuses is one of
power_portal's messages, in the Japanese of the request (site.route)."""
import datetime as dt
import html
import json
import mimetypes
from decimal import Decimal

from werkzeug.exceptions import NotFound

from power_core import capacity as capacity_rules, notice, portal as core
from power_core.errors import PowerCoreError
from power_core.tariff import market
from power_core.tariff.rating import Usage, rate
from power_core.text import normalize_digits

from trytond import config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.protocols.wrappers import Response
from trytond.transaction import Transaction

from . import queries
from .catalog import catalog
from .exceptions import PortalError
from .site import (
    STATIC, CardAgentUnavailable, card_agent_origin, holder_only,
    lookup_card_token, owned, rate_limit, route, site_domain, today)


EXPLANATIONS = {
    'basic_table': '契約アンペア（容量）に応じて毎月かかる定額の料金です。',
    'basic_per_unit': '契約容量1あたりの単価×契約容量で毎月かかる料金です。',
    'demand_basic': '過去1年の最大需要電力（契約電力）×単価で決まる基本料金です。',
    'energy_tiers': ('使用量（kWh）に応じた料金です。使用量が多い段階ほど単価が高く'
        'なります（3段階料金）。'),
    'tou_energy': '時間帯ごとの単価×その時間帯の使用量の料金です。',
    'fuel_adjustment': ('燃料価格の変動を反映する単価×使用量です。燃料価格が下がると'
        'マイナス（差引き）になります。'),
    'renewable_surcharge': ('再生可能エネルギー発電促進賦課金です。全国一律の単価×使用量'
        'で、国が毎年度定めます。'),
    'subsidy': '国の電気・ガス料金負担軽減支援による値引きです。',
    'discount_percent': 'プランの割引です。',
    'minimum': '使用量が少ない月の最低料金です。',
    'fixed': '毎月定額の料金（または割引）です。',
    'formula': 'プランの計算式による料金です。',
    }
PER_KWH = {'energy_tiers', 'tou_energy', 'fuel_adjustment',
    'renewable_surcharge', 'subsidy'}
PAYMENT_STATUS = {'unpaid': '未払い（お支払い期日前）', 'overdue': 'お支払い期日超過',
    'paid': 'お支払い済み', 'credited': '取消し（再請求済み）',
    'carried': '次回請求で精算', None: ''}
STATEMENT_STATUS = {'unpaid': '未払い（お支払期限前）', 'partial': '一部お支払い済み',
    'overdue': 'お支払期限超過', 'paid': 'お支払い済み', None: ''}
APPLICATION_STATES = {'draft': '受付前', 'received': '受付済み（確認中）',
    'approved': '手続き中', 'rejected': 'お受けできませんでした',
    'cancelled': '取消し'}
REQUEST_STATES = {'draft': '準備中', 'sent': '送配電事業者へ申請中',
    'accepted': '承認済み', 'rejected': '差戻し', 'completed': '完了',
    'cancelled': '取消し'}
CHANGE_KINDS = {'ampere_change': 'アンペア変更', 'name_change': '名義変更',
    'plan_change': '料金プラン変更', 'move_out': '引越し（ご利用の停止）'}
KIND_LABELS = dict(core.KINDS, **CHANGE_KINDS)
CONTRACT_STATES = {'draft': '準備中', 'applying': 'お手続き中',
    'active': 'ご利用中', 'terminating': '解約手続き中',
    'terminated': 'ご利用終了', 'cancelled': '取消し'}
STATIC_FILES = {'portal.css', 'portal.js', 'slip-help.svg'}
APPLICATION_FIELDS = {f for step in core.APPLICATION_STEPS
    for f in step.fields}


# --- helpers -----------------------------------------------------------

def limit(name, default):
    "Attempts allowed per address and hour ([power_portal] name)."
    return config.getint('power_portal', name, default=default)


# the dates a usage page may ask for; anything else is a 400, not a
# database error
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2199, 12, 31)


def _month(text, default):
    try:
        month = dt.date.fromisoformat(f'{text}-01') if text else default
    except ValueError:
        return default
    if not FIRST_DAY <= month <= LAST_DAY:
        raise PortalError(400, gettext('power_portal.msg_bad_date'))
    return month


def _date(text, default):
    try:
        day = dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PortalError(400, gettext('power_portal.msg_bad_date'))
    return day


# the largest id a database integer column holds
MAX_ID = 2 ** 31 - 1


def _int(text):
    "The record id in text, or a 404 (not digits, or beyond any id)."
    text = str(text or '').strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10
            and 0 < int(text) <= MAX_ID):
        raise PortalError(404, gettext('power_portal.msg_page_not_found'))
    return int(text)


def send_mail(page, to, subject, text, record):
    "A plain Japanese mail through Tryton's ir.email, kept on the record."
    Email = page.pool.get('ir.email')
    body = html.escape(text).replace('\n', '<br/>')
    return Email.send(to=to, subject=subject, body=body, record=record)


def absolute(page, path, **params):
    return page.request.host_url.rstrip('/') + page.url(path, **params)


def offered_menus(pool, area=None):
    "The menus offered on the portal (in area, a grid area code)."
    return catalog(pool).offered(area)


def reference_month(regulated, area):
    """The latest month up to last month with the area's fuel cost
    adjustment known (the simulation rates real prices, not guesses)."""
    last = core.add_months(today().replace(day=1), -1)
    by_kind = {}
    for (a, voltage, kind, m) in regulated.fuel:
        if a == area and voltage == 'low' and m <= last:
            by_kind.setdefault(kind, set()).add(m)
    months = sorted(set.intersection(*by_kind.values())) if by_kind else []
    return months[-1] if months else last


def explain(bill, kinds):
    "The bill's lines with the explanation of their component."
    lines = []
    for line in bill.lines:
        kind = kinds.get(line.code, kinds.get(line.code.split('_')[0]))
        quantity = notice.number(line.quantity)
        unit_price = notice.price(line.unit_price)
        if kind in PER_KWH:
            quantity, unit_price = f'{quantity} kWh', f'{unit_price} 円/kWh'
        elif kind == 'discount_percent':
            quantity = f'{notice.yen(line.quantity)}円'
            unit_price = f'{notice.number(-line.unit_price * 100)}%引き'
        elif kind in {'basic_table', 'minimum', 'fixed', 'formula'}:
            quantity = unit_price = ''
        lines.append({'label': line.label, 'quantity': quantity,
                'unit_price': unit_price, 'amount': line.amount,
                'kind': kind, 'explanation': EXPLANATIONS.get(kind, '')})
    return lines


def capacity_choices(menus):
    "The capacities offered by menus, as '30A' strings, smallest first."
    choices = {(menu.capacity_unit, value)
        for menu in menus for value in menu.capacities}
    return [f'{value.normalize():f}{unit}'
        for unit, value in sorted(choices)]


def _simulate(page, area, capacity_text, months):
    """Quotes of the offered menus of area for months [(month, kWh)] at
    capacity_text ('30A'); with their explained lines."""
    cat = page.catalog
    key = (area, capacity_text, tuple(months))
    if key in cat.quotes:
        return cat.quotes[key]
    capacity = capacity_rules.parse(capacity_text)
    candidates = [cat.core_menus[m.code] for m in cat.offered(area)
        if m.capacity_unit == capacity.unit]
    quotes = core.simulate(
        candidates, cat.regulated, area, capacity.value, months)
    results = [{'quote': q, 'name': q.menu.name,
            'lines': explain(q.bills[-1], cat.kinds[q.menu.code])
            if q.bills else []} for q in quotes]
    if len(cat.quotes) < 2000:
        cat.quotes[key] = results
    return results


# --- static files ----------------------------------------------------

@route('/static/<name>')
def static(page, name):
    if name not in STATIC_FILES:
        raise NotFound()
    content = (STATIC / name).read_bytes()
    response = Response(content,
        content_type=mimetypes.guess_type(name)[0] or 'text/plain')
    response.headers['Cache-Control'] = 'public, max-age=3600'
    response.headers['X-Content-Type-Options'] = 'nosniff'
    return response


# --- lookups of the application form ------------------------------------
# Public (the application is filled in before any login), read-only, at
# most LOOKUP_LIMIT answers; what they give is public data: Japan Post's
# postal codes and the Zengin bank master.

LOOKUP_LIMIT = 20


@route('/lookup/postal')
def lookup_postal(page):
    """The prefecture, city and town of ?code= (7 digits in any width
    or hyphenation); 404 for a code Japan Post does not list."""
    from power_core import address as jp_address
    found = jp_address.lookup(page.request.args.get('code', '')[:16])
    if not found:
        return page.json(
            {'error': gettext('power_portal.msg_postal_code_unknown')}, 404)
    return page.json({'postal_code': found.postal_code,
            'prefecture': found.prefecture, 'city': found.city,
            'town': found.town})


def _starts_with(query, code, name, kana):
    """Records whose code (digits in any width), name or kana (any script
    or width, as the Zengin master's half-width kana) starts with query."""
    from power_core.banks import half_width_kana
    return ['OR',
        (code, 'like', f'{normalize_digits(query)}%'),
        (name, 'ilike', f'{query}%'),
        (kana, 'like', f'{half_width_kana(query)}%'),
        ]


@route('/lookup/banks')
def lookup_banks(page):
    """Banks whose code, name or kana (any script or width) starts with
    ?q=: [{code, name, kana}]."""
    query = page.request.args.get('q', '').strip()[:40]
    if not query:
        return page.json([])
    Bank = page.pool.get('bank')
    banks = Bank.search(
        _starts_with(query, 'zengin_code', 'party.name', 'name_kana'),
        limit=LOOKUP_LIMIT, order=[('zengin_code', 'ASC')])
    return page.json([{'code': b.zengin_code, 'name': b.party.name,
                'kana': b.name_kana or ''} for b in banks if b.zengin_code])


@route('/lookup/branches')
def lookup_branches(page):
    """The branches of bank ?bank= whose code, name or kana starts with
    ?q= (all of them, the first LOOKUP_LIMIT, without q)."""
    bank_code = normalize_digits(page.request.args.get('bank', ''))[:4]
    query = page.request.args.get('q', '').strip()[:40]
    Branch = page.pool.get('power.bank.branch')
    domain = [('bank.zengin_code', '=', bank_code)]
    if query:
        domain.append(_starts_with(query, 'code', 'name', 'name_kana'))
    branches = Branch.search(domain, limit=LOOKUP_LIMIT,
        order=[('code', 'ASC')])
    return page.json([{'code': b.code, 'name': b.name,
                'kana': b.name_kana or ''} for b in branches])


# --- public pages ------------------------------------------------------

@route('/')
def index(page):
    if page.user:
        return page.redirect('/dashboard')
    return page.render('index.html',
        menus=offered_menus(page.pool))


@route('/power-mix')
def power_mix(page):
    """The power source mix and CO₂ emission factor of our sales and of
    each menu, newest fiscal year first (電源構成の開示, docs/power_mix.md)."""
    PowerMix = page.pool.get('power.power_mix')
    mixes = PowerMix.search([], order=[('fiscal_year', 'DESC'),
            ('menu', 'ASC NULLS FIRST'), ('kind', 'ASC')], limit=40)
    return page.render('power_mix.html', mixes=[
            (m.menu.name if m.menu else None, m.core()) for m in mixes])


@route('/simulate')
def simulate(page):
    args = page.request.args
    areas = page.catalog.areas
    menus = page.catalog.offered()
    values = {'area': args.get('area', '03'),
        'capacity': args.get('capacity', '30A'),
        'mode': args.get('mode', 'household'),
        'kwh': args.get('kwh', ''), 'household': args.get('household', '2')}
    errors, results, month, unserved = {}, None, None, None
    if args.get('run'):
        if values['area'] not in {a.code for a in areas}:
            errors['area'] = gettext('power_portal.msg_choose_area')
        if values['capacity'] not in capacity_choices(menus):
            errors['capacity'] = gettext('power_portal.msg_choose_capacity')
        months = []
        month = reference_month(page.catalog.regulated, values['area'])
        if values['mode'] == 'kwh':
            # a negative or absurd usage is refused, not rated as its size
            clean, problems = core.check_fields(values, ['kwh'])
            errors.update(problems)
            if 'kwh' in clean:
                months = [(month, clean['kwh'])]
        else:
            try:
                year = core.household_year(values['household'])
            except PowerCoreError:
                errors['household'] = gettext(
                    'power_portal.msg_choose_household')
            else:
                months = [(m, year[m.month])
                    for m in core.months_back(month, 12)]
        if not errors:
            unserved = _unserved(page, values['area'], values['capacity'])
            results = [] if unserved else _simulate(
                page, values['area'], values['capacity'], months)
    return page.render('simulate.html', areas=areas, values=values,
        errors=errors, results=results, month=month, unserved=unserved,
        capacities=capacity_choices(menus),
        households=core.HOUSEHOLDS)


@route('/market')
def market_prices(page):
    """Tomorrow's JEPX area prices of an area, half hour by half hour, with
    the unit price of each offered market-linked menu and the half hours
    whose price spikes (市場連動プランの翌日価格)."""
    areas = [a for a in page.catalog.areas if a.code in market.AREAS_ON_JEPX]
    area = page.request.args.get('area') or (
        _member_area(page) if page.user else None) or '03'
    if area not in {a.code for a in areas}:
        raise PortalError(404, gettext('power_portal.msg_page_not_found'))
    day, prices = _market_day(page, area)
    menus = _market_menus(page, area)
    spike_price = _spike_price(page)
    rows = []
    for slot, price in enumerate(prices or (), 1):
        rows.append((f'{(slot - 1) // 2:02d}:{(slot - 1) % 2 * 30:02d}',
                price, [market.unit_price(price, loss, margin)
                    for _, loss, margin in menus],
                price >= spike_price))
    return page.render('market.html', areas=areas, area=area, day=day,
        tomorrow=today() + dt.timedelta(days=1), rows=rows,
        menus=[name for name, _, _ in menus],
        spike_price=spike_price, spikes=[r[0] for r in rows if r[3]])


def _spike_price(page):
    "The configured price (yen/kWh) from which a half hour is a spike."
    Configuration = page.pool.get('power.configuration')
    return Configuration(1).market_spike_price or market.SPIKE_PRICE


def _market_day(page, area):
    """(day, its 48 prices) of tomorrow, or of today while tomorrow's are
    not published yet (JEPX publishes them in the morning); (None, None)
    when neither is there."""
    Price = page.pool.get('power.regulated.market_price')
    for day in (today() + dt.timedelta(days=1), today()):
        found = Price.search([('area.code', '=', area), ('date', '=', day)],
            limit=1)
        if found:
            return day, found[0].day_prices()
    return None, None


def _market_menus(page, area):
    "(name, loss rate, margin) of the market-linked menus offered in area."
    result = []
    for menu in page.catalog.offered(area):
        core_menu = page.catalog.core_menus[menu.code]
        version = max(core_menu.versions, key=lambda v: v.valid_from)
        for component in version.components:
            if component.kind == 'market_energy':
                result.append((menu.name,
                        Decimal(str(component.params['loss_rate'])),
                        Decimal(str(component.params.get('margin', 0)))))
    return result


def _member_area(page):
    "The grid area of the member's first contract."
    contracts = _contracts(page)
    return contracts[0].supply_point.area.code if contracts else None


def market_warning(page, contracts):
    """The Japanese notice of tomorrow's price spikes for a member with a
    market-linked contract, or None."""
    for contract in contracts:
        menu = contract.menu
        if not menu or contract.state not in {'active', 'terminating'}:
            continue
        kinds = page.catalog.kinds.get(menu.code, {})
        if 'market_energy' not in kinds.values():
            continue
        area = contract.supply_point.area.code
        day, prices = _market_day(page, area)
        if day != today() + dt.timedelta(days=1):
            return None
        spike_price = _spike_price(page)
        slots = market.spikes(prices, spike_price)
        if slots:
            times = '、'.join(
                f'{(s - 1) // 2}:{(s - 1) % 2 * 30:02d}' for s in slots[:6])
            return (f'明日（{day.month}月{day.day}日）は {times}'
                f'{"ほか" if len(slots) > 6 else ""} の時間帯に市場価格が'
                f'1kWhあたり{notice.number(spike_price)}円以上に高騰します。'
                'この時間帯の電気のご使用を控えると電気料金を抑えられます。')
    return None


def _unserved(page, area, capacity_text):
    """Why no menu can be simulated in area (a grid area code) at
    capacity_text, in Japanese; None when some menu is offered there.
    Menus are tied to the areas where they are offered (the rate menu's
    Grid Areas, none for every area)."""
    offered = page.catalog.offered(area)
    name = next((a.name for a in page.catalog.areas if a.code == area), area)
    if not offered:
        return gettext('power_portal.msg_area_unserved', area=name)
    unit = capacity_rules.parse(capacity_text).unit
    if not any(m.capacity_unit == unit for m in offered):
        return gettext('power_portal.msg_capacity_unserved', area=name,
            capacity=capacity_text)
    return None


def _application_options(page, values):
    menus = offered_menus(page.pool)
    chosen = [m for m in menus if m.code == values.get('menu')]
    capacities = capacity_choices(chosen or menus)
    return menus, [c for c in capacities]


@route('/apply', methods=['GET', 'POST'])
def apply(page):
    form = page.form
    # only the application's own fields are kept (and echoed back), each
    # bounded again by the step's checks
    values = {k: v[:core.TEXT_SIZE['contents']] for k, v in form.items()
        if k in APPLICATION_FIELDS} if (
        page.request.method == 'POST') else {
        'kind': page.request.args.get('kind', 'switch_in'),
        'menu': page.request.args.get('menu', ''),
        'capacity': page.request.args.get('capacity', '')}
    step = form.get('step') if form.get('step') in core.STEP_CODES else (
        core.STEP_CODES[0])
    index = core.STEP_CODES.index(step)
    go = form.get('go', '')
    errors = {}
    if page.request.method == 'POST':
        if go == 'submit':
            rate_limit(page, 'apply', limit('apply_limit', 10))
        if go == 'back':
            index = max(0, index - 1)
        elif go in {'next', 'submit'}:
            clean, errors = _check_step(page, step, values)
            values.update(clean)
            if not errors and go == 'submit' and step == 'confirm':
                for other in core.STEP_CODES:
                    clean, errors = _check_step(page, other, values)
                    if errors:
                        index = core.STEP_CODES.index(other)
                        break
                    values.update(clean)
                else:
                    application = _create_application(page, values)
                    return page.render('applied.html',
                        application=application, values=values)
            elif not errors:
                index = min(index + 1, len(core.STEP_CODES) - 1)
    return _render_step(page, index, values, errors)


def _check_step(page, step, values):
    pool = page.pool
    menus, capacities = _application_options(page, values)
    clean, errors = core.check_application_step(step, values,
        menus=[m.code for m in menus], capacities=capacities,
        today=today())
    if step == 'payment' and clean.get('payment_kind') == 'card' and (
            not errors):
        try:
            card = lookup_card_token(clean['card_token'])
        except CardAgentUnavailable:
            errors['card_token'] = gettext(
                'power_portal.msg_card_agent_unavailable')
        else:
            if card is None:
                errors['card_token'] = gettext(
                    'power_portal.msg_card_unknown')
            else:
                # the masked number as the agent knows it, not as posted
                clean['card_masked'] = str(card.get('masked') or '')[:32]
    if step == 'payment' and clean.get('payment_kind') == 'bank' and (
            not errors):
        if not _bank_branch(pool, clean['bank_code'], clean['branch_code']):
            errors['branch_code'] = gettext(
                'power_portal.msg_bank_branch_unknown')
    return clean, errors


def _bank_branch(pool, bank_code, branch_code):
    Branch = pool.get('power.bank.branch')
    branches = Branch.search([('bank.zengin_code', '=', bank_code),
            ('code', '=', branch_code)], limit=1)
    return branches[0] if branches else None


def _render_step(page, index, values, errors):
    step = core.APPLICATION_STEPS[index]
    menus, capacities = _application_options(page, values)
    Document = page.pool.get('power.explanation.document')
    document = Document.current('pre', today())
    menu = next((m for m in menus if m.code == values.get('menu')), None)
    hidden = {k: v for k, v in values.items() if k not in step.fields}
    return page.render('apply.html', steps=core.APPLICATION_STEPS,
        index=index, step=step, values=values, hidden=hidden,
        errors=errors, menus=menus, capacities=capacities, menu=menu,
        document=document, kinds=core.KINDS,
        payment_kinds=core.PAYMENT_KINDS, account_types=core.ACCOUNT_TYPES,
        labels=core.LABELS, card_agent=card_agent_origin())


def _create_application(page, values):
    pool = page.pool
    Application = pool.get('power.application')
    Document = pool.get('power.explanation.document')
    Menu = pool.get('power.rate_menu')
    menu, = Menu.search([('code', '=', values['menu'])], limit=1)
    capacity = capacity_rules.parse(values['capacity'])
    document = Document.current('pre', today())
    if not document:
        raise PortalError(503,
            gettext('power_portal.msg_applications_closed'))
    from trytond.modules.power_cis.common import now
    moment = now()
    data = {
        'company': page.company.id,
        'kind': values['kind'],
        'channel': 'portal',
        'received_at': moment,
        # checked by every step again on submit: a date by now
        'requested_date': queries._date(values.get('requested_date') or None),
        'applicant_name': values['holder_name'],
        'applicant_name_kana': values['holder_kana'],
        'holder_name': values['holder_name'],
        'holder_name_kana': values['holder_kana'],
        'phone': values['phone'],
        'email': values['email'],
        'postal_code': values['postal_code'],
        'address': values['address'],
        'supply_point_number': values['supply_point'],
        'current_retailer': values.get('current_retailer'),
        'current_customer_number': values.get('current_customer_number'),
        'menu': menu.id,
        'capacity': capacity.value,
        'explanation_document': document.id,
        'explained_at': moment,
        'consent': True,
        'payment_kind': values['payment_kind'],
        }
    if values['payment_kind'] == 'card':
        data.update(card_token=values['card_token'],
            card_masked=values.get('card_masked'))
    elif values['payment_kind'] == 'bank':
        branch = _bank_branch(pool, values['bank_code'],
            values['branch_code'])
        data.update(payment_bank=branch.bank.id, payment_branch=branch.id,
            account_type=values['account_type'],
            account_number=values['account_number'],
            account_holder=values['account_holder'])
    application, = Application.create([data])
    Application.receive([application])
    send_mail(page, values['email'],
        f'【{page.company.rec_name}】お申込みを受け付けました（{application.number}）',
        _application_mail(page, application, values, menu, document),
        [Application.__name__, application.id])
    return application


def _application_mail(page, application, values, menu, document):
    return '\n'.join([
        f"{values['holder_name']} 様",
        '',
        f'{page.company.rec_name}の電気のお申込みをいただき、ありがとうございます。',
        '以下の内容で受け付けました。',
        '',
        f'受付番号：{application.number}',
        f"お申込みの種類：{core.KINDS[values['kind']]}",
        f"供給地点特定番号：{values['supply_point']}",
        f'料金プラン：{menu.name}（{values["capacity"]}）',
        f"お支払い方法：{core.PAYMENT_KINDS[values['payment_kind']]}",
        f'ご同意いただいた書面：{document.name}（{document.version}）',
        '',
        '送配電事業者への手続きが終わり、ご契約が成立しましたら、'
        '契約締結後交付書面をお送りします。',
        'お申込みの状況は、会員登録のうえマイページでご確認いただけます。',
        ])


# --- registration and login --------------------------------------------

@route('/register', methods=['GET', 'POST'])
def register(page):
    values, errors = {}, {}
    if page.request.method == 'POST':
        rate_limit(page, 'register', limit('register_limit', 10))
        form = page.form
        values, errors = core.check_fields(form,
            ['customer_number', 'supply_point', 'registration_code', 'email'])
        problem = core.check_password(form.get('password', ''),
            form.get('password2', ''), values.get('email'))
        if problem:
            errors['password'] = problem
        if not errors:
            user = _register(page, values, form['password'])
            if user is None:
                errors['form'] = gettext(
                    'power_portal.msg_registration_refused')
            else:
                return page.render('message.html', title='確認メールを送信しました',
                    message=f"{values['email']} 宛てに確認メールをお送りしました。"
                    'メールのリンクを開いて、登録を完了してください。')
        values.pop('registration_code', None)
    return page.render('register.html', values=values, errors=errors)


def _register(page, values, password):
    """The new (unconfirmed) web user of the customer whose number, supply
    point and current registration code values give, or None. A pending
    registration of the customer or the address (not confirmed by mail) is
    replaced: only a confirmed account blocks a registration."""
    pool = page.pool
    Party = pool.get('party.party')
    Contract = pool.get('power.contract')
    WebUser = pool.get('web.user')
    Code = pool.get('power.portal.registration_code')
    parties = Party.search(
        [('customer_number', '=', values['customer_number'])], limit=1)
    if not parties:
        return None
    party, = parties
    if not Contract.search([('customer', '=', party.id),
                ('supply_point.number', '=', values['supply_point'])],
            limit=1):
        return None
    code, expires = Code.current([party.id], today()).get(
        party.id, (None, None))
    if not core.registration_code_matches(code, values['registration_code'],
            expires, today()):
        return None
    existing = WebUser.search(['OR', ('email', '=', values['email']),
            ('party', '=', party.id)])
    if any(u.email_valid for u in existing):
        return None
    if existing:
        WebUser.delete(existing)
    user = WebUser(email=values['email'], password=password, party=party)
    user.set_email_token()
    user.save()
    send_mail(page, user.email,
        f'【{page.company.rec_name}】会員登録の確認',
        '\n'.join([f'{party.name} 様', '',
                'マイページの会員登録を受け付けました。',
                '次のリンクを開いて、メールアドレスの確認を完了してください。', '',
                absolute(page, '/verify', token=user.email_token), '',
                'お心当たりのない場合は、このメールを破棄してください。']),
        ['web.user', user.id])
    return user


@route('/verify', readonly=False)
def verify(page):
    WebUser = page.pool.get('web.user')
    Code = page.pool.get('power.portal.registration_code')
    token = page.request.args.get('token', '')
    if len(token) > 256 or core.invalid_text(token):
        token = ''
    users = WebUser.validate_email_token([token]) if token else []
    if not users:
        return page.error(400,
            gettext('power_portal.msg_verification_link_invalid'))
    # the registration code has done its work: it cannot register again
    Code.consume([u.party.id for u in users if u.party])
    return page.render('message.html', title='登録が完了しました',
        message='メールアドレスを確認しました。ログインしてマイページをご利用ください。',
        link=('/login', 'ログイン'))


@route('/login', methods=['GET', 'POST'])
def login(page):
    values, error = {}, None
    next_ = page.request.values.get('next', '')
    if not next_.startswith(page.base + '/') or '//' in next_[1:]:
        next_ = ''
    if page.request.method == 'POST':
        WebUser = page.pool.get('web.user')
        email = page.form.get('email', '').strip().lower()
        values = {'email': email}
        user = WebUser.authenticate(email, page.form.get('password', ''))
        if user and not user.email_valid:
            error = gettext('power_portal.msg_email_not_confirmed')
        elif user and user.party:
            page.login(user)
            response = page.redirect('/dashboard')
            if next_:
                response.headers['Location'] = next_
            return response
        else:
            error = gettext('power_portal.msg_login_failed')
    return page.render('login.html', values=values, error=error, next=next_)


@route('/logout', methods=['POST'])
def logout(page):
    page.logout()
    return page.redirect('/')


@route('/reset', methods=['GET', 'POST'])
def reset(page):
    if page.request.method == 'POST':
        rate_limit(page, 'reset', limit('reset_limit', 10))
        values, errors = core.check_fields(page.form, ['email'])
        if errors:
            return page.render('reset.html', values=page.form, errors=errors)
        WebUser = page.pool.get('web.user')
        users = WebUser.search([('email', '=', values['email'])], limit=1)
        now = dt.datetime.now()
        if users and not (users[0].reset_password_token_expire
                and users[0].reset_password_token_expire > now):
            user, = users
            user.set_reset_password_token()
            user.save()
            send_mail(page, user.email,
                f'【{page.company.rec_name}】パスワード再設定のご案内',
                '\n'.join(['パスワード再設定のお申込みを受け付けました。',
                        '次のリンクから新しいパスワードを設定してください'
                        '（有効期限24時間）。', '',
                        absolute(page, '/reset/confirm', email=user.email,
                            token=user.reset_password_token), '',
                        'お心当たりのない場合は、このメールを破棄してください。']),
                ['web.user', user.id])
        # the same answer whether the address is registered or not
        return page.render('message.html', title='メールを送信しました',
            message='ご登録のメールアドレスであれば、パスワード再設定のご案内を'
            'お送りしました。')
    return page.render('reset.html', values={}, errors={})


@route('/reset/confirm', methods=['GET', 'POST'])
def reset_confirm(page):
    email = page.request.values.get('email', '')
    token = page.request.values.get('token', '')
    error = None
    if page.request.method == 'POST':
        error = core.check_password(page.form.get('password', ''),
            page.form.get('password2', ''), email)
        if not error:
            WebUser = page.pool.get('web.user')
            if WebUser.set_password_token(
                    email, token, page.form['password']):
                return page.render('message.html',
                    title='パスワードを変更しました',
                    message='新しいパスワードでログインしてください。',
                    link=('/login', 'ログイン'))
            error = gettext('power_portal.msg_reset_link_invalid')
    return page.render('reset_confirm.html', email=email, token=token,
        error=error)


# --- member area -------------------------------------------------------

def _contracts(page):
    Contract = page.pool.get('power.contract')
    return Contract.search([('customer', '=', page.party.id)]
        + site_domain(page, 'power.contract'),
        order=[('start_date', 'DESC'), ('id', 'DESC')])


def _period_start(page, contract):
    "The first day of the current billing period (the last reading day)."
    Confirmed = page.pool.get('power.usage.confirmed')
    usages = Confirmed.search([
            ('supply_point', '=', contract.supply_point.id),
            ('superseded', '=', None),
            ('end', '<=', today())],
        order=[('end', 'DESC')], limit=1)
    start = usages[0].end if usages else None
    if contract.start_date and (not start or start < contract.start_date):
        start = contract.start_date
    return start or today().replace(day=1)


def _determinants(page, contracts, limit=None):
    Determinant = page.pool.get('power.billing.determinant')
    return Determinant.search([
            ('contract', 'in', [c.id for c in contracts])],
        order=[('end', 'DESC'), ('revision', 'DESC')], limit=limit)


@route('/dashboard', login=True)
def dashboard(page):
    Interval = page.pool.get('power.usage.interval')
    contracts = _contracts(page)
    current = []
    for contract in contracts:
        so_far = None
        if contract.state in {'active', 'terminating'}:
            start = _period_start(page, contract)
            days = Interval.daily_kwh(contract.supply_point.id, start,
                today() + dt.timedelta(days=1))
            so_far = (start, sum(days.values(), Decimal(0)), len(days))
        current.append((contract, so_far))
    bills = [d for d in _determinants(page, contracts, limit=5)
        if d.state != 'cancelled']
    Participant = page.pool.get('power.dr.participant')
    # the demand response events of the last 60 days and to come
    events = Participant.search([('party', '=', page.party.id),
            *site_domain(page, 'power.dr.participant'),
            ('event.state', 'in', ['announced', 'settled']),
            ('event.date', '>=', today() - dt.timedelta(days=60))],
        order=[('event.date', 'DESC')], limit=10)
    return page.render('dashboard.html', contracts=current,
        market_warning=market_warning(page, contracts), events=events,
        last_bill=bills[0] if bills else None,
        states=CONTRACT_STATES, payment_status=PAYMENT_STATUS)


def _usage_contract(page):
    """(the contract asked for, the customer's contracts) as plain rows; a
    contract id of anybody else is the same 404 as an unknown one."""
    contracts = queries.member_contracts(page.pool, page.user.party_id)
    if page.user.sites is not None:
        contracts = [c for c in contracts if c.id in page.user.sites]
    if not contracts:
        raise PortalError(404, gettext('power_portal.msg_no_contract'))
    if page.request.args.get('contract'):
        wanted = _int(page.request.args['contract'])
        for contract in contracts:
            if contract.id == wanted:
                return contract, contracts
        raise PortalError(404, gettext('power_portal.msg_page_not_found'))
    return contracts[0], contracts


def _within(contract, day):
    "True if day is within the contract's dates (the member's own usage)."
    return ((not contract.start_date or day >= contract.start_date)
        and (not contract.end_date or day <= contract.end_date))


def _usage_data(page, contract, view):
    """(title, header, rows, chart) of view 'day', 'month' or 'year' for
    contract."""
    pool = page.pool
    Interval = pool.get('power.usage.interval')
    args = page.request.args
    point = contract.supply_point
    if view == 'day':
        day = _date(args.get('date'), today() - dt.timedelta(days=1))
        # another customer's half hours before or after the contract: none
        profile = queries.day_profile(pool, point, day) if _within(
            contract, day) else None
        values = ([Decimal(v) / 10 for v in profile.tenths]
            if profile else [])
        labels = core.slot_labels()
        rows = [(label, f'{v:.1f}') for label, v in zip(labels, values)]
        chart = {'type': 'bar', 'x': labels,
            'series': {'使用量（kWh）': [float(v) for v in values]}}
        return (f'{day:%Y年%m月%d日}の30分ごとの使用量', ['時刻', '使用量(kWh)'],
            rows, chart, {'date': day.isoformat(),
                'prev': (day - dt.timedelta(days=1)).isoformat(),
                'next': (day + dt.timedelta(days=1)).isoformat()})
    if view == 'month':
        month = _month(args.get('month'), today().replace(day=1))
        start, end = core.month_period(month)
        days = {d: v for d, v in Interval.daily_kwh(point, start, end).items()
            if _within(contract, d)}
        last_year = {d: v for d, v in Interval.daily_kwh(point,
                core.add_months(start, -12), core.add_months(end, -12)).items()
            if _within(contract, d)}
        dates = core.month_days(month)
        rows = [(d.isoformat(), f'{days[d]:.1f}' if d in days else '',
                f'{last_year[core.add_months(d, -12)]:.1f}'
                if core.add_months(d, -12) in last_year else '')
            for d in dates]
        chart = {'type': 'bar', 'x': [f'{d.day}日' for d in dates],
            'series': {'今年（kWh）': [float(days[d]) if d in days else None
                    for d in dates],
                '前年同月（kWh）': [float(last_year[core.add_months(d, -12)])
                    if core.add_months(d, -12) in last_year else None
                    for d in dates]}}
        return (f'{month:%Y年%m月}の日ごとの使用量',
            ['日付', '使用量(kWh)', '前年同日(kWh)'], rows, chart,
            {'month': f'{month:%Y-%m}',
                'prev': f'{core.add_months(month, -1):%Y-%m}',
                'next': f'{core.add_months(month, 1):%Y-%m}'})
    # year: 13 billed months with charges and the same month a year before
    determinants = [d for d in queries.billed(pool, contract.id, limit=40)
        if d.state != 'cancelled']
    by_month = {}
    for d in sorted(determinants, key=lambda d: (d.end, d.revision)):
        kwh, total = by_month.get(d.end.replace(day=1), (0, 0))
        by_month[d.end.replace(day=1)] = (kwh + int(d.kwh), total + d.total)
    last = max(by_month) if by_month else today().replace(day=1)
    months = core.months_back(last, 13)
    rows, kwh, totals, before = [], [], [], []
    for m in months:
        this = by_month.get(m)
        prior = by_month.get(core.add_months(m, -12))
        rows.append((f'{m:%Y-%m}', this[0] if this else '',
                this[1] if this else '', prior[0] if prior else ''))
        kwh.append(this[0] if this else None)
        totals.append(this[1] if this else None)
        before.append(prior[0] if prior else None)
    chart = {'type': 'bar', 'x': [f'{m:%Y/%m}' for m in months],
        'series': {'使用量（kWh）': kwh, '前年同月（kWh）': before},
        'line': {'ご請求額（円）': totals}}
    return ('直近13か月の使用量とご請求額',
        ['検針月', '使用量(kWh)', 'ご請求額(円)', '前年同月(kWh)'], rows, chart,
        {})


@route('/usage', login=True)
def usage(page):
    contract, contracts = _usage_contract(page)
    view = page.request.args.get('view', 'year')
    if view not in {'day', 'month', 'year'}:
        view = 'year'
    title, header, rows, chart, nav = _usage_data(page, contract, view)
    return page.render('usage.html', contract=contract, contracts=contracts,
        view=view, title=title, header=header, rows=rows,
        chart=json.dumps(chart, ensure_ascii=False).replace('</', '<\\/'),
        nav=nav,
        has_data=any(any(v not in (None, '') for v in row[1:])
            for row in rows))


@route('/usage.csv', login=True)
def usage_csv(page):
    contract, _ = _usage_contract(page)
    view = page.request.args.get('view', 'year')
    if view not in {'day', 'month', 'year'}:
        view = 'year'
    title, header, rows, _, nav = _usage_data(page, contract, view)
    suffix = nav.get('date') or nav.get('month') or 'monthly'
    return page.download(core.usage_csv(header, rows),
        f'usage-{contract.number}-{suffix}.csv', 'text/csv; charset=utf-8')


@route('/bills', login=True)
def bills(page):
    determinants = _determinants(page, _contracts(page), limit=60)
    return page.render('bills.html', bills=determinants,
        payment_status=PAYMENT_STATUS)


@route('/bills/<bill_id>', login=True)
def bill(page, bill_id):
    determinant = owned(page, 'power.billing.determinant', _int(bill_id))
    PowerMix = page.pool.get('power.power_mix')
    return page.render('bill.html', bill=determinant,
        payment_status=PAYMENT_STATUS,
        mix=PowerMix.shown(determinant.menu, determinant.end))


@route('/bills/<bill_id>/pdf', login=True)
def bill_pdf(page, bill_id):
    """The bill as it was issued: the archived PDF (archived now if the
    scheduled job has not yet), checked against its checksum."""
    determinant = owned(page, 'power.billing.determinant', _int(bill_id))
    Document = page.pool.get('power.billing.document')
    Determinant = page.pool.get('power.billing.determinant')
    document = Document.find_bill(determinant)
    if document:
        data = document.content()
    else:
        # a page is read in a read-only transaction: the archive is made
        # in one of its own, committed before the file is served
        with Transaction().new_transaction(readonly=False) as transaction:
            document = Document.issue_bill(Determinant(determinant.id))
            data = document.content() if document else None
            transaction.commit()
    if data is None:
        raise PortalError(404, gettext('power_portal.msg_page_not_found'))
    return page.download(data,
        f'bill-{determinant.contract.number}-{determinant.end:%Y%m}.pdf',
        'application/pdf')


def _filter_date(text):
    "The date of a filter (YYYY-MM-DD), or None; anything else is refused."
    day = _date(text, None) if text else None
    if text and day is None:
        raise PortalError(400, gettext('power_portal.msg_bad_date'))
    return day


def _amount(text):
    "The whole yen of a filter, or None; anything else is refused."
    text = str(text or '').strip().replace(',', '')
    if not text:
        return None
    if not (text.isascii() and text.lstrip('-').isdigit()
            and len(text) <= 10):
        raise PortalError(400, gettext('power_portal.msg_bad_amount'))
    return Decimal(text)


@route('/documents', login=True)
def documents(page):
    """The bills and credit notes issued to the customer, as archived:
    searched by date and amount (ranges, combined), each downloadable
    (a business customer keeps them under 電子帳簿保存法 too)."""
    Document = page.pool.get('power.billing.document')
    args = page.request.args
    start, end = (_filter_date(args.get(name)) for name in ('from', 'to'))
    low, high = _amount(args.get('min')), _amount(args.get('max'))
    domain = [('party', '=', page.party.id)] + site_domain(
        page, 'power.billing.document')
    for value, clause in ((start, ('issue_date', '>=')),
            (end, ('issue_date', '<=')), (low, ('amount', '>=')),
            (high, ('amount', '<='))):
        if value is not None:
            domain.append((*clause, value))
    return page.render('documents.html',
        documents=Document.search(domain, limit=500),
        filters={'from': start, 'to': end, 'min': low, 'max': high})


@route('/documents/<document_id>/pdf', login=True)
def document_pdf(page, document_id):
    document = owned(page, 'power.billing.document', _int(document_id),
        field='party')
    return page.download(document.content(), document.filename,
        'application/pdf')


@route('/statements', login=True)
def statements(page):
    """The monthly statements (一括請求書) of a corporate customer's payer
    accounts, with what is still due; the contract holder's only."""
    holder_only(page)
    Statement = page.pool.get('power.billing.statement')
    records = Statement.search([('party', '=', page.party.id)],
        order=[('month', 'DESC'), ('id', 'DESC')], limit=120)
    return page.render('statements.html', statements=records,
        labels=STATEMENT_STATUS)


def _statement(page, statement_id):
    "The contract holder's statement of that id (else 403 or 404)."
    holder_only(page)
    return owned(page, 'power.billing.statement', _int(statement_id),
        field='party')


@route('/statements/<statement_id>', login=True)
def statement(page, statement_id):
    "One statement with its bill of each site."
    return page.render('statement.html',
        statement=_statement(page, statement_id), labels=STATEMENT_STATUS)


@route('/statements/<statement_id>/pdf', login=True)
def statement_pdf(page, statement_id):
    "The statement as issued: its archived file, checked on reading."
    record = _statement(page, statement_id)
    Document = page.pool.get('power.billing.document')
    documents = Document.search([('statement', '=', record.id)], limit=1)
    if not documents:
        raise PortalError(404, gettext('power_portal.msg_page_not_found'))
    return page.download(documents[0].content(), documents[0].filename,
        'application/pdf')


@route('/settings/paper', methods=['POST'], login=True)
def paper(page):
    holder_only(page)
    Party = page.pool.get('party.party')
    party = Party(page.party.id)
    party.paper_notice = page.form.get('paper') == 'yes'
    party.save()
    return page.redirect('/bills', saved='paper')


# --- changes -----------------------------------------------------------

def _active_contracts(page):
    return [c for c in _contracts(page) if c.state == 'active']


def _plan_comparison(page, contract):
    """([(menu code, name, simulated total of the last 12 billed months,
    difference to the current menu, estimated)] cheapest first, months):
    every offered menu rated on the contract's own billed periods; a
    time-of-use menu on the period's own half hours (split like a typical
    household where days are missing: estimated)."""
    pool = page.pool
    Interval = pool.get('power.usage.interval')
    cat = page.catalog
    regulated = cat.regulated
    determinants = [d for d in _determinants(page, [contract], limit=24)
        if d.state != 'cancelled'][:12]
    if not determinants:
        return []
    area = contract.area.code if contract.area else '03'
    candidates = {m.code: cat.core_menus[m.code] for m in cat.offered(area)
        if m.capacity_unit == contract.capacity_unit}
    if contract.menu.code not in candidates:
        candidates[contract.menu.code] = contract.menu.to_core()
    days = {}
    if any(core.tou_component(m, d.start, d.end)
            for m in candidates.values() for d in determinants[:1]):
        days = {r.date: r.profile() for r in Interval.search([
                    ('supply_point', '=', contract.supply_point.id),
                    ('superseded', '=', None),
                    ('date', '>=', min(d.start for d in determinants)),
                    ('date', '<', max(d.end for d in determinants))])}
    results = []
    for code, menu in candidates.items():
        total, estimated = 0, False
        try:
            for d in determinants:
                extra = {}
                if core.tou_component(menu, d.start, d.end):
                    series = core.half_hours(days, d.start, d.end)
                    if series:
                        extra['interval'] = series
                    else:
                        estimated = True
                        extra['band_kwh'] = core.typical_bands(
                            menu, d.start, d.kwh)
                total += rate(menu, Usage(d.start, d.end, Decimal(d.kwh),
                        Decimal(contract.capacity), area, **extra),
                    regulated).total
        except PowerCoreError:
            continue
        results.append((code, menu.name, total, estimated))
    current = next((r[2] for r in results if r[0] == contract.menu.code),
        None)
    return sorted([(code, name, total,
                total - current if current is not None else None, estimated)
            for code, name, total, estimated in results],
        key=lambda r: r[2]), len(determinants)


@route('/changes', methods=['GET', 'POST'], login=True)
def changes(page):
    pool = page.pool
    Application = pool.get('power.application')
    contracts = _active_contracts(page)
    errors, values = {}, dict(page.form)
    done = None
    contract = None
    if page.request.method == 'POST':
        kind = page.form.get('kind')
        if kind not in CHANGE_KINDS:
            raise PortalError(400,
                gettext('power_portal.msg_choose_change_kind'))
        contract = owned(page, 'power.contract', _int(page.form.get('contract')))
        if contract.state != 'active':
            raise PortalError(400,
                gettext('power_portal.msg_contract_not_changeable'))
        data, errors = _check_change(page, kind, contract)
        if not errors:
            application, = Application.create([dict(data,
                        company=page.company.id, kind=kind,
                        channel='portal', customer=page.party.id,
                        contract=contract.id)])
            Application.receive([application])
            if page.party.email:
                send_mail(page, page.party.email,
                    f'【{page.company.rec_name}】{CHANGE_KINDS[kind]}のお申込みを'
                    f'受け付けました（{application.number}）',
                    f'{page.party.name} 様\n\n{CHANGE_KINDS[kind]}のお申込みを'
                    f'受け付けました。\n受付番号：{application.number}\n'
                    'お手続きの状況はマイページでご確認いただけます。',
                    [Application.__name__, application.id])
            done = application
            values = {}
    selected = contract or (contracts[0] if contracts else None)
    if page.request.args.get('contract'):
        selected = owned(page, 'power.contract',
            _int(page.request.args['contract']))
    comparison, months = ([], 0)
    if selected and selected.menu:
        result = _plan_comparison(page, selected)
        if result:
            comparison, months = result
    applications = Application.search([('customer', '=', page.party.id)]
        + site_domain(page, 'power.application'),
        order=[('received_at', 'DESC')], limit=20)
    capacities = []
    if selected and selected.menu:
        capacities = [f'{Decimal(o.capacity).normalize():f}'
            for o in selected.menu.capacity_options]
    return page.render('changes.html', contracts=contracts,
        selected=selected, comparison=comparison, months=months,
        applications=applications, errors=errors, values=values, done=done,
        kinds=CHANGE_KINDS, all_kinds=KIND_LABELS,
        states=APPLICATION_STATES, request_states=REQUEST_STATES,
        capacities=capacities, menus=offered_menus(page.pool))


def _check_change(page, kind, contract):
    form = page.form
    errors = {}
    if kind == 'ampere_change':
        options = {f'{Decimal(o.capacity).normalize():f}'
            for o in contract.menu.capacity_options}
        capacity = core.check_choice(form, 'capacity', options, errors)
        if capacity and Decimal(capacity) == contract.capacity:
            errors['capacity'] = gettext('power_portal.msg_same_capacity')
        return ({'capacity': Decimal(capacity)} if capacity else {}), errors
    if kind == 'name_change':
        values, errors = core.check_fields(form, ['holder_name', 'holder_kana'])
        return ({'holder_name': values.get('holder_name'),
                'holder_name_kana': values.get('holder_kana')}), errors
    if kind == 'plan_change':
        menus = {m.code: m for m in offered_menus(page.pool)
            if m.capacity_unit == contract.capacity_unit}
        code = core.check_choice(form, 'menu', menus, errors)
        if code and code == contract.menu.code:
            errors['menu'] = gettext('power_portal.msg_same_menu')
        return ({'menu': menus[code].id} if code and not errors else {}), (
            errors)
    # move-out: the last day and where the final bill goes
    values, errors = core.check_move_out(form, today=today())
    return ({name: values[name] for name in core.MOVE_OUT_FIELDS
            if name in values} if not errors else {}), errors


# --- points and inquiries ---------------------------------------------

@route('/points', methods=['GET', 'POST'], login=True)
def points(page):
    holder_only(page)
    Party = page.pool.get('party.party')
    party = Party(page.party.id)
    errors, saved = {}, False
    if page.request.method == 'POST':
        values, errors = core.check_fields(page.form, ['member_id'])
        if not errors:
            try:
                party.point_member_id = values['member_id']
                party.save()
                saved = True
            except UserError as error:
                Transaction().rollback()
                errors['member_id'] = error.message
                party = Party(page.party.id)
    Grant = page.pool.get('power.point.grant')
    grants = Grant.search([('party', '=', party.id)],
        order=[('id', 'DESC')], limit=24)
    return page.render('points.html', party=party, grants=grants,
        errors=errors, saved=saved)


@route('/inquiries', methods=['GET', 'POST'], login=True)
def inquiries(page):
    Inquiry = page.pool.get('power.inquiry')
    Category = page.pool.get('power.inquiry.category')
    categories = Category.search([], order=[('sequence', 'ASC'), ('id', 'ASC')])
    errors, values, created = {}, {}, None
    if page.request.method == 'POST':
        values, errors = core.check_fields(page.form, ['subject', 'contents'])
        category = core.check_choice(page.form, 'category',
            [c.id for c in categories], errors)
        if category:
            values['category'] = category
        if not errors:
            contracts = _contracts(page)
            created, = Inquiry.create([{
                        'company': page.company.id,
                        'channel': 'portal',
                        'category': int(values['category']),
                        'customer': page.party.id,
                        'contract': contracts[0].id if contracts else None,
                        'caller_name': page.party.name,
                        'contact': page.party.email,
                        'subject': values['subject'],
                        'contents': values['contents'],
                        }])
            values = {}
    records = Inquiry.search([('customer', '=', page.party.id)]
        + site_domain(page, 'power.inquiry'),
        order=[('received_at', 'DESC')], limit=50)
    return page.render('inquiries.html', inquiries=records, errors=errors,
        values=values, created=created,
        categories=[(c.id, c.name) for c in categories])


@route('/inquiries/<inquiry_id>', login=True)
def inquiry(page, inquiry_id):
    record = owned(page, 'power.inquiry', _int(inquiry_id))
    replies = [r for r in record.responses if r.kind in {'mail', 'letter'}]
    return page.render('inquiry.html', inquiry=record, replies=replies)
