"""The bill notice (電気ご使用量・ご請求額のお知らせ) as HTML and PDF.

A Notice holds what the customer reads on one bill: the period and the
usage, every charge line, adjustments carried from earlier bills, the total
with the consumption tax of the qualified invoice (適格請求書: the issuer's
registration number, the tax rate and the tax per rate), the due date, and
the usage of the last 13 months. `render_html` fills the Jinja2 template
`templates/notice.html`; `render_pdf` lays it out with WeasyPrint. Both the
staff report and the consumer portal print through here."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import jinja2

from .calendar.reading import charge_month
from .errors import ValidationError

TAX_RATE = 10  # 消費税率 (%), standard rate for electricity

# units printed after a line's quantity, by component kind
UNIT_BY_KIND = {
    'energy_tiers': 'kWh', 'tou_energy': 'kWh', 'fuel_adjustment': 'kWh',
    'renewable_surcharge': 'kWh', 'subsidy': 'kWh',
    }


@dataclass(frozen=True)
class Retailer:
    name: str
    address: str = ''
    contact: str = ''
    # 適格請求書発行事業者登録番号: T and 13 digits
    invoice_registration: str = ''
    # 小売電気事業者登録番号, e.g. A0123
    retailer_registration: str = ''


@dataclass(frozen=True)
class NoticeLine:
    label: str
    amount: Decimal
    quantity: Decimal | None = None
    unit: str = ''
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class Month:
    "One month of the usage history (month of the charges, kWh, yen)."
    month: dt.date
    kwh: Decimal
    amount: int | None = None


@dataclass(frozen=True)
class Notice:
    retailer: Retailer
    customer_name: str
    customer_number: str
    contract_number: str
    supply_point_number: str
    menu: str
    period_start: dt.date
    period_end: dt.date        # the next reading day (exclusive)
    kwh: Decimal
    lines: tuple
    total: int                 # tax included, adjustments included
    tax: int
    due_date: dt.date
    issue_date: dt.date
    billing_address: str = ''
    postal_code: str = ''
    supply_address: str = ''
    capacity: str = ''
    meter_number: str = ''
    max_demand: Decimal | None = None
    next_reading_date: dt.date | None = None
    adjustments: tuple = ()
    invoice_number: str = ''
    payment_method: str = ''
    estimated: bool = False
    cancelled: bool = False
    history: tuple = field(default=())
    message: str = ''
    # the portal's one-time registration code, for a customer without an
    # account yet (printed in groups: XXXX-XXXX-XXXX)
    registration_code: str = ''
    # a point metered on the 1st (計量日): the bill is the month used
    metered_on_first: bool = False
    # the menu's power source mix and CO₂ factor (power_core.power_mix)
    power_mix: object = None

    def __post_init__(self):
        if self.period_end <= self.period_start:
            raise ValidationError(
                f"The notice period ends ({self.period_end}) before it "
                f"starts ({self.period_start}).", self.period_end)
        charges = sum((Decimal(l.amount) for l in self.lines), Decimal(0))
        extra = sum((Decimal(l.amount) for l in self.adjustments), Decimal(0))
        if abs(charges + extra - self.total) >= 1:
            raise ValidationError(
                f"The notice lines add up to {charges + extra}, not to its "
                f"total {self.total}.", self.total)

    @property
    def days(self):
        return (self.period_end - self.period_start).days

    @property
    def reading_date(self):
        "The meter reading day that closed the period (検針日)."
        return self.period_end

    @property
    def last_day(self):
        return last_day(self.period_end)

    @property
    def untaxed(self):
        return self.total - self.tax

    @property
    def charge_month(self):
        """The month the bill belongs to (○月分): that of the reading day,
        or the month used for a point metered on the 1st."""
        return charge_month(self.period_end, self.metered_on_first)

    @property
    def same_month_last_year(self):
        target = self.charge_month.replace(year=self.charge_month.year - 1)
        for month in self.history:
            if month.month.replace(day=1) == target:
                return month
        return None

    @property
    def history_rows(self):
        "(month, bar width in % of the highest month, is this bill's)."
        peak = max([m.kwh for m in self.history] + [Decimal(1)])
        return [(m, int(Decimal(m.kwh) * 100 / peak),
                m.month.replace(day=1) == self.charge_month)
            for m in self.history]

    @property
    def daily_average(self):
        return (Decimal(self.kwh) / self.days).quantize(Decimal('0.1'))


def yen(value):
    "12345 → '12,345'; negative with a minus sign; sen kept when present."
    value = Decimal(value)
    if value == value.to_integral_value():
        return f'{int(value):,}'
    return f'{value:,.2f}'


def number(value, places=None):
    if value is None:
        return ''
    value = Decimal(value)
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    else:
        value = value.normalize()
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))
    return f'{value:,}'


def price(value):
    "A unit price with at least two decimals: 29.8 → '29.80', 31.175 kept."
    value = Decimal(value).normalize()
    if value.as_tuple().exponent > -2:
        value = value.quantize(Decimal('0.01'))
    return f'{value:,}'


def jdate(value, style='long'):
    "2026-05-10 → 2026年5月10日 (long) or 5月10日 (short)."
    if value is None:
        return ''
    if style == 'short':
        return f'{value.month}月{value.day}日'
    if style == 'month':
        return f'{value.year}年{value.month}月'
    return f'{value.year}年{value.month}月{value.day}日'


def last_day(end):
    """The last day of a period [start, end): the day before the reading
    day that closed it (docs/rating.md)."""
    return end - dt.timedelta(days=1)


def period(start, end, style='long'):
    """The period [start, end) as the customer reads it, from the previous
    reading day to the day before the current one; the notice and the
    portal print it with this.

    >>> period(dt.date(2025, 10, 10), dt.date(2025, 11, 10))
    '2025年10月10日〜2025年11月9日'
    """
    return f'{jdate(start, style)}〜{jdate(last_day(end), style)}'


@lru_cache(maxsize=1)
def _environment():
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader('power_core', 'templates'),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(yen=yen, number=number, price=price, jdate=jdate,
        period=period)
    return environment


def render_html(notices):
    "One HTML document with a page per notice (a Notice or a sequence)."
    if isinstance(notices, Notice):
        notices = [notices]
    notices = list(notices)
    if not notices:
        raise ValidationError("There is no bill notice to print.", None)
    from .power_mix import CLAIMS
    return _environment().get_template('notice.html').render(
        notices=notices, tax_rate=TAX_RATE, claims=CLAIMS)


def render_pdf(notices):
    "The notices as PDF bytes (WeasyPrint; fonts from the system)."
    try:
        import weasyprint
    except ImportError as exception:  # pragma: no cover - setup guards it
        raise ValidationError(
            "WeasyPrint is not installed: run scripts/setup.sh.",
            None) from exception
    html = render_html(notices)
    # no fetching: the template is self-contained
    return weasyprint.HTML(string=html, url_fetcher=_refuse).write_pdf()


def render_batch(notices):
    """(PDF bytes, [pages of each notice]) of notices laid out one by one
    and bound into one document, for the print shop's index."""
    return bind((render_html(n) for n in notices),
        "There is no bill notice to print.")


def bind(documents, nothing):
    """(PDF bytes, [pages of each]) of HTML documents laid out one by one
    (WeasyPrint) and bound into one PDF; nothing: the error when there is
    no document."""
    import weasyprint
    rendered = [weasyprint.HTML(string=html, url_fetcher=_refuse).render()
        for html in documents]
    if not rendered:
        raise ValidationError(nothing, None)
    pages = [page for document in rendered for page in document.pages]
    return (rendered[0].copy(pages).write_pdf(),
        [len(document.pages) for document in rendered])


def _refuse(url, *args, **kwargs):
    raise ValueError(f"The bill notice may not load {url}.")
