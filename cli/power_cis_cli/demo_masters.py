"""Master data of the demo retailer: what an administrator enters before
the first customer (rate menus, documents, templates, reasons, partners)."""
import datetime as dt
from decimal import Decimal

AMPERES = (10, 15, 20, 30, 40, 50, 60)
MENUS = [
    # code, name, class, unit, capacity options
    ('tepco-juryo-b', '従量電灯B', 'low_lighting', 'A', AMPERES),
    ('tepco-juryo-c', '従量電灯C', 'low_lighting', 'kVA',
        tuple(range(6, 50))),
    ('new-retailer-b', 'でんき小売 ベーシックB (従量電灯B 3%割引)',
        'low_lighting', 'A', AMPERES),
    ('tou-demo', 'でんき小売 ナイトプラン (時間帯別)', 'low_lighting', 'A',
        (30, 40, 50, 60)),
    ('high-demand-demo', '高圧業務用 実量制 (デモ)', 'high', 'kW', ()),
    ]
PRE_CONTRACT = '''でんき小売株式会社(登録番号 A9999)の電気需給約款に基づく供給条件をご説明します。
1. 供給開始予定日: スイッチング完了後の検針日
2. 契約容量: お申込みのアンペア
3. 料金: 基本料金、電力量料金、燃料費調整額、再生可能エネルギー発電促進賦課金
4. 契約期間: 1年(自動更新)。解約金はありません。
5. お問合せ: 0120-000-000(平日9時〜18時)'''
MASTERS = {
    'power.inquiry.category': [
        ('BILL', '料金・請求'), ('MOVE', '引越し'), ('CONTRACT', '契約内容'),
        ('PAY', '支払方法'), ('OUTAGE', '停電・設備'), ('OTHER', 'その他')],
    'power.inquiry.result': [
        ('SOLVED', '解決'), ('ESCALATED', '担当部署へ引継ぎ'),
        ('CALLBACK', '折り返し連絡'), ('NOACTION', '対応不要')],
    'power.cancellation.reason': [
        ('MOVE', '転居'), ('SWITCH', '他社への切替'), ('UNPAID', '料金未払い'),
        ('DEATH', '契約者の死亡'), ('OTHER', 'その他')],
    'power.application.rejection.reason': [
        ('SPID', '供給地点特定番号の誤り'), ('DUP', '重複申込み'),
        ('CREDIT', '与信不可'), ('AREA', '供給エリア外')],
    'power.switching.rejection.reason': [
        ('NG01', '供給地点特定番号不一致'), ('NG02', '需要者名義不一致'),
        ('NG03', '現小売の顧客番号不一致'), ('NG04', '期限内に照合されず')],
    }
MAIL_TEMPLATES = [
    ('ANSWER', 'お問合せへの回答',
        '【{company}】お問合せ({inquiry_number})へのご回答',
        '{customer_name} 様\n\nいつもご利用ありがとうございます。'
        '{company}です。\nお問合せいただいた契約番号 {contract_number}'
        '(供給地点 {supply_point}、{capacity})について、以下のとおり'
        'ご回答いたします。\n\n'
        'ご不明な点がございましたら、お気軽にお問合せください。'),
    ('MOVE', '引越しのご案内',
        '【{company}】お引越しの手続きについて',
        '{customer_name} 様\n\nお引越しの際は、マイページの「引越し(廃止)」'
        'からお手続きください。契約番号 {contract_number}'),
    ]
NOTICE_TEMPLATES = [
    ('CONCLUSION', 'contract_conclusion', '契約締結後交付書面',
        '{customer_name} 様との電気需給契約が成立しました。'),
    ('WARNING', 'termination_warning', '解約予告通知',
        '{customer_name} 様 料金のお支払いが確認できません。'),
    ('TERMINATION', 'termination', '解約通知',
        '{customer_name} 様との電気需給契約を解約しました。'),
    ('USAGE', 'usage', '電気使用量のお知らせ', '{customer_name} 様'),
    ('DUNNING', 'dunning', '督促状', '{customer_name} 様'),
    ]
PARTNERS = {
    'power.payment.agent': [
        ('CARD01', 'デモ決済代行(カード)', {'kind': 'card'}),
        ('BANK01', 'デモ収納代行(口座振替)', {'kind': 'bank'}),
        ('CVS01', 'デモ収納代行(コンビニ)', {'kind': 'konbini'})],
    'power.konbini.agent': [
        ('CVSAG', 'デモコンビニ収納', {'gs1_company_prefix': '4912345'})],
    'power.point.programme': [('PTS', 'デモポイント', {})],
    'power.procurement.source': [
        ('JEPX', '日本卸電力取引所', {}), ('BG01', 'デモ発電合同会社', {})],
    'power.print.shop': [('PRINT', 'デモ印刷株式会社', {})],
    'power.collection.agency': [('COLL', 'デモ債権回収株式会社', {})],
    }
# the banks of the demo's direct debits and the portal's bank picker, with
# all their branches, from the Zengin master (power_cis/bank.py)
BANKS = ['0001', '0005', '0009', '9900']


def create_masters(pool):
    """Create the demo masters; return a dict of the records the demo
    data refers to. Skips what exists (by code)."""
    refs = {}

    def ensure(model, code, values):
        Model = pool.get(model)
        found = Model.search([('code', '=', code)], limit=1)
        if found:
            return found[0]
        record, = Model.create([{'code': code, **values}])
        return record

    RateMenu = pool.get('power.rate_menu')
    tokyo, = pool.get('power.grid_area').search([('code', '=', '03')])
    for code, name, class_, unit, options in MENUS:
        if not RateMenu.search([('code', '=', code)]):
            RateMenu.create([{
                        'code': code, 'name': name, 'customer_class': class_,
                        'capacity_unit': unit,
                        'areas': [('add', [tokyo.id])],
                        'capacity_options': [('create', [
                                    {'capacity': Decimal(c)}
                                    for c in options])],
                        }])
    # their priced versions and test cases from the shipped data pack,
    # with the regulated values
    RateMenu.import_data_pack()
    from trytond.modules.power_billing.regulated import import_regulated
    import_regulated()
    refs['menus'] = {m.code: m for m in RateMenu.search([])}
    refs['pre'] = ensure('power.explanation.document', 'PRE-2025', {
            'name': '契約締結前交付書面', 'kind': 'pre', 'version': '2025.4',
            'valid_from': dt.date(2025, 4, 1), 'content': PRE_CONTRACT})
    ensure('power.explanation.document', 'POST-2025', {
            'name': '契約締結後交付書面', 'kind': 'post', 'version': '2025.4',
            'valid_from': dt.date(2025, 4, 1),
            'content': '契約成立のお知らせ(契約日、供給地点特定番号を含む)'})
    for model, rows in MASTERS.items():
        refs[model] = {code: ensure(model, code, {'name': name})
            for code, name in rows}
    refs['mail'] = {code: ensure('power.mail.template', code, {
                'name': name, 'subject': subject, 'body': body})
        for code, name, subject, body in MAIL_TEMPLATES}
    for code, kind, name, body in NOTICE_TEMPLATES:
        ensure('power.notice.template', code,
            {'name': name, 'kind': kind, 'body': body})
    Party = pool.get('party.party')
    for model, rows in PARTNERS.items():
        for code, name, extra in rows:
            if not pool.get(model).search([('code', '=', code)]):
                party, = Party.create([{'name': name}])
                ensure(model, code, {'name': name, 'party': party.id,
                        'partner_code': f'{code}-RETAILER01', **extra})
    web = ensure('power.sales.channel', 'WEB', {'name': 'Web', 'kind': 'web'})
    ensure('power.sales.channel', 'PHONE', {'name': '電話', 'kind': 'phone'})
    agency_party, = Party.search([('name', '=', 'デモ取次店')]) or \
        Party.create([{'name': 'デモ取次店'}])
    refs['agency'] = ensure('power.sales.channel', 'AGENCY', {
            'name': '取次店', 'kind': 'agency', 'agency': agency_party.id})
    refs['web'] = web
    refs['rep'] = ensure('power.sales.representative', 'REP01', {
            'name': '営業 太郎', 'channel': refs['agency'].id})
    refs['campaign'] = ensure('power.campaign', 'SPRING2025', {
            'name': '春の切替キャンペーン', 'start_date': dt.date(2025, 3, 1),
            'end_date': dt.date(2025, 5, 31)})
    from trytond.modules.power_cis.bank import import_master
    import_master(BANKS)
    Calendar = pool.get('power.business.calendar')
    if not Calendar.search([]):
        Calendar.create([{'date': dt.date(2026, 12, 28), 'kind': 'closed',
                    'description': '年末休業(送配電事業者の窓口)'}])
    return refs
