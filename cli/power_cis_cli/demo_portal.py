"""The portal's part of the demo: the low-voltage menus offered with a
sentence for consumers, a member account for a billed customer, and a
customer left unregistered to try the registration with (both printed,
the latter with its one-time registration code)."""

PORTAL_LOGIN = 'portal@example.jp'
PORTAL_PASSWORD = 'demo-portal-2026'
DESCRIPTIONS = {
    'tepco-juryo-b': '大手電力会社の規制料金と同じ単価の標準的なプランです。',
    'new-retailer-b': '従量電灯Bの基本料金・電力量料金から3%割引。切替えで手間なくおトクに。',
    'tepco-juryo-c': '6kVA以上の大きな容量が必要なご家庭・店舗向けです。',
    'tou-demo': '夜間（22時〜翌8時）の単価が安いプラン。夜に電気を多く使うご家庭に。',
    'market-demo': ('30分ごとの卸電力市場（JEPX）の価格に連動するプラン。'
        '市場価格の安い時間に使うほどおトクです。翌日の価格は「市場価格」で確認できます。'),
    }


def demo_market(today=None, log=print):
    """The JEPX simulator publishes the area prices of the last 13 months
    and of tomorrow, which are imported as staff do (Import Published
    Values: review, then activate). Skipped when done."""
    import datetime as dt

    from power_sim import market

    from trytond.pool import Pool
    pool = Pool()
    Import = pool.get('power.regulated.import')
    name = 'spot_summary_demo.csv'
    if Import.search([('name', '=', name)], limit=1):
        return
    today = today or dt.date.today()
    first = (today.replace(day=1) - dt.timedelta(days=365)).replace(day=1)
    content, _ = market.publish(market.days_between(
            first, today + dt.timedelta(days=1)), areas=('03',))
    published, = Import.create([{'name': name, 'file': content}])
    Import.review([published])
    Import.activate([published])
    log(f'demo JEPX prices: {published.new} days of Tokyo area prices '
        'from the JEPX simulator, imported (Billing ▸ Regulated Values ▸ '
        'Import Published Values); the portal shows tomorrow\'s')


CORPORATE_HOLDER = 'keiri@sakura-shoji.example.jp'
CORPORATE_SITE_MANAGER = 'shinjuku@sakura-shoji.example.jp'


def _corporate_members(pool, log):
    """The corporate customer's portal members: the contract holder (every
    site, the statements) and the manager of one shop (that site only)."""
    WebUser = pool.get('web.user')
    Payer = pool.get('power.billing.payer')
    payers = Payer.search([], limit=1)
    if not payers or WebUser.search([('email', '=', CORPORATE_HOLDER)]):
        return
    payer, = payers
    shop = next((c for c in payer.sites if '新宿店' in (
                c.supply_point.address or '')), payer.sites[0])
    WebUser.create([{'email': CORPORATE_HOLDER, 'password': PORTAL_PASSWORD,
                'party': payer.party.id, 'email_valid': True},
            {'email': CORPORATE_SITE_MANAGER, 'password': PORTAL_PASSWORD,
                'party': payer.party.id, 'email_valid': True,
                'portal_role': 'site_manager',
                'portal_sites': [('add', [shop.id])]}])
    log(f'corporate portal members: {CORPORATE_HOLDER} (contract holder) '
        f'and {CORPORATE_SITE_MANAGER} (site manager of one shop), '
        f'password {PORTAL_PASSWORD}')


def demo_portal(log=print):
    """Offer the menus, create the demo member; return (member's customer
    number, an unregistered customer's (number, supply point))."""
    from trytond.pool import Pool
    pool = Pool()
    Menu = pool.get('power.rate_menu')
    Contract = pool.get('power.contract')
    Determinant = pool.get('power.billing.determinant')
    WebUser = pool.get('web.user')
    for menu in Menu.search([('code', 'in', list(DESCRIPTIONS))]):
        if not menu.portal_offered:
            menu.portal_offered = True
            menu.portal_description = DESCRIPTIONS[menu.code]
            menu.save()
    active = Contract.search([('state', '=', 'active')],
        order=[('id', 'ASC')])
    billed = {d.contract.id for d in Determinant.search(
            [('contract', 'in', [c.id for c in active])])}
    active = [c for c in active if c.id in billed]
    users = {u.party.id for u in WebUser.search([]) if u.party}
    member = next((c for c in active if c.customer.id in users), None)
    if member is None and active:
        member = active[0]
        WebUser.create([{'email': PORTAL_LOGIN, 'password': PORTAL_PASSWORD,
                    'party': member.customer.id, 'email_valid': True}])
    unregistered = next((c for c in active
            if c.customer.id not in users and c != member), None)
    if member:
        log(f'portal member: {PORTAL_LOGIN} / {PORTAL_PASSWORD} '
            f'(customer {member.customer.customer_number})')
    _corporate_members(pool, log)
    # the one-time registration codes of the customers without an account
    # (printed on their bill notices; the daily scheduled action does it)
    Code = pool.get('power.portal.registration_code')
    Code.issue_missing()
    if unregistered:
        from power_core.portal import format_registration_code
        party = unregistered.customer.id
        code = Code.current([party]).get(party, (None,))[0] or Code.issue(
            [party])[party]
        log('portal registration to try: customer number '
            f'{unregistered.customer.customer_number}, supply point '
            f'{unregistered.supply_point.number}, registration code '
            f'{format_registration_code(code)}')
