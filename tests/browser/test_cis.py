"""Staff work in the web client: every CIS menu opens, a customer is found
by phone number and an inquiry is recorded for them."""
from conftest import ARTIFACTS, login, open_menu, select_many2one

CIS_MENUS = [
    'Customers', 'Supply Points', 'Contracts', 'Inquiries', 'Applications',
    'Switching Requests']
LOG_MENUS = ['Operator Log', 'Report Output History', 'Batch Job Results']


def test_every_cis_menu_opens(demo_server, page):
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    login(page, demo_server)
    for title in CIS_MENUS:
        open_menu(page, 'Power Retail', title)
        page.locator(
            '#tabcontent > .tab-pane.active .treeview tbody tr').first.wait_for()
        assert not errors, f"{title}: {errors}"
    for title in reversed(LOG_MENUS):
        open_menu(page, 'Power Retail', 'Logs', title)
        page.locator('#tabcontent > .tab-pane.active .treeview').first.wait_for()
        assert not errors, f"{title}: {errors}"
    # the operator log shows the login of this test
    page.locator('#tabcontent > .tab-pane.active .treeview tbody tr '
        'td:has-text("admin")').first.wait_for()


def _search(page, text):
    search = page.locator(
        '#tabcontent > .tab-pane.active input[placeholder="Search"]').first
    search.fill(text)
    search.press('Enter')


def test_find_customer_by_phone_and_record_inquiry(demo_server, page):
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    login(page, demo_server)
    open_menu(page, 'Power Retail', 'Customers')
    rows = page.locator('#tabcontent > .tab-pane.active .treeview tbody tr')
    rows.first.wait_for()
    # take a customer's phone from the list, then look it up typed
    # without hyphens, as a caller reads it out
    number = rows.first.locator('td:has-text("C0000")').first.inner_text()
    phone = rows.first.locator('td:has-text("03-")').first.inner_text()
    _search(page, phone.replace('-', ''))
    page.wait_for_function(
        "() => document.querySelectorAll("
        "'#tabcontent > .tab-pane.active .treeview tbody tr').length == 1")
    assert number in rows.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / 'customer-by-phone.png'))

    open_menu(page, 'Power Retail', 'Inquiries')
    page.locator(
        '#tabcontent > .tab-pane.active .treeview tbody tr').first.wait_for()
    page.locator('#tabcontent > .tab-pane.active button#new_').click()
    form = page.locator('#tabcontent > .tab-pane.active')
    page.wait_for_function(
        "() => document.querySelector("
        "'#tabcontent > .tab-pane.active select[name=\"state\"]')"
        "?.value?.includes('open')")
    assert form.locator('input[name="number"]').input_value() == ''
    assert 'BILL' in select_many2one(page, form, 'category', 'BILL')
    assert number in select_many2one(page, form, 'customer', phone)
    form.locator('input[name="subject"]').fill('請求額の確認')
    form.locator('textarea[name="contents"]').fill(
        '先月の請求額について確認したいとのお電話。')
    form.locator('button#save').click()
    page.wait_for_function(
        "() => (document.querySelector("
        "'#tabcontent > .tab-pane.active input[name=\"number\"]').value"
        " || '').startsWith('Q')")
    assert number in form.locator('input[name="customer"]').input_value()
    page.screenshot(path=str(ARTIFACTS / 'inquiry-created.png'))
    assert not errors, errors
