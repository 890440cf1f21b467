"""The demo's collections: customers pay by direct debit, card or konbini
slip; every billed month is collected through the payment partners'
simulators (the bank answers the Zengin requests, the card agent the
charges, the konbini agent reports store payments); a few debits fail
(insufficient funds, one closed account), one card is declined, some
customers pay their slips late (late interest on the next bill), one
never pays and reaches termination with its 廃止 request, one protected
customer is reminded but never terminated. Letters and slips go to the
print shop at the end.

Each step that writes files commits before its simulator reads them, as
with the real partners."""
import datetime as dt
import random

# the demo retailer's collecting bank (口座振替の収納銀行): one of the banks
# imported from the Zengin master with the demo's masters (demo_masters.BANKS)
COLLECTING_BANK = '0001'
KIND_BY_DIGIT = {0: 'bank', 1: 'bank', 2: 'bank', 3: 'bank', 4: 'bank',
    5: 'bank', 6: 'card', 7: 'card', 8: 'card', 9: 'konbini'}


def demo_methods(company_id, log=print):
    """The collection set-up, the payment endpoints and a payment method
    for every demo customer (before the bills, so slip payers get their
    slips with them); the customer numbers of the demo's roles."""
    from trytond.modules.power_billing.collection import setup_collections
    from trytond.pool import Pool
    pool = Pool()
    Company = pool.get('company.company')
    Endpoint = pool.get('power.edi.endpoint')
    Method = pool.get('power.payment.method')
    Party = pool.get('party.party')
    Branch = pool.get('power.bank.branch')
    branch, = Branch.search([('bank.zengin_code', '=', COLLECTING_BANK)],
        order=[('code', 'ASC')], limit=1)
    agents = setup_collections(Company(company_id), branch)
    for kind, agent in agents.items():
        if not Endpoint.search([('code', '=', kind)]):
            Endpoint.create([{'name': agent.name, 'code': kind,
                        'partner': 'payment', 'payment_agent': agent.id}])
    parties = Party.search([('power_contracts', '!=', None)],
        order=[('id', 'ASC')])
    if Method.search([], limit=1):
        return roles(parties)
    methods = []
    for party in parties:
        kind = KIND_BY_DIGIT[party.id % 10]
        # a few registered lately: checked with the bank or card agent
        values = {'party': party.id, 'kind': kind,
            'start_date': dt.date(2000, 1, 1),
            'state': ('pending' if party.id % 25 == 0 or party.id % 40 == 16
                else 'valid')}
        if kind == 'bank':
            agent = agents['bank']
            values.update(agent=agent.id, bank=agent.bank.id,
                bank_branch=agent.bank_branch.id, account_type='1',
                account_number=f'{party.id:07d}',
                account_holder=party.name_kana or 'ﾃﾞﾓ',
                mandate_date=dt.date(2000, 1, 1))
        elif kind == 'card':
            values.update(agent=agents['card'].id,
                card_token=f'tok_demo_{party.id:06d}',
                card_masked='************' + f'{party.id:04d}'[-4:],
                card_expiry='203012')
        methods.append(values)
    Method.create(methods)
    result = roles(parties)
    if result['protected']:
        protected = Party(result['protected'])
        protected.payment_protected = True
        protected.protection_reason = '在宅医療機器（人工呼吸器）'
        protected.save()
    log(f'demo collections: {len(methods)} payment methods '
        f'({sum(1 for m in methods if m["kind"] == "bank")} direct debit, '
        f'{sum(1 for m in methods if m["kind"] == "card")} card, '
        f'{sum(1 for m in methods if m["kind"] == "konbini")} slip)')
    return result


def roles(parties):
    """The party ids playing the demo's parts (slip payers, by id; never
    the corporate customer paying by direct debit for its sites)."""
    from trytond.pool import Pool
    payers = {p.party.id for p in Pool().get('power.billing.payer').search(
            [])}
    slip = [p.id for p in parties
        if p.id % 10 == 9 and p.id not in payers] + [None, None]
    return {'never_pays': slip[0], 'protected': slip[1],
        'late': [p for p in slip[2:5] if p], 'slip': slip}


def demo_months(company_id):
    "The due months of the posted invoices, in order."
    from trytond.pool import Pool
    Invoice = Pool().get('account.invoice')
    return sorted({i.payment_term_date.replace(day=1)
            for i in Invoice.search([('type', '=', 'out'),
                    ('state', 'in', ['posted', 'paid'])])})


def demo_send(month, today, log=print):
    """Send the direct-debit requests of invoices due in month and the card
    charges of the 10th, 20th and last day; the endpoints' (code, outbox,
    inbox)."""
    from trytond.pool import Pool
    from power_core.payments import debit_date
    pool = Pool()
    Endpoint = pool.get('power.edi.endpoint')
    Configuration = pool.get('power.configuration')
    Calendar = pool.get('power.business.calendar')
    settings = Configuration(1).payment_settings()
    calendar = Calendar.calendar()
    end = (month + dt.timedelta(days=32)).replace(day=1)
    for code in ('bank', 'card'):
        endpoint, = Endpoint.search([('code', '=', code)])
        day = month
        dates = set()
        while day < end:
            dates.add(debit_date(day, settings['debit_days'], calendar)
                if code == 'bank' else debit_date(day, [10, 20, 31]))
            day += dt.timedelta(days=1)
        registrations = endpoint.send_registrations()
        if registrations:
            log(f'demo collections: {registrations.name} '
                f'({registrations.message})')
        for date in sorted(d for d in dates if d < today):
            exchange = endpoint.send_collection(date)
            if exchange:
                log(f'demo collections: {exchange.name} ({exchange.message})')
    return [(e.code, str(e.folder('outbox')), str(e.folder('inbox')))
        for e in Endpoint.search([('partner', '=', 'payment')])]


def demo_store_payments(month, today, role, seed, log=print):
    """The store payments of the slips due in month (late payers 20 days
    late, the non-payer never): a konbini notice per paying day; the
    barcodes and days (for the simulator)."""
    from trytond.pool import Pool
    Slip = Pool().get('power.payment.slip')
    rng = random.Random(seed)
    end = (month + dt.timedelta(days=32)).replace(day=1)
    paid = {}
    for slip in Slip.search([('state', '=', 'issued'),
                ('due_date', '>=', month), ('due_date', '<', end)]):
        party = slip.party.id
        if (party in (role['never_pays'], role['protected'])
                and slip.due_date >= today - dt.timedelta(days=100)):
            continue   # they stopped paying three months ago
        if party in role['late']:
            day = slip.due_date + dt.timedelta(days=20)
        else:
            day = slip.due_date - dt.timedelta(days=rng.randint(1, 10))
        if day < today:
            paid.setdefault(day, []).append(slip.barcode)
    return paid


def demo_poll(log=print):
    from trytond.pool import Pool
    Endpoint = Pool().get('power.edi.endpoint')
    Endpoint.poll(Endpoint.search([('partner', '=', 'payment')]))


def demo_dunning(day, log=print):
    "Dunning as of day: new levels found and processed."
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Dunning = Pool().get('account.dunning')
    with Transaction().set_context(dunning_date=day):
        Dunning.generate_dunnings(day)
        Dunning.process(Dunning.search([('state', '=', 'draft')]))


def demo_letters(log=print):
    "Slips and dunning letters to the print shop; its folders or None."
    from trytond.pool import Pool
    Endpoint = Pool().get('power.edi.endpoint')
    endpoint, = Endpoint.search([('code', '=', 'print')])
    # the post-contract documents of twenty of the demo's new contracts
    sent = [endpoint.send_slip_batch(), endpoint.send_dunning_batch(),
        endpoint.send_conclusion_batch(limit=20)]
    for exchange in filter(None, sent):
        log(f'demo print shop: sent {exchange.name} ({exchange.message})')
    return str(endpoint.folder('outbox')), str(endpoint.folder('inbox'))


def demo_summary(log=print):
    from trytond.pool import Pool
    pool = Pool()
    Receipt = pool.get('power.payment.receipt')
    Payment = pool.get('account.payment')
    Dunning = pool.get('account.dunning')
    Contract = pool.get('power.contract')
    receipts = Receipt.search([])
    log(f'demo collections: {len(receipts)} receipts '
        f'({sum(r.amount for r in receipts):,} yen), '
        f'{len(Payment.search([("state", "=", "failed")]))} failed debits '
        f'or charges, {len(Dunning.search([]))} dunnings, '
        f'{len(Contract.search([("state", "=", "terminating")]))} '
        'contracts terminating for non-payment')


def run(database, company_id, context, in_transaction, log=print,
        today=None, seed=59):
    "The whole demo of collections (idempotent: skipped once done)."
    today = today or dt.date.today()
    rng = random.Random(seed)
    already = in_transaction(database, lambda t: _done(), context=context)
    role = in_transaction(database,
        lambda t: demo_methods(company_id, log=log), context=context)
    if already:
        log('demo collections: already there')
    else:
        _collect(database, company_id, context, in_transaction, role, log,
            today, rng, seed)
    if not in_transaction(database, lambda t: _points_done(),
            context=context):
        # the point programme: members verified first, then their grants
        from power_sim.points import PointProgramme
        for _ in range(2):
            outbox, inbox = in_transaction(database,
                lambda t: demo_points(log=log), context=context)
            PointProgramme(outbox, inbox, unknown={'00000000'}).process()
            in_transaction(database, lambda t: _poll_points(log=log),
                context=context)


def _collect(database, company_id, context, in_transaction, role, log,
        today, rng, seed):
    from power_sim.payments import Bank, CardAgent, KonbiniAgent
    from power_sim.print_shop import PrintShop
    months = in_transaction(database, lambda t: demo_months(company_id),
        context=context)
    customers = in_transaction(database, lambda t: _numbers(), context=context)
    current = today.replace(day=1)
    previous = (current - dt.timedelta(days=1)).replace(day=1)
    closed = customers.get(next(iter(sorted(
                    p for p in customers if p % 10 == 3)), None), None)
    card_payer = next((p for p in sorted(customers) if p % 10 == 6), None)
    card_agent = None
    for n, month in enumerate(months):
        folders = in_transaction(database,
            lambda t: demo_send(month, today, log=log), context=context)
        failures = {customers[p].lstrip('0'): '1' for p in customers
            if p % 10 < 6 and rng.random() < 0.04}
        if month == current and closed:
            failures[closed.lstrip('0')] = '2'     # the account was closed
        for code, outbox, inbox in folders:
            if code == 'bank':
                Bank(outbox, inbox, failures).process()
            elif code == 'card':
                if card_agent is None:
                    card_agent = CardAgent(outbox, inbox)
                if month == previous and card_payer:
                    card_agent.declines[f'tok_demo_{card_payer:06d}'] = 'G54'
                card_agent.today = month
                card_agent.process()
        in_transaction(database, lambda t: demo_poll(log=log),
            context=context)
        paid = in_transaction(database,
            lambda t: demo_store_payments(month, today, role, seed + n),
            context=context)
        inbox = dict((c, i) for c, _, i in folders)['konbini']
        for day, barcodes in sorted(paid.items()):
            KonbiniAgent(inbox).notice(barcodes, day,
                name=f'KONBINI_{day:%Y%m%d}_{n:02d}.csv')
        in_transaction(database, lambda t: demo_poll(log=log),
            context=context)
    # the card agent's monthly refresh (洗替): one card has lapsed
    if card_agent and card_agent.tokens:
        lapsed = sorted(card_agent.tokens)[-1]
        card_agent.refresh(f'{today:%Y%m}', invalid={lapsed},
            renewed={sorted(card_agent.tokens)[0]: '203112'})
        in_transaction(database, lambda t: demo_poll(log=log),
            context=context)
    # dunning over the last three months, as the daily job would have
    for back in range(90, -1, -5):
        day = today - dt.timedelta(days=back)
        in_transaction(database, lambda t: demo_dunning(day, log=log),
            context=context)
    outbox, inbox = in_transaction(database, lambda t: demo_letters(log=log),
        context=context)
    PrintShop(outbox, inbox).process()
    in_transaction(database, lambda t: _poll_print(), context=context)
    in_transaction(database, lambda t: demo_summary(log=log),
        context=context)


def demo_points(log=print):
    """One customer in five registered a point member ID (one of them
    mistyped); the programme's files are sent; its folders."""
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Endpoint = pool.get('power.edi.endpoint')
    parties = Party.search([('power_contracts', '!=', None),
            ('point_member_id', '=', None)], order=[('id', 'ASC')])
    members = [p for p in parties if p.id % 5 == 0]
    for party in members:
        party.point_member_id = f'{80000000 + party.id:08d}'
    if members:
        members[0].point_member_id = '00000000'
        Party.save(members)
    endpoint, = Endpoint.search([('code', '=', 'points')])
    for exchange in filter(None, [endpoint.send_member_check(),
                endpoint.send_grants()]):
        log(f'demo points: sent {exchange.name} ({exchange.message})')
    return str(endpoint.folder('outbox')), str(endpoint.folder('inbox'))


def _poll_points(log=print):
    from trytond.pool import Pool
    pool = Pool()
    Endpoint = pool.get('power.edi.endpoint')
    Exchange = pool.get('power.edi.exchange')
    endpoint, = Endpoint.search([('code', '=', 'points')])
    Endpoint.poll([endpoint])
    for record in Exchange.search([('endpoint', '=', endpoint.id),
                ('direction', '=', 'in')]):
        log(f'demo points: {record.name} {record.kind} {record.state}')


def _points_done():
    from trytond.pool import Pool
    Exchange = Pool().get('power.edi.exchange')
    return bool(Exchange.search([('kind', '=', 'point_grant_result')],
            limit=1))


def _done():
    from trytond.pool import Pool
    return bool(Pool().get('power.payment.receipt').search([], limit=1))


def _numbers():
    from trytond.pool import Pool
    Party = Pool().get('party.party')
    return {p.id: p.customer_number for p in Party.search([
                ('power_contracts', '!=', None)])}


def _poll_print():
    from trytond.pool import Pool
    Endpoint = Pool().get('power.edi.endpoint')
    Endpoint.poll(Endpoint.search([('code', '=', 'print')]))
