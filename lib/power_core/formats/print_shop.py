"""Print shop (印刷代行) batches: layout version 1 (docs/formats/print-shop.md).

A batch is a ZIP archive of one PDF holding every document, page after
page, and `index.csv` saying which pages are whose and where to post them.
The print shop answers with an acknowledgement CSV naming the batch, the
documents it accepted and those it could not print, with the reason."""
import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from power_core.formats import (
    FormatError, csv_rows, date, first_difference, identifier, whole)

INDEX = 'index.csv'
DOCUMENT = 'documents.pdf'
# the date of a batch's entries when none is given (the earliest ZIP allows)
EPOCH = dt.datetime(1980, 1, 1)
INDEX_COLUMNS = ['document_id', 'kind', 'customer_number', 'name',
    'postal_code', 'address', 'first_page', 'pages', 'amount', 'due_date']
ACK_COLUMNS = ['batch', 'document_id', 'status', 'reason']
KINDS = {
    'usage_notice': '電気ご使用量のお知らせ',
    'conclusion_notice': '契約締結後交付書面',
    'termination_warning': '解約予告通知',
    'termination_notice': '解約通知',
    'dunning_letter': '督促状',
    'payment_slip': '払込票',
    'statement': '一括請求書',
    }


@dataclass(frozen=True)
class Item:
    document_id: str
    kind: str
    customer_number: str
    name: str
    postal_code: str
    address: str
    first_page: int
    pages: int
    amount: int = None
    due_date: dt.date = None


def write_batch(items, pdf, when=EPOCH):
    """The batch ZIP of items (whose pages are in pdf, bytes) as bytes, its
    entries dated when (the batch's time): the same items, pages and time
    make the same bytes, so a batch can be built again and compared."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(INDEX_COLUMNS)
    for item in items:
        if item.kind not in KINDS:
            raise FormatError(f"document kind {item.kind!r} is none of "
                f"{', '.join(KINDS)}", item.document_id)
        writer.writerow([item.document_id, item.kind, item.customer_number,
                item.name, item.postal_code, item.address, item.first_page,
                item.pages, '' if item.amount is None else item.amount,
                f'{item.due_date:%Y%m%d}' if item.due_date else ''])
    data = io.BytesIO()
    with zipfile.ZipFile(data, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, content in ((INDEX, out.getvalue().encode('utf-8-sig')),
                (DOCUMENT, pdf)):
            entry = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, content)
    return data.getvalue()


def batch_difference(sent, rebuilt):
    """Where two batches first differ, a sentence naming the index line or
    the PDF; None if they are the same bytes."""
    if sent == rebuilt:
        return None
    old, new = (zipfile.ZipFile(io.BytesIO(data)) for data in (sent, rebuilt))
    difference = first_difference(old.read(INDEX), new.read(INDEX), INDEX)
    if difference:
        return difference
    if old.read(DOCUMENT) != new.read(DOCUMENT):
        return f"{DOCUMENT} differs"
    return "the archives' entries differ (dates or order)"


def read_batch(data, name=''):
    "([Item], pdf bytes) of a batch, its index checked."
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise FormatError("not a ZIP archive", name) from None
    if names != {INDEX, DOCUMENT}:
        raise FormatError(f"the archive holds {sorted(names)}, expected "
            f"{INDEX} and {DOCUMENT}", name)
    rows = csv_rows(archive.read(INDEX), INDEX_COLUMNS, f'{name} {INDEX}')
    items, page, seen = [], 1, set()
    for number, row in rows:
        where = f'{name} {INDEX} line {number}'.strip()
        identifier(row['document_id'], 'document_id', where, seen)
        if row['kind'] not in KINDS:
            raise FormatError(f"kind {row['kind']!r} is unknown", where)
        first = whole(row['first_page'], 'first_page', where)
        pages = whole(row['pages'], 'pages', where)
        if first != page or pages < 1:
            raise FormatError(f"pages {first}+{pages} do not follow the "
                f"previous document (next page {page})", where)
        page += pages
        items.append(Item(row['document_id'], row['kind'],
                row['customer_number'], row['name'], row['postal_code'],
                row['address'], first, pages,
                whole(row['amount'], 'amount', where)
                if row['amount'] else None,
                date(row['due_date'], 'due_date', where)
                if row['due_date'] else None))
    pdf = archive.read(DOCUMENT)
    if not pdf.startswith(b'%PDF'):
        raise FormatError(f"{DOCUMENT} is not a PDF", name)
    return items, pdf


@dataclass(frozen=True)
class Acknowledgement:
    batch: str
    accepted: tuple
    refused: tuple   # (document id, reason)


def write_ack(ack):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(ACK_COLUMNS)
    for document in ack.accepted:
        writer.writerow([ack.batch, document, 'OK', ''])
    for document, reason in ack.refused:
        writer.writerow([ack.batch, document, 'NG', reason])
    return out.getvalue().encode('utf-8-sig')


def read_ack(data, name=''):
    rows = csv_rows(data, ACK_COLUMNS, name)
    batches = {row['batch'] for _, row in rows}
    if len(batches) != 1:
        raise FormatError(f"an acknowledgement must name one batch, this "
            f"one names {len(batches)}", name)
    accepted, refused, seen = [], [], set()
    for number, row in rows:
        identifier(row['document_id'], 'document_id',
            f'{name} line {number}'.strip(), seen)
        if row['status'] == 'OK':
            accepted.append(row['document_id'])
        elif row['status'] == 'NG':
            refused.append((row['document_id'], row['reason']))
        else:
            raise FormatError(f"status {row['status']!r} is not OK or NG",
                f'{name} line {number}')
    return Acknowledgement(batches.pop(), tuple(accepted), tuple(refused))
