# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""One payer, many sites (一括請求).

A payer account gathers sites (contracts) of one corporate customer. Each
site is still billed on its own reading day (its bill is the qualified
invoice of the site, with its own tax), but the bill is due on the payer's
agreed day, and after each month a statement (一括請求書) lists the month's
site bills, credit notes included, with one total and one due date: the
bank debits one amount (the debit file has one record per customer and
day), a transfer quoting the statement number pays every bill on it, the
dunning letter names the statement and its whole amount due, and the
non-payment termination ends every site of the customer. The statement
is archived as issued (電子帳簿保存法) and shown on the portal to the
corporate member; a site manager sees only their sites.
docs/billing.md §One payer, many sites."""
import datetime as dt

from power_core import statement as core
from power_core.ids import supply_point as spid
from sql import Null
from sql.aggregate import Count

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.power_cis.common import CompanyDefault, ServerReadonly
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.report import Report
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import invoicing
from .notice import _one_line, _retailer

PAYMENT_STATUS = [
    (None, ''),
    ('unpaid', "Unpaid"),
    ('partial', "Partly Paid"),
    ('overdue', "Overdue"),
    ('paid', "Paid"),
    ]


class Payer(CompanyDefault, ModelSQL, ModelView):
    "Payer Account"
    __name__ = 'power.billing.payer'
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT')
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The corporate customer who pays for every site.")
    name = fields.Char("Name", required=True,
        help="How the customer calls this billing (本社一括, 店舗分 ...).")
    sites = fields.One2Many('power.contract', 'payer', "Sites",
        add_remove=[('customer', '=', Eval('party', -1)),
            ('company', '=', Eval('company', -1))],
        help="The contracts billed to this account.")
    site_count = fields.Function(fields.Integer("Sites"), 'get_site_count')
    start_month = fields.Date("First Statement Month", required=True,
        help="The month of the first statement: site bills issued before "
        "are paid as they were billed.")
    due_months = fields.Integer("Due Months After", required=True,
        help="The statement of a month is due this many months later "
        "(1: the next month).")
    due_day = fields.Integer("Due Day", required=True,
        help="The day of that month (1 to 28), or 0 for its last day "
        "(翌月末).")
    site_notices = fields.Boolean("Per-Site Bill Notices",
        help="Send each site's bill notice as well (on request); the "
        "statement is always sent.")
    statements = fields.One2Many(
        'power.billing.statement', 'payer', "Statements", readonly=True)
    active = fields.Boolean("Active")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.party, Index.Equality())))
        cls._order = [('name', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_start_month(cls):
        Date = Pool().get('ir.date')
        return core.month_of(Date.today())

    @classmethod
    def default_due_months(cls):
        return 1

    @classmethod
    def default_due_day(cls):
        return 0

    @classmethod
    def default_site_notices(cls):
        return False

    @classmethod
    def default_active(cls):
        return True

    def get_rec_name(self, name):
        return f'{self.name} ({self.party.rec_name})'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op, ('name', operator, operand, *extra),
            ('party.rec_name', operator, operand, *extra)]

    @classmethod
    def get_site_count(cls, payers, name):
        Contract = Pool().get('power.contract')
        contract = Contract.__table__()
        cursor = Transaction().connection.cursor()
        counts = dict.fromkeys([p.id for p in payers], 0)
        cursor.execute(*contract.select(contract.payer, Count(contract.id),
                where=contract.payer.in_(list(counts)),
                group_by=[contract.payer]))
        counts.update(cursor)
        return counts

    @classmethod
    def validate_fields(cls, payers, field_names):
        super().validate_fields(payers, field_names)
        for payer in payers:
            if payer.start_month and payer.start_month.day != 1:
                raise ValidationError(gettext(
                        'power_billing.msg_payer_start_month',
                        payer=payer.rec_name))
            try:
                core.due_date(payer.start_month or dt.date(2000, 1, 1),
                    payer.due_months, payer.due_day)
            except core.ValidationError as exception:
                raise ValidationError(gettext(
                        'power_billing.msg_payer_due',
                        payer=payer.rec_name,
                        error=exception.reason)) from exception

    def due_date(self, date):
        "The due date of a site bill dated date: its statement's."
        month = core.month_of(date)
        return core.due_date(month, self.due_months, self.due_day)

    @classmethod
    def cron_consolidate(cls):
        """The statements of the months closed since each payer's last one
        (scheduled daily: a month's statement is made on the first run
        after its end)."""
        pool = Pool()
        Date = pool.get('ir.date')
        Statement = pool.get('power.billing.statement')
        today = Date.today()
        current = core.month_of(today)
        for payer in cls.search([('active', '=', True)]):
            last = Statement.search([('payer', '=', payer.id)],
                order=[('month', 'DESC')], limit=1)
            month = (_next_month(last[0].month) if last
                else payer.start_month)
            while month < current:
                Statement.consolidate([payer], month, date=today)
                month = _next_month(month)


def _next_month(month):
    return (month + dt.timedelta(days=32)).replace(day=1)


class Contract(metaclass=PoolMeta):
    __name__ = 'power.contract'
    payer = fields.Many2One('power.billing.payer', "Payer Account",
        ondelete='RESTRICT',
        domain=[('party', '=', Eval('customer', -1)),
            ('company', '=', Eval('company', -1))],
        help="Billed on one statement a month with the customer's other "
        "sites (一括請求).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.payer, Index.Equality()),
                where=t.payer != Null))


class Statement(ServerReadonly, ModelSQL, ModelView):
    "Statement"
    __name__ = 'power.billing.statement'
    _client_create = False
    _rec_name = 'number'
    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True, ondelete='RESTRICT')
    payer = fields.Many2One('power.billing.payer', "Payer Account",
        required=True, readonly=True, ondelete='RESTRICT')
    party = fields.Many2One('party.party', "Customer", required=True,
        readonly=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'})
    number = fields.Char("Number", required=True, readonly=True)
    month = fields.Date("Month", required=True, readonly=True,
        help="The month whose site bills it lists (its first day).")
    date = fields.Date("Date", required=True, readonly=True)
    due_date = fields.Date("Due Date", required=True, readonly=True)
    total = fields.Integer("Total (tax incl.)", required=True, readonly=True)
    tax = fields.Integer("Consumption Tax", required=True, readonly=True)
    kwh = fields.Numeric("kWh", digits=(16, 0), required=True, readonly=True)
    site_count = fields.Integer("Sites", required=True, readonly=True)
    lines = fields.One2Many('power.billing.statement.line', 'statement',
        "Site Bills", readonly=True)
    amount_due = fields.Function(fields.Integer("Still Due"),
        'get_payment')
    payment_status = fields.Function(fields.Selection(
            PAYMENT_STATUS, "Payment"), 'get_payment')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('payer_month_unique', Unique(t, t.payer, t.month),
                'power_billing.msg_statement_month_unique'),
            ('number_unique', Unique(t, t.number),
                'power_billing.msg_statement_number_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Equality())),
                Index(t, (t.month, Index.Range())),
                })
        cls._order = [('month', 'DESC'), ('id', 'DESC')]

    @classmethod
    def get_payment(cls, statements, names):
        """What is still due on each statement's site bills and its
        status (overdue once its due date has passed with money due)."""
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        due = {}
        for statement in statements:
            invoices = [l.invoice for l in statement.lines if l.total > 0]
            due[statement.id] = sum(max(int(i.amount_to_pay), 0)
                for i in invoices if i.state in {'posted', 'paid'})
        result = {'amount_due': due, 'payment_status': {}}
        for statement in statements:
            left = due[statement.id]
            if left <= 0:
                status = 'paid'
            elif statement.due_date < today:
                status = 'overdue'
            elif left < statement.total:
                status = 'partial'
            else:
                status = 'unpaid'
            result['payment_status'][statement.id] = status
        return {n: result[n] for n in names}

    @staticmethod
    def make_number(payer, month):
        return f'ST{month:%Y%m}-{payer.id:06d}'

    @classmethod
    def consolidate(cls, payers, month, date=None):
        """The statement of each payer for month: the posted site bills and
        credit notes of its sites dated from its first statement month to
        month's end and on no statement yet (a bill posted late for an
        earlier month goes on the next statement). The bills still to pay
        are made due on the statement's date, and the statement is
        archived as issued. A payer with nothing to list gets none. The
        new statements."""
        pool = Pool()
        Date = pool.get('ir.date')
        Document = pool.get('power.billing.document')
        date = date or Date.today()
        month = core.month_of(month)
        statements = []
        for payer in payers:
            if month < payer.start_month or cls.search([
                        ('payer', '=', payer.id), ('month', '=', month)]):
                continue
            lines = cls._site_bills(payer, month)
            if not lines:
                continue
            due = payer.due_date(month)
            statement = cls(company=payer.company, payer=payer,
                party=payer.party, number=cls.make_number(payer, month),
                month=month, date=date, due_date=due,
                total=sum(l.total for l in lines),
                tax=sum(l.tax for l in lines),
                kwh=sum(l.kwh for l in lines),
                site_count=len({l.contract.id for l in lines}),
                lines=lines)
            statement.save()
            cls._align_due_dates(statement)
            statements.append(statement)
        if statements:
            Document.issue_statements(statements)
        return statements

    @classmethod
    def _site_bills(cls, payer, month):
        "The new statement lines of payer up to month's end, in order."
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Line = pool.get('power.billing.statement.line')
        end = core.month_end(month)
        posted = ['posted', 'paid']
        determinants = Determinant.search([
                ('contract.payer', '=', payer.id),
                ['OR', [
                        ('invoice.state', 'in', posted),
                        ('invoice.invoice_date', '>=', payer.start_month),
                        ('invoice.invoice_date', '<=', end),
                        ], [
                        ('credit_note.state', 'in', posted),
                        ('credit_note.invoice_date', '>=',
                            payer.start_month),
                        ('credit_note.invoice_date', '<=', end),
                        ]],
                ])
        candidates = []
        for d in determinants:
            for invoice, sign in ((d.invoice, 1), (d.credit_note, -1)):
                if (invoice and invoice.state in posted
                        and payer.start_month <= invoice.invoice_date <= end):
                    candidates.append((d, invoice, sign))
        stated = set()
        for sub in grouped_slice([i.id for _, i, _ in candidates]):
            stated.update(l.invoice.id for l in Line.search([
                        ('invoice', 'in', list(sub))]))
        candidates = [c for c in candidates if c[1].id not in stated]
        candidates.sort(key=lambda c: (c[1].invoice_date,
                c[0].supply_point.number, c[0].start, c[1].id))
        point = lambda d: d.supply_point
        return [Line(sequence=n, invoice=invoice, determinant=d,
                contract=d.contract, supply_point=point(d),
                site=point(d).address or '', start=d.start, end=d.end,
                kwh=sign * d.kwh, total=int(invoice.total_amount),
                tax=int(invoice.tax_amount),
                note='取消' if sign < 0 else '')
            for n, (d, invoice, sign) in enumerate(candidates, 1)]

    @classmethod
    def _align_due_dates(cls, statement):
        """The statement's bills still to pay fall due on its due date: the
        invoice, its receivable lines and its determinant (those a debit
        was requested for keep theirs)."""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        Payment = pool.get('account.payment')
        Determinant = pool.get('power.billing.determinant')
        due = statement.due_date
        bills = [l for l in statement.lines if l.total > 0
            and l.invoice.payment_term_date != due
            and l.invoice.amount_to_pay > 0]
        if not bills:
            return
        lines = [ml for l in bills for ml in l.invoice.lines_to_pay
            if not ml.reconciliation]
        requested = {p.line.id for p in Payment.search([
                    ('line', 'in', [ml.id for ml in lines]),
                    ('state', '!=', 'failed')])}
        moved = {ml.move.id for ml in lines if ml.id in requested}
        bills = [l for l in bills if l.invoice.move.id not in moved]
        invoice, move_line = Invoice.__table__(), MoveLine.__table__()
        determinant = Determinant.__table__()
        invoicing.update(invoice, [invoice.payment_term_date],
            [(l.invoice.id, due) for l in bills])
        invoicing.update(determinant, [determinant.due_date],
            [(l.determinant.id, due) for l in bills
                if l.determinant.invoice == l.invoice])
        moved_lines = [ml.id for l in bills for ml in l.invoice.lines_to_pay
            if not ml.reconciliation]
        invoicing.update(move_line, [move_line.maturity_date],
            [(id_, due) for id_ in moved_lines])
        invoicing.forget(Invoice.__name__, [l.invoice.id for l in bills])
        invoicing.forget(Determinant.__name__,
            [l.determinant.id for l in bills])
        invoicing.forget(MoveLine.__name__, moved_lines)

    def document(self):
        "The core Statement (what the customer reads)."
        pool = Pool()
        Configuration = pool.get('power.configuration')
        Method = pool.get('power.payment.method')
        configuration = Configuration(1)
        party = self.party
        address = party.address_get('invoice')
        method = Method.for_parties([party.id], self.date).get(party.id)
        sites = tuple(core.Site(
                supply_point=spid.format(l.supply_point.number),
                name=l.site or '', invoice=l.invoice.number or '',
                start=l.start, end=l.end, kwh=l.kwh, total=l.total,
                tax=l.tax, contract=l.contract.number or '', note=l.note or '')
            for l in self.lines)
        paid = sum(l.total for l in self.lines if l.total > 0) - sum(
            max(int(l.invoice.amount_to_pay), 0)
            for l in self.lines if l.total > 0)
        return core.Statement(number=self.number,
            retailer=_retailer(self.company, configuration),
            customer_name=party.name,
            customer_number=party.customer_number or '',
            postal_code=(address.postal_code or '') if address else '',
            address=_one_line(address) if address else '',
            date=self.date, month=self.month, due_date=self.due_date,
            sites=sites, payment=_payment_text(method),
            paid=max(paid, 0))


def _payment_text(method):
    if method and method.kind == 'bank' and method.state != 'invalid':
        bank = method.bank.rec_name if method.bank else ''
        branch = method.bank_branch.name if method.bank_branch else ''
        return (f'口座振替（{bank} {branch}、お支払期限の日に一括して'
            f'振り替えます）')
    if method and method.kind == 'card' and method.state != 'invalid':
        return 'クレジットカード（各地点のご請求をまとめてご請求します）'
    return ('お振込み（お振込み依頼人名の前にご請求書番号を'
        'ご記入ください。一括してお支払いください）')


class StatementLine(ServerReadonly, ModelSQL, ModelView):
    "Statement Site Bill"
    __name__ = 'power.billing.statement.line'
    _client_create = False
    statement = fields.Many2One('power.billing.statement', "Statement",
        required=True, readonly=True, ondelete='CASCADE')
    sequence = fields.Integer("No.", required=True, readonly=True)
    invoice = fields.Many2One('account.invoice', "Bill", required=True,
        readonly=True, ondelete='RESTRICT',
        help="The site's bill, or the credit note that cancelled one.")
    determinant = fields.Many2One('power.billing.determinant',
        "Billing Determinant", required=True, readonly=True,
        ondelete='RESTRICT')
    contract = fields.Many2One('power.contract', "Contract", required=True,
        readonly=True, ondelete='RESTRICT')
    supply_point = fields.Many2One('power.supply_point', "Supply Point",
        required=True, readonly=True, ondelete='RESTRICT')
    site = fields.Char("Site", readonly=True)
    start = fields.Date("From", readonly=True)
    end = fields.Date("Reading Day", readonly=True)
    kwh = fields.Numeric("kWh", digits=(16, 0), required=True, readonly=True)
    total = fields.Integer("Total (tax incl.)", required=True, readonly=True)
    tax = fields.Integer("Consumption Tax", required=True, readonly=True)
    note = fields.Char("Note", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('invoice_unique', Unique(t, t.invoice),
                'power_billing.msg_statement_invoice_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.statement, Index.Equality())))
        cls._order = [('statement', 'DESC'), ('sequence', 'ASC'),
            ('id', 'ASC')]


class StatementReport(Report):
    "Statement"
    __name__ = 'power.billing.statement.report'

    @classmethod
    def execute(cls, ids, data):
        """The statement as it was issued: its archived PDF (checked
        against its checksum), never laid out again. The action is single:
        one statement per call."""
        pool = Pool()
        Document = pool.get('power.billing.document')
        Statement = pool.get('power.billing.statement')
        ids = ids or data.get('ids') or []
        statement = Statement(ids[0])
        documents = Document.search([('statement', '=', statement.id)],
            limit=1)
        if not documents:
            raise UserError(gettext('power_billing.msg_statement_no_document',
                    statement=statement.rec_name))
        document, = documents
        return ('pdf', document.content(), False, document.number)


def statements_of_invoices(invoice_ids):
    "{invoice id: statement} of the invoices listed on a statement."
    Line = Pool().get('power.billing.statement.line')
    result = {}
    for sub in grouped_slice(list(invoice_ids)):
        for line in Line.search([('invoice', 'in', list(sub))]):
            result[line.invoice.id] = line.statement
    return result


def on_payer_accounts(invoice_ids):
    """The ids among invoice_ids of site bills of contracts on a payer
    account (paid through its statement, never by a slip of their own)."""
    pool = Pool()
    Contract = pool.get('power.contract')
    Determinant = pool.get('power.billing.determinant')
    contract = Contract.__table__()
    determinant = Determinant.__table__()
    cursor = Transaction().connection.cursor()
    result = set()
    for sub in grouped_slice(list(invoice_ids)):
        cursor.execute(*determinant.join(contract,
                condition=contract.id == determinant.contract).select(
                determinant.invoice,
                where=determinant.invoice.in_(list(sub))
                & (contract.payer != Null)))
        result.update(r for r, in cursor)
    return result
