"""Card payment agent (クレジットカード決済代行) files: layout version 1
(docs/formats/card-agent.md).

Only the agent's token and a masked number ever travel or are stored: a
file holding anything that looks like a full card number (13-19 digits
passing the Luhn check) is refused whole.

- Billing request (ours): one charge per bill.
- Billing result (the agent's): approved or declined, with its code.
- Refresh result (洗替, monthly, the agent's): whether each stored card is
  still valid, renewed (new expiry, maybe a new masked number) or invalid."""
import datetime as dt
from dataclasses import dataclass

from power_core.formats import (
    FormatError, choice, csv_bytes, date, identifier, keyed_rows, whole)
from power_core.payments import find_card_number

REQUEST_COLUMNS = ['request_id', 'customer_number', 'token', 'amount',
    'invoice']
RESULT_COLUMNS = REQUEST_COLUMNS + ['status', 'code', 'authorization',
    'processed']
REFRESH_COLUMNS = ['token', 'customer_number', 'status', 'expiry',
    'masked_number', 'code']
STATUSES = ('approved', 'declined')
REFRESH_STATUSES = ('valid', 'renewed', 'invalid')
# the agent's decline codes we explain (others are shown as they come)
DECLINE_CODES = {
    'G12': "カード利用不可",
    'G30': "取引判定保留",
    'G54': "利用限度額超過",
    'G55': "限度額超過",
    'G56': "有効期限切れ",
    'G65': "会員番号エラー",
    'G83': "有効期限エラー",
    }


@dataclass(frozen=True)
class Charge:
    request_id: str
    customer_number: str
    token: str
    amount: int
    invoice: str
    status: str = None        # in results
    code: str = ''
    authorization: str = ''
    processed: dt.date = None
    line: int = 0

    @property
    def approved(self):
        return self.status == 'approved'


@dataclass(frozen=True)
class Refresh:
    token: str
    customer_number: str
    status: str
    expiry: str = ''          # YYYYMM
    masked_number: str = ''
    code: str = ''
    line: int = 0


def _no_card_numbers(data, name):
    text = data.decode('utf-8', 'replace')
    for number, line in enumerate(text.splitlines(), 1):
        if find_card_number(line):
            raise FormatError("holds what looks like a full card number; "
                "only tokens and masked numbers may be exchanged",
                f"{name} line {number}".strip())


def write_request(charges):
    return csv_bytes(REQUEST_COLUMNS, [[c.request_id, c.customer_number,
                c.token, c.amount, c.invoice] for c in charges])


def write_result(charges):
    return csv_bytes(RESULT_COLUMNS, [[c.request_id, c.customer_number,
                c.token, c.amount, c.invoice, c.status, c.code,
                c.authorization, f'{c.processed:%Y%m%d}']
            for c in charges])


def write_refresh(refreshes):
    return csv_bytes(REFRESH_COLUMNS, [[r.token, r.customer_number, r.status,
                r.expiry, r.masked_number, r.code] for r in refreshes])


def _charges(data, name, columns):
    _no_card_numbers(data, name)
    charges = []
    for number, v, where in keyed_rows(data, columns, name, 'request_id'):
        for column in ('customer_number', 'token'):
            identifier(v[column], column, where)
        values = dict(request_id=v['request_id'],
            customer_number=v['customer_number'], token=v['token'],
            amount=whole(v['amount'], 'amount', where, 1), invoice=v['invoice'],
            line=number)
        if 'status' in columns:
            choice(v['status'], 'status', STATUSES, where)
            if v['status'] == 'declined' and not v['code']:
                raise FormatError("a declined charge needs its code", where)
            processed = date(v['processed'], 'processed', where)
            values.update(status=v['status'], code=v['code'],
                authorization=v['authorization'], processed=processed)
        charges.append(Charge(**values))
    return charges


def read_request(data, name=''):
    return _charges(data, name, REQUEST_COLUMNS)


def read_result(data, name=''):
    "[Charge] with their status; every line checked before any returns."
    return _charges(data, name, RESULT_COLUMNS)


def read_refresh(data, name=''):
    _no_card_numbers(data, name)
    refreshes = []
    for number, v, where in keyed_rows(
            data, REFRESH_COLUMNS, name, 'token'):
        identifier(v['customer_number'], 'customer_number', where)
        choice(v['status'], 'status', REFRESH_STATUSES, where)
        expiry = v['expiry']
        if expiry:
            date(expiry, 'expiry', where, '%Y%m')
        if v['status'] == 'renewed' and not expiry:
            raise FormatError("a renewed card needs its new expiry", where)
        refreshes.append(Refresh(v['token'], v['customer_number'],
                v['status'], expiry, v['masked_number'], v['code'], number))
    return refreshes
