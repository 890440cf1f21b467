"""Deterministic demo data: customers in the Tokyo area with supply points
and contracts. Runs inside a trytond transaction, creating records in
batches (the ORM's create of many values at once), so 200 customers take a
few seconds."""
import datetime as dt
import random
from decimal import Decimal

SURNAMES = [
    ('佐藤', 'サトウ'), ('鈴木', 'スズキ'), ('高橋', 'タカハシ'), ('田中', 'タナカ'),
    ('伊藤', 'イトウ'), ('渡辺', 'ワタナベ'), ('山本', 'ヤマモト'), ('中村', 'ナカムラ'),
    ('小林', 'コバヤシ'), ('加藤', 'カトウ'), ('吉田', 'ヨシダ'), ('山田', 'ヤマダ'),
    ('佐々木', 'ササキ'), ('山口', 'ヤマグチ'), ('松本', 'マツモト'), ('井上', 'イノウエ'),
    ('木村', 'キムラ'), ('林', 'ハヤシ'), ('斎藤', 'サイトウ'), ('清水', 'シミズ'),
    ]
GIVEN_NAMES = [
    ('太郎', 'タロウ'), ('花子', 'ハナコ'), ('健一', 'ケンイチ'), ('美咲', 'ミサキ'),
    ('大輔', 'ダイスケ'), ('陽子', 'ヨウコ'), ('翔太', 'ショウタ'), ('結衣', 'ユイ'),
    ('誠', 'マコト'), ('直子', 'ナオコ'), ('拓也', 'タクヤ'), ('由美', 'ユミ'),
    ('浩二', 'コウジ'), ('愛', 'アイ'), ('蓮', 'レン'), ('さくら', 'サクラ'),
    ]
# (ward, postal code prefix, town)
TOKYO = [
    ('千代田区', '100-00', '丸の内'), ('中央区', '104-00', '銀座'),
    ('港区', '105-00', '芝公園'), ('新宿区', '160-00', '西新宿'),
    ('文京区', '112-00', '本郷'), ('台東区', '110-00', '上野'),
    ('墨田区', '130-00', '両国'), ('江東区', '135-00', '豊洲'),
    ('品川区', '141-00', '大崎'), ('目黒区', '153-00', '中目黒'),
    ('大田区', '144-00', '蒲田'), ('世田谷区', '154-00', '三軒茶屋'),
    ('渋谷区', '150-00', '神南'), ('中野区', '164-00', '中野'),
    ('杉並区', '166-00', '阿佐谷南'), ('練馬区', '176-00', '練馬'),
    ]
# the other grid areas (bench/synth.py spreads its retailer over all ten):
# code → (prefecture, phone prefix, [(city, postal code prefix, town)])
AREAS = {
    '01': ('北海道', '011', [('札幌市中央区', '060-00', '北一条西'),
            ('旭川市', '070-00', '宮下通')]),
    '02': ('宮城県', '022', [('仙台市青葉区', '980-00', '一番町'),
            ('仙台市宮城野区', '983-00', '榴岡')]),
    '03': ('東京都', '03', TOKYO),
    '04': ('愛知県', '052', [('名古屋市中区', '460-00', '栄'),
            ('名古屋市千種区', '464-00', '今池')]),
    '05': ('富山県', '076', [('富山市', '930-00', '新総曲輪'),
            ('高岡市', '933-00', '広小路')]),
    '06': ('大阪府', '06', [('大阪市北区', '530-00', '梅田'),
            ('大阪市中央区', '540-00', '大手前')]),
    '07': ('広島県', '082', [('広島市中区', '730-00', '基町'),
            ('広島市南区', '732-00', '松原町')]),
    '08': ('香川県', '087', [('高松市', '760-00', '番町'),
            ('丸亀市', '763-00', '大手町')]),
    '09': ('福岡県', '092', [('福岡市中央区', '810-00', '天神'),
            ('北九州市小倉北区', '802-00', '城内')]),
    '10': ('沖縄県', '098', [('那覇市', '900-00', '泉崎'),
            ('浦添市', '901-21', '安波茶')]),
    }
AMPERES = [Decimal(a) for a in (20, 30, 30, 30, 40, 40, 50, 60)]


def supply_point_number(index, area='03'):
    "A 22-digit number: the area code, a fixed operator part, the index."
    return f'{area}00011{index:015d}'


def create_demo_customers(company_id, count, seed=2016, areas=('03',)):
    """Create the masters and `count` customers with supply points and
    contracts (with their first version), then applications, switching
    requests and inquiries in every state.

    About 85% of contracts are active, 5% terminated (moved out), and 10% are
    still draft. Customers are spread evenly over `areas` (grid area
    codes; Tokyo only for the demo). Returns the number of customers
    created; does nothing when demo customers already exist.
    """
    from trytond.pool import Pool
    from .demo_masters import create_masters
    pool = Pool()
    Party = pool.get('party.party')
    SupplyPoint = pool.get('power.supply_point')
    Contract = pool.get('power.contract')

    refs = create_masters(pool)
    if SupplyPoint.search([('number', '=', supply_point_number(1, areas[0]))]):
        return 0
    rng = random.Random(seed)
    from power_core.address import prefecture_code

    from trytond.modules.power_cis.country import ensure_japan
    japan = ensure_japan()
    Subdivision = pool.get('country.subdivision')
    prefecture_of = {s.code: s.id for s in Subdivision.search([
                ('country', '=', japan.id)])}
    menus = [refs['menus']['tepco-juryo-b']] * 3 + [
        refs['menus']['new-retailer-b'], refs['menus']['tou-demo']]
    parties, points = [], []
    for i in range(1, count + 1):
        area = areas[(i - 1) % len(areas)]
        prefecture, phone_prefix, cities = AREAS[area]
        (surname, surname_kana) = rng.choice(SURNAMES)
        (given, given_kana) = rng.choice(GIVEN_NAMES)
        ward, postal_prefix, town = rng.choice(cities)
        postal_code = f'{postal_prefix}{rng.randint(1, 99):02d}'
        street = (f'{town}{rng.randint(1, 5)}-{rng.randint(1, 30)}'
            f'-{rng.randint(1, 20)}')
        # ten digits in all: 03-1234-5678, 011-234-5678
        local = (rng.randint(1000, 9999) if len(phone_prefix) == 2
            else rng.randint(100, 999))
        phone = f'{phone_prefix}-{local}-{rng.randint(1000, 9999)}'
        parties.append({
                'name': f'{surname} {given}',
                'name_kana': f'{surname_kana} {given_kana}',
                'is_customer': True,
                'contact_preference': 'email' if rng.random() < 0.7 else 'post',
                'addresses': [('create', [{
                                'postal_code': postal_code,
                                'city': ward,
                                'street': street,
                                'country': japan.id,
                                'subdivision': prefecture_of[
                                    prefecture_code(prefecture)],
                                }])],
                'contact_mechanisms': [('create', [
                            {'type': 'phone', 'value': phone},
                            {'type': 'email',
                                'value': f'customer{i:04d}@example.jp'},
                            ])],
                })
        points.append({
                'number': supply_point_number(i, area),
                'postal_code': postal_code,
                'address': f'{prefecture}{ward}{street}',
                'reading_schedule': f'{rng.randint(1, 26):02d}',
                'meter_number': f'M{rng.randint(10**7, 10**8 - 1)}',
                'smart_meter': rng.random() < 0.97,
                })
    parties = Party.create(parties)
    points = SupplyPoint.create(points)

    contracts, states = [], []
    for party, point in zip(parties, points):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
        roll = rng.random()
        state = ('draft' if roll < 0.10
            else 'terminated' if roll < 0.15 else 'active')
        menu = rng.choice(menus)
        amperes = [o.capacity for o in menu.capacity_options]
        values = {
            'company': company_id,
            'customer': party.id,
            'supply_point': point.id,
            'start_date': start,
            'sales_channel': rng.choice(
                [refs['web'], refs['agency']]).id,
            'versions': [('create', [{
                            'start_date': start,
                            'menu': menu.id,
                            'capacity': rng.choice(amperes),
                            'holder_name': party.name,
                            'holder_name_kana': party.name_kana,
                            'billing_address': party.addresses[0].id,
                            }])],
            }
        if state == 'terminated':
            values['end_date'] = start + dt.timedelta(days=rng.randint(60, 300))
            values['cancellation_reason'] = refs[
                'power.cancellation.reason']['MOVE'].id
        contracts.append(values)
        states.append(state)
    contracts = Contract.create(contracts)
    Contract.activate([c for c, s in zip(contracts, states) if s != 'draft'])
    Contract.terminate(
        [c for c, s in zip(contracts, states) if s == 'terminated'])
    # a few contracts changed over time: an ampere change a year in
    active = [c for c, s in zip(contracts, states) if s == 'active']
    for contract in active[:15]:
        date = contract.start_date + dt.timedelta(days=365)
        if date < dt.date.today():
            version = contract.version_at(date)
            bigger = [o.capacity for o in version.menu.capacity_options
                if o.capacity > version.capacity]
            if bigger:
                contract.change(date, 'ampere_change', capacity=bigger[0])
    _create_applications(pool, company_id, refs, active, rng)
    _create_inquiries(pool, company_id, refs, active, rng)
    return len(contracts)


def _create_applications(pool, company_id, refs, active, rng):
    "Applications in each state and the switching requests they made."
    Application = pool.get('power.application')
    Request = pool.get('power.switching.request')
    menu = refs['menus']['tepco-juryo-b']
    base = 10_000
    new = []
    for n in range(6):
        surname, kana = SURNAMES[n]
        given, given_kana = GIVEN_NAMES[n]
        new.append({
                'company': company_id,
                'kind': 'switch_in' if n % 3 else 'move_in',
                'channel': ['portal', 'paper', 'agency'][n % 3],
                'sales_channel': (refs['agency'] if n % 3 == 2
                    else refs['web']).id,
                'campaign': refs['campaign'].id,
                'applicant_name': f'{surname} {given}',
                'applicant_name_kana': f'{kana} {given_kana}',
                'phone': f'090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}',
                'email': f'applicant{n}@example.jp',
                'postal_code': '150-0041',
                'address': f'東京都渋谷区神南1-{n + 1}-1',
                'supply_point_number': supply_point_number(base + n),
                'reading_schedule': f'{(n * 4) % 26 + 1:02d}',
                'current_retailer': '東京電力エナジーパートナー',
                'current_customer_number': f'{rng.randint(10**9, 10**10 - 1)}',
                'menu': menu.id,
                'capacity': Decimal(30),
                'explanation_document': refs['pre'].id,
                'explained_at': dt.datetime.now() - dt.timedelta(days=n),
                'consent': True,
                })
    new = Application.create(new)
    Application.receive(new[1:])
    Application.approve(new[2:])
    rejection = refs['power.application.rejection.reason']['SPID']
    # switching requests of the approved ones in each state
    requests = [a.switching_requests[0] for a in new[2:]]
    Request.send(requests[1:])
    Request.accept(requests[2:3])
    switching_reason = refs['power.switching.rejection.reason']['NG02']
    Request.write(requests[3:], {'rejection_reason': switching_reason.id,
            'rejection_message': '需要者名義が現小売の登録と一致しません'})
    Request.reject(requests[3:])
    changes = []
    for contract in active[20:23]:
        changes.append({
                'company': company_id, 'kind': 'ampere_change',
                'channel': 'phone', 'customer': contract.customer.id,
                'contract': contract.id,
                'capacity': Decimal(60)})
    for contract in active[23:25]:
        changes.append({
                'company': company_id, 'kind': 'move_out',
                'channel': 'portal', 'customer': contract.customer.id,
                'contract': contract.id, 'meter_removal': False,
                'requested_date': dt.date.today() + dt.timedelta(days=20)})
    changes = Application.create(changes)
    Application.approve(changes)
    completed = changes[0].switching_requests[0]
    Request.send([completed])
    Request.complete([completed])
    # one of each remaining state
    rejected, cancelled = Application.create([{
                'company': company_id, 'kind': 'switch_in',
                'channel': 'paper', 'applicant_name': '重複 申込',
                'applicant_name_kana': 'チョウフク モウシコミ',
                'supply_point_number': supply_point_number(base + 50),
                'menu': menu.id, 'capacity': Decimal(30),
                'current_retailer': '他社', 'current_customer_number': '1',
                'rejection_reason': rejection.id}, {
                'company': company_id, 'kind': 'plan_change',
                'channel': 'phone', 'customer': active[25].customer.id,
                'contract': active[25].id,
                'menu': refs['menus']['new-retailer-b'].id}])
    Application.reject([rejected])
    Application.cancel([cancelled])
    Request.create([{
                'company': company_id, 'kind': 'equipment_inquiry',
                'supply_point': active[26].supply_point.id}])
    cancelled_request, = Request.create([{
                'company': company_id, 'kind': 'equipment_inquiry',
                'supply_point': active[27].supply_point.id}])
    Request.cancel([cancelled_request])


def _create_inquiries(pool, company_id, refs, active, rng):
    "Inquiries in each state, some answered by template mails."
    Inquiry = pool.get('power.inquiry')
    Response = pool.get('power.inquiry.response')
    categories = refs['power.inquiry.category']
    results = refs['power.inquiry.result']
    subjects = [
        ('BILL', '請求額が先月より高い', '先月の請求額が高いので内訳を知りたい。'),
        ('MOVE', '引越しの手続き', '来月引越すので手続きを教えてほしい。'),
        ('PAY', '支払方法の変更', 'クレジットカード払いに変更したい。'),
        ('CONTRACT', 'アンペア変更', '40Aから50Aに変更したい。'),
        ('OUTAGE', '停電について', '昨夜停電した。原因を知りたい。'),
        ]
    inquiries = []
    for n, contract in enumerate(active[30:42]):
        category, subject, contents = subjects[n % len(subjects)]
        inquiries.append({
                'company': company_id,
                'channel': ['phone', 'mail', 'portal'][n % 3],
                'category': categories[category].id,
                'customer': contract.customer.id,
                'contract': contract.id,
                'contact': contract.customer.phone,
                'subject': subject,
                'contents': contents,
                'follow_up_date': dt.date.today() + dt.timedelta(
                    days=rng.randint(-3, 7)),
                })
    inquiries = Inquiry.create(inquiries)
    Response.create([{
                'inquiry': i.id, 'kind': 'call',
                'content': '内容を確認し、折り返しご連絡すると伝えた。'}
            for i in inquiries[:8]])
    for inquiry in inquiries[:4]:
        inquiry.send_reply(refs['mail']['ANSWER'])
    Inquiry.wait(inquiries[4:6])
    Inquiry.write(inquiries[:3], {'result': results['SOLVED'].id})
    Inquiry.close(inquiries[:3])


CORPORATE = '株式会社さくら商事'
CORPORATE_SITES = [
    # (address, menu, capacity)
    ('東京都港区芝公園1-2-3 本社ビル', 'tepco-juryo-c', 10),
    ('東京都新宿区西新宿2-4-1 新宿店', 'tepco-juryo-b', 60),
    ('東京都渋谷区道玄坂1-5-2 渋谷店', 'tepco-juryo-b', 50),
    ('東京都品川区大崎3-1-1 物流センター', 'tepco-teiatsu', 15),
    ]


def create_demo_corporate(company_id, today=None, log=print):
    """A corporate customer with four sites (head office, two shops and a
    warehouse with 低圧電力) on one payer account (一括請求, statements from
    the demo's first month, due at the end of the next month), paying by
    direct debit; nothing when it exists. Its sites are billed with the
    others; `demo_statements` makes their statements."""
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    SupplyPoint = pool.get('power.supply_point')
    Contract = pool.get('power.contract')
    Menu = pool.get('power.rate_menu')
    Payer = pool.get('power.billing.payer')
    Method = pool.get('power.payment.method')
    Agent = pool.get('power.payment.agent')
    if Payer.search([], limit=1):
        return 0
    today = today or dt.date.today()
    start = dt.date(today.year - 2, 4, 1)
    party, = Party.create([{'name': CORPORATE,
                'name_kana': 'カブシキガイシャ サクラショウジ',
                'is_customer': True, 'contact_preference': 'email',
                'addresses': [('create', [{'postal_code': '105-0011',
                                'city': '港区', 'street': '芝公園1-2-3'}])],
                'contact_mechanisms': [('create', [
                            {'type': 'phone', 'value': '03-5555-0101'},
                            {'type': 'email',
                                'value': 'keiri@sakura-shoji.example.jp'}])],
                }])
    menus = {m.code: m for m in Menu.search([('code', 'in',
                    list({s[1] for s in CORPORATE_SITES}))])}
    points = SupplyPoint.create([{
                'number': supply_point_number(9001 + i),
                'postal_code': '105-0011', 'address': address,
                'reading_schedule': f'{5 + 6 * i:02d}',
                'meter_number': f'M{90000001 + i}', 'smart_meter': True}
            for i, (address, _, _) in enumerate(CORPORATE_SITES)])
    payer, = Payer.create([{'company': company_id, 'party': party.id,
                'name': '本社一括（全店舗）',
                'start_month': _first_demo_month(today)}])
    contracts = Contract.create([{
                'company': company_id, 'customer': party.id,
                'supply_point': point.id, 'start_date': start,
                'payer': payer.id,
                'versions': [('create', [{'start_date': start,
                                'menu': menus[menu].id,
                                'capacity': capacity,
                                'holder_name': CORPORATE,
                                'billing_address': party.addresses[0].id}])]}
            for point, (_, menu, capacity) in zip(points, CORPORATE_SITES)])
    Contract.activate(contracts)
    agent, = Agent.search([('kind', '=', 'bank'), ('bank', '!=', None),
            ('bank_branch', '!=', None)], order=[('id', 'ASC')], limit=1)
    Method.create([{'party': party.id, 'kind': 'bank', 'state': 'valid',
                'start_date': dt.date(2000, 1, 1), 'agent': agent.id,
                'bank': agent.bank.id, 'bank_branch': agent.bank_branch.id,
                'account_type': '1', 'account_number': '0901234',
                'account_holder': 'ｶ)ｻｸﾗｼﾖｳｼﾞ',
                'mandate_date': dt.date(2000, 1, 1)}])
    log(f'corporate customer: {CORPORATE}, {len(contracts)} sites on one '
        f'payer account (Billing ▸ Payer Accounts)')
    return len(contracts)


def _first_demo_month(today, months=13):
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def demo_statements(today=None, log=print):
    """The payer accounts' statements of every closed month, each dated the
    first day of the next month (as the daily job would have made them)."""
    from trytond.pool import Pool
    pool = Pool()
    Payer = pool.get('power.billing.payer')
    Statement = pool.get('power.billing.statement')
    today = today or dt.date.today()
    current = today.replace(day=1)
    made = []
    for payer in Payer.search([]):
        month = payer.start_month
        while month < current:
            following = (month + dt.timedelta(days=32)).replace(day=1)
            made += Statement.consolidate([payer], month, date=following)
            month = following
    if made:
        log(f'statements (一括請求書): {len(made)} '
            '(Billing ▸ Statements; the portal\'s 一括請求)')
    return len(made)
