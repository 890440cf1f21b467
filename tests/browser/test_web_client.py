"""The staff web client (sao) served by trytond shows the demo data."""
from playwright.sync_api import expect

from conftest import ARTIFACTS, login, open_menu


def test_contracts_list(demo_server, page):
    login(page, demo_server)
    open_menu(page, 'Power Retail', 'Contracts')
    # The "All" filter tab lists every demo contract, whatever its state.
    page.click('#tabcontent .nav-tabs a:has-text("All")')
    rows = page.locator('#tabcontent .treeview tbody tr')
    # sao may redraw the list once more after the first rows appear: the
    # checks wait for the content rather than read a row being redrawn
    expect(rows.first).to_contain_text('K0000')
    expect(rows.first).to_contain_text('[C0000')  # customer with its number
    expect(rows.first).to_contain_text('03-0001-')  # supply point, formatted
    # the first rows may still be the previous tab's: wait for the "All"
    # tab's twentieth row rather than count what is drawn at this moment
    expect(rows.nth(19)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / 'contracts-list.png'))
