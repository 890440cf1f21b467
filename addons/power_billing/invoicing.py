# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Posted customer invoices written set-wise.

Stock Tryton creates and posts an invoice record by record (taxes are
recomputed about five times per invoice, each line checked one by one):
about 3 invoices per second end to end on our machine (docs/baselines.md). A
billing run posts tens of thousands of invoices whose amounts are already
decided by the rating engine, so this writer inserts the same rows stock
posting would leave (invoice, lines and their taxes, invoice tax, the move
numbered and posted, its lines with their tax lines) with one statement per
table and batch, numbers taken at the end from the same strict
sequences, and the same checks: the period is open, the move balances, the
invoice adds up. The module test `test_fast_invoice_equals_stock` posts the
same invoice both ways and compares every column.

Invoices whose total is zero or negative go through stock posting (Tryton
reconciles zero receivables and numbers credit notes differently); they are
rare in a billing run. The invoice document is rendered when first
printed, not in the posting transaction."""
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from power_core.billing import allocate
from sql.aggregate import Sum

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index
from trytond.modules.account_invoice.exceptions import InvoiceNumberError
from trytond.modules.power_cis.common import ServerReadonly, now
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


@dataclass
class InvoiceLine:
    description: str
    amount: int            # tax excluded, yen
    account: int
    origin: str = None     # 'model,id'
    taxed: bool = True     # False for what consumption tax does not
                           # apply to (late interest, 不課税)


@dataclass
class InvoiceData:
    """One customer invoice: amounts decided, tax included once."""
    party: int
    address: int
    account: int           # receivable
    date: object           # invoice and accounting date
    due_date: object
    lines: list
    tax: int
    description: str = None
    reference: str = None
    id: int = field(default=None)   # set once written

    @property
    def untaxed(self):
        return sum(l.amount for l in self.lines)

    @property
    def total(self):
        return self.untaxed + self.tax

    @property
    def tax_base(self):
        return sum(l.amount for l in self.lines if l.taxed)


def insert(table, columns, rows):
    """Insert rows with one statement per thousand; the ids in row order
    (ids from one statement increase in the order of its rows)."""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    database = transaction.database
    ids = []
    if not rows:
        return ids
    if backend.name == 'postgresql':
        return _insert_arrays(cursor, table, columns, rows)
    if _returning(database):
        for start in range(0, len(rows), 1000):
            query, params = tuple(table.insert(
                    columns, rows[start:start + 1000]))
            cursor.execute(query + ' RETURNING id', params)
            ids += sorted(r[0] for r in cursor)
    else:
        for row in rows:
            cursor.execute(*table.insert(columns, [row]))
            ids.append(database.lastid(cursor))
    return ids


# (database, table) → {column: SQL type}
_COLUMN_TYPES = {}


def _insert_arrays(cursor, table, columns, rows):
    """PostgreSQL: one INSERT ... SELECT FROM unnest(one array per column)
    per 5,000 rows. The statement has as many parameters as columns, so
    psycopg parses it once (a VALUES list of 25,000 parameters costs it
    more to parse than the server to insert)."""
    types = _column_types(cursor, table, columns)
    names = ', '.join(f'"{c.name}"' for c in columns)
    arrays = ', '.join(f'%s::{types[c.name]}[]' for c in columns)
    query = (f'INSERT INTO "{table._name}" ({names}) '
        f'SELECT * FROM unnest({arrays}) RETURNING "id"')
    ids = []
    for start in range(0, len(rows), 5000):
        cursor.execute(query, [list(values)
                for values in zip(*rows[start:start + 5000])])
        ids += sorted(r[0] for r in cursor)
    return ids


def update(table, columns, rows):
    """Set columns of the rows given as (id, value, ...): on PostgreSQL in
    one UPDATE … FROM unnest(arrays) per 5,000 rows, elsewhere one by
    one."""
    if not rows:
        return
    cursor = Transaction().connection.cursor()
    if backend.name != 'postgresql':
        for id_, *values in rows:
            cursor.execute(*table.update(columns, values,
                    where=table.id == id_))
        return
    types = _column_types(cursor, table, columns)
    names = ['id'] + [c.name for c in columns]
    arrays = ', '.join(['%s::integer[]'] + [f'%s::{types[c.name]}[]'
            for c in columns])
    query = (f'UPDATE "{table._name}" AS t SET '
        + ', '.join(f'"{c.name}" = v."{c.name}"' for c in columns)
        + f' FROM unnest({arrays}) AS v('
        + ', '.join(f'"{n}"' for n in names) + ') WHERE t.id = v.id')
    for start in range(0, len(rows), 5000):
        cursor.execute(query, [list(values)
                for values in zip(*rows[start:start + 5000])])


def _column_types(cursor, table, columns):
    "{column name: SQL type} of table (PostgreSQL), cached."
    key = (Transaction().database.name, table._name)
    if not {c.name for c in columns} <= _COLUMN_TYPES.get(key, {}).keys():
        cursor.execute('SELECT attname, format_type(atttypid, atttypmod) '
            'FROM pg_attribute WHERE attrelid = %s::regclass '
            'AND attnum > 0 AND NOT attisdropped', (table._name,))
        _COLUMN_TYPES[key] = dict(cursor)
    return _COLUMN_TYPES[key]


def _returning(database):
    if database.has_returning():
        return True
    # SQLite has RETURNING since 3.35; trytond's backend does not say so
    import sqlite3
    return (backend.name == 'sqlite'
        and sqlite3.sqlite_version_info >= (3, 35))


def post_invoices(invoices, company, journal, tax, number=True):
    """Create and post invoices (InvoiceData with total > 0) set-wise, all
    in the invoice and accounting date of each; sets each InvoiceData.id and
    returns the ids. With number=False the Numbering is returned, to apply
    as the last write of the transaction."""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Line = pool.get('account.invoice.line')
    InvoiceTax = pool.get('account.invoice.tax')
    Move = pool.get('account.move')
    MoveLine = pool.get('account.move.line')
    TaxLine = pool.get('account.tax.line')
    Period = pool.get('account.period')
    Date = pool.get('ir.date')
    transaction = Transaction()
    user = transaction.user
    created = now()
    with transaction.set_context(company=company.id):
        today = Date.today()

    numbering = Numbering()
    by_date = defaultdict(list)
    for data in invoices:
        if data.total <= 0:
            raise ValueError("post_invoices takes positive totals only")
        if sum(l.amount for l in data.lines) + data.tax != data.total:
            raise ValueError("invoice does not add up")
        by_date[data.date].append(data)

    invoice_t = Invoice.__table__()
    line_t = Line.__table__()
    line_tax_t = pool.get('account.invoice.line-account.tax').__table__()
    invoice_tax_t = InvoiceTax.__table__()
    move_t = Move.__table__()
    move_line_t = MoveLine.__table__()
    tax_line_t = TaxLine.__table__()

    for date, group in sorted(by_date.items()):
        period = Period.find(company, date=date)
        template = Invoice(company=company, type='out', invoice_date=date,
            accounting_date=None, sequence_type_cache='invoice')
        sequence, _ = template._number_sequence()
        later = Invoice.search([
                ('sequence', '=', sequence.id),
                ('invoice_date', '>', date),
                ], limit=1, order=[('invoice_date', 'DESC')])
        if later:
            raise InvoiceNumberError(gettext(
                    'account_invoice.msg_invoice_number_after',
                    invoice=group[0].description or '',
                    sequence=sequence.rec_name, date=date,
                    after_invoice=later[0].rec_name))
        # moves first: the invoice points to its move; numbers are taken
        # last (see Numbering)
        move_ids = insert(move_t, [
                move_t.company, move_t.journal, move_t.period, move_t.date,
                move_t.post_date, move_t.state,
                move_t.create_uid, move_t.create_date,
                move_t.write_uid, move_t.write_date],
            [[company.id, journal.id, period.id, date, today,
                    'posted', user, created, user, created]
                for _ in group])

        invoice_ids = insert(invoice_t, [
                invoice_t.company, invoice_t.type, invoice_t.party,
                invoice_t.invoice_address, invoice_t.account,
                invoice_t.currency, invoice_t.journal, invoice_t.invoice_date,
                invoice_t.payment_term_date,
                invoice_t.sequence, invoice_t.sequence_type_cache,
                invoice_t.move, invoice_t.state, invoice_t.description,
                invoice_t.reference,
                invoice_t.untaxed_amount_cache, invoice_t.tax_amount_cache,
                invoice_t.total_amount_cache, invoice_t.payment_direct_debit,
                invoice_t.create_uid, invoice_t.create_date,
                invoice_t.write_uid, invoice_t.write_date],
            [[company.id, 'out', d.party, d.address, d.account,
                    company.currency.id, journal.id, date, d.due_date,
                    sequence.id, 'invoice', move_id,
                    'posted', d.description, d.reference,
                    Decimal(d.untaxed), Decimal(d.tax), Decimal(d.total),
                    False, user, created, user, created]
                for d, move_id in zip(group, move_ids)])
        numbering.add(date, sequence.id, invoice_ids,
            period.move_sequence_used.id, move_ids)
        update(move_t, [move_t.origin], [
                (move_id, f'account.invoice,{invoice_id}')
                for move_id, invoice_id in zip(move_ids, invoice_ids)])

        line_rows, line_owners = [], []
        tax_rows = []
        for d, invoice_id in zip(group, invoice_ids):
            d.id = invoice_id
            for sequence_, line in enumerate(d.lines, 1):
                line_rows.append([invoice_id, 'line', sequence_,
                        line.description, 1.0, Decimal(line.amount),
                        line.account, company.id, company.currency.id,
                        Decimal(1), line.origin,
                        user, created])
                line_owners.append((d, line))
            tax_rows.append([invoice_id, tax.id, tax.description,
                    tax.invoice_account.id, Decimal(d.tax_base),
                    Decimal(d.tax), False, user, created])
        line_ids = insert(line_t, [
                line_t.invoice, line_t.type, line_t.sequence,
                line_t.description, line_t.quantity, line_t.unit_price,
                line_t.account, line_t.company, line_t.currency,
                line_t.taxes_deductible_rate, line_t.origin,
                line_t.create_uid, line_t.create_date], line_rows)
        insert(line_tax_t, [line_tax_t.line, line_tax_t.tax,
                line_tax_t.create_uid, line_tax_t.create_date],
            [[line_id, tax.id, user, created]
                for line_id, (_, line) in zip(line_ids, line_owners)
                if line.taxed])
        invoice_tax_ids = insert(invoice_tax_t, [
                invoice_tax_t.invoice, invoice_tax_t.tax,
                invoice_tax_t.description, invoice_tax_t.account,
                invoice_tax_t.base, invoice_tax_t.amount,
                invoice_tax_t.manual,
                invoice_tax_t.create_uid, invoice_tax_t.create_date],
            tax_rows)

        # move lines: revenue (credit), tax (credit), receivable (debit)
        by_invoice = {d.id: m for d, m in zip(group, move_ids)}
        rows, tax_line_specs = [], []
        for origin_id, (d, line) in zip(line_ids, line_owners):
            if not line.amount:
                continue
            amount = Decimal(line.amount)
            rows.append([by_invoice[d.id], line.account,
                    max(-amount, Decimal(0)), max(amount, Decimal(0)),
                    None, None, None, f'account.invoice.line,{origin_id}',
                    'valid', False, False, user, created])
            if line.taxed:
                tax_line_specs.append((len(rows) - 1, amount, 'base'))
        for d, invoice_tax_id in zip(group, invoice_tax_ids):
            if d.tax:
                rows.append([by_invoice[d.id], tax.invoice_account.id,
                        Decimal(0), Decimal(d.tax), tax.description, None,
                        None, f'account.invoice.tax,{invoice_tax_id}',
                        'valid', False, False, user, created])
                tax_line_specs.append((len(rows) - 1, Decimal(d.tax), 'tax'))
        for d in group:
            rows.append([by_invoice[d.id], d.account, Decimal(d.total),
                    Decimal(0), d.description, d.party, d.due_date, None,
                    'valid', False, False, user, created])
        move_line_ids = insert(move_line_t, [
                move_line_t.move, move_line_t.account, move_line_t.debit,
                move_line_t.credit, move_line_t.description,
                move_line_t.party, move_line_t.maturity_date,
                move_line_t.origin, move_line_t.state,
                move_line_t.payment_blocked, move_line_t.payment_direct_debit,
                move_line_t.create_uid, move_line_t.create_date], rows)
        insert(tax_line_t, [tax_line_t.move_line, tax_line_t.tax,
                tax_line_t.amount, tax_line_t.type,
                tax_line_t.create_uid, tax_line_t.create_date],
            [[move_line_ids[index], tax.id, amount, type_, user, created]
                for index, amount, type_ in tax_line_specs])
        _check_balanced(move_ids)
    if number:
        numbering.apply()
        return [d.id for d in invoices]
    return numbering


class Numbering:
    """The invoice and move numbers of written invoices, taken at the end
    of the transaction from the same strict sequences with one UPDATE per
    sequence: the row stays locked only until the commit, so billing
    workers wait for each other only that long (stock numbering locks the
    sequences from the start of the transaction), and the numbers stay
    gapless and in order."""

    def __init__(self):
        self.groups = []

    def add(self, date, invoice_sequence, invoice_ids, move_sequence,
            move_ids):
        self.groups.append(
            (date, invoice_sequence, invoice_ids, move_sequence, move_ids))

    def extend(self, other):
        "Take over the groups of other (a Numbering), in their order."
        self.groups.extend(other.groups)

    def apply(self):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Move = pool.get('account.move')
        invoice_t = Invoice.__table__()
        move_t = Move.__table__()
        for date, invoice_sequence, invoice_ids, move_sequence, move_ids in (
                self.groups):
            update(invoice_t, [invoice_t.number, invoice_t.number_alnum,
                    invoice_t.number_digit], [
                    (id_, number, re.sub(r'[\W_]', '', number),
                        _digits(number))
                    for number, id_ in zip(take_numbers(invoice_sequence,
                            len(invoice_ids), date), invoice_ids)])
            update(move_t, [move_t.number], [(id_, number)
                    for number, id_ in zip(take_numbers(move_sequence,
                            len(move_ids), date), move_ids)])
        self.groups = []


def take_numbers(sequence_id, n, date):
    """n numbers of a strict incremental sequence, formatted as its
    get_many does; the sequence row is locked by the UPDATE until the
    commit."""
    pool = Pool()
    Sequence = pool.get('ir.sequence.strict')
    transaction = Transaction()
    table = Sequence.__table__()
    cursor = transaction.connection.cursor()
    cursor.execute(*table.update(
            [table.number_next_internal],
            [table.number_next_internal + table.number_increment * n],
            where=table.id == sequence_id))
    cursor.execute(*table.select(
            table.number_next_internal, table.number_increment,
            table.padding, table.prefix, table.suffix, table.type,
            where=table.id == sequence_id))
    end, increment, padding, prefix, suffix, type_ = cursor.fetchone()
    if type_ != 'incremental':
        raise ValueError(f"sequence {sequence_id} is not incremental")
    # what Tryton cached of the sequence is stale now
    forget(Sequence.__name__, [sequence_id])
    template = Sequence()
    with transaction.set_context(date=date):
        prefix = template._process(prefix)
        suffix = template._process(suffix)
    start = end - increment * n
    return [f'{prefix}{number:0>{padding or 0}d}{suffix}'
        for number in range(start, end, increment)]


def forget(model, ids):
    """Drop what the transaction cached of model's records ids (changed in
    SQL, below the ORM): they are read again."""
    transaction = Transaction()
    transaction.counter += 1
    for cache in transaction.cache.values():
        cached = cache.get(model, {})
        for id_ in ids:
            cached.pop(id_, None)


def _check_balanced(move_ids):
    "The moves balance, as Move.post checks; raise otherwise."
    pool = Pool()
    MoveLine = pool.get('account.move.line')
    line = MoveLine.__table__()
    cursor = Transaction().connection.cursor()
    for sub in grouped_slice(move_ids, 1000):
        cursor.execute(*line.select(line.move,
                where=line.move.in_(list(sub)), group_by=line.move,
                having=Sum(line.debit - line.credit) != 0))
        unbalanced = cursor.fetchone()
        if unbalanced:
            raise ValueError(f"account move {unbalanced[0]} does not balance")


def _digits(number):
    try:
        return int(re.sub(r'\D', '', number or '')[-18:])
    except ValueError:
        return None


def post_stock(data, company, journal, tax):
    """Create and post one invoice through stock Tryton (zero and negative
    totals); the tax taken from the bill is kept on its tax line."""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Line = pool.get('account.invoice.line')
    invoice = Invoice(type='out', company=company, party=data.party,
        invoice_address=data.address, account=data.account,
        journal=journal, currency=company.currency, invoice_date=data.date,
        payment_term_date=data.due_date, description=data.description,
        reference=data.reference)
    invoice.lines = [Line(type='line', account=line.account, quantity=1,
            unit_price=Decimal(line.amount), description=line.description,
            sequence=n, taxes=[tax] if line.taxed else [],
            currency=company.currency,
            company=company, origin=line.origin)
        for n, line in enumerate(data.lines, 1)]
    invoice.save()
    Invoice.update_taxes([invoice])
    # the bill's tax, taken once from its total, shared over the tax lines
    # (stock Tryton keeps one for the positive lines and one for the
    # negative ones); only their bases are checked when posting
    taxes = list(invoice.taxes)
    for invoice_tax, share in zip(taxes, allocate(
                data.tax, [t.base for t in taxes])):
        invoice_tax.amount = Decimal(share)
    InvoiceTax = pool.get('account.invoice.tax')
    InvoiceTax.save(taxes)
    with Transaction().set_context(_skip_warnings=True):
        Invoice.post([invoice])
    data.id = invoice.id
    return invoice


class Invoice(ServerReadonly, metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # "no invoice of this sequence is dated later" (checked by every
        # billing chunk and by Tryton's numbering): without it a scan of
        # every invoice, a third of a second a chunk at 1.1 million
        cls._sql_indexes.add(Index(t, (t.sequence, Index.Equality()),
                (t.invoice_date, Index.Range())))

