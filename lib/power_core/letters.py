"""Letters to customers printed by the print shop: payment slips (払込票)
with the GS1-128 barcode of docs/domain.md §5.2, reminders (督促状), the
termination warning (解約予告通知) and the termination notice (解約通知).

A Letter holds what the customer reads; `render_batch` lays letters out
with WeasyPrint from `templates/letter.html` (one page each) and returns
the PDF and each letter's page count, as the bill notices do. The barcode
is drawn by python-barcode (GS1-128) as inline SVG."""
import datetime as dt
import io
from dataclasses import dataclass, field

from .errors import ValidationError
from .notice import Retailer, _environment, _refuse, bind  # noqa: F401

TITLES = {
    'payment_slip': '電気料金払込票',
    'dunning_letter': '電気料金お支払いのお願い（督促状）',
    'termination_warning': '電気需給契約解約予告通知',
    'termination_notice': '電気需給契約解約のお知らせ',
    'conclusion_notice': '電気需給契約のご契約内容（契約締結後交付書面）',
    'credit_note': '電気料金ご請求取消しのお知らせ（適格返還請求書）',
    }


@dataclass(frozen=True)
class Letter:
    kind: str                      # a key of TITLES
    document_id: str
    retailer: Retailer
    customer_name: str
    customer_number: str
    postal_code: str
    address: str
    date: dt.date                  # the letter's date
    paragraphs: tuple = ()
    rows: tuple = ()               # (label, value) shown as a table
    amount: int | None = None      # the amount to pay (or returned)
    amount_label: str = 'ご請求金額'
    due_date: dt.date | None = None
    barcode: str | None = None     # 44 digits of a konbini slip
    extra: dict = field(default_factory=dict)

    @property
    def title(self):
        return TITLES[self.kind]


def barcode_svg(data):
    "The GS1-128 barcode of 44 digits as an SVG element (string)."
    import barcode
    from barcode.writer import SVGWriter
    if not (len(data) == 44 and data.isdigit()):
        raise ValidationError(f"barcode data {data!r} is not 44 digits", data)
    out = io.BytesIO()
    barcode.get('gs1_128', data, writer=SVGWriter()).write(out, options={
            'write_text': False, 'module_height': 12, 'module_width': 0.25,
            'quiet_zone': 4})
    svg = out.getvalue().decode('utf-8')
    return svg[svg.index('<svg'):]


def render_html(letters):
    letters = list(letters)
    if not letters:
        raise ValidationError("There is no letter to print.", None)
    for letter in letters:
        if letter.kind not in TITLES:
            raise ValidationError(f"letter kind {letter.kind!r} is none "
                f"of {', '.join(TITLES)}", letter.kind)
    barcodes = {l.document_id: barcode_svg(l.barcode) for l in letters
        if l.barcode}
    return _environment().get_template('letter.html').render(
        letters=letters, barcodes=barcodes)


def render_pdf(letters):
    "The letters as one PDF (bytes)."
    import weasyprint
    return weasyprint.HTML(string=render_html(letters),
        url_fetcher=_refuse).write_pdf()


def credit_note(retailer, customer_name, customer_number, postal_code,
        address, number, date, original_number, original_date, period,
        lines, total, tax):
    """The Letter of a credit note (適格返還請求書, 消費税法第57条の4第3項):
    the issuer and its registration number (in the head of the letter,
    from the configuration),
    the date of the return and of the original bill, what is returned, the
    amount at the 10% rate and its tax. lines: [(label, yen)], as on the
    original bill, positive; total and tax: the returned amounts,
    positive."""
    rows = ((('返還請求書番号', number),
            ('取消しの日', f'{date:%Y年%m月%d日}'),
            ('元のご請求', f'{original_number}（{original_date:%Y年%m月%d日}）'),
            ('ご使用期間', period))
        + tuple((label, f'{-amount:,}円') for label, amount in lines)
        + (('10%対象 返還額（税込）', f'{total:,}円'),
            ('うち消費税等（10%）', f'{tax:,}円')))
    return Letter(kind='credit_note', document_id=number, retailer=retailer,
        customer_name=customer_name, customer_number=customer_number,
        postal_code=postal_code, address=address, date=date,
        paragraphs=('下記のご請求を取り消しましたので、お知らせいたします。'
            '取り消したご請求について、既にお支払いいただいた金額は、'
            '新しいご請求に充当するか、ご返金いたします。',),
        rows=rows, amount=total, amount_label='ご返還額（税込）')


def render_batch(letters):
    """(PDF bytes, [pages of each letter]) of letters bound into one
    document, for the print shop's index."""
    return bind((render_html([l]) for l in letters),
        "There is no letter to print.")
