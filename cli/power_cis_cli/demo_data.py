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
AMPERES = [Decimal(a) for a in (20, 30, 30, 30, 40, 40, 50, 60)]


def supply_point_number(index):
    "A 22-digit Tokyo-area number: 03, a fixed operator part, the index."
    return f'0300011{index:015d}'


def create_demo_customers(company_id, count, seed=2016):
    """Create `count` customers with supply points and contracts.

    About 85% of contracts are active, 5% terminated (moved out), and 10% are
    still draft (applications in progress). Returns the number created; does
    nothing when demo customers already exist.
    """
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    SupplyPoint = pool.get('power.supply_point')
    Contract = pool.get('power.contract')
    Country = pool.get('country.country')

    if SupplyPoint.search([('number', '=', supply_point_number(1))]):
        return 0
    rng = random.Random(seed)
    japan, = Country.search([('code', '=', 'JP')])
    parties, points = [], []
    for i in range(1, count + 1):
        (surname, surname_kana) = rng.choice(SURNAMES)
        (given, given_kana) = rng.choice(GIVEN_NAMES)
        ward, postal_prefix, town = rng.choice(TOKYO)
        postal_code = f'{postal_prefix}{rng.randint(1, 99):02d}'
        street = f'{town}{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}'
        phone = f'+81-3-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}'
        parties.append({
                'name': f'{surname} {given}',
                'name_kana': f'{surname_kana} {given_kana}',
                'is_customer': True,
                'addresses': [('create', [{
                                'postal_code': postal_code,
                                'city': ward,
                                'street': street,
                                'country': japan.id,
                                }])],
                'contact_mechanisms': [('create', [
                            {'type': 'phone', 'value': phone},
                            {'type': 'email',
                                'value': f'customer{i:04d}@example.jp'},
                            ])],
                })
        points.append({
                'number': supply_point_number(i),
                'postal_code': postal_code,
                'address': f'東京都{ward}{street}',
                'voltage': 'low',
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
        values = {
            'company': company_id,
            'customer': party.id,
            'supply_point': point.id,
            'capacity': rng.choice(AMPERES),
            'capacity_unit': 'A',
            'start_date': start,
            }
        if state == 'terminated':
            values['end_date'] = start + dt.timedelta(days=rng.randint(60, 300))
        contracts.append(values)
        states.append(state)
    contracts = Contract.create(contracts)
    to_activate = [c for c, s in zip(contracts, states) if s != 'draft']
    Contract.activate(to_activate)
    Contract.terminate(
        [c for c, s in zip(contracts, states) if s == 'terminated'])
    return len(contracts)
