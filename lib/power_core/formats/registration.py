"""Payment method registration checks: layout version 1
(docs/formats/registration.md).

Before a new bank account is debited (口座振替依頼書の登録確認) or a new card
token is charged, the CIS asks the bank or the card agent whether it is
registered and usable; the answer marks the payment method valid or
invalid. UTF-8 CSV, CRLF, a header line. A card check carries the token
only, never a card number."""
from dataclasses import dataclass

from power_core.formats import (
    FormatError, choice, csv_bytes, identifier, keyed_rows, whole)
from power_core.formats.zengin import ACCOUNT_TYPES
from power_core.payments import find_card_number

BANK_COLUMNS = ['customer_number', 'bank_code', 'branch_code',
    'account_type', 'account_number', 'holder']
CARD_COLUMNS = ['customer_number', 'token']
RESULT_COLUMNS = ['customer_number', 'status', 'code', 'reason']
STATUSES = ('ok', 'ng')


@dataclass(frozen=True)
class Check:
    customer_number: str
    token: str = ''                 # card
    bank_code: str = ''             # bank
    branch_code: str = ''
    account_type: str = ''
    account_number: str = ''
    holder: str = ''


@dataclass(frozen=True)
class Result:
    customer_number: str
    status: str
    code: str = ''
    reason: str = ''
    line: int = 0

    @property
    def ok(self):
        return self.status == 'ok'


def write_checks(checks, kind):
    "A check request of kind 'bank' or 'card'."
    if kind == 'card':
        for check in checks:
            if find_card_number(check.token):
                raise FormatError("a card check carries tokens only",
                    check.customer_number)
        return csv_bytes(CARD_COLUMNS, [[c.customer_number, c.token]
                for c in checks])
    return csv_bytes(BANK_COLUMNS, [[c.customer_number, c.bank_code,
                c.branch_code, c.account_type, c.account_number, c.holder]
            for c in checks])


def read_checks(data, kind, name=''):
    "[Check] of a request of kind 'bank' or 'card', every line checked."
    columns = CARD_COLUMNS if kind == 'card' else BANK_COLUMNS
    checks = []
    for _, v, where in keyed_rows(data, columns, name, 'customer_number'):
        if kind == 'card':
            identifier(v['token'], 'token', where)
            if find_card_number(v['token']):
                raise FormatError("a card check carries tokens only", where)
        else:
            for column, length in (('bank_code', 4), ('branch_code', 3),
                    ('account_number', 7)):
                whole(v[column], column, where)
                if len(v[column]) != length:
                    raise FormatError(f"{column} {v[column]!r} is not "
                        f"{length} digits", where)
            choice(v['account_type'], 'account_type', ACCOUNT_TYPES, where)
            if not v['holder']:
                raise FormatError("holder is empty", where)
        checks.append(Check(**v))
    return checks


def write_results(results):
    return csv_bytes(RESULT_COLUMNS, [[r.customer_number, r.status, r.code,
                r.reason] for r in results])


def read_results(data, name=''):
    "[Result]; every line checked before any is returned."
    results = []
    for number, v, where in keyed_rows(
            data, RESULT_COLUMNS, name, 'customer_number'):
        choice(v['status'], 'status', STATUSES, where)
        if v['status'] == 'ng' and not v['code']:
            raise FormatError("a refusal needs its code", where)
        results.append(Result(v['customer_number'], v['status'], v['code'],
                v['reason'], number))
    return results
