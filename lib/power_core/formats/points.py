"""Point programme (ポイント事業者) files: layout version 1
(docs/formats/points.md).

- Member check (ours): the member IDs customers registered, to verify.
- Member result (theirs): each ID valid or not, with a reason.
- Grant request (ours): the points earned by each paid bill.
- Grant result (theirs): each grant done or refused."""
import unicodedata
from dataclasses import dataclass

from power_core.formats import (
    FormatError, choice, csv_bytes, identifier, keyed_rows, whole)

MEMBER_COLUMNS = ['customer_number', 'member_id']
MEMBER_RESULT_COLUMNS = MEMBER_COLUMNS + ['status', 'reason']
GRANT_COLUMNS = ['grant_id', 'customer_number', 'member_id', 'invoice',
    'amount', 'points']
GRANT_RESULT_COLUMNS = GRANT_COLUMNS + ['status', 'reason']
MEMBER_STATUSES = ('valid', 'invalid')
GRANT_STATUSES = ('granted', 'refused')


@dataclass(frozen=True)
class Member:
    customer_number: str
    member_id: str
    status: str = None
    reason: str = ''
    line: int = 0


@dataclass(frozen=True)
class Grant:
    grant_id: str
    customer_number: str
    member_id: str
    invoice: str
    amount: int
    points: int
    status: str = None
    reason: str = ''
    line: int = 0


def points_for(amount, yen_per_point=200):
    "Points a paid bill of amount yen earns: one per yen_per_point, down."
    return max(int(amount), 0) // yen_per_point


def check_member_id(member_id):
    "member_id with full-width digits made half-width, checked."
    value = unicodedata.normalize('NFKC', member_id or '').strip()
    if not (value.isascii() and value.isdigit() and 8 <= len(value) <= 16):
        raise FormatError(f"member ID {value!r} is not 8 to 16 digits",
            'member_id', value)
    return value


def write_members(members, result=False):
    if result:
        return csv_bytes(MEMBER_RESULT_COLUMNS, [[m.customer_number,
                    m.member_id, m.status, m.reason] for m in members])
    return csv_bytes(MEMBER_COLUMNS, [[m.customer_number, m.member_id]
            for m in members])


def write_grants(grants, result=False):
    rows = []
    for g in grants:
        row = [g.grant_id, g.customer_number, g.member_id, g.invoice,
            g.amount, g.points]
        if result:
            row += [g.status, g.reason]
        rows.append(row)
    return csv_bytes(GRANT_RESULT_COLUMNS if result else GRANT_COLUMNS, rows)


def _member_id(text, where):
    "A member ID as the programme writes it: 8 to 16 ASCII digits."
    if not (8 <= len(text) <= 16 and text.isascii() and text.isdigit()):
        raise FormatError(f"member_id {text!r} is not 8 to 16 digits", where)


def read_members(data, name='', result=True):
    columns = MEMBER_RESULT_COLUMNS if result else MEMBER_COLUMNS
    members = []
    for number, v, where in keyed_rows(
            data, columns, name, 'customer_number'):
        _member_id(v['member_id'], where)
        status = v.get('status')
        if result:
            choice(status, 'status', MEMBER_STATUSES, where)
        members.append(Member(v['customer_number'], v['member_id'], status,
                v.get('reason', ''), number))
    return members


def read_grants(data, name='', result=True):
    columns = GRANT_RESULT_COLUMNS if result else GRANT_COLUMNS
    grants = []
    for number, v, where in keyed_rows(data, columns, name, 'grant_id'):
        identifier(v['customer_number'], 'customer_number', where)
        _member_id(v['member_id'], where)
        status = v.get('status')
        if result:
            choice(status, 'status', GRANT_STATUSES, where)
        grants.append(Grant(v['grant_id'], v['customer_number'],
                v['member_id'], v['invoice'],
                whole(v['amount'], 'amount', where),
                whole(v['points'], 'points', where), status,
                v.get('reason', ''), number))
    return grants
