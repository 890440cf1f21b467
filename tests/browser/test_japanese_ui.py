"""The staff work in Japanese (issue 24): the operator's customer and
contract screens and the billing clerk's invoice and payment screens show
no English label: the field labels, column headers, tabs, buttons, the
search box and the tab title, whether they come from our add-ons
(locale/ja.po), from the stock Tryton modules (party, account_invoice,
... through the Japanese we ship in locale/stock/) or from sao itself
(locale/sao/ja.po)."""
import re

import pytest

from conftest import ARTIFACTS, RPC, login

ACTIVE = '#tabcontent > .tab-pane.active'
OPERATOR = ('operator', 'demo-operator')
BILLING = ('billing', 'demo-billing')

# what a Japanese screen may show in Latin letters: units, file formats,
# the names of partners and codes as they are written in Japan
ALLOWED = {
    'kWh', 'kVA', 'kW', 'PDF', 'CSV', 'XLSX', 'URL', 'OCCTO', 'JEPX', 'SMS',
    'EDI', 'SOAP', 'Web', 'ID', 'OK', 'FAX', 'BIC', 'IBAN', 'JPY', 'API',
    'FIT', 'Zengin', 'CC', 'BCC',
    # a date format as Japanese forms write it
    'YYYYMM',
}
LATIN = re.compile(r'[A-Za-z]{2,}')

LABELS = """() => {
    const pane = document.querySelector('#tabcontent > .tab-pane.active');
    const texts = [];
    const add = (where, text) => {
        text = (text || '').trim();
        if (text) texts.push([where, text]);
    };
    for (const el of pane.querySelectorAll(
            'label, th, .nav-tabs > li > a, legend, .form-separator label, '
            + 'button')) {
        add(el.tagName.toLowerCase(), el.textContent);
        add(el.tagName.toLowerCase() + '[title]', el.getAttribute('title'));
    }
    for (const el of pane.querySelectorAll('input[placeholder]')) {
        add('placeholder', el.getAttribute('placeholder'));
    }
    for (const el of document.querySelectorAll('#tablist li.active a')) {
        add('tab', el.textContent);
    }
    return texts;
}"""


def english(texts):
    "The (where, text) whose Latin words are not allowed."
    found = []
    for where, text in texts:
        words = [w for w in LATIN.findall(text) if w not in ALLOWED]
        if words:
            found.append(f'{where}: {text!r}')
    return sorted(set(found))


def open_url(page, demo_server, path):
    database = demo_server.split('#')[1]
    page.evaluate("hash => { window.location.hash = hash; }",
        f'#{database}/{path}')


def screen_texts(page, demo_server, model, record_id=None):
    "The labels of the list of model, then of the form of record_id."
    texts = []
    open_url(page, demo_server, f'model/{model}')
    page.locator(f'{ACTIVE} .treeview').first.wait_for()
    page.wait_for_timeout(500)
    texts += page.evaluate(LABELS)
    if record_id:
        open_url(page, demo_server, f'model/{model}/{record_id}')
        page.locator(f'{ACTIVE} .form').first.wait_for()
        page.wait_for_timeout(500)
        dialogs = page.locator('.modal-dialog:visible')
        assert not dialogs.count(), (model, [dialogs.nth(i).inner_text()
                for i in range(dialogs.count())])
        # every notebook page of the form, as the operator clicks them
        tabs = page.locator(f'{ACTIVE} .form .nav-tabs > li > a')
        for i in range(tabs.count()):
            if tabs.nth(i).is_visible():
                tabs.nth(i).click()
                page.wait_for_timeout(200)
                texts += page.evaluate(LABELS)
        texts += page.evaluate(LABELS)
    return texts


@pytest.fixture(scope='module')
def records(demo_server):
    rpc = RPC(demo_server)
    contract = rpc.model('power.contract', 'search_read',
        [('state', '=', 'active')], 0, 1, None, ['customer'])[0]
    invoice = rpc.model('account.invoice', 'search', [
            ('state', '=', 'paid'), ('type', '=', 'out')], 0, 1, None)[0]
    method = rpc.model('power.payment.method', 'search', [], 0, 1, None)[0]
    return {'party.party': contract['customer'],
        'power.contract': contract['id'],
        'account.invoice': invoice,
        'power.payment.method': method}


SCREENS = {
    # the operator's customer and contract screens, the menu they see
    'operator': (OPERATOR, ['party.party', 'power.contract']),
    # the billing clerk's invoice and payment screens
    'billing': (BILLING, ['account.invoice', 'power.payment.method']),
    }


@pytest.mark.parametrize('role', list(SCREENS))
def test_staff_screens_in_japanese(demo_server, page, records, role):
    "The staff's screens (lists, forms, every tab, the menu) have no English label"
    user, models = SCREENS[role]
    login(page, demo_server, *user)
    found = []
    for model in models:
        found += [f'{model} {t}' for t in english(
                screen_texts(page, demo_server, model, records[model]))]
    page.screenshot(path=str(ARTIFACTS / f'{role}-japanese.png'))
    menu = page.evaluate("""() => [...document.querySelectorAll(
        '#menu div.column-char')].map(e => ['menu', e.textContent])""")
    found += english(menu)
    assert not found, '\n'.join(found)
