# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Billing determinants (調定) and the billing run.

The run takes the contracts whose confirmed usage arrived and is not billed
yet, rates each period with the core engine, stores the determinant (every
line, the versions used, the engine) and posts the customer invoice. A
contract that fails (missing usage, a menu gap, an accounting error) is set
aside with its reason; the others are billed. A determinant is unique per
contract, period start and revision, so a rerun bills nothing twice."""
import datetime as dt
import logging

from power_core.calendar.reading import charge_month
from power_core.errors import PowerCoreError
from sql import Null

from trytond import config
from trytond.exceptions import UserError
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.power_cis.common import (
    CompanyDefault, ServerReadonly, dialog, now)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import StateAction, StateTransition, Wizard

from . import invoicing
from .engine import Chunk, timed

logger = logging.getLogger(__name__)


def chunk_size():
    "Contracts billed together, in one transaction of a worker: 200."
    return int(config.get('power_billing', 'chunk', default='') or 200)


class _InsertRowsMixin:
    """Insert already validated rows set-wise (building one record object
    per row costs the ORM a check over every id of the batch: quadratic)."""
    __slots__ = ()

    @classmethod
    def _insert_rows(cls, rows):
        "Insert rows (dicts of column values); their ids in order."
        if not rows:
            return []
        table = cls.__table__()
        names = sorted(rows[0])
        user = Transaction().user
        created = now()
        columns = [getattr(table, n) for n in names] + [
            table.create_uid, table.create_date]
        values = []
        for row in rows:
            values.append([cls._fields[n].sql_format(row[n]) for n in names]
                + [user, created])
        return invoicing.insert(table, columns, values)


class Determinant(
        ServerReadonly, _InsertRowsMixin, Workflow, ModelSQL, ModelView):
    "Billing Determinant"
    __name__ = 'power.billing.determinant'
    _client_create = False
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    contract = fields.Many2One(
        'power.contract', "Contract", required=True, readonly=True,
        ondelete='RESTRICT')
    customer = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        ondelete='RESTRICT', context={'company': Eval('company', -1)},
        depends={'company'})
    supply_point = fields.Many2One(
        'power.supply_point', "Supply Point", required=True, readonly=True,
        ondelete='RESTRICT')
    start = fields.Date("From", required=True, readonly=True)
    end = fields.Date(
        "Reading Day", required=True, readonly=True,
        help="The meter reading day closing the period (not included).")
    revision = fields.Integer(
        "Revision", required=True, readonly=True,
        help="0 for the first billing of the period, then one more for "
        "each re-billing after a correction.")
    kind = fields.Selection([
            ('actual', "Confirmed Usage"),
            ('estimated', "Estimated"),
            ], "Kind", required=True, readonly=True)
    kwh = fields.Numeric("kWh", digits=(16, 0), required=True, readonly=True)
    max_demand = fields.Numeric(
        "Maximum Demand (kW)", digits=(16, 1), readonly=True)
    power_factor = fields.Numeric(
        "Power Factor (%)", digits=(16, 1), readonly=True)
    total = fields.Integer("Total (tax incl.)", required=True, readonly=True)
    tax = fields.Integer("Consumption Tax", required=True, readonly=True)
    due_date = fields.Date("Due Date", required=True, readonly=True)
    lines = fields.One2Many(
        'power.billing.determinant.line', 'determinant', "Lines",
        readonly=True)
    menu = fields.Many2One(
        'power.rate_menu', "Rate Menu", readonly=True, ondelete='RESTRICT',
        help="The menu of the period's last part.")
    contract_version = fields.Many2One(
        'power.contract.version', "Contract Version", readonly=True,
        ondelete='RESTRICT', help="The terms of the period's last part.")
    detail = fields.Text(
        "Versions Used", readonly=True,
        help="Each part of the period: contract terms, menu and menu "
        "versions, kWh and total.")
    engine = fields.Char("Engine", readonly=True)
    usages = fields.One2Many(
        'power.usage.confirmed', 'determinant', "Confirmed Usage",
        readonly=True)
    invoice = fields.Many2One(
        'account.invoice', "Invoice", readonly=True, ondelete='RESTRICT')
    charge_month = fields.Function(fields.Date(
            "Charge Month",
            help="The month of the charges (X月分): the reading day's, or the "
            "month used for a point metered on the 1st."),
        'get_charge_month')
    invoice_state = fields.Function(fields.Selection(
            'get_invoice_states', "Invoice State"), 'get_invoice_state')
    payment_status = fields.Function(fields.Selection([
                (None, ''),
                ('unpaid', "Unpaid"),
                ('overdue', "Overdue"),
                ('paid', "Paid"),
                ('credited', "Credited"),
                ('carried', "Carried to a Later Bill"),
                ], "Payment"), 'get_payment_status')
    run = fields.Many2One(
        'power.batch.run', "Billing Run", readonly=True, ondelete='SET NULL')
    estimate_basis = fields.Char(
        "Estimate Basis", readonly=True,
        states={'invisible': Eval('kind') != 'estimated'})
    corrects = fields.Many2One(
        'power.billing.determinant', "Corrects", readonly=True,
        ondelete='RESTRICT',
        help="The determinant of the same period this one replaces.")
    applied_adjustments = fields.One2Many(
        'power.billing.adjustment', 'applied_in', "Applied Adjustments",
        readonly=True,
        help="Adjustments carried to this determinant's invoice.")
    corrected_by = fields.One2Many(
        'power.billing.determinant', 'corrects', "Corrected By",
        readonly=True)
    credit_note = fields.Many2One(
        'account.invoice', "Credit Note", readonly=True, ondelete='RESTRICT',
        help="The credit note that cancelled the invoice (全取消).")
    state = fields.Selection([
            ('billed', "Billed"),
            ('cancelled', "Cancelled and Re-billed"),
            ('adjusted', "Corrected on a Later Bill"),
            ], "State", required=True, readonly=True, sort=False,
        help="Cancelled: its invoice was credited and the period billed "
        "again (全取消). Corrected on a later bill: the difference was carried "
        "to the next invoice (調整取消).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('period_revision_unique',
                Unique(t, t.contract, t.start, t.revision),
                'power_billing.msg_determinant_period_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.contract, Index.Range()), (t.end, Index.Range())),
                Index(t, (t.customer, Index.Range())),
                # the determinant of an invoice (reports, the portal's
                # bills, the foreign key's check)
                Index(t, (t.invoice, Index.Equality()),
                    where=t.invoice != Null),
                Index(t, (t.credit_note, Index.Equality()),
                    where=t.credit_note != Null),
                })
        cls._order = [('end', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('billed', 'cancelled'), ('billed', 'adjusted')}
        cls._buttons.update({
                'reissue': {
                    'invisible': Eval('state') != 'billed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'billed'

    @classmethod
    def default_kind(cls):
        return 'actual'

    @classmethod
    def default_revision(cls):
        return 0

    @classmethod
    def get_invoice_states(cls):
        Invoice = Pool().get('account.invoice')
        return [(None, '')] + Invoice.fields_get(['state'])['state'][
            'selection']

    def get_charge_month(self, name):
        return charge_month(
            self.end, not self.supply_point.reading_schedule)

    def get_invoice_state(self, name):
        return self.invoice.state if self.invoice else None

    @classmethod
    def get_payment_status(cls, determinants, name):
        today = Pool().get('ir.date').today()
        result = {}
        for d in determinants:
            if d.state == 'cancelled':
                status = 'credited'
            elif d.state == 'adjusted' or not d.invoice:
                status = 'carried'
            elif d.invoice.state == 'paid':
                status = 'paid'
            elif d.due_date < today:
                status = 'overdue'
            else:
                status = 'unpaid'
            result[d.id] = status
        return result

    @classmethod
    @ModelView.button
    def reissue(cls, determinants):
        """Cancel the invoice with a credit note and bill the period again
        from its current usage (for a wrong address, a changed menu
        applied late, a dispute)."""
        cls.correct(determinants, policy='rebill')

    def get_rec_name(self, name):
        return f'{self.contract.rec_name} {self.start}〜{self.end}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('contract.rec_name',) + tuple(clause[1:])]

    # --- the billing run -------------------------------------------------

    @classmethod
    def due_contracts(cls, contracts=None, schedule=None):
        """The contract ids with confirmed usage not billed yet (a reading
        closing a period), optionally among contracts or for a reading
        schedule group."""
        pool = Pool()
        Usage_ = pool.get('power.usage.confirmed')
        Contract = pool.get('power.contract')
        SupplyPoint = pool.get('power.supply_point')
        usage = Usage_.__table__()
        contract = Contract.__table__()
        point = SupplyPoint.__table__()
        cursor = Transaction().connection.cursor()
        where = ((usage.superseded == Null) & (usage.determinant == Null)
            & usage.kind.in_(['reading', 'final'])
            & contract.state.in_(['active', 'terminating', 'terminated'])
            & (contract.start_date < usage.end)
            & ((contract.end_date == Null) | (contract.end_date >= usage.start)))
        if contracts is not None:
            where &= contract.id.in_([int(c) for c in contracts] or [-1])
        if schedule:
            where &= point.reading_schedule == schedule
        cursor.execute(*usage.join(contract,
                condition=contract.supply_point == usage.supply_point
                ).join(point, condition=point.id == usage.supply_point
                ).select(contract.id, where=where, group_by=[contract.id],
                order_by=[contract.id]))
        return [r[0] for r in cursor]

    @classmethod
    def bill(cls, contracts, date=None, run=None, numbering=None):
        """Bill the due periods of contracts (records or ids); return
        (determinants, [(contract id, reason)]). A failure of one contract
        never stops the others. With numbering (an invoicing.Numbering) the
        invoices are left in it unnumbered, for its owner to number."""
        contract_ids = [int(c) for c in contracts]
        determinants, failures = [], []
        size = chunk_size()
        for start in range(0, len(contract_ids), size):
            done, failed = cls._bill_isolated(
                contract_ids[start:start + size], date, run, numbering)
            determinants += done
            failures += failed
        return determinants, failures

    @classmethod
    def _bill_isolated(cls, contract_ids, date, run, numbering=None):
        """Bill a chunk under a savepoint; on an unexpected error roll the
        chunk back and bill its contracts one by one to set the culprit
        aside. A chunk rolled back leaves nothing in numbering."""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute('SAVEPOINT power_billing_chunk')
        own = invoicing.Numbering() if numbering is not None else None
        try:
            result = cls._bill_chunk(contract_ids, date, run, own)
        except (UserError, PowerCoreError, ValueError, ArithmeticError,
                LookupError) as exception:
            cursor.execute('ROLLBACK TO SAVEPOINT power_billing_chunk')
            transaction.cache.clear()
            if len(contract_ids) == 1:
                return [], [(contract_ids[0], _reason(exception))]
            done, failed = [], []
            for contract_id in contract_ids:
                d, f = cls._bill_isolated(
                    [contract_id], date, run, numbering)
                done += d
                failed += f
            return done, failed
        cursor.execute('RELEASE SAVEPOINT power_billing_chunk')
        if numbering is not None:
            numbering.extend(own)
        return result

    @classmethod
    def _bill_chunk(cls, contract_ids, date, run, numbering=None):
        pool = Pool()
        Contract = pool.get('power.contract')
        date = date or pool.get('ir.date').today()
        with timed('reading contracts and usage'):
            chunk = Chunk(Contract.browse(contract_ids), date, run)
            usages = chunk.unbilled_usage()
            chunk.prefetch_intervals(usages)
        plans, failures = [], []
        with timed('rating'):
            for contract in chunk.contracts:
                try:
                    plans += chunk.plan_due(contract,
                        usages[contract.supply_point.id])
                except PowerCoreError as exception:
                    failures.append((contract.id, _reason(exception)))
        return chunk.write(plans, numbering), failures

    @classmethod
    def correct(cls, determinants, date=None, policy=None):
        """Re-rate billed determinants whose confirmed usage was corrected,
        with the current usage of their period; settle the old ones by the
        configured policy. Return the new determinants."""
        pool = Pool()
        Usage = pool.get('power.usage.confirmed')
        date = date or pool.get('ir.date').today()
        result = []
        for old in determinants:
            if old.state != 'billed':
                continue
            chunk = Chunk([old.contract], date)
            if policy:
                chunk.policy = policy
            usages = Usage.search([
                    ('supply_point', '=', old.supply_point.id),
                    ('superseded', '=', None),
                    ('start', '>=', old.start),
                    ('end', '<=', old.end),
                    ], order=[('start', 'ASC')])
            end = max((u.end for u in usages), default=old.end)
            plan = chunk.plan(old.contract, old.start, end, usages,
                revision=old.revision + 1, corrects=old.id)
            result += chunk.write([plan])
        return result

    @classmethod
    def estimate_late(cls, date=None, run=None):
        """Estimated bills for the contracts whose next reading is later
        than the configured days; return (determinants, failures)."""
        pool = Pool()
        Configuration = pool.get('power.configuration')
        Usage = pool.get('power.usage.confirmed')
        Contract = pool.get('power.contract')
        date = date or pool.get('ir.date').today()
        days = Configuration(1).estimate_after_days
        if days is None:
            return [], []
        limit = date - dt.timedelta(days=days)
        latest = {}
        for usage in Usage.search([
                    ('superseded', '=', None),
                    ('kind', '=', 'reading'),
                    ('next_reading_date', '!=', None),
                    ('next_reading_date', '<=', limit),
                    ], order=[('end', 'ASC')]):
            latest[usage.supply_point.id] = usage
        if not latest:
            return [], []
        later = {u.supply_point.id for u in Usage.search([
                    ('supply_point', 'in', list(latest)),
                    ('superseded', '=', None),
                    ])
            if u.start >= latest[u.supply_point.id].end}
        contracts = Contract.search([
                ('supply_point', 'in', [p for p in latest if p not in later]),
                ('state', 'in', ['active', 'terminating']),
                ])
        done, failures = [], []
        for contract in contracts:
            last = latest[contract.supply_point.id]
            start, end = last.end, last.next_reading_date
            chunk = Chunk([contract], date, run)
            if (contract.id, start) in chunk.billed or end <= start:
                continue
            history = Usage.search([
                    ('supply_point', '=', contract.supply_point.id),
                    ('superseded', '=', None)])
            try:
                plan = chunk.plan_estimate(contract, start, end, history)
            except PowerCoreError as exception:
                failures.append((contract.id, _reason(exception)))
                continue
            done += chunk.write([plan])
        return done, failures


def _reason(exception):
    if isinstance(exception, PowerCoreError):
        return exception.reason
    return getattr(exception, 'message', None) or str(exception)


class DeterminantLine(ServerReadonly, _InsertRowsMixin, ModelSQL, ModelView):
    "Billing Determinant Line"
    __name__ = 'power.billing.determinant.line'
    _client_create = False
    determinant = fields.Many2One(
        'power.billing.determinant', "Determinant", required=True,
        ondelete='CASCADE')
    sequence = fields.Integer("Sequence")
    code = fields.Char("Code", readonly=True)
    label = fields.Char("Line", readonly=True)
    quantity = fields.Numeric("Quantity", digits=(16, 4), readonly=True)
    unit_price = fields.Numeric("Unit Price", digits=(16, 4), readonly=True)
    amount = fields.Numeric(
        "Amount (tax incl.)", digits=(16, 2), readonly=True)
    untaxed = fields.Integer(
        "Invoice Amount (tax excl.)", readonly=True,
        help="This line's share of the invoice's tax-excluded total.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('determinant')
        cls._order = [
            ('determinant', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')]


class Adjustment(CompanyDefault, ServerReadonly, ModelSQL, ModelView):
    "Billing Adjustment"
    __name__ = 'power.billing.adjustment'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    contract = fields.Many2One(
        'power.contract', "Contract", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={'readonly': Eval('state') != 'pending'})
    customer = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        ondelete='RESTRICT', context={'company': Eval('company', -1)},
        depends={'company'})
    amount = fields.Integer(
        "Amount (tax incl.)", required=True,
        states={'readonly': Eval('state') != 'pending'},
        help="Added to the next invoice of the contract; negative for a "
        "credit.")
    description = fields.Char(
        "Description", required=True,
        states={'readonly': Eval('state') != 'pending'},
        help="The line shown on the invoice.")
    reason = fields.Selection([
            ('correction', "Usage Correction"),
            ('manual', "Manual Adjustment"),
            ('late_interest', "Late Payment Interest (延滞利息)"),
            ], "Reason", required=True, readonly=True)
    taxable = fields.Boolean(
        "Taxable", states={'readonly': Eval('state') != 'pending'},
        help="Subject to consumption tax; late interest is not (不課税).")
    note = fields.Text(
        "Reason", states={
            'readonly': Eval('state') != 'pending',
            'required': Eval('reason') == 'manual',
            },
        help="Why the amount is adjusted; kept with who entered it and "
        "when.")
    source = fields.Reference(
        "Source", selection=[
            (None, ''),
            ('power.billing.determinant', "Billing Determinant"),
            ], readonly=True)
    applied_in = fields.Many2One(
        'power.billing.determinant', "Applied In", readonly=True,
        ondelete='RESTRICT')
    state = fields.Selection([
            ('pending', "Pending"),
            ('applied', "Applied"),
            ], "State", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        # each billing chunk asks for its contracts' pending adjustments:
        # without it a scan of every adjustment ever made, a chunk
        cls._sql_indexes.add(Index(t, (t.contract, Index.Range()),
                where=t.state == 'pending'))

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_reason(cls):
        return 'manual'

    @classmethod
    def default_taxable(cls):
        return True

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('contract') and not values.get(
                'customer'):
            Contract = Pool().get('power.contract')
            values['customer'] = Contract(values['contract']).customer.id
        return values

    @classmethod
    def check_modification(cls, mode, adjustments, values=None,
            external=False):
        super().check_modification(
            mode, adjustments, values=values, external=external)
        if mode == 'delete':
            for adjustment in adjustments:
                if adjustment.state != 'pending':
                    raise UserError(
                        f"Adjustment {adjustment.rec_name} is applied to an "
                        "invoice and cannot be deleted.")


class BatchRun(metaclass=PoolMeta):
    __name__ = 'power.batch.run'

    @classmethod
    def run_billing(cls, date=None, contracts=None, schedule=None):
        """The billing run: bill the due contracts in chunks, through the
        task queue when workers run, in this transaction otherwise;
        return the run."""
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Date = pool.get('ir.date')
        date = date or Date.today()
        contract_ids = Determinant.due_contracts(contracts, schedule)
        scope = (f" schedule {schedule}" if schedule
            else f" {len(contract_ids)} contracts" if contracts else "")
        run = cls.start(f"Billing run {date}{scope}",
            responsible="power_billing.group_power_billing")
        run.total = len(contract_ids)
        run.save()
        size = chunk_size()
        chunks = [contract_ids[i:i + size]
            for i in range(0, len(contract_ids), size)]
        if config.getboolean('queue', 'worker', default=False) and chunks:
            for chunk in chunks:
                cls.__queue__.bill_queued_chunk([run], chunk, date)
        else:
            for chunk in chunks:
                cls.bill_chunk([run], chunk, date)
            if not chunks:
                run.finish(0)
        if contracts is None and schedule is None:
            cls.estimate_late([run], date)
        return run

    @classmethod
    def estimate_late(cls, runs, date):
        "Issue the estimated bills of the run's day and count them."
        Determinant = Pool().get('power.billing.determinant')
        run, = runs
        estimated, failures = Determinant.estimate_late(date, run)
        for contract_id, reason in failures:
            run.add_error(f'power.contract,{contract_id}', reason)
        if estimated or failures:
            run.total = (run.total or 0) + len(estimated) + len(failures)
            run.save()
            run.count(len(estimated), len(failures))

    @classmethod
    def bill_queued_chunk(cls, runs, contract_ids, date):
        """bill_chunk as a task of the queue. Its invoices and moves are
        posted without their numbers, which a task of their own gives them
        and counts the chunk on the run (number_chunk): two workers'
        chunks would otherwise both update the strict sequences' and the
        run's rows, and under REPEATABLE READ the later one failed at its
        end and did all its work again (docs/benchmarks.md)."""
        numbering = invoicing.Numbering()
        counts = cls.bill_chunk(runs, contract_ids, date, numbering)
        cls.__queue__.number_chunk(runs,
            [list(group) for group in numbering.groups], *counts)

    @classmethod
    def number_chunk(cls, runs, groups, processed, failed):
        """Number the invoices and moves of a billed chunk (groups of
        Numbering) and count the chunk on the run: a short transaction,
        retried by the worker when another chunk's numbering got there
        first."""
        numbering = invoicing.Numbering()
        for group in groups:
            numbering.add(*group)
        with timed('numbering'):
            numbering.apply()
        run, = runs
        run.count(processed, failed)

    @classmethod
    def bill_chunk(cls, runs, contract_ids, date, numbering=None):
        """Bill a chunk of a run and count it on the run; return the counts
        (processed, failed). With numbering (a queued chunk) the invoices
        are left in it and the counts to its numbering task."""
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        run, = runs
        determinants, failures = Determinant.bill(
            contract_ids, date, run, numbering)
        for contract_id, reason in failures:
            run.add_error(f'power.contract,{contract_id}', reason)
        counts = (len(contract_ids) - len(failures), len(failures))
        if numbering is None:
            run.count(*counts)
        return counts

    @classmethod
    def cron_billing(cls):
        "The daily billing run (scheduled action)."
        cls.run_billing()


class InvoiceLine(ServerReadonly, metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['power.billing.determinant']


class RateMenu(metaclass=PoolMeta):
    __name__ = 'power.rate_menu'
    payment_due_days = fields.Integer(
        "Payment Due Days",
        domain=['OR', ('payment_due_days', '=', None),
            ('payment_due_days', '>=', 0)],
        help="Days from the meter reading day to the due date for this "
        "menu; empty for the configuration's default.")


class RunStart(ModelView):
    "Run Billing"
    __name__ = 'power.billing.run.start'
    date = fields.Date("Billing Date", required=True)
    scope = fields.Selection([
            ('due', "All Contracts with New Usage"),
            ('schedule', "One Reading Schedule Group"),
            ('contracts', "Chosen Contracts"),
            ], "Scope", required=True)
    schedule = fields.Char(
        "Reading Schedule", states={
            'invisible': Eval('scope') != 'schedule',
            'required': Eval('scope') == 'schedule',
            })
    contracts = fields.Many2Many(
        'power.contract', None, None, "Contracts", states={
            'invisible': Eval('scope') != 'contracts',
            'required': Eval('scope') == 'contracts',
            })

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_scope(cls):
        return 'due'


class Run(Wizard):
    "Run Billing"
    __name__ = 'power.billing.run'
    start = dialog('power.billing.run.start',
        'power_billing.billing_run_start_view_form',
        "Run", 'run')
    run = StateTransition()
    result = StateAction('power_cis.act_batch_run_form')

    def default_start(self, fields):
        values = {}
        if (self.model and self.model.__name__ == 'power.contract'
                and self.records):
            values = {'scope': 'contracts',
                'contracts': [r.id for r in self.records]}
        return values

    def transition_run(self):
        BatchRun = Pool().get('power.batch.run')
        run = BatchRun.run_billing(self.start.date,
            contracts=(self.start.contracts
                if self.start.scope == 'contracts' else None),
            schedule=(self.start.schedule
                if self.start.scope == 'schedule' else None))
        self.batch_run = run.id
        return 'result'

    def do_result(self, action):
        return action, {'res_id': [self.batch_run]}
