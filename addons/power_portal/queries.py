# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The reads of the busiest member pages (usage) as single SQL queries that
return plain rows: each is scoped by the customer or by a contract the
caller has checked belongs to them."""
import datetime as dt
from collections import namedtuple
from decimal import Decimal

from sql import Null

from power_core.usage import DayProfile

from trytond.modules.power_cis.replica import read_cursor

ContractRow = namedtuple('ContractRow',
    'id number state supply_point address start_date end_date')
BilledRow = namedtuple('BilledRow', 'end kwh total revision state')


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def member_contracts(pool, party_id):
    "The customer's contracts, latest first."
    contract = pool.get('power.contract').__table__()
    point = pool.get('power.supply_point').__table__()
    cursor = read_cursor()
    cursor.execute(*contract.join(point,
            condition=contract.supply_point == point.id).select(
            contract.id, contract.number, contract.state, point.id,
            point.address, contract.start_date, contract.end_date,
            where=contract.customer == party_id,
            order_by=[contract.start_date.desc, contract.id.desc]))
    return [ContractRow(*row[:5], _date(row[5]), _date(row[6]))
        for row in cursor]


def day_profile(pool, supply_point, date):
    "The current 30-minute day of supply_point on date, or None."
    table = pool.get('power.usage.interval').__table__()
    cursor = read_cursor()
    from sql import Column
    cursor.execute(*table.select(Column(table, 'values'), table.quality,
            where=(table.supply_point == supply_point) & (table.date == date)
            & (table.superseded == Null), limit=1))
    row = cursor.fetchone()
    return DayProfile.decode(date, *row) if row else None


def billed(pool, contract_id, limit=40):
    "The contract's determinants, latest period first."
    table = pool.get('power.billing.determinant').__table__()
    cursor = read_cursor()
    cursor.execute(*table.select(table.end, table.kwh, table.total,
            table.revision, table.state,
            where=table.contract == contract_id,
            order_by=[table.end.desc, table.revision.desc], limit=limit))
    return [BilledRow(_date(end), Decimal(str(kwh)), total, revision, state)
        for end, kwh, total, revision, state in cursor]
