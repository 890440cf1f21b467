"""Zengin direct-debit files (全銀協 預金口座振替, 種別コード 91), the request
we send to the bank and the result file it returns (docs/domain.md §5.1).

Fixed 120-byte records in Shift_JIS (half-width kana, one byte each) with
CRLF line ends: a header (1), data records (2), a trailer (8) with the
totals and an end record (9). The result file is the same with the result
code of every data record and the debited / failed totals in the trailer.

`encode` writes a file; `decode` reads one and refuses it, naming the
record and the field, when a record has the wrong length or type, a
numeric field holds something else, a name is not in the Zengin character
set, or the trailer's totals do not match the records."""
import datetime as dt
import re
from dataclasses import dataclass, replace

import jaconv

from power_core.formats import FormatError

RECORD = 120
ENCODING = 'cp932'
ACCOUNT_TYPES = {'1': '普通', '2': '当座', '4': '貯蓄', '9': 'その他'}
RESULTS = {
    '0': '振替済',
    '1': '資金不足',
    '2': '預金取引なし',
    '3': '預金者都合による振替停止',
    '4': '預金口座振替依頼書なし',
    '8': '委託者都合による振替停止',
    '9': 'その他',
    }
# the Zengin character set: half-width katakana, upper-case letters,
# digits, space and ( ) . - / \ ,
_ALLOWED = re.compile(r"[ｦ-ﾟA-Z0-9 ().\-/\\,｢｣]*")
_SMALL = str.maketrans('ｧｨｩｪｫｬｭｮｯ', 'ｱｲｳｴｵﾔﾕﾖﾂ')


def zengin_kana(text, field='name', length=None):
    """text as Zengin characters: half-width, upper case, small kana made
    large (ｯ → ﾂ), long vowel as hyphen; refuses what has no Zengin form
    (kanji, for example)."""
    value = jaconv.z2h(jaconv.hira2kata(text or ''), kana=True, ascii=True,
        digit=True).upper().translate(_SMALL).replace('ｰ', '-').replace(
        '－', '-')
    if not _ALLOWED.fullmatch(value):
        bad = sorted({c for c in value if not _ALLOWED.fullmatch(c)})
        raise FormatError(f"{field} {text!r} holds {''.join(bad)!r}, which "
            "the Zengin character set (half-width kana, A-Z, 0-9) lacks",
            field, text)
    if length is not None and len(value) > length:
        raise FormatError(f"{field} {value!r} is longer than {length} "
            "characters", field, text)
    return value


@dataclass(frozen=True)
class Header:
    biller_code: str          # 委託者コード, 10 digits
    biller_name: str          # 委託者名, half-width kana
    debit_date: dt.date       # 引落日 (MMDD in the file)
    bank_code: str            # 取引銀行番号
    bank_name: str
    branch_code: str
    branch_name: str
    code_kind: str = '0'      # 0 JIS


@dataclass(frozen=True)
class Debit:
    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    holder: str               # 預金者名, half-width kana
    amount: int
    customer_number: str      # 顧客番号: the reconciliation key
    new_code: str = '0'       # 0 other, 1 first debit, 2 changed
    bank_name: str = ''
    branch_name: str = ''
    result: str = None        # 振替結果コード, in result files
    line: int = 0

    @property
    def debited(self):
        return self.result == '0'


@dataclass(frozen=True)
class Trailer:
    count: int
    total: int
    debited_count: int = 0
    debited_amount: int = 0
    failed_count: int = 0
    failed_amount: int = 0


def _alpha(value, length):
    return value.ljust(length)[:length]


def _number(value, length, field):
    text = str(value)
    if not text.isdigit() or len(text) > length:
        raise FormatError(f"{field} {value!r} is not a number of at most "
            f"{length} digits", field, value)
    return text.zfill(length)


def _code(value, length, field):
    "A code of exactly length digits (bank, branch, account)."
    text = str(value or '')
    if not (text.isascii() and text.isdigit()) or len(text) != length:
        raise FormatError(f"{field} {value!r} must be {length} digits",
            field, value)
    return text


def encode(header, debits, result=False):
    """The request file (or, with result=True, a result file as the bank
    writes it) as bytes."""
    records = [_header_record(header)]
    debited = failed = 0
    debited_amount = failed_amount = total = 0
    for debit in debits:
        records.append(_data_record(debit, result))
        total += debit.amount
        if result:
            if debit.debited:
                debited += 1
                debited_amount += debit.amount
            else:
                failed += 1
                failed_amount += debit.amount
    trailer = Trailer(len(records) - 1, total, debited, debited_amount,
        failed, failed_amount)
    records.append(_trailer_record(trailer, result))
    records.append('9' + ' ' * (RECORD - 1))
    data = b''.join(_bytes(r, n) + b'\r\n' for n, r in enumerate(records, 1))
    return data


def _bytes(record, number):
    data = record.encode(ENCODING)
    if len(data) != RECORD:  # a guard: every field is checked before
        raise FormatError(f"record {number} would be {len(data)} bytes",
            f"record {number}")
    return data


def _header_record(h):
    return ('1' + '91' + _code(h.code_kind, 1, 'code kind')
        + _code(h.biller_code, 10, 'biller code')
        + _alpha(zengin_kana(h.biller_name, 'biller name', 40), 40)
        + f'{h.debit_date:%m%d}'
        + _code(h.bank_code, 4, 'bank code')
        + _alpha(zengin_kana(h.bank_name, 'bank name', 15), 15)
        + _code(h.branch_code, 3, 'branch code')
        + _alpha(zengin_kana(h.branch_name, 'branch name', 15), 15)
        + ' ' * 25)


def _data_record(d, result):
    if d.account_type not in ACCOUNT_TYPES:
        raise FormatError(f"account type {d.account_type!r} is none of "
            f"{', '.join(ACCOUNT_TYPES)}", d.customer_number)
    if d.new_code not in ('0', '1', '2'):
        raise FormatError(f"new code {d.new_code!r} is not 0, 1 or 2",
            d.customer_number)
    if not 0 < d.amount <= 9_999_999_999:
        raise FormatError(f"amount {d.amount} must be 1 to 9,999,999,999 "
            "yen", d.customer_number)
    code = ' '
    if result:
        if d.result not in RESULTS:
            raise FormatError(f"result code {d.result!r} is none of "
                f"{', '.join(RESULTS)}", d.customer_number)
        code = d.result
    customer = str(d.customer_number)
    if not re.fullmatch(r'[0-9A-Z]{1,20}', customer):
        raise FormatError(f"customer number {customer!r} must be 1 to 20 "
            "digits or capital letters", customer)
    return ('2' + _code(d.bank_code, 4, 'bank code')
        + _alpha(zengin_kana(d.bank_name, 'bank name', 15), 15)
        + _code(d.branch_code, 3, 'branch code')
        + _alpha(zengin_kana(d.branch_name, 'branch name', 15), 15)
        + ' ' * 4 + d.account_type
        + _code(d.account_number, 7, 'account number')
        + _alpha(zengin_kana(d.holder, 'account holder', 30), 30)
        + _number(d.amount, 10, 'amount') + d.new_code
        + customer.rjust(20, '0') + code + ' ' * 8)


def _trailer_record(t, result):
    fields = (_number(t.count, 6, 'count') + _number(t.total, 12, 'total'))
    if result:
        fields += (_number(t.debited_count, 6, 'debited count')
            + _number(t.debited_amount, 12, 'debited amount')
            + _number(t.failed_count, 6, 'failed count')
            + _number(t.failed_amount, 12, 'failed amount'))
    else:
        fields += '0' * 36
    return '8' + fields + ' ' * 65


def decode(data, year=None, name='', result=None):
    """(Header, [Debit], Trailer) of a file; year completes the MMDD debit
    day (the next such day from today when not given). result: True for a
    result file (every record must carry a result code), False for a
    request, None to accept either."""
    if not isinstance(data, bytes):
        raise FormatError("the file is not bytes", name)
    lines = data.split(b'\r\n')
    if lines and lines[-1] == b'':
        lines.pop()
    if len(lines) == 1 and len(lines[0]) > RECORD:
        # no line ends: fixed records back to back, as some banks send
        lines = [lines[0][i:i + RECORD]
            for i in range(0, len(lines[0]), RECORD)]
    if len(lines) < 3:
        raise FormatError(f"{len(lines)} records; a file has a header, a "
            "trailer and an end record at least", name)
    records = []
    for number, raw in enumerate(lines, 1):
        where = f"{name} record {number}".strip()
        if len(raw) != RECORD:
            raise FormatError(f"{len(raw)} bytes, expected {RECORD}", where)
        try:
            text = raw.decode(ENCODING)
        except UnicodeDecodeError as exception:
            raise FormatError(f"byte {exception.start + 1} is not Shift_JIS",
                where) from None
        if len(text) != RECORD:
            raise FormatError("holds full-width characters; names must be "
                "half-width kana", where)
        records.append((where, text))
    kinds = ''.join(text[0] for _, text in records)
    if not re.fullmatch(r'12*89', kinds):
        raise FormatError(f"record types {kinds[:12]!r} are not a header "
            "(1), data (2), a trailer (8) and an end record (9) in that "
            "order", name)
    where, text = records[0]
    header = _read_header(text, where, year)
    debits = [_read_data(text, where, result, n)
        for n, (where, text) in enumerate(records[1:-2], 2)]
    where, text = records[-2]
    trailer = _read_trailer(text, where)
    _check_totals(debits, trailer, where, result)
    return header, debits, trailer


def _digits(text, start, length, field, where, blank=False):
    value = text[start - 1:start - 1 + length]
    if blank and not value.strip():
        return None
    if not (value.isascii() and value.isdigit()):
        raise FormatError(f"{field} {value!r} (position {start}, {length} "
            "bytes) is not a number", where)
    return value


def _kana(text, start, length, field, where):
    value = text[start - 1:start - 1 + length].rstrip()
    if not _ALLOWED.fullmatch(value):
        raise FormatError(f"{field} {value!r} (position {start}) is not in "
            "the Zengin character set", where)
    return value


def _read_header(text, where, year):
    if text[1:3] != '91':
        raise FormatError(f"type code {text[1:3]!r} is not 91 (預金口座振替)",
            where)
    mmdd = _digits(text, 55, 4, 'debit day', where)
    today = dt.date.today()
    try:
        if year is None:
            day = dt.date(today.year, int(mmdd[:2]), int(mmdd[2:]))
            if day < today - dt.timedelta(days=180):
                day = day.replace(year=today.year + 1)
        else:
            day = dt.date(year, int(mmdd[:2]), int(mmdd[2:]))
    except ValueError:
        raise FormatError(f"debit day {mmdd!r} is not a date MMDD",
            where) from None
    return Header(
        biller_code=_digits(text, 5, 10, 'biller code', where),
        biller_name=_kana(text, 15, 40, 'biller name', where),
        debit_date=day,
        bank_code=_digits(text, 59, 4, 'bank code', where),
        bank_name=_kana(text, 63, 15, 'bank name', where),
        branch_code=_digits(text, 78, 3, 'branch code', where),
        branch_name=_kana(text, 81, 15, 'branch name', where),
        code_kind=_digits(text, 4, 1, 'code kind', where))


def _read_data(text, where, result, line):
    account_type = text[42]
    if account_type not in ACCOUNT_TYPES:
        raise FormatError(f"account type {account_type!r} (position 43) is "
            f"none of {', '.join(ACCOUNT_TYPES)}", where)
    new_code = text[90]
    if new_code not in '012':
        raise FormatError(f"new code {new_code!r} (position 91) is not 0, "
            "1 or 2", where)
    code = text[111]
    if code in (' ', ''):
        code = None
    if code is not None and code not in RESULTS:
        raise FormatError(f"result code {code!r} (position 112) is none of "
            f"{', '.join(RESULTS)}", where)
    if result is True and code is None:
        raise FormatError("the result code (position 112) is blank in a "
            "result file", where)
    if result is False and code not in (None, '0'):
        raise FormatError(f"a request carries the result code {code!r}",
            where)
    customer = text[91:111]
    if not re.fullmatch(r'[0-9A-Z ]{20}', customer):
        raise FormatError(f"customer number {customer!r} (position 92) is "
            "not digits or capital letters", where)
    amount = int(_digits(text, 81, 10, 'amount', where))
    if amount <= 0:
        raise FormatError("the amount (position 81) is zero", where)
    return Debit(
        bank_code=_digits(text, 2, 4, 'bank code', where),
        bank_name=_kana(text, 6, 15, 'bank name', where),
        branch_code=_digits(text, 21, 3, 'branch code', where),
        branch_name=_kana(text, 24, 15, 'branch name', where),
        account_type=account_type,
        account_number=_digits(text, 44, 7, 'account number', where),
        holder=_kana(text, 51, 30, 'account holder', where),
        amount=amount, new_code=new_code,
        customer_number=customer.strip().lstrip('0') or '0',
        result=code if result is not False else None, line=line)


def _read_trailer(text, where):
    values = [int(_digits(text, start, length, field, where))
        for start, length, field in [
            (2, 6, 'total count'), (8, 12, 'total amount'),
            (20, 6, 'debited count'), (26, 12, 'debited amount'),
            (38, 6, 'failed count'), (44, 12, 'failed amount')]]
    return Trailer(*values)


def _check_totals(debits, trailer, where, result):
    count, total = len(debits), sum(d.amount for d in debits)
    if (trailer.count, trailer.total) != (count, total):
        raise FormatError(f"the trailer counts {trailer.count} records of "
            f"{trailer.total} yen; the file holds {count} of {total} yen",
            where)
    if result is False or not any(d.result for d in debits):
        return
    debited = [d for d in debits if d.debited]
    failed = [d for d in debits if not d.debited]
    expected = (len(debited), sum(d.amount for d in debited), len(failed),
        sum(d.amount for d in failed))
    found = (trailer.debited_count, trailer.debited_amount,
        trailer.failed_count, trailer.failed_amount)
    if found != expected:
        raise FormatError(f"the trailer's debited / failed totals {found} "
            f"do not match the records {expected}", where)


def with_results(debits, results):
    "The debits with result codes set (for the bank simulator)."
    return [replace(d, result=r) for d, r in zip(debits, results)]
