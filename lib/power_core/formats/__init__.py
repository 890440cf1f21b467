"""Codecs of the files and messages exchanged with partners: one module per
format, each reading (with an error that names the line or element and why)
and writing it, so a partner-specific layout can replace one module.

Layouts: docs/formats/."""
import csv
import io

from power_core.errors import ValidationError


class FormatError(ValidationError):
    """A file or message that does not follow its layout: `where` names the
    line, record or element, `reason` says what is wrong."""

    def __init__(self, reason, where=None, value=None):
        self.where = where
        message = f"{where}: {reason}" if where else reason
        super().__init__(message, value)


def csv_rows(data, columns, name='', shift_jis=True, strip=False):
    """[(line number, {column: value})] of a CSV file whose first line must
    be columns: UTF-8 (with or without BOM) or, when shift_jis, Shift_JIS;
    blank lines skipped, every other line with exactly the columns. strip
    trims spaces around the header and the values."""
    encodings = ('utf-8-sig', 'cp932') if shift_jis else ('utf-8-sig',)
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FormatError("the file is neither UTF-8 nor Shift_JIS"
            if shift_jis else "the file is not UTF-8", name)
    lines = list(csv.reader(io.StringIO(text)))
    if strip:
        lines = [[cell.strip() for cell in line] for line in lines]
    if not lines or lines[0] != columns:
        raise FormatError(f"line 1: the header must be {','.join(columns)}",
            name)
    rows = []
    for number, line in enumerate(lines[1:], 2):
        if not any(line):
            continue
        if len(line) != len(columns):
            raise FormatError(f"{len(line)} columns, expected {len(columns)}",
                f'{name} line {number}'.strip())
        rows.append((number, dict(zip(columns, line))))
    return rows


def csv_bytes(columns, rows):
    "A CSV file of our layouts: UTF-8, CRLF, the header line, then rows."
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode('utf-8')
