"""One bill for many sites (一括請求): the monthly statement of a payer.

A corporate customer with many supply points gets one statement a month
(一括請求書) instead of a bill per site to pay: every site keeps its own
bill (the qualified invoice of that site, with its consumption tax rounded
once, as each site's charges are determined on its own reading day), and
the statement lists the site bills of the month with their amounts and
taxes and adds them up, with one due date and one amount to pay. A
qualified invoice may be made of several documents, the tax rounded once
per document and per rate and the summary adding those taxes up
(国税庁「適格請求書等保存方式に関するQ&A」, the rounding of the tax on a
qualified invoice: 消費税法施行令第70条の10, インボイス通達3-12;
docs/billing.md §One payer, many sites).

Pure: `due_date` (the payer's agreed day), `Statement` and its `Site`
lines with their checks, and `render_pdf` / `render_batch` of the
statement document (WeasyPrint, `templates/statement.html`)."""
import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import ValidationError
from .notice import TAX_RATE, Retailer, _environment, _refuse, bind

__all__ = ['Retailer', 'Site', 'Statement', 'month_of', 'due_date',
    'render_html', 'render_pdf', 'render_batch']


def month_of(date):
    """The first day of date's month: the statement month of a bill dated
    date.

    >>> month_of(dt.date(2026, 5, 17))
    datetime.date(2026, 5, 1)
    """
    return date.replace(day=1)


def month_end(month):
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def due_date(month, months_after=1, day=0):
    """The due date of the statement of month (its first day): day (1 to
    28) of the month months_after (1 to 3) later, or that month's last day
    when day is 0 (翌月末 by default).

    >>> due_date(dt.date(2026, 1, 1))
    datetime.date(2026, 2, 28)
    >>> due_date(dt.date(2026, 11, 1), 2, 10)
    datetime.date(2027, 1, 10)
    """
    if not 0 <= day <= 28:
        raise ValidationError(
            f"The due day of a statement is 1 to 28, or 0 for the month's "
            f"last day, not {day}.", day)
    if not 1 <= months_after <= 3:
        # the statement is made once its month has ended
        raise ValidationError(
            f"A statement is due 1 to 3 months after its month, not "
            f"{months_after}.", months_after)
    index = month.year * 12 + month.month - 1 + months_after
    target = dt.date(index // 12, index % 12 + 1, 1)
    return month_end(target) if day == 0 else target.replace(day=day)


@dataclass(frozen=True)
class Site:
    """One site's bill on the statement: the supply point, the site's name
    or address, the bill's number and period, kWh and amounts (yen, tax
    included; negative for a credit note)."""
    supply_point: str
    name: str
    invoice: str
    start: dt.date | None
    end: dt.date | None
    kwh: Decimal
    total: int
    tax: int
    contract: str = ''
    note: str = ''

    @property
    def untaxed(self):
        return self.total - self.tax


@dataclass(frozen=True)
class Statement:
    number: str
    retailer: Retailer
    customer_name: str
    customer_number: str
    postal_code: str
    address: str
    date: dt.date             # the statement's date (its issue)
    month: dt.date            # first day of the month it closes
    due_date: dt.date
    sites: tuple
    payment: str = ''         # how it is paid (口座振替, お振込み先 ...)
    paid: int = 0             # already paid on the site bills
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.sites:
            raise ValidationError(
                f"Statement {self.number} lists no site bill.", self.number)
        seen = set()
        for site in self.sites:
            if site.invoice in seen:
                raise ValidationError(
                    f"Statement {self.number} lists bill {site.invoice} "
                    f"twice.", site.invoice)
            seen.add(site.invoice)
            if abs(site.tax) > abs(site.total):
                raise ValidationError(
                    f"Bill {site.invoice} on statement {self.number}: its "
                    f"tax {site.tax} is more than its total {site.total}.",
                    site.invoice)
        if self.due_date < self.month:
            raise ValidationError(
                f"Statement {self.number} is due {self.due_date}, before "
                f"its month {self.month:%Y-%m}.", self.due_date)

    @property
    def total(self):
        return sum(s.total for s in self.sites)

    @property
    def tax(self):
        "The sum of the site bills' taxes (each rounded once on its bill)."
        return sum(s.tax for s in self.sites)

    @property
    def untaxed(self):
        return self.total - self.tax

    @property
    def kwh(self):
        return sum((Decimal(s.kwh) for s in self.sites), Decimal(0))

    @property
    def to_pay(self):
        return max(self.total - self.paid, 0)

    @property
    def month_end(self):
        return month_end(self.month)


def render_html(statements):
    if isinstance(statements, Statement):
        statements = [statements]
    statements = list(statements)
    if not statements:
        raise ValidationError("There is no statement to print.", None)
    return _environment().get_template('statement.html').render(
        statements=statements, tax_rate=TAX_RATE)


def render_pdf(statements):
    "The statements as one PDF (bytes)."
    import weasyprint
    return weasyprint.HTML(string=render_html(statements),
        url_fetcher=_refuse).write_pdf()


def render_batch(statements):
    """(PDF bytes, [pages of each statement]) bound into one document, for
    the print shop's index."""
    return bind((render_html(s) for s in statements),
        "There is no statement to print.")
