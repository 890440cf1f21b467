"""The staff web client (sao) served by trytond shows the demo data."""
from conftest import ARTIFACTS, login, open_menu


def test_contracts_list(demo_server, page):
    login(page, demo_server)
    open_menu(page, 'Power Retail', 'Contracts')
    # The "All" filter tab lists every demo contract, whatever its state.
    page.click('#tabcontent .nav-tabs a:has-text("All")')
    rows = page.locator('#tabcontent .treeview tbody tr')
    rows.first.locator('td:has-text("K0000")').wait_for()
    assert rows.count() >= 20
    first = rows.first.inner_text()
    assert '[C0000' in first  # customer with its number
    assert '03-0001-' in first  # Tokyo-area supply point, formatted
    page.screenshot(path=str(ARTIFACTS / 'contracts-list.png'))
