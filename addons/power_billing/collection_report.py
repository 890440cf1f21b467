# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The collection reports, as XLSX or PDF (power_core.tables): accounts
receivable summary and detail (売掛金集計・明細表), receipts summary and
detail (入金集計・明細表), the monthly receipts report (入金月報), dunning
targets, a customer's statement and the collection agency list. Each run
is kept in the report output history."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Coalesce
from sql.operators import Exists

from power_core.tables import Column, Table, render_pdf, write_xlsx

from trytond.model import ModelView, fields
from trytond.modules.power_cis.common import (
    FileResult, FileWizard, file_states)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .notice import _one_line
from .receipt import CHANNELS

REPORTS = [
    ('ar_summary', "Accounts Receivable Summary (売掛金集計表)"),
    ('ar_detail', "Accounts Receivable Detail (売掛金明細表)"),
    ('receipts_summary', "Receipts Summary (入金集計表)"),
    ('receipts_detail', "Receipts Detail (入金明細表)"),
    ('receipts_monthly', "Monthly Receipts Report (入金月報)"),
    ('dunning_targets', "Dunning Targets (督促対象一覧)"),
    ('statement', "Customer Statement (取引明細)"),
    ('collection_agency', "Collection Agency List (債権回収委託リスト)"),
    ]
BUCKETS = [(0, '期限内'), (30, '1〜30日'), (60, '31〜60日'), (90, '61〜90日'),
    (None, '91日以上')]
CHANNEL_NAMES = {'bank': '口座振替', 'card': 'クレジットカード',
    'konbini': 'コンビニ', 'transfer': '銀行振込', 'credit': '充当'}
OUTCOME_NAMES = {'matched': '消込済', 'partial': '一部入金',
    'overpaid': '過入金', 'unallocated': '未割当', 'unmatched': '顧客不明'}


def bucket(days):
    for limit, label in BUCKETS:
        if limit is None or days <= limit:
            return label


def receivable_items(as_of, parties=None):
    """The open receivable of each customer (of the parties a python-sql
    query selects, when given): [dict] of invoices with money to pay and open credits
    (overpayments, unapplied receipts), as of today's reconciliations, for
    documents dated up to as_of; 'party' is the party id.

    In SQL, set-wise, as Tryton's Invoice.amount_to_pay counts for a
    single-currency company: the unreconciled lines to pay of the invoice's
    move (its receivable account) and its unreconciled payment lines; read
    through the ORM this took minutes on 100,000 customers."""
    pool = Pool()
    invoice = pool.get('account.invoice').__table__()
    line = pool.get('account.move.line').__table__()
    paying = pool.get('account.invoice-account.move.line').__table__()
    move = pool.get('account.move').__table__()
    account = pool.get('account.account').__table__()
    type_ = pool.get('account.account.type').__table__()
    party = pool.get('party.party').__table__()
    cursor = Transaction().connection.cursor()
    total, open_amount = _invoice_amounts(invoice)
    where = ((invoice.type == 'out') & (invoice.state == 'posted')
        & (invoice.invoice_date <= as_of))
    if parties is not None:
        where &= invoice.party.in_(parties)
    cursor.execute(*invoice.join(party, condition=invoice.party == party.id
            ).select(party.id, party.customer_number, party.name,
            invoice.number, invoice.invoice_date, invoice.payment_term_date,
            total, open_amount,
            where=where, order_by=[invoice.invoice_date, invoice.id]))
    items = []
    for (party_id, number, name, document, date, due_date, total_,
            open_) in cursor.fetchall():
        open_ = _yen(open_)
        if not open_:
            continue
        date, due_date = _day(date), _day(due_date)
        days = max((as_of - due_date).days, 0)
        items.append({'customer_number': number, 'customer': name,
                'document': document, 'kind': '請求', 'date': date,
                'due_date': due_date, 'total': _yen(total_),
                'paid': _yen(total_) - open_, 'open': open_, 'days': days,
                'bucket': bucket(days), 'party': party_id})
    where = ((type_.receivable == Literal(True)) & (line.reconciliation == Null)
        & (line.credit > 0) & (move.state == 'posted') & (move.date <= as_of)
        & ~Exists(paying.select(paying.id, where=paying.line == line.id))
        & ((move.origin == Null) | ~move.origin.like('account.invoice,%')))
    if parties is not None:
        where &= line.party.in_(parties)
    cursor.execute(*line.join(move, condition=line.move == move.id
            ).join(account, condition=line.account == account.id
            ).join(type_, condition=account.type == type_.id
            ).join(party, 'LEFT', condition=line.party == party.id
            ).select(party.id, party.customer_number, party.name,
            move.number, move.date, line.credit, where=where,
            order_by=[move.date, line.id]))
    for party_id, number, name, document, date, credit in cursor.fetchall():
        items.append({'customer_number': number or '',
                'customer': name or '', 'document': document,
                'kind': '前受・過入金', 'date': _day(date), 'due_date': None,
                'total': -_yen(credit), 'paid': 0, 'open': -_yen(credit),
                'days': 0, 'bucket': '前受', 'party': party_id})
    return items


def _invoice_amounts(invoice):
    """SQL expressions of an invoice's total and open amount (as
    Invoice.amount_to_pay for one currency): its receivable lines, and
    those of them and of its payment lines not reconciled."""
    pool = Pool()
    line = pool.get('account.move.line').__table__()
    paid = pool.get('account.move.line').__table__()
    paying = pool.get('account.invoice-account.move.line').__table__()
    to_pay = (line.move == invoice.move) & (line.account == invoice.account)
    total = line.select(Sum(line.debit - line.credit), where=to_pay)
    open_lines = line.select(Sum(line.debit - line.credit),
        where=to_pay & (line.reconciliation == Null))
    paid_lines = paying.join(paid, condition=paying.line == paid.id).select(
        Sum(paid.debit - paid.credit), where=(paying.invoice == invoice.id)
        & (paid.reconciliation == Null))
    return total, Coalesce(open_lines, 0) + Coalesce(paid_lines, 0)


def _invoice_id(origin):
    "The invoice id of a move's origin, or None."
    if (origin or '').startswith('account.invoice,'):
        return int(origin.split(',')[1])
    return None


def _yen(value):
    return int(Decimal(str(value or 0)))


def _day(value):
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def ar_detail(as_of):
    return Table('売掛金明細表', [
            Column('customer_number', 'お客さま番号'),
            Column('customer', 'お客さま名'),
            Column('document', '請求書番号'), Column('kind', '区分'),
            Column('date', '請求日', 'date'),
            Column('due_date', '支払期日', 'date'),
            Column('total', '請求額', 'yen', True),
            Column('paid', '入金済', 'yen', True),
            Column('open', '未収額', 'yen', True),
            Column('days', '経過日数', 'int'), Column('bucket', '年齢区分')],
        receivable_items(as_of), subtitle=f'{as_of} 現在')


def ar_summary(as_of):
    sums = defaultdict(lambda: {'count': 0, 'customers': set(), 'open': 0})
    for item in receivable_items(as_of):
        row = sums[item['bucket']]
        row['count'] += 1
        row['customers'].add(item['customer_number'])
        row['open'] += item['open']
    order = ['前受'] + [label for _, label in BUCKETS]
    rows = [{'bucket': label, 'count': sums[label]['count'],
            'customers': len(sums[label]['customers']),
            'open': sums[label]['open']} for label in order if label in sums]
    return Table('売掛金集計表', [Column('bucket', '年齢区分'),
            Column('count', '件数', 'int', True),
            Column('customers', 'お客さま数', 'int'),
            Column('open', '未収額', 'yen', True)], rows,
        subtitle=f'{as_of} 現在')


def _receipts(start, end):
    Receipt = Pool().get('power.payment.receipt')
    return Receipt.search([('date', '>=', start), ('date', '<=', end)],
        order=[('date', 'ASC'), ('id', 'ASC')])


def receipts_detail(start, end):
    rows = [{'date': r.date, 'channel': CHANNEL_NAMES.get(r.channel),
            'customer_number': r.party.customer_number if r.party
            else r.customer_number, 'customer': r.party.name if r.party
            else '', 'reference': ', '.join(i.number or '' for i in r.invoices)
            or r.reference, 'amount': r.amount, 'allocated': r.allocated or 0,
            'credit': r.credit or 0, 'outcome': OUTCOME_NAMES.get(r.outcome),
            'source': r.source or ''} for r in _receipts(start, end)]
    return Table('入金明細表', [Column('date', '入金日', 'date'),
            Column('channel', '入金方法'),
            Column('customer_number', 'お客さま番号'),
            Column('customer', 'お客さま名'), Column('reference', '請求書'),
            Column('amount', '入金額', 'yen', True),
            Column('allocated', '消込額', 'yen', True),
            Column('credit', '前受・仮受', 'yen', True),
            Column('outcome', '結果'), Column('source', 'データ')], rows,
        subtitle=f'{start} 〜 {end}')


def receipts_summary(start, end):
    sums = defaultdict(lambda: defaultdict(int))
    for r in _receipts(start, end):
        row = sums[r.channel]
        row['count'] += 1
        row['amount'] += r.amount
        row['allocated'] += r.allocated or 0
        row['credit'] += r.credit or 0
        row['review'] += r.state == 'review'
    rows = [{'channel': CHANNEL_NAMES.get(c), **sums[c]}
        for c, _ in CHANNELS if c in sums]
    return Table('入金集計表', [Column('channel', '入金方法'),
            Column('count', '件数', 'int', True),
            Column('amount', '入金額', 'yen', True),
            Column('allocated', '消込額', 'yen', True),
            Column('credit', '前受・仮受', 'yen', True),
            Column('review', '要確認', 'int', True)], rows,
        subtitle=f'{start} 〜 {end}')


def receipts_monthly(month):
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(
        days=1)
    days = defaultdict(lambda: defaultdict(int))
    for r in _receipts(start, end):
        days[r.date][r.channel] += r.amount
        days[r.date]['total'] += r.amount
        days[r.date]['count'] += 1
    rows = [{'date': day, **values} for day, values in sorted(days.items())]
    return Table('入金月報', [Column('date', '入金日', 'date')]
        + [Column(c, CHANNEL_NAMES[c], 'yen', True) for c, _ in CHANNELS]
        + [Column('count', '件数', 'int', True),
            Column('total', '合計', 'yen', True)], rows,
        subtitle=f'{start:%Y年%m月}')


def dunning_targets(as_of):
    """The open dunnings (draft or waiting, their line not reconciled), in
    SQL: through the ORM each one's invoice and amount to pay took seconds
    for a few thousand."""
    pool = Pool()
    Dunning = pool.get('account.dunning')
    dunning = Dunning.__table__()
    line = pool.get('account.move.line').__table__()
    move = pool.get('account.move').__table__()
    invoice = pool.get('account.invoice').__table__()
    party = pool.get('party.party').__table__()
    level = pool.get('account.dunning.level').__table__()
    Level = pool.get('account.dunning.level')
    # the labels in the language of the transaction (the user's)
    labels = Dunning.fields_get(['power_action', 'state'])
    actions = dict(labels['power_action']['selection'])
    states = dict(labels['state']['selection'])
    cursor = Transaction().connection.cursor()
    cursor.execute(*dunning.join(line, condition=dunning.line == line.id
            ).join(move, condition=line.move == move.id
            ).join(party, 'LEFT', condition=line.party == party.id
            ).join(level, 'LEFT', condition=dunning.level == level.id
            ).select(party.customer_number, party.name, move.origin,
            line.maturity_date, line.debit - line.credit,
            level.power_action, dunning.level, dunning.termination_date,
            party.payment_protected, dunning.state,
            where=dunning.state.in_(['draft', 'waiting'])
            & (line.reconciliation == Null),
            order_by=[dunning.id]))
    found = cursor.fetchall()
    # the invoice of each dunned line is its move's origin
    invoices = {i: None for i in map(_invoice_id, (r[2] for r in found)) if i}
    _, open_amount = _invoice_amounts(invoice)
    for sub in grouped_slice(sorted(invoices), 1000):
        cursor.execute(*invoice.select(invoice.id, invoice.number,
                open_amount, where=invoice.id.in_(list(sub))))
        for id_, number, amount in cursor:
            invoices[id_] = (number, _yen(amount))
    rows = []
    for (number, name, origin, maturity, amount, action, level_id,
            termination, protected, state) in found:
        document, open_ = invoices.get(_invoice_id(origin)) or (
            '', _yen(amount))
        maturity = _day(maturity)
        rows.append({'customer_number': number, 'customer': name,
                'invoice': document or '', 'due_date': maturity,
                'days': (as_of - maturity).days if maturity else None,
                'amount': open_,
                'level': actions.get(action) or (
                    Level(level_id).rec_name if level_id else ''),
                'termination_date': _day(termination),
                'protected': '保護' if protected else '',
                'state': states.get(state, state)})
    return Table('督促対象一覧', [Column('customer_number', 'お客さま番号'),
            Column('customer', 'お客さま名'), Column('invoice', '請求書'),
            Column('due_date', '支払期日', 'date'),
            Column('days', '経過日数', 'int'),
            Column('amount', '未収額', 'yen', True),
            Column('level', '督促段階'),
            Column('termination_date', '解約予定日', 'date'),
            Column('protected', '保護'), Column('state', '状態')], rows,
        subtitle=f'{as_of} 現在')


def statement(party, start, end):
    "Invoices and receipts of a customer with the running balance."
    MoveLine = Pool().get('account.move.line')
    lines = MoveLine.search([('party', '=', party.id),
            ('account.type.receivable', '=', True),
            ('move.state', '=', 'posted'), ('date', '<=', end)],
        order=[('date', 'ASC'), ('id', 'ASC')])
    balance = sum(int(l.debit - l.credit) for l in lines if l.date < start)
    rows = [{'date': start, 'description': '前期繰越', 'debit': None,
            'credit': None, 'balance': balance}]
    for line in lines:
        if line.date < start:
            continue
        balance += int(line.debit - line.credit)
        origin = line.move.origin
        rows.append({'date': line.date,
                'description': (origin.rec_name if origin else '')
                or line.description or line.move.description or '',
                'debit': int(line.debit) or None,
                'credit': int(line.credit) or None, 'balance': balance})
    return Table(f'取引明細 {party.name}', [Column('date', '日付', 'date'),
            Column('description', '内容'),
            Column('debit', 'ご請求', 'yen', True),
            Column('credit', 'ご入金', 'yen', True),
            Column('balance', '残高', 'yen')], rows,
        subtitle=f'お客さま番号 {party.customer_number or ""} '
        f'{start} 〜 {end}')


def collection_agency(as_of):
    """Customers whose contracts ended (terminated) long enough ago and who
    still owe: what goes to the collection agency."""
    pool = Pool()
    Contract = pool.get('power.contract')
    settings = pool.get('power.configuration')(1).payment_settings()
    limit = as_of - dt.timedelta(days=settings['collection_after_days'])
    # the latest ended contract of each customer, read in SQL: browsing
    # thousands of contracts costs seconds, only the owed ones are needed
    contract = Contract.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*contract.select(contract.customer, contract.id,
            where=(contract.state == 'terminated')
            & (contract.end_date <= limit),
            order_by=[contract.start_date.desc, contract.id.desc]))
    ended = {}
    for customer, contract_id in cursor:
        ended.setdefault(customer, contract_id)
    owed = defaultdict(list)
    # only the ended customers' items: the whole receivable of a large
    # retailer would be read for a few hundred customers
    for item in receivable_items(as_of, parties=contract.select(
                contract.customer, where=(contract.state == 'terminated')
                & (contract.end_date <= limit))):
        if item['party'] in ended and item['open'] > 0:
            owed[item['party']].append(item)
    rows = []
    for party_id, items in sorted(owed.items()):
        contract = Contract(ended[party_id])
        party = contract.customer
        phone = party.contact_mechanism_get({'phone', 'mobile'})
        address = party.address_get()
        oldest = min(i['due_date'] for i in items)
        rows.append({'customer_number': party.customer_number,
                'customer': party.name,
                'postal_code': address.postal_code if address else '',
                'address': _one_line(address),
                'phone': phone.value if phone else '',
                'contract': contract.number, 'end_date': contract.end_date,
                'invoices': len(items),
                'amount': sum(i['open'] for i in items),
                'oldest_due': oldest, 'age': (as_of - oldest).days})
    return Table('債権回収委託リスト', [
            Column('customer_number', 'お客さま番号'),
            Column('customer', 'お客さま名'), Column('postal_code', '郵便番号'),
            Column('address', '住所'), Column('phone', '電話番号'),
            Column('contract', '契約番号'),
            Column('end_date', '解約日', 'date'),
            Column('invoices', '件数', 'int', True),
            Column('amount', '債権額', 'yen', True),
            Column('oldest_due', '最古の支払期日', 'date'),
            Column('age', '経過日数', 'int')], rows,
        subtitle=f'{as_of} 現在')


def build(kind, date_from, date_to, party=None):
    "The Table of a report kind."
    if kind == 'ar_summary':
        return ar_summary(date_to)
    if kind == 'ar_detail':
        return ar_detail(date_to)
    if kind == 'receipts_summary':
        return receipts_summary(date_from, date_to)
    if kind == 'receipts_detail':
        return receipts_detail(date_from, date_to)
    if kind == 'receipts_monthly':
        return receipts_monthly(date_to)
    if kind == 'dunning_targets':
        return dunning_targets(date_to)
    if kind == 'statement':
        return statement(party, date_from, date_to)
    return collection_agency(date_to)


class ReportStart(ModelView):
    "Collection Report"
    __name__ = 'power.collection.report.start'
    report = fields.Selection(REPORTS, "Report", required=True)
    date_from = fields.Date("From",
        states={'invisible': ~Eval('report').in_(
                ['receipts_summary', 'receipts_detail', 'statement'])})
    date_to = fields.Date("To / As Of", required=True)
    party = fields.Many2One('party.party', "Customer",
        states={'invisible': Eval('report') != 'statement',
            'required': Eval('report') == 'statement'})
    format = fields.Selection([('xlsx', "Excel (XLSX)"), ('pdf', "PDF")],
        "Format", required=True)

    @classmethod
    def default_report(cls):
        return 'ar_summary'

    @classmethod
    def default_format(cls):
        return 'xlsx'

    @classmethod
    def default_date_to(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_date_from(cls):
        return Pool().get('ir.date').today().replace(day=1)


class ReportResult(FileResult, ModelView):
    "Collection Report"
    __name__ = 'power.collection.report.result'


class Report(FileWizard):
    "Collection Report"
    __name__ = 'power.collection.report'
    start, result = file_states(
        'power.collection.report', 'power_billing.collection_report')

    def produce(self):
        return produce(self.start.report,
            self.start.date_from or self.start.date_to, self.start.date_to,
            self.start.party, self.start.format)


def produce(kind, date_from, date_to, party=None, format='xlsx'):
    "(file name, bytes) of a report, kept in the report output history."
    Output = Pool().get('power.report.output')
    table = build(kind, date_from, date_to, party)
    data = write_xlsx([table]) if format == 'xlsx' else render_pdf([table])
    filename = f'{kind}_{date_to:%Y%m%d}.{format}'
    Output.record(dict(REPORTS)[kind], filename, data,
        kind='export' if format == 'xlsx' else 'report',
        resource=f'party.party,{party.id}' if party else None)
    return filename, data
