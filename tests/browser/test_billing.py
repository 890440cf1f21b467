"""A billing clerk sees the demo's billed months in the web client: the
billing menus open, a determinant shows its lines and its posted invoice."""
import re

from playwright.sync_api import expect

from conftest import ARTIFACTS, login, open_menu

ACTIVE = '#tabcontent > .tab-pane.active'
BILLING_MENUS = ['Confirmed Usage', '30-Minute Usage', 'Billing Adjustments',
    'Tariff Change Impact', 'Billing Determinants']


def test_billing_menus_and_a_determinant(demo_server, page):
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    login(page, demo_server)
    for title in BILLING_MENUS:
        open_menu(page, 'Power Retail', 'Billing', title)
        page.locator(f'{ACTIVE} .treeview').first.wait_for()
        assert not errors, f"{title}: {errors}"
    rows = page.locator(f'{ACTIVE} .treeview tbody tr')
    expect(rows.first).to_contain_text('INV')
    rows.first.dblclick()
    lines = page.locator(f'{ACTIVE} .form-one2many:has('
        '.form-one2many-string:text-is("Lines")) .treeview tbody tr')
    expect(lines.first).to_contain_text('基本料金')
    invoice = page.locator(f'{ACTIVE} input[name="invoice"]').first
    expect(invoice).to_have_value(re.compile('^INV'))
    page.screenshot(path=str(ARTIFACTS / 'billing-determinant.png'))
    assert not errors, errors
