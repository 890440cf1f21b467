"""Tabular reports as XLSX and PDF.

A Table is a title, columns (key, Japanese header, kind) and rows (dicts
or sequences); `write_xlsx` writes one sheet per table with xlsxwriter in
constant-memory mode (rows stream to the file, so a million rows do not
sit in memory), the header row frozen, an auto filter and number formats;
`render_pdf` lays a table out with WeasyPrint (A4 landscape, totals at the
foot)."""
import datetime as dt
import io
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import ValidationError
from .notice import _environment, _refuse

KINDS = ('text', 'yen', 'int', 'date', 'datetime', 'kwh')


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = 'text'
    total: bool = False      # sum it at the foot

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValidationError(f"column kind {self.kind!r} is none of "
                f"{', '.join(KINDS)}", self.kind)


@dataclass
class Table:
    title: str
    columns: list
    rows: object                       # an iterable of dicts
    subtitle: str = ''
    totals: dict = field(default_factory=dict)   # filled while writing

    def values(self, row):
        return [row.get(c.key) if isinstance(row, dict) else row[i]
            for i, c in enumerate(self.columns)]


def _sheet_name(title, used):
    name = ''.join(c for c in title if c not in '[]:*?/\\')[:28] or 'Sheet'
    base, n = name, 2
    while name in used:
        name = f'{base}{n}'
        n += 1
    used.add(name)
    return name


# the font of Japanese Office (游ゴシック) and dates as Japanese write them
XLSX_FONT = '游ゴシック'
XLSX_DATE = 'yyyy"年"m"月"d"日"'
XLSX_DATETIME = 'yyyy"年"m"月"d"日" hh:mm:ss'


def write_xlsx(tables):
    """The tables as an XLSX workbook (bytes), one sheet each; fills each
    table's totals."""
    import xlsxwriter
    with tempfile.TemporaryDirectory() as folder:
        out = io.BytesIO()
        # Japanese Excel's own font; dates as Japanese write them
        workbook = xlsxwriter.Workbook(out, {'constant_memory': True,
                'tmpdir': folder, 'in_memory': False,
                'default_format_properties': {
                    'font_name': XLSX_FONT, 'font_size': 11}})
        header = workbook.add_format({'bold': True, 'bg_color': '#EEF4F6',
                'border': 1})
        formats = {'yen': workbook.add_format({'num_format': '#,##0'}),
            'int': workbook.add_format({'num_format': '#,##0'}),
            'kwh': workbook.add_format({'num_format': '#,##0.0'}),
            'date': workbook.add_format({'num_format': XLSX_DATE}),
            'datetime': workbook.add_format(
                {'num_format': XLSX_DATETIME}),
            'text': None}
        bold = workbook.add_format({'bold': True, 'num_format': '#,##0'})
        used = set()
        for table in tables:
            sheet = workbook.add_worksheet(_sheet_name(table.title, used))
            start = 0
            if table.subtitle:
                sheet.write_string(0, 0, f'{table.title} {table.subtitle}')
                start = 1
            for col, column in enumerate(table.columns):
                sheet.write_string(start, col, column.header, header)
                sheet.set_column(col, col, max(10, len(column.header) * 2.2))
            totals = {c.key: 0 for c in table.columns if c.total}
            row_number = start
            # the filter covers the header and the data, never the totals
            for row in table.rows:
                row_number += 1
                for col, (column, value) in enumerate(zip(table.columns,
                            table.values(row))):
                    if value is None or value == '':
                        continue
                    if column.kind == 'date':
                        if isinstance(value, dt.datetime):
                            value = value.date()
                        sheet.write_datetime(row_number, col,
                            dt.datetime.combine(value, dt.time()),
                            formats['date'])
                    elif column.kind == 'datetime':
                        # a naive datetime, already in the time zone shown
                        sheet.write_datetime(row_number, col, value,
                            formats['datetime'])
                    elif column.kind in {'yen', 'int', 'kwh'}:
                        sheet.write_number(row_number, col, float(value)
                            if isinstance(value, Decimal) else value,
                            formats[column.kind])
                    else:
                        sheet.write_string(row_number, col, str(value))
                    if column.key in totals:
                        totals[column.key] += value
            last_data_row = row_number
            if totals:
                row_number += 1
                sheet.write_string(row_number, 0, '合計', bold)
                for col, column in enumerate(table.columns):
                    if column.key in totals:
                        sheet.write_number(row_number, col,
                            float(totals[column.key]), bold)
            table.totals = totals
            sheet.freeze_panes(start + 1, 0)
            sheet.autofilter(start, 0, last_data_row,
                len(table.columns) - 1)
        workbook.close()
        return out.getvalue()


def format_value(value, kind):
    if value is None:
        return ''
    if kind in {'yen', 'int'}:
        return f'{int(value):,}'
    if kind == 'kwh':
        return f'{Decimal(value):,.1f}'
    if kind == 'date':
        return f'{value:%Y-%m-%d}'
    if kind == 'datetime':
        return f'{value:%Y-%m-%d %H:%M:%S}'
    return str(value)


def render_pdf(tables):
    "The tables as one PDF (bytes); fills each table's totals."
    import weasyprint
    prepared = []
    for table in tables:
        totals = {c.key: 0 for c in table.columns if c.total}
        rows = []
        for row in table.rows:
            values = table.values(row)
            for column, value in zip(table.columns, values):
                if column.key in totals and value:
                    totals[column.key] += value
            rows.append([format_value(v, c.kind)
                    for c, v in zip(table.columns, values)])
        table.totals = totals
        prepared.append((table, rows, [format_value(totals[c.key], c.kind)
                    if c.key in totals else '' for c in table.columns]))
    html = _environment().get_template('table.html').render(
        tables=prepared, printed=dt.datetime.now())
    return weasyprint.HTML(string=html, url_fetcher=_refuse).write_pdf()
