"""Japanese addresses and banks as people fill them in (issue 24): on the
portal's application a postal code fills the address with prefecture,
city and town, and the bank and branch are picked by their names in kana
instead of typed as codes; in the web client a postal code fills the
prefecture and city of a staff address form."""
from playwright.sync_api import expect

from conftest import ARTIFACTS, fill_application_until_payment, login, portal

ACTIVE = '#tabcontent > .tab-pane.active'


def test_portal_postal_code_and_bank_picker(demo_server, page):
    "The application's address from its postal code; bank and branch chosen by kana"
    page.goto(portal(demo_server, '/apply'))
    page.check('input[name=kind][value=switch_in]')
    page.fill('#f-postal_code', '１５００００１')
    # leaving the field looks the code up
    page.locator('#f-supply_point').focus()
    expect(page.locator('#f-address')).to_have_value('東京都渋谷区神宮前')
    expect(page.locator('#f-postal_code')).to_have_value('150-0001')
    # an address already typed is never replaced
    page.fill('#f-address', '東京都千代田区千代田1-1')
    page.fill('#f-postal_code', '5300001')
    page.locator('#f-supply_point').focus()
    page.wait_for_timeout(1000)
    expect(page.locator('#f-address')).to_have_value('東京都千代田区千代田1-1')

    # the payment step's bank picker, reached with the other steps filled
    fill_application_until_payment(page, demo_server)
    page.check('input[name=payment_kind][value=bank]')
    page.fill('#bank-search', 'みずほ')
    option = page.locator('#bank-suggestions button', has_text='0001')
    option.click()
    expect(page.locator('#f-bank_code')).to_have_value('0001')
    page.fill('#branch-search', 'とうきよう')
    page.locator('#branch-suggestions button', has_text='001 東京営業部').click()
    expect(page.locator('#f-branch_code')).to_have_value('001')
    page.screenshot(path=str(ARTIFACTS / 'portal-bank-picker.png'))
    page.select_option('#f-account_type', index=1)
    page.fill('#f-account_number', '1234567')
    page.fill('#f-account_holder', 'シケン ハナコ')
    page.click('button[value=next]')
    # the bank and branch are known: the next step is the explanation
    page.locator('.document').wait_for()


def test_staff_address_from_postal_code(demo_server, page):
    "A postal code typed on an address form fills its prefecture and city"
    login(page, demo_server)
    database = demo_server.split('#')[1]
    page.evaluate("hash => { window.location.hash = hash; }",
        f'#{database}/model/party.address')
    page.locator(f'{ACTIVE} .treeview').first.wait_for()
    page.locator(f'{ACTIVE} button[title^="New"]').first.click()
    form = page.locator(f'{ACTIVE} .form').first
    form.wait_for()
    form.locator('input[name="postal_code"]').fill('0600001')
    form.locator('input[name="postal_code"]').press('Tab')
    expect(form.locator('input[name="city"]')).to_have_value('札幌市中央区')
    expect(form.locator('input[name="subdivision"]')).to_have_value(
        '北海道')
    expect(form.locator('input[name="postal_code"]')).to_have_value(
        '060-0001')
    page.screenshot(path=str(ARTIFACTS / 'staff-address-postal-code.png'))
