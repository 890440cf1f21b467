"""Codecs of the files and messages exchanged with partners: one module per
format, each reading (with an error that names the line or element and why)
and writing it, so a partner-specific layout can replace one module.

Layouts: docs/formats/."""
import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation

from power_core.errors import ValidationError


class FormatError(ValidationError):
    """A file or message that does not follow its layout: `where` names the
    line, record or element, `reason` says what is wrong."""

    def __init__(self, reason, where=None, value=None):
        self.where = where
        message = f"{where}: {reason}" if where else reason
        super().__init__(message, value)


# the largest CSV file a partner may send (a konbini notice of a million
# payments is about 200 MB)
MAX_CSV = 512 * 2**20
CONTROL = re.compile('[\x00-\x1f\x7f]')
IDENTIFIER = re.compile(r'[0-9A-Za-z][0-9A-Za-z_.:/-]*')


def first_difference(sent, rebuilt, name=None):
    """Where two file contents (of the file name, when given) first differ,
    line by line: a sentence, or None if they are equal."""
    if sent == rebuilt:
        return None
    old, new = sent.splitlines(), rebuilt.splitlines()
    for number, (a, b) in enumerate(zip(old, new), 1):
        if a != b:
            return f"{name + ' ' if name else ''}line {number} differs"
    where = f"{name}: " if name else ''
    if len(old) != len(new):
        return f"{where}{len(old)} lines sent, {len(new)} lines rebuilt"
    return f"{where}the line ends differ"


def csv_rows(data, columns, name='', shift_jis=True, strip=False):
    """[(line number, {column: value})] of a CSV file whose first line must
    be columns: UTF-8 (with or without BOM) or, when shift_jis, Shift_JIS;
    blank lines skipped, every other line with exactly the columns and no
    control characters. strip trims spaces around the header and the
    values."""
    if len(data) > MAX_CSV:
        raise FormatError(f"{len(data):,} bytes, more than the {MAX_CSV:,} "
            "a file may have", name)
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
    reader = csv.reader(io.StringIO(text, newline=''))
    try:
        lines = list(reader)
    except csv.Error as error:
        # a lone carriage return, a NUL or a field over csv's size limit
        raise FormatError(f"line {reader.line_num}: not a well-formed CSV "
            f"line ({error})", name) from None
    if strip and lines:
        lines[0] = [cell.strip() for cell in lines[0]]
    if not lines or lines[0] != columns:
        raise FormatError(f"line 1: the header must be {','.join(columns)}",
            name)
    rows = []
    for number, line in enumerate(lines[1:], 2):
        if not any(line):
            continue
        where = f'{name} line {number}'.strip()
        if len(line) != len(columns):
            raise FormatError(f"{len(line)} columns, expected {len(columns)}",
                where)
        for column, value in zip(columns, line):
            control = CONTROL.search(value)
            if control:
                raise FormatError(f"{column} holds a control character "
                    f"{control.group()!r}", where)
        if strip:
            line = [cell.strip() for cell in line]
        rows.append((number, dict(zip(columns, line))))
    return rows


def csv_bytes(columns, rows, encoding='utf-8'):
    """A CSV file of our layouts: UTF-8 (or encoding, a partner's), CRLF,
    the header line, then rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def identifier(text, field, where, seen=None):
    """text, a key of ASCII letters, digits and _.:/- (never full-width);
    with seen (a set), one not seen before in the file, then added."""
    if not text:
        raise FormatError(f"{field} is empty", where)
    if not IDENTIFIER.fullmatch(text):
        raise FormatError(f"{field} {text!r} is not made of ASCII letters "
            "and digits", where)
    if seen is not None:
        if text in seen:
            raise FormatError(f"{field} {text} appears twice", where)
        seen.add(text)
    return text


def keyed_rows(data, columns, name, key):
    """[(line number, {column: value}, where)] of a UTF-8 CSV file of our
    layouts (csv_rows, values stripped) whose column key holds an
    identifier no other line repeats; where names the file and the line
    for the errors of the caller's own checks."""
    rows, seen = [], set()
    for number, values in csv_rows(data, columns, name, shift_jis=False,
            strip=True):
        where = f"{name} line {number}".strip()
        identifier(values[key], key, where, seen)
        rows.append((number, values, where))
    return rows


def choice(text, field, choices, where):
    "text, one of choices."
    if text not in choices:
        raise FormatError(f"{field} {text!r} is none of "
            f"{', '.join(choices)}", where)
    return text


# --- fields: strict, so a full-width digit, a sign, a space or an
# underscore (all of which int() and Decimal() take) never passes as a
# number written by a partner's system


def whole(text, field, where, minimum=0):
    "The int of text, ASCII digits only, at least minimum."
    text = text or ''
    if not (text.isascii() and text.isdigit()) or int(text) < minimum:
        raise FormatError(f"{field} {text!r} is not a whole number"
            + (f" of at least {minimum}" if minimum else ""), where)
    return int(text)


def number(text, field, where):
    "The Decimal of text: ASCII digits with at most one point, finite."
    text = text or ''
    try:
        value = Decimal(text) if text.isascii() and text.replace(
            '.', '', 1).isdigit() else None
    except InvalidOperation:
        value = None
    if value is None:
        raise FormatError(f"{field} {text!r} is not a number", where)
    return value


def date(text, field, where, layout='%Y%m%d'):
    "The date of text written exactly as layout (YYYYMMDD by default)."
    text = text or ''
    try:
        value = dt.datetime.strptime(text, layout).date()
    except ValueError:
        value = None
    # strptime also takes one-digit months and days and full-width digits
    if value is None or value.strftime(layout) != text:
        shown = layout
        for code, letters in (('%Y', 'YYYY'), ('%y', 'YY'), ('%m', 'MM'),
                ('%d', 'DD')):
            shown = shown.replace(code, letters)
        raise FormatError(f"{field} {text!r} is not a date {shown}", where)
    return value
