"""Browser tests: Playwright for Python driving Debian's chromium, headless,
against a demo server started by the test session on its own port and
database."""
import base64
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / 'tests' / 'artifacts'
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_FLAGS = [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic']
DATABASE = os.environ.get('POWER_BROWSER_DATABASE', 'power_browser')
CUSTOMERS = 50
# set by scripts/run_tests.py when it prepared the demo database already
PREPARED = os.environ.get('POWER_BROWSER_PREPARED') == '1'


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='session')
def demo_server():
    """Prepare the demo database and serve it; yield the web client URL.
    POWER_BROWSER_SERVER=http://host:port (with POWER_BROWSER_DATABASE and
    the server's log in tests/artifacts/demo-server.log) reuses a running
    demo server instead, to rerun the tests while developing."""
    running = os.environ.get('POWER_BROWSER_SERVER')
    if running:
        yield f"{running.rstrip('/')}/#{DATABASE}"
        return
    power_cis = str(Path(sys.executable).parent / 'power-cis')
    # the simulators' ports: those the database was prepared with when
    # scripts/run_tests.py prepared it beside the module tests
    env = {**os.environ, 'POWER_CIS_ROOT': str(ROOT)}
    for name in ('POWER_MAIL_PORT', 'POWER_HUB_PORT', 'POWER_CARD_PORT'):
        env.setdefault(name, str(_free_port()))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = open(ARTIFACTS / 'demo-server.log', 'a' if PREPARED else 'w')
    if PREPARED:
        # prepared already (`power-cis demo --no-server`): serve it
        command = [power_cis, 'serve', '--database', DATABASE]
    else:
        # the README's demo command: prepare the database, then serve it;
        # fewer customers than the README's 200: the same data, the
        # preparation (13 months billed and collected) in a quarter of
        # the time
        command = [power_cis, 'demo', '--database', DATABASE,
            '--customers', str(CUSTOMERS)]
    server = subprocess.Popen(command + ['--listen', f'127.0.0.1:{port}'],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}/#{DATABASE}'
    try:
        deadline = time.monotonic() + 1200
        while True:
            try:
                urllib.request.urlopen(url.split('#')[0], timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"demo server did not start; see {log.name}")
                time.sleep(0.3)
        _first_login_step(url, deadline)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _first_login_step(url, deadline):
    """Ask the database what the web client's login asks first (the user
    name alone: the server answers that it wants the password) and wait
    for the answer. Serving files does not touch the database; on a demo
    database just built its first answer can wait behind the disk
    (PostgreSQL flushing what the preparation wrote), which once made the
    first test's login time out."""
    import json
    base, database = url.split('/#')
    request = urllib.request.Request(f'{base}/{database}/rpc/',
        data=json.dumps({'id': 0, 'method': 'common.db.login',
                'params': ['admin', {}, 'en']}).encode(),
        headers={'Content-Type': 'application/json'})
    while True:
        try:
            answer = json.loads(urllib.request.urlopen(
                    request, timeout=120).read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
            continue
        if 'LoginException' not in json.dumps(answer.get('error')):
            raise RuntimeError(f"the login's first step answered {answer}")
        return


@pytest.fixture(scope='session')
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh --browser")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def pytest_configure(config):
    config.addinivalue_line('markers',
        "last: run after every other browser test (a check of what the "
        "whole session left behind)")


    config.addinivalue_line('markers',
        "load: run after the other browser tests, before the last ones (it "
        "adds portal members to the demo database)")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: 2 if item.get_closest_marker('last')
        else 1 if item.get_closest_marker('load') else 0)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f'report_{report.when}', report)
    return report


@pytest.fixture
def page(browser, request):
    "A fresh page; on failure its screenshot goes to tests/artifacts/."
    context = browser.new_context(
        viewport={'width': 1400, 'height': 900}, locale='ja-JP',
        timezone_id='Asia/Tokyo')
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    report = getattr(request.node, 'report_call', None)
    if report is not None and report.failed:
        page.screenshot(
            path=str(ARTIFACTS / f'{request.node.name}-failure.png'))
    context.close()


def login(page, url, user='admin', password='admin'):
    "Log in to the sao web client at url (its #fragment names the database)."
    page.goto(url)
    page.fill('#login', user)
    page.click('.login-dialog button[type=submit]')
    page.fill('#ask-dialog-entry', password)
    page.click('.ask-dialog button.btn-primary')
    page.wait_for_selector('#menu div.column-char')


def open_menu(page, *path):
    "Open a menu entry by its path of titles, expanding the parents."
    menu = page.locator('#menu')
    for parent, title in zip(path, path[1:]):
        if not menu.locator(f'div.column-char[title="{title}"]').is_visible():
            row = menu.locator('tr', has=page.locator(
                    f'div.column-char[title="{parent}"]'))
            row.locator('.expander').click()
    menu.locator(f'div.column-char[title="{path[-1]}"]').click()
    page.wait_for_selector(f'#tablist li.active >> text={path[-1]}')


def select_many2one(page, form, name, text):
    """Type text in a many-to-one field and pick the record it finds: sao
    either fills it in at once or shows its search dialog with the matches,
    where the single match is chosen."""
    entry = form.locator(f'input[name="{name}"]')
    dialog = page.locator('.modal-dialog:has(.modal-title:has-text("Search"))')
    # sao may redraw the form while the text is typed (a new record getting
    # its defaults): the text is then lost, so it is typed again
    for attempt in range(3):
        entry.fill(text)
        entry.press('Tab')
        try:
            page.wait_for_function(
                """([name]) => {
                    const dialog = [...document.querySelectorAll(
                        '.modal-dialog')].some(d => d.offsetParent !== null);
                    const input = document.querySelector(
                        `#tabcontent > .tab-pane.active input[name="${name}"]`);
                    return dialog || (input && input.value);
                }""", arg=[name], timeout=10000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    if dialog.count() and dialog.first.is_visible():
        rows = dialog.locator('.treeview tbody tr')
        search = dialog.locator('input[placeholder="Search"]')
        if search.input_value() != text:
            search.fill(text)
            search.press('Enter')
        # the dialog lists first, then filters with the text typed
        page.wait_for_function(
            """() => [...document.querySelectorAll('.modal-dialog')]
                .filter(d => d.offsetParent !== null)
                .some(d => d.querySelectorAll('.treeview tbody tr')
                    .length == 1)""")
        rows.first.click()
        dialog.locator('button:has-text("OK")').click()
        dialog.first.wait_for(state='hidden')
    return entry.input_value()


def portal(demo_server, path=''):
    "The consumer portal's URL of path on the demo server."
    return demo_server.split('#')[0].rstrip('/') + f'/{DATABASE}/portal{path}'


def fill_application_until_payment(page, demo_server, kind='switch_in',
        requested=None):
    """Fill the portal's application for a new supply point (a random
    number) up to its payment step; return the supply point number."""
    rng = random.Random()
    point = '03' + ''.join(rng.choice('0123456789') for _ in range(20))
    page.goto(portal(demo_server, '/apply'))
    page.check(f'input[name=kind][value={kind}]')
    page.fill('#f-supply_point', point)
    page.fill('#f-postal_code', '1000001')
    page.fill('#f-address', '東京都千代田区千代田1-1 ブラウザ試験')
    if kind == 'switch_in':
        page.fill('#f-current_retailer', '東京電力エナジーパートナー')
        page.fill('#f-current_customer_number', '1234567890')
    if requested:
        page.fill('#f-requested_date', requested.isoformat())
    page.click('button[value=next]')
    page.fill('#f-holder_name', '試験 花子')
    page.fill('#f-holder_kana', 'しけん はなこ')
    page.fill('#f-phone', '090-1111-2222')
    page.fill('#f-email', 'hanako@example.jp')
    page.click('button[value=next]')
    page.locator('input[name=menu]').first.check()
    page.select_option('#f-capacity', '30A')
    page.click('button[value=next]')
    return point


def apply_on_portal(page, demo_server, kind='switch_in', payment='card',
        requested=None, submit=True):
    """Fill the portal's application for a new supply point (a random
    number), as far as its confirmation page, and submit it unless told
    not to: (the application's number or None, the supply point)."""
    point = fill_application_until_payment(page, demo_server, kind,
        requested)
    page.check(f'input[name=payment_kind][value={payment}]')
    if payment == 'card':
        page.fill('#card-number', '4242 4242 4242 4242')
        page.fill('#card-expiry', '12/30')
        page.click('#card-register')
        page.locator('#card-status:has-text("登録しました")').wait_for()
        assert page.input_value('#card-token').startswith('tok_')
    page.click('button[value=next]')
    page.locator('.document').wait_for()
    page.check('input[name=consent]')
    page.click('button[value=next]')
    page.locator('dl.confirm').wait_for()
    if not submit:
        return None, point
    page.click('button[value=submit]')
    return page.locator('#application-number').inner_text(), point


class RPC:
    """The administrator's JSON-RPC session: what a test looks up or
    checks beside the pages it clicks through."""

    def __init__(self, url):
        self.base, self.database = url.split('/#')
        self.session = None
        result = self.call('common.db.login',
            ['admin', {'password': 'admin'}, 'en'])
        self.session = f"admin:{result[0]}:{result[1]}"

    def call(self, method, params):
        headers = {'Content-Type': 'application/json'}
        if self.session:
            headers['Authorization'] = 'Session ' + base64.b64encode(
                self.session.encode()).decode()
        request = urllib.request.Request(
            f'{self.base}/{self.database}/rpc/',
            data=json.dumps({'id': 1, 'method': method,
                    'params': params}, cls=JSONEncoder).encode(),
            headers=headers)
        answer = json.loads(urllib.request.urlopen(request, timeout=120)
            .read(), object_hook=JSONDecoder())
        if answer.get('error'):
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer['result']

    def model(self, model, method, *args):
        return self.call(f'model.{model}.{method}', [*args, {}])
