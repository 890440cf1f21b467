"""A business user defines a rate menu version with a formula component
and a test case in the web client, verifies it, and sees the case fail
after changing a unit price."""
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from conftest import ARTIFACTS, login, open_menu, select_many2one

ACTIVE = '#tabcontent > .tab-pane.active'


def type_into(page, field, name, value):
    """Type value into an entry as a person does: numeric entries swap to
    another input on focus, so wait for the focused input of that name and
    check it holds the value before leaving it (retried if keys were lost
    while sao swapped the inputs)."""
    for _ in range(5):
        # a click while the dialog still fades in may land on nothing:
        # then the entry is clicked again
        field.click()
        try:
            page.wait_for_function(
                "name => document.activeElement"
                " && document.activeElement.name === name", arg=name,
                timeout=5000)
        except PlaywrightTimeoutError:
            continue
        page.keyboard.press('Control+A')
        page.keyboard.type(value)
        if page.evaluate("() => document.activeElement.value") == value:
            page.keyboard.press('Tab')
            return
    raise AssertionError(f"could not type {value!r} into {name}")


def add_line(page, form, label, values, selects=None, page_tab=None):
    "Add a line to the one-to-many field titled label through its dialog."
    if page_tab:
        form.locator(f'.nav-tabs a:has-text("{page_tab}")').click()
    widget = form.locator(f'.form-one2many:has(.form-one2many-string'
        f':text-is("{label}"))')
    widget.locator('button[title="New"]').first.click()
    dialog = page.locator('.modal-dialog').last
    # the dialog may show the previous line until the new record is loaded:
    # wait for the new, empty one before changing anything
    expect(dialog.locator('input[name]').first).to_have_value('')
    for name, value in (selects or {}).items():
        dialog.locator(f'select[name="{name}"]').select_option(f'"{value}"')
    # a value typed while sao redrew the dialog may come out incomplete and
    # the dialog then refuses to close: the values are entered again
    for attempt in range(3):
        for name, value in values.items():
            field = dialog.locator(f'[name="{name}"]:visible').first
            if field.evaluate('e => e.tagName') == 'TEXTAREA':
                field.fill(str(value))
            else:
                type_into(page, field, name, str(value))
        dialog.locator('button#save').click()
        try:
            dialog.wait_for(state='detached', timeout=10000)
            return
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise


def save(page):
    page.locator(f'{ACTIVE} button#save').first.click()
    page.wait_for_function(
        "() => !document.querySelector('#tabcontent > .tab-pane.active "
        "button#save')?.classList.contains('btn-primary')")


def case_row(page, form, *texts):
    """The test case row once it shows all texts (sao redraws the list after
    Verify, so the row is waited for with its content, then read once)."""
    form.locator('.nav-tabs a:has-text("Test Cases")').click()
    selector = ('.form-one2many:has(.form-one2many-string:text-is("Test '
        'Cases")) .treeview tbody tr' + ''.join(
            f':has-text("{t}")' for t in texts))
    row = form.locator(selector).first
    row.wait_for()
    return row.inner_text()


def test_menu_version_with_formula_verified(demo_server, page):
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    login(page, demo_server)
    open_menu(page, 'Power Retail', 'Billing', 'Rate Menu Versions')
    page.locator(f'{ACTIVE} .treeview tbody tr').first.wait_for()
    page.locator(f'{ACTIVE} button#new_').click()
    form = page.locator(ACTIVE)
    form.locator('input[name="valid_from"]').wait_for()
    select_many2one(page, form, 'menu', 'new-retailer-b')
    type_into(page, form.locator('input[name="valid_from"]'), 'valid_from',
        '04/01/2026')
    add_line(page, form, 'Components', {
            'code': 'basic', 'label': '基本料金', 'sequence': 1,
            'pairs': '30=935.25\n40=1247.00'}, {'kind': 'basic_table'})
    add_line(page, form, 'Components', {
            'code': 'energy', 'label': '電力量料金', 'sequence': 2,
            'pairs': '120=29.80\n300=36.40\n=40.49'}, {'kind': 'energy_tiers'})
    add_line(page, form, 'Components', {
            'code': 'campaign', 'label': '基本料金10%引き', 'sequence': 3,
            'expression': '-round_down(basic * 0.1)'}, {'kind': 'formula'})
    # 935.25 + 120 × 29.80 + 140 × 36.40 − floor(93.525) = 9514.25 → 9514
    add_line(page, form, 'Test Cases', {
            'name': '30A 260kWh', 'capacity': 30, 'kwh': 260,
            'period_start': '05/10/2026', 'period_end': '06/10/2026',
            'expected_total': 9514}, page_tab='Test Cases')
    save(page)
    form.locator('button[name="verify"]').click()
    text = case_row(page, form, 'Pass', '9,514')
    assert 'Pass' in text and '9,514' in text
    page.screenshot(path=str(ARTIFACTS / 'menu-version-verified.png'))

    # a unit price changes: 120 kWh × 0.10 more, the case now fails by 12
    form.locator('.nav-tabs a:has-text("Components")').click()
    energy = form.locator('.form-one2many:has(.form-one2many-string'
        ':text-is("Components")) .treeview tbody tr:has-text("energy")')
    energy.dblclick()
    dialog = page.locator('.modal-dialog').last
    dialog.locator('textarea[name="pairs"]').fill(
        '120=29.90\n300=36.40\n=40.49')
    dialog.locator('button#save').click()
    dialog.wait_for(state='detached')
    save(page)
    form.locator('button[name="verify"]').click()
    text = case_row(page, form, 'Fail', '9,526')
    assert '9,526' in text and '12' in text
    page.screenshot(path=str(ARTIFACTS / 'menu-version-failing.png'))
    assert not errors, errors
