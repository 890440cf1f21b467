"""Scripted setup of a Japanese electricity retailer company.

JPY (0 digits), Asia/Tokyo, Japanese language, the retailer chart of accounts
of power_billing with the 10% consumption tax, fiscal years with monthly
periods and invoice sequences, and the power configuration. Idempotent: each
step is skipped when its result is already there.
"""
import datetime as dt
from decimal import Decimal

from proteus import Model, Wizard
from proteus.config import get_config

CHART = 'power_billing.account_template_jp_root'


def get_or_create_jpy():
    Currency = Model.get('currency.currency')
    found = Currency.find([('code', '=', 'JPY')])
    if found:
        return found[0]
    jpy = Currency(name='Japanese Yen', code='JPY', numeric_code='392',
        symbol='¥', digits=0, rounding=Decimal(1))
    jpy.save()
    return jpy


def get_or_create_japan():
    Country = Model.get('country.country')
    found = Country.find([('code', '=', 'JP')])
    if found:
        return found[0]
    japan = Country(name='Japan', code='JP', code3='JPN', code_numeric='392')
    japan.save()
    return japan


def setup_company(name, name_kana, today=None):
    """Create (or return) the retailer company and make admin work in it."""
    Company = Model.get('company.company')
    Party = Model.get('party.party')
    User = Model.get('res.user')
    Lang = Model.get('ir.lang')

    companies = Company.find([('party.name', '=', name)])
    if companies:
        company = companies[0]
    else:
        japan = get_or_create_japan()
        ja, = Lang.find([('code', '=', 'ja')])
        party = Party(name=name, name_kana=name_kana, lang=ja)
        address = party.addresses[0]
        address.postal_code = '100-0011'
        address.city = '千代田区'
        address.street = '内幸町1-1-3'
        address.country = japan
        party.save()
        company = Company(party=party, currency=get_or_create_jpy(),
            timezone='Asia/Tokyo')
        company.save()

    admin = User(1)
    if company not in admin.companies:
        admin.companies.append(company)
    admin.company = company
    admin.save()
    config = get_config()
    config._context = User.get_preferences(True, {})
    _setup_accounting(company, today or dt.date.today())
    _disclose_power_mix(company, today or dt.date.today())
    return company


# The demo retailer's own disclosure (電源構成, docs/power_mix.md): a
# retailer computes its mix from what it bought; these shares are the
# fictitious demo company's, not any real retailer's nor a national figure
DEMO_MIX = [('lng', '38.0'), ('coal', '21.0'), ('oil', '1.0'),
    ('fit', '12.0'), ('solar', '3.0'), ('jepx', '22.0'), ('other', '3.0')]


def _disclose_power_mix(company, today):
    """The demo retailer's results for all its sales for the last two
    fiscal years (bills show the latest before their own fiscal year)."""
    from decimal import Decimal
    Mix = Model.get('power.power_mix')
    year = today.year if today.month >= 4 else today.year - 1
    for fiscal_year, factor in ((year - 2, '0.441'), (year - 1, '0.428')):
        if Mix.find([('company', '=', company.id), ('menu', '=', None),
                    ('fiscal_year', '=', fiscal_year),
                    ('kind', '=', 'result')]):
            continue
        mix = Mix(company=company, fiscal_year=fiscal_year, kind='result',
            adjusted_factor=Decimal(factor),
            source='デモ用の架空の小売電気事業者の開示値（実在の事業者・全国平均の値ではありません）')
        for source, share in DEMO_MIX:
            mix.lines.new(source=source, share=Decimal(share))
        mix.save()


def _accounts(company):
    Account = Model.get('account.account')
    return {a.code: a for a in Account.find([
                ('company', '=', company.id), ('code', '!=', None)])}


def _setup_accounting(company, today):
    AccountTemplate = Model.get('account.account.template')
    ModelData = Model.get('ir.model.data')
    Tax = Model.get('account.tax')
    Configuration = Model.get('power.configuration')

    if not _accounts(company):
        template = AccountTemplate(ModelData.get_id(
            *CHART.split('.'), get_config().context))
        create_chart = Wizard('account.create_chart')
        create_chart.execute('account')
        create_chart.form.account_template = template
        create_chart.form.company = company
        create_chart.execute('create_account')
        accounts = _accounts(company)
        create_chart.form.account_receivable = accounts['1310']
        create_chart.form.account_payable = accounts['2110']
        create_chart.form.category_account_revenue = accounts['4110']
        create_chart.form.category_account_expense = accounts['5110']
        create_chart.execute('create_properties')

    for year in range(today.year - 1, today.year + 2):
        create_fiscalyear(company, year)

    tax, = Tax.find([
            ('company', '=', company.id),
            ('name', '=', 'Consumption Tax 10%')])
    configuration = Configuration(1)
    configuration.consumption_tax = tax
    configuration.prices_tax_included = True
    # printed on the bill notices; a valid but fictitious corporate number
    configuration.invoice_registration = 'T5835678256246'
    configuration.retailer_registration = 'A0999'
    configuration.notice_contact = (
        'お客さまセンター 0120-000-000（9時〜18時・年末年始を除く）')
    configuration.save()


def create_fiscalyear(company, year):
    "Create fiscal year `year` (April to March, 年度) with monthly periods."
    FiscalYear = Model.get('account.fiscalyear')
    Sequence = Model.get('ir.sequence.strict')
    SequenceType = Model.get('ir.sequence.type')
    start = dt.date(year, 4, 1)
    end = dt.date(year + 1, 3, 31)
    if FiscalYear.find([('company', '=', company.id),
                ('start_date', '=', start)]):
        return
    move_type, = SequenceType.find([('name', '=', "Account Move")], limit=1)
    invoice_type, = SequenceType.find([('name', '=', "Invoice")], limit=1)
    fiscalyear = FiscalYear(name=f'FY{year}', start_date=start,
        end_date=end, company=company)
    fiscalyear.move_sequence = Sequence(name=f'Moves FY{year}',
        sequence_type=move_type, company=company)
    fiscalyear.move_sequence.save()
    invoice_sequence, = fiscalyear.invoice_sequences
    for field, prefix in [
            ('out_invoice_sequence', 'INV'),
            ('out_credit_note_sequence', 'CRN'),
            ('in_invoice_sequence', 'SUP'),
            ('in_credit_note_sequence', 'SCN')]:
        sequence = Sequence(name=f'{prefix} FY{year}',
            sequence_type=invoice_type, company=company,
            prefix=f'{prefix}{year}-', padding=8)
        sequence.save()
        setattr(invoice_sequence, field, sequence)
    fiscalyear.save()
    fiscalyear.click('create_period')
