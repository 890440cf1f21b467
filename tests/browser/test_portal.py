"""The consumer portal in a browser: a simulation, a complete application
(card registered with the card agent simulator) that staff then find in the
web client, registration with the registration code and the e-mail check,
login, the usage charts, a bill's PDF and an ampere change. Screenshots go to tests/artifacts/."""
import email
import random
import re
import time
from email import policy

from conftest import (
    ARTIFACTS, DATABASE, ROOT, apply_on_portal, login, open_menu, portal)


def _demo_log(pattern):
    text = (ARTIFACTS / 'demo-server.log').read_text(encoding='utf-8')
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in the demo log"
    return match


def _verification_link(address, since, timeout=30):
    "The link of the newest verification mail to address in the mail sink."
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted((ROOT / 'var' / 'mail').glob('*.eml'),
                key=lambda p: p.stat().st_mtime, reverse=True):
            if path.stat().st_mtime < since:
                break
            message = email.message_from_bytes(
                path.read_bytes(), policy=policy.default)
            if address not in str(message['To']):
                continue
            body = message.get_body(('plain',)).get_content()
            match = re.search(r'(http://\S+/verify\?token=\w+)', body)
            if match:
                return match.group(1)
        time.sleep(0.5)
    raise AssertionError(f"no verification mail to {address}")


def _bars_drawn(page):
    "Wait until billboard.js has drawn at least one bar of some height."
    page.wait_for_function("""() => [...document.querySelectorAll(
        '#chart[data-drawn=true] .bb-chart-bar path')].some(
        p => p.getBBox().height > 0)""")


def test_simulation(demo_server, page):
    page.goto(portal(demo_server, '/simulate'))
    page.select_option('#f-capacity', '30A')
    page.check('input[name=mode][value=kwh]')
    page.fill('#f-kwh', '300')
    page.click('#simulation-form button[type=submit]')
    results = page.locator('#results')
    results.wait_for()
    rows = results.locator('table.results tbody tr')
    assert rows.count() >= 3
    assert '円' in rows.first.locator('td.total').inner_text()
    # the cheapest menu's lines, each explained
    assert page.locator('details.breakdown[open] .explain').count() >= 3
    page.screenshot(path=str(ARTIFACTS / 'portal-simulation.png'),
        full_page=True)


def test_application_reaches_the_cis(demo_server, page):
    _, point = apply_on_portal(page, demo_server, submit=False)
    assert 'シケン ハナコ' in page.inner_text('dl.confirm')
    assert '************4242' in page.inner_text('dl.confirm')
    # back a step and forward again: nothing lost
    page.click('button[value=back]')
    assert page.is_checked('input[name=consent]')
    page.click('button[value=next]')
    page.screenshot(path=str(ARTIFACTS / 'portal-application-confirm.png'),
        full_page=True)
    page.click('button[value=submit]')
    number = page.locator('#application-number').inner_text()
    page.screenshot(path=str(ARTIFACTS / 'portal-application-done.png'))

    # staff see it in the web client's Applications
    login(page, demo_server)
    open_menu(page, 'Power Retail', 'Applications')
    search = page.locator(
        '#tabcontent > .tab-pane.active input[placeholder="Search"]').first
    search.fill(number)
    search.press('Enter')
    # a portal application arrives received, waiting for a clerk
    page.locator('#tabcontent > .tab-pane.active .nav-tabs a',
        has_text='Received').first.click()
    row = page.locator('#tabcontent > .tab-pane.active .treeview tbody tr',
        has_text=number)
    row.first.wait_for()
    assert point in row.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / 'portal-application-in-cis.png'))


def test_member_registration_usage_bill_and_ampere_change(demo_server, page):
    match = _demo_log(r'portal registration to try: customer number (\S+), '
        r'supply point (\d{22}), registration code ([0-9A-Z-]{14})')
    customer, point, code = match.groups()
    address = f'member-{random.randrange(10**6)}@example.jp'
    started = time.time() - 1
    page.goto(portal(demo_server, '/register'))
    page.fill('#f-customer_number', customer)
    page.fill('#f-supply_point', point)
    page.fill('#f-registration_code', code)
    page.fill('#f-email', address)
    page.fill('#f-password', 'browser-test-2026')
    page.fill('#f-password2', 'browser-test-2026')
    page.click('button[type=submit]')
    page.locator('h1:has-text("確認メールを送信しました")').wait_for()
    page.goto(_verification_link(address, started))
    page.locator('h1:has-text("登録が完了しました")').wait_for()

    page.goto(portal(demo_server, '/login'))
    page.fill('#f-email', address)
    page.fill('#f-password', 'browser-test-2026')
    page.click('form button[type=submit]')
    page.locator('h1:has-text("マイページ")').wait_for()
    assert '前回のご請求' in page.inner_text('main')
    page.screenshot(path=str(ARTIFACTS / 'portal-dashboard.png'),
        full_page=True)

    # the 13 months with charges, drawn by billboard.js
    page.goto(portal(demo_server, '/usage'))
    _bars_drawn(page)
    page.screenshot(path=str(ARTIFACTS / 'portal-usage-monthly.png'),
        full_page=True)
    page.click('nav.tabs >> text=日ごと')
    page.locator('#chart[data-drawn=true]').wait_for()
    page.click('nav.tabs >> text=30分ごと')
    _bars_drawn(page)
    page.screenshot(path=str(ARTIFACTS / 'portal-usage-30min.png'),
        full_page=True)

    page.goto(portal(demo_server, '/bills'))
    with page.expect_download() as download:
        page.locator('#bills a.pdf').first.click()
    content = open(download.value.path(), 'rb').read()
    assert content.startswith(b'%PDF')
    page.screenshot(path=str(ARTIFACTS / 'portal-bills.png'), full_page=True)

    page.goto(portal(demo_server, '/changes'))
    options = page.locator('#f-capacity option').all_inner_texts()
    current = re.search(r'（(\d+)A）', page.inner_text('main')).group(1)
    choice = next(o for o in options[1:] if not o.startswith(current + 'A'))
    page.select_option('#f-capacity', label=choice)
    page.click('#ampere button[type=submit]')
    page.locator('#change-done').wait_for()
    assert 'アンペア変更' in page.inner_text('#applications')
    page.screenshot(path=str(ARTIFACTS / 'portal-ampere-change.png'),
        full_page=True)
