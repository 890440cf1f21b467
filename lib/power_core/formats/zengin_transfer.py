"""Zengin credit transfer files (全銀協 総合振込, 種別コード 21): the payments
the retailer asks its bank to make, one record per payee (the surplus
solar power it bought, refunds).

The same frame as the direct-debit file (`power_core.formats.zengin`):
fixed 120-byte records in Shift_JIS with CRLF line ends, a header (1),
data records (2), a trailer (8) with the count and the total, and an end
record (9). The header names the paying account (依頼人の預金種目・口座番号)
and the transfer day (振込指定日, MMDD); each data record the payee's bank,
branch, account and name in half-width kana, the amount, a new-payee code
and two customer codes (顧客コード1・2, here the payee's customer number and
the document paid), 7 for a telegraphic transfer (電信扱).

`encode` writes a file and `decode` reads one (the bank simulator, the
tests), refusing it with the record and the field named."""
import datetime as dt
from dataclasses import dataclass

from power_core.formats import FormatError
from power_core.formats.zengin import (
    ACCOUNT_TYPES, ENCODING, RECORD, _alpha, _bytes, _code, _digits, _kana,
    _number, zengin_kana)

KIND = '21'
TELEGRAPHIC = '7'      # 振込指定区分: 電信扱
DOCUMENTARY = '8'      # 文書扱


@dataclass(frozen=True)
class Header:
    requester_code: str       # 振込依頼人コード, 10 digits (the bank's)
    requester_name: str       # 振込依頼人名, half-width kana
    transfer_date: dt.date    # 振込指定日 (MMDD in the file)
    bank_code: str            # 仕向銀行番号: the paying bank
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str         # 依頼人の預金種目: 1, 2 or 9
    account_number: str       # 依頼人の口座番号
    code_kind: str = '0'      # 0 JIS


@dataclass(frozen=True)
class Transfer:
    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    payee: str                # 受取人名, half-width kana
    amount: int
    customer_code1: str = ''  # 顧客コード1 (digits, up to 10)
    customer_code2: str = ''  # 顧客コード2
    new_code: str = '0'       # 0 other, 1 first transfer, 2 changed
    kind: str = TELEGRAPHIC
    bank_name: str = ''
    branch_name: str = ''
    line: int = 0


@dataclass(frozen=True)
class Trailer:
    count: int
    total: int


def encode(header, transfers):
    "The transfer request file as bytes."
    transfers = list(transfers)
    if not transfers:
        raise FormatError("a transfer file needs at least one transfer",
            'transfers')
    records = [_header_record(header)]
    records += [_data_record(t) for t in transfers]
    records.append('8' + _number(len(transfers), 6, 'count')
        + _number(sum(t.amount for t in transfers), 12, 'total')
        + ' ' * 101)
    records.append('9' + ' ' * (RECORD - 1))
    return b''.join(_bytes(r, n) + b'\r\n'
        for n, r in enumerate(records, 1))


def _header_record(h):
    if h.account_type not in ('1', '2', '9'):
        raise FormatError(f"the requester's account type "
            f"{h.account_type!r} is none of 1, 2, 9", 'account type')
    return ('1' + KIND + _code(h.code_kind, 1, 'code kind')
        + _code(h.requester_code, 10, 'requester code')
        + _alpha(zengin_kana(h.requester_name, 'requester name', 40), 40)
        + f'{h.transfer_date:%m%d}'
        + _code(h.bank_code, 4, 'bank code')
        + _alpha(zengin_kana(h.bank_name, 'bank name', 15), 15)
        + _code(h.branch_code, 3, 'branch code')
        + _alpha(zengin_kana(h.branch_name, 'branch name', 15), 15)
        + h.account_type + _code(h.account_number, 7, 'account number')
        + ' ' * 17)


def _customer_code(value, field):
    text = str(value or '')
    if text and not (text.isascii() and text.isdigit() and len(text) <= 10):
        raise FormatError(f"{field} {value!r} must be at most 10 digits",
            field, value)
    return text.zfill(10) if text else '0' * 10


def _data_record(t):
    where = t.payee
    if t.account_type not in ACCOUNT_TYPES:
        raise FormatError(f"account type {t.account_type!r} is none of "
            f"{', '.join(ACCOUNT_TYPES)}", where)
    if t.new_code not in ('0', '1', '2'):
        raise FormatError(f"new code {t.new_code!r} is not 0, 1 or 2",
            where)
    if t.kind not in (TELEGRAPHIC, DOCUMENTARY):
        raise FormatError(f"transfer kind {t.kind!r} is not 7 (電信) or 8 "
            "(文書)", where)
    if not 0 < t.amount <= 9_999_999_999:
        raise FormatError(f"amount {t.amount} must be 1 to 9,999,999,999 "
            "yen", where)
    return ('2' + _code(t.bank_code, 4, 'bank code')
        + _alpha(zengin_kana(t.bank_name, 'bank name', 15), 15)
        + _code(t.branch_code, 3, 'branch code')
        + _alpha(zengin_kana(t.branch_name, 'branch name', 15), 15)
        + '0000' + t.account_type
        + _code(t.account_number, 7, 'account number')
        + _alpha(zengin_kana(t.payee, 'payee', 30), 30)
        + _number(t.amount, 10, 'amount') + t.new_code
        + _customer_code(t.customer_code1, 'customer code 1')
        + _customer_code(t.customer_code2, 'customer code 2')
        + t.kind + ' ' + ' ' * 7)


def decode(data, year=None, name=''):
    """(Header, [Transfer], Trailer) of a file; year completes the MMDD
    transfer day (the next such day from today when not given)."""
    try:
        text = data.decode(ENCODING)
    except UnicodeDecodeError as error:
        raise FormatError(f"{name}: not Shift_JIS text ({error.reason} at "
            f"byte {error.start})", name) from None
    lines = text.split('\r\n')
    if lines and lines[-1] == '':
        lines.pop()
    for number, line in enumerate(lines, 1):
        if len(line.encode(ENCODING)) != RECORD:
            raise FormatError(f"{name} record {number}: "
                f"{len(line.encode(ENCODING))} bytes, not {RECORD}", name)
    kinds = ''.join(line[:1] for line in lines)
    if len(kinds) < 4 or kinds[0] != '1' or kinds[-2:] != '89' or set(
            kinds[1:-2]) != {'2'}:
        raise FormatError(f"{name}: records {kinds!r} are not a header, "
            "transfers, a trailer and an end record", name)
    head = lines[0]
    where = f'{name} record 1'
    if head[1:3] != KIND:
        raise FormatError(f"{where}: kind {head[1:3]!r} is not {KIND} "
            "(総合振込)", name)
    month = int(_digits(head, 55, 2, 'month', where))
    day = int(_digits(head, 57, 2, 'day', where))
    today = dt.date.today()
    try:
        date = dt.date(year or today.year, month, day)
        if year is None and date < today:
            date = date.replace(year=today.year + 1)
    except ValueError:
        raise FormatError(f"{where}: transfer day {month:02d}{day:02d} is "
            "not a date", name) from None
    header = Header(
        requester_code=_digits(head, 5, 10, 'requester code', where),
        requester_name=_kana(head, 15, 40, 'requester name', where),
        transfer_date=date,
        bank_code=_digits(head, 59, 4, 'bank code', where),
        bank_name=_kana(head, 63, 15, 'bank name', where),
        branch_code=_digits(head, 78, 3, 'branch code', where),
        branch_name=_kana(head, 81, 15, 'branch name', where),
        account_type=_digits(head, 96, 1, 'account type', where),
        account_number=_digits(head, 97, 7, 'account number', where))
    transfers = []
    for number, line in enumerate(lines[1:-2], 2):
        where = f'{name} record {number}'
        transfers.append(Transfer(
                bank_code=_digits(line, 2, 4, 'bank code', where),
                bank_name=_kana(line, 6, 15, 'bank name', where),
                branch_code=_digits(line, 21, 3, 'branch code', where),
                branch_name=_kana(line, 24, 15, 'branch name', where),
                account_type=_digits(line, 43, 1, 'account type', where),
                account_number=_digits(line, 44, 7, 'account number',
                    where),
                payee=_kana(line, 51, 30, 'payee', where),
                amount=int(_digits(line, 81, 10, 'amount', where)),
                new_code=_digits(line, 91, 1, 'new code', where),
                customer_code1=_digits(line, 92, 10, 'customer code 1',
                    where).lstrip('0'),
                customer_code2=_digits(line, 102, 10, 'customer code 2',
                    where).lstrip('0'),
                kind=_digits(line, 112, 1, 'transfer kind', where),
                line=number))
    trailer_line = lines[-2]
    where = f'{name} record {len(lines) - 1}'
    trailer = Trailer(int(_digits(trailer_line, 2, 6, 'count', where)),
        int(_digits(trailer_line, 8, 12, 'total', where)))
    if (trailer.count, trailer.total) != (
            len(transfers), sum(t.amount for t in transfers)):
        raise FormatError(f"{where}: the trailer says {trailer.count} "
            f"transfers of {trailer.total} yen, the records "
            f"{len(transfers)} of {sum(t.amount for t in transfers)}", name)
    return header, transfers, trailer
