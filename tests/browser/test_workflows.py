"""The staff and portal workflows that broke when walked in a browser
(issue 22), each clicked through as its user does: a portal switch-in
approved and sent to the switching hub by an operator until the contract
is active; portal move-in applications by slip and by card; an inquiry
answered with a template reply the operator completes; the customer form's
Billing, Payment and Points tabs and an active contract found by number;
a paid bill cancelled and re-issued stays paid.

Records are found by the test over JSON-RPC (as the administrator) and
opened by their URL, as a link in a mail would open them; every button is
pressed in the web client by the user named."""
import datetime as dt
import re
import time

from playwright.sync_api import expect

from conftest import ARTIFACTS, RPC, apply_on_portal, login, open_menu

ACTIVE = '#tabcontent > .tab-pane.active'
OPERATOR = ('operator', 'demo-operator')
# the reply wizard's template is filled in, or sao's search dialog is open
# (its title in English or, for the staff's Japanese, 検索)
FILLED_OR_SEARCH = """() => {
    const input = [...document.querySelectorAll(
        '.modal-dialog input[name="template"]')].pop();
    return (input && input.value.includes('回答')) || [...document
        .querySelectorAll('.modal-dialog .modal-title')].some(
            t => t.offsetParent !== null && /Search|検索/.test(t.innerText));
}"""
BILLING = ('billing', 'demo-billing')


def open_record(page, demo_server, model, record_id):
    "Open a record's form by its URL, as a link would."
    database = demo_server.split('#')[1]
    page.evaluate("hash => { window.location.hash = hash; }",
        f'#{database}/model/{model}/{record_id}')
    page.locator(f'{ACTIVE} .form').first.wait_for()


def press(page, name):
    """Press a form's button by its name; fail on an error or warning the
    client shows."""
    page.locator(f'{ACTIVE} button[name="{name}"]').first.click()


def no_error_dialog(page):
    dialogs = page.locator('.modal-dialog:visible')
    texts = [dialogs.nth(i).inner_text() for i in range(dialogs.count())]
    assert not texts, texts


def wait_for(check, what, timeout=60):
    "Poll check() (over RPC) until it is true."
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, what
        time.sleep(0.5)


def one(rpc, model, domain, fields):
    records = rpc.model(model, 'search_read', domain, 0, None, None, fields)
    assert len(records) == 1, (model, domain, records)
    return records[0]


def test_portal_move_in_by_slip_and_by_card(demo_server, page):
    "A portal move-in with its start day is received, paid by slip or by card (it was a 500)"
    rpc = RPC(demo_server)
    start = dt.date.today() + dt.timedelta(days=10)
    for payment in ['konbini', 'card']:
        number, point = apply_on_portal(page, demo_server, 'move_in',
            payment, requested=start)
        application = one(rpc, 'power.application', [('number', '=', number)],
            ['kind', 'state', 'requested_date', 'payment_kind',
                'supply_point_number'])
        assert (application['kind'], application['state'],
            application['payment_kind'], application['supply_point_number']
            ) == ('move_in', 'received', payment, point)
        assert application['requested_date'] == start
    page.screenshot(path=str(ARTIFACTS / 'portal-move-in-done.png'))


def test_operator_approves_and_sends_a_portal_switch_in(demo_server, page):
    """An operator approves a portal application and sends its switch-in;
    the switching hub simulator answers; the contract becomes active"""
    rpc = RPC(demo_server)
    number, point = apply_on_portal(page, demo_server)
    application = one(rpc, 'power.application', [('number', '=', number)],
        ['state'])
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    login(page, demo_server, *OPERATOR)
    open_record(page, demo_server, 'power.application', application['id'])
    press(page, 'approve')
    wait_for(lambda: rpc.model('power.application', 'read',
            [application['id']], ['state'])[0]['state'] == 'approved',
        "the application was not approved")
    no_error_dialog(page)
    request = one(rpc, 'power.switching.request',
        [('supply_point.number', '=', point)],
        ['state', 'kind', 'contract'])
    assert (request['state'], request['kind']) == ('draft', 'switch_in')
    open_record(page, demo_server, 'power.switching.request', request['id'])
    press(page, 'send')
    sent = wait_for(lambda: [r for r in rpc.model('power.switching.request',
                'read', [request['id']], ['state', 'hub_reference'])
            if r['state'] == 'sent'], "the request was not sent")
    no_error_dialog(page)
    assert sent[0]['hub_reference'].startswith('SW'), sent
    page.screenshot(path=str(ARTIFACTS / 'switching-request-sent.png'))
    # the hub answers the next polls (trytond-cron's every 10 minutes)
    hub = one(rpc, 'power.edi.endpoint', [('partner', '=', 'occto'),
            ('transport', '=', 'soap')],
        ['name'])
    for _ in range(2):
        rpc.model('power.edi.endpoint', 'poll', [hub['id']])
    state = rpc.model('power.switching.request', 'read', [request['id']],
        ['state'])[0]['state']
    assert state == 'completed', state
    contract = rpc.model('power.contract', 'read', [request['contract']],
        ['state'])[0]
    assert contract['state'] == 'active', contract
    assert not errors, errors


def test_operator_replies_with_an_answer(demo_server, page):
    "The reply wizard's text is the template filled in, completed by the operator; that text is sent and stored"
    rpc = RPC(demo_server)
    inquiry = rpc.model('power.inquiry', 'search_read',
        [('state', '=', 'open'), ('customer', '!=', None)], 0, 1, None,
        ['number', 'response_count'])[0]
    answer = '検針日が変わったため、今月は32日分のご請求となりました。'
    login(page, demo_server, *OPERATOR)
    open_record(page, demo_server, 'power.inquiry', inquiry['id'])
    press(page, 'reply')
    dialog = page.locator('.modal-dialog:visible',
        has=page.locator('textarea[name="body"]'))
    template = dialog.locator('input[name="template"]')
    template.fill('ANSWER')
    template.press('Tab')
    # sao fills in the only match, or lists the matches to choose from
    search = page.locator('.modal-dialog:visible',
        has=page.locator('.modal-title', has_text=re.compile('Search|検索')))
    page.wait_for_function(FILLED_OR_SEARCH)
    if search.count():
        search.locator('.treeview tbody tr').first.click()
        search.locator('button:has-text("OK")').click()
        search.wait_for(state='hidden')
    body = dialog.locator('textarea[name="body"]')
    expect(body).to_have_value(re.compile('以下のとおりご回答いたします'))
    body.fill(body.input_value().replace(
            '以下のとおりご回答いたします。',
            f'以下のとおりご回答いたします。\n{answer}'))
    page.screenshot(path=str(ARTIFACTS / 'inquiry-reply.png'))
    dialog.locator('.modal-footer button.btn-primary').click()
    responses = wait_for(lambda: rpc.model('power.inquiry.response',
            'search_read', [('inquiry', '=', inquiry['id']),
                ('kind', '=', 'mail')], 0, None, [('id', 'DESC')],
            ['content']), "no reply was stored")
    assert answer in responses[0]['content'], responses[0]['content']


def test_customer_form_tabs_and_active_contract_found(demo_server, page):
    "The customer form has its Billing, Payment and Points tabs; a search of the contracts list finds an active contract by its number"
    rpc = RPC(demo_server)
    contract = rpc.model('power.contract', 'search_read',
        [('state', '=', 'active')], 0, 1, None, ['number', 'customer'])[0]
    login(page, demo_server)
    open_record(page, demo_server, 'party.party', contract['customer'])
    tabs = page.locator(f'{ACTIVE} .form .nav-tabs').first
    for title in ['Billing', 'Payment', 'Points', 'Contracts']:
        expect(tabs.locator(f'a:has-text("{title}")')).to_be_visible()
    tabs.locator('a:has-text("Billing")').click()
    page.screenshot(path=str(ARTIFACTS / 'customer-billing-tab.png'))
    open_menu(page, 'Power Retail', 'Contracts')
    search = page.locator(f'{ACTIVE} input[placeholder="Search"]').first
    search.fill(contract['number'])
    search.press('Enter')
    row = page.locator(f'{ACTIVE} .treeview tbody tr',
        has_text=contract['number'])
    row.first.wait_for()


def test_reissue_of_a_paid_bill_stays_paid(demo_server, page):
    "The billing clerk cancels and re-issues a paid bill: the revision bill is paid by what the customer paid"
    rpc = RPC(demo_server)
    candidates = rpc.model('power.billing.determinant', 'search_read',
        [('state', '=', 'billed'), ('invoice', '!=', None)], 0, 200,
        [('id', 'DESC')], ['payment_status', 'total', 'contract'])
    paid = [d for d in candidates if d['payment_status'] == 'paid']
    assert paid, "no paid bill in the demo"
    old = paid[0]
    login(page, demo_server, *BILLING)
    open_record(page, demo_server, 'power.billing.determinant', old['id'])
    press(page, 'reissue')
    # the button asks first (この請求書を取り消して期間を再請求しますか？)
    page.locator('.modal-dialog:visible button.btn-primary').click()
    new = wait_for(lambda: rpc.model('power.billing.determinant',
            'search_read', [('corrects', '=', old['id'])], 0, None, None,
            ['payment_status', 'total', 'invoice']),
        "no revision bill")[0]
    assert new['total'] == old['total'], (new, old)
    assert new['payment_status'] == 'paid', new
    invoice = rpc.model('account.invoice', 'read', [new['invoice']],
        ['state', 'amount_to_pay'])[0]
    assert invoice['state'] == 'paid', invoice
