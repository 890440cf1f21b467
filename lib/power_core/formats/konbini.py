"""Convenience-store payment (コンビニ収納): the 44-digit GS1-128 barcode
data of a payment slip and the collection agent's payment notice CSV
(docs/domain.md §5.2).

Barcode: AI 91, the 6-digit biller code, 21 free digits (here the invoice
key), the reissue count, the due date YYMMDD, the revenue-stamp flag, the
amount (6 digits) and a GS1 modulus-10 check digit over the 43 digits
before it, "91" included."""
import datetime as dt
from dataclasses import dataclass

from power_core.formats import (
    FormatError, choice, csv_bytes, csv_rows, date, whole)

LENGTH = 44
MAX_AMOUNT = 300_000    # the usual store limit for barcode payments
STAMP_FROM = 50_000     # receipts of 50,000 yen or more need a stamp


def check_digit(digits):
    """GS1 modulus 10, weights 3 and 1 from the right: of the 43 digits
    before the check digit.

    >>> check_digit('91' '912345' '0123456789012345678901' '010331' '0'
    ...     '123000')
    '3'
    >>> check_digit('91' '942386' '1789539178539356927301' '030731' '1'
    ...     '031290')
    '3'
    """
    if not (digits.isascii() and digits.isdigit()):
        raise FormatError(f"{digits!r} is not digits", 'barcode')
    total = 0
    for position, digit in enumerate(reversed(digits), 2):
        total += int(digit) * (3 if position % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


@dataclass(frozen=True)
class Barcode:
    biller_code: str   # 6 digits
    # the free area: up to 21 digits, right-padded with 0 in the barcode;
    # parse() returns all 21 digits, so keys should be of fixed length
    key: str
    due_date: dt.date
    amount: int
    reissue: int = 0
    stamp: bool = None  # None: from the amount

    def data(self):
        "The 44 digits."
        if not (self.biller_code.isdigit() and len(self.biller_code) == 6):
            raise FormatError(f"biller code {self.biller_code!r} must be 6 "
                "digits", 'barcode')
        if not (self.key.isdigit() and len(self.key) <= 21):
            raise FormatError(f"key {self.key!r} must be at most 21 digits",
                'barcode')
        if not 0 < self.amount <= MAX_AMOUNT:
            raise FormatError(f"amount {self.amount} is outside 1 to "
                f"{MAX_AMOUNT:,} yen, the stores' limit", 'barcode')
        if not 0 <= self.reissue <= 9:
            raise FormatError(f"reissue count {self.reissue} is not 0-9",
                'barcode')
        stamp = (self.amount >= STAMP_FROM if self.stamp is None
            else self.stamp)
        body = ('91' + self.biller_code + self.key.ljust(21, '0')
            + str(self.reissue) + f'{self.due_date:%y%m%d}'
            + ('1' if stamp else '0') + f'{self.amount:06d}')
        return body + check_digit(body)

    @classmethod
    def parse(cls, data, where='barcode'):
        "The Barcode of 44 digits, check digit verified."
        data = (data or '').strip()
        if len(data) != LENGTH or not (data.isascii() and data.isdigit()):
            raise FormatError(f"{data!r} is not {LENGTH} digits", where)
        if data[:2] != '91':
            raise FormatError(f"{data!r} does not start with AI 91", where)
        if check_digit(data[:-1]) != data[-1]:
            raise FormatError(f"{data!r}: check digit {data[-1]} should be "
                f"{check_digit(data[:-1])}", where)
        try:
            due = dt.datetime.strptime(data[30:36], '%y%m%d').date()
        except ValueError:
            raise FormatError(f"due date {data[30:36]!r} is not YYMMDD",
                where) from None
        return cls(biller_code=data[2:8], key=data[8:29],
            reissue=int(data[29]), due_date=due, stamp=data[36] == '1',
            amount=int(data[37:43]))


@dataclass(frozen=True)
class Payment:
    "One payment at a store, from the collection agent's notice."
    kind: str          # 種別: 01 速報 (preliminary), 02 確定 (final), 03 取消
    paid_on: dt.date
    barcode: Barcode
    amount: int
    store_chain: str
    store: str
    transfer_date: dt.date
    line: int
    paid_time: str = '1200'   # 収納時刻 HHMM

    @property
    def key(self):
        """The payment's identity across notices: the same payment notified
        again (in a later file) has the same key, a second payment of the
        same slip (at another store or time) another."""
        return (f'{self.barcode.data()} {self.paid_on:%Y%m%d} '
            f'{self.paid_time} {self.store_chain} {self.store}')


COLUMNS = ['種別', '収納日', '収納時刻', 'バーコード情報', 'ユーザー使用欄1',
    'ユーザー使用欄2', '印紙フラグ', '金額', 'コンビニ本部コード', 'コンビニ名',
    '店舗コード', '振込日', 'データ作成日']
KINDS = {'01': 'preliminary', '02': 'final', '03': 'cancelled'}


def read_payments(data, name=''):
    """[Payment] of a payment notice (CSV with the header COLUMNS, Shift_JIS
    or UTF-8); every line is checked before any is returned."""
    payments, seen = [], set()
    for number, values in csv_rows(data, COLUMNS, name, strip=True):
        where = f"{name} line {number}".strip()
        choice(values['種別'], '種別', KINDS, where)
        barcode = Barcode.parse(values['バーコード情報'], where)
        amount = whole(values['金額'], '金額', where)
        if amount != barcode.amount:
            raise FormatError(f"金額 {amount} differs from the barcode's "
                f"{barcode.amount}", where)
        paid_time = values['収納時刻']
        if not (len(paid_time) == 4 and paid_time.isascii()
                and paid_time.isdigit() and int(paid_time[:2]) < 24
                and int(paid_time[2:]) < 60):
            raise FormatError(f"収納時刻 {paid_time!r} is not a time HHMM",
                where)
        key = (values['種別'], values['バーコード情報'], values['収納日'],
            values['収納時刻'], values['店舗コード'])
        if key in seen:
            raise FormatError("the same payment appears twice", where)
        seen.add(key)
        payments.append(Payment(KINDS[values['種別']],
                date(values['収納日'], '収納日', where), barcode,
                amount, values['コンビニ本部コード'], values['店舗コード'],
                date(values['振込日'], '振込日', where), number, paid_time))
    return payments


def write_payments(payments, created):
    "A payment notice as the collection agent writes it (Shift_JIS)."
    codes = {v: k for k, v in KINDS.items()}
    return csv_bytes(COLUMNS, [[codes[p.kind], f'{p.paid_on:%Y%m%d}',
                p.paid_time, p.barcode.data(), '', '',
                '1' if p.barcode.stamp else '0', p.amount, p.store_chain, '',
                p.store, f'{p.transfer_date:%Y%m%d}', f'{created:%Y%m%d}']
            for p in payments], encoding='cp932')
