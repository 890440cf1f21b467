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
import json
import logging
from collections import defaultdict
from decimal import Decimal

from power_core.billing import Term, determine, due_date, split_tax_included
from power_core.errors import PowerCoreError
from power_core.tariff.batch import rate_many
from power_core.tariff.rating import Usage
from power_core.usage import assemble
from sql import Null

from trytond import config
from trytond.exceptions import UserError
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.power_cis.common import now
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from . import invoicing
from .regulated import regulated_values

logger = logging.getLogger(__name__)
CHUNK = 200
ACCOUNT_BY_KIND = {
    'renewable_surcharge': '4120',
    'subsidy': '4130',
    'discount_percent': '4130',
    }
SALES_ACCOUNT = '4110'


class Determinant(Workflow, ModelSQL, ModelView):
    "Billing Determinant"
    __name__ = 'power.billing.determinant'
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
    invoice_state = fields.Function(fields.Selection(
            'get_invoice_states', "Invoice State"), 'get_invoice_state')
    run = fields.Many2One(
        'power.batch.run', "Billing Run", readonly=True, ondelete='SET NULL')
    state = fields.Selection([
            ('billed', "Billed"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)

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
                })
        cls._order = [('end', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('billed', 'cancelled')}

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

    def get_invoice_state(self, name):
        return self.invoice.state if self.invoice else None

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
    def bill(cls, contracts, date=None, run=None):
        """Bill the due periods of contracts (records or ids); return
        (determinants, [(contract id, reason)]). A failure of one contract
        never stops the others."""
        contract_ids = [int(c) for c in contracts]
        determinants, failures = [], []
        for start in range(0, len(contract_ids), CHUNK):
            done, failed = cls._bill_isolated(
                contract_ids[start:start + CHUNK], date, run)
            determinants += done
            failures += failed
        return determinants, failures

    @classmethod
    def _bill_isolated(cls, contract_ids, date, run):
        """Bill a chunk under a savepoint; on an unexpected error roll the
        chunk back and bill its contracts one by one to set the culprit
        aside."""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute('SAVEPOINT power_billing_chunk')
        try:
            result = cls._bill_chunk(contract_ids, date, run)
        except (UserError, PowerCoreError, ValueError, ArithmeticError,
                LookupError) as exception:
            cursor.execute('ROLLBACK TO SAVEPOINT power_billing_chunk')
            transaction.cache.clear()
            if len(contract_ids) == 1:
                return [], [(contract_ids[0], _reason(exception))]
            done, failed = [], []
            for contract_id in contract_ids:
                d, f = cls._bill_isolated([contract_id], date, run)
                done += d
                failed += f
            return done, failed
        cursor.execute('RELEASE SAVEPOINT power_billing_chunk')
        return result

    @classmethod
    def _bill_chunk(cls, contract_ids, date, run):
        pool = Pool()
        Contract = pool.get('power.contract')
        Usage_ = pool.get('power.usage.confirmed')
        Line = pool.get('power.billing.determinant.line')
        Configuration = pool.get('power.configuration')
        Date = pool.get('ir.date')
        date = date or Date.today()
        configuration = Configuration(1)
        regulated = regulated_values()
        contracts = Contract.browse(contract_ids)
        usages = defaultdict(list)
        for usage in Usage_.search([
                    ('supply_point', 'in',
                        [c.supply_point.id for c in contracts]),
                    ('superseded', '=', None),
                    ('determinant', '=', None),
                    ], order=[('start', 'ASC'), ('id', 'ASC')]):
            usages[usage.supply_point.id].append(usage)
        billed = cls._billed_starts(contract_ids)
        menus = {}
        planned, failures = [], []
        for contract in contracts:
            try:
                planned += cls._plan(contract,
                    usages[contract.supply_point.id], billed, menus,
                    regulated, configuration, date)
            except PowerCoreError as exception:
                failures.append((contract.id, _reason(exception)))
        cls._cross_check(planned, regulated)
        if not planned:
            return [], failures

        values = [{**p['values'], 'run': int(run) if run else None,
                'state': 'billed'} for p in planned]
        records = cls.create(values)
        Line.create([{**line, 'determinant': record.id}
                for record, p in zip(records, planned)
                for line in p['lines']])
        invoices = []
        for record, p in zip(records, planned):
            for line in p['invoice'].lines:
                line.origin = str(record)
            invoices.append(p['invoice'])
        company = contracts[0].company
        journal, tax = cls._journal_and_tax(company, configuration)
        positive = [i for i in invoices if i.total > 0]
        invoicing.post_invoices(positive, company, journal, tax)
        for invoice in invoices:
            if invoice.total <= 0:
                invoice.id = invoicing.post_stock(invoice, company, journal,
                    tax).id
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for record, invoice in zip(records, invoices):
            cursor.execute(*table.update([table.invoice], [invoice.id],
                    where=table.id == record.id))
        to_link = defaultdict(list)
        for record, p in zip(records, planned):
            to_link[record.id] += p['usages']
        usage_table = Usage_.__table__()
        cursor = Transaction().connection.cursor()
        for determinant_id, usage_ids in to_link.items():
            cursor.execute(*usage_table.update(
                    [usage_table.determinant], [determinant_id],
                    where=usage_table.id.in_(usage_ids)))
        return records, failures

    @classmethod
    def _billed_starts(cls, contract_ids):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.contract, table.start,
                where=table.contract.in_(contract_ids)
                & (table.state == 'billed')))
        return {(c, s if isinstance(s, dt.date) else dt.date.fromisoformat(s))
            for c, s in cursor}

    @classmethod
    def _plan(cls, contract, usages, billed, menus, regulated,
            configuration, date):
        """The determinants (values, lines, invoice) of contract's periods
        closed by its unbilled readings, without writing anything."""
        plans = []
        pending = []
        for usage in usages:
            if usage.end <= contract.start_date or (
                    contract.end_date and usage.start > contract.end_date):
                continue
            pending.append(usage)
            if usage.kind == 'meter_change':
                continue
            start, end = pending[0].start, usage.end
            if (contract.id, start) in billed:
                pending = []
                continue
            kwh, demand, power_factor = assemble(
                [u.reading() for u in pending], start, end)
            terms = []
            for version in contract.versions:
                if version.menu.id not in menus:
                    menus[version.menu.id] = version.menu.to_core()
                terms.append(Term(version.id, menus[version.menu.id],
                        Decimal(version.capacity), version.start_date,
                        contract.supply_point.area.code))
            determination = determine(terms, start, end, kwh, regulated,
                max_demand=demand, power_factor=power_factor,
                supply_start=contract.start_date,
                supply_end=(contract.end_date + dt.timedelta(days=1)
                    if contract.end_date else None))
            plans.append(cls._plan_values(contract, determination, pending,
                    demand, power_factor, configuration, terms, date))
            billed.add((contract.id, start))
            pending = []
        return plans

    @classmethod
    def _plan_values(cls, contract, d, usages, demand, power_factor,
            configuration, terms, date):
        pool = Pool()
        Version = pool.get('power.contract.version')
        last = Version(d.parts[-1].key)
        days = getattr(last.menu, 'payment_due_days', None)
        due = due_date(d.end, days if days is not None
            else configuration.payment_due_days)
        customer = contract.customer
        shares, tax = split_tax_included(
            d.total, [line.amount for line in d.lines])
        accounts = cls._accounts(contract.company)
        kinds = {c.code: c.kind for t in terms
            for v in t.menu.versions for c in v.components}
        invoice_lines = []
        for line, share in zip(d.lines, shares):
            code = line.code.split('_')[0] if line.code not in kinds \
                else line.code
            account = accounts[ACCOUNT_BY_KIND.get(kinds.get(code),
                    SALES_ACCOUNT)]
            invoice_lines.append(invoicing.InvoiceLine(
                    line.label, share, account))
        address = customer.address_get(type='invoice')
        invoice = invoicing.InvoiceData(
            party=customer.id, address=address.id if address else None,
            account=customer.account_receivable_used.id,
            date=date, due_date=due, lines=invoice_lines, tax=tax,
            description=f'電気料金 {d.start:%Y/%m/%d}〜{d.end:%Y/%m/%d}',
            reference=contract.number)
        values = {
            'company': contract.company.id,
            'contract': contract.id,
            'customer': customer.id,
            'supply_point': contract.supply_point.id,
            'start': d.start, 'end': d.end, 'revision': 0,
            'kind': 'actual',
            'kwh': d.kwh, 'max_demand': demand,
            'power_factor': power_factor,
            'total': d.total, 'tax': d.tax, 'due_date': due,
            'menu': last.menu.id, 'contract_version': last.id,
            'detail': json.dumps(d.as_dict()['parts'], ensure_ascii=False),
            'engine': d.engine,
            }
        lines = [{'sequence': n, 'code': line.code, 'label': line.label,
                'quantity': line.quantity, 'unit_price': line.unit_price,
                'amount': line.amount, 'untaxed': share}
            for n, (line, share) in enumerate(zip(d.lines, shares), 1)]
        return {'values': values, 'lines': lines, 'invoice': invoice,
            'usages': [u.id for u in usages], 'determination': d,
            'terms': terms}

    @classmethod
    def _cross_check(cls, planned, regulated):
        """The batch engine must agree with the line-by-line rating on every
        part it vectorises; a disagreement stops the chunk."""
        groups = defaultdict(list)
        for p in planned:
            for part in p['determination'].parts:
                term = next(t for t in p['terms'] if t.key == part.key)
                groups[id(term.menu)].append((term.menu, part))
        for items in groups.values():
            menu = items[0][0]
            totals = rate_many(menu, [part.usage for _, part in items],
                regulated)
            for total, (_, part) in zip(totals, items):
                if total != part.total:
                    raise ValueError(
                        f"The batch and line-by-line ratings disagree on "
                        f"{part.start}〜{part.end}: {total} ≠ {part.total}.")

    @classmethod
    def _journal_and_tax(cls, company, configuration):
        pool = Pool()
        Journal = pool.get('account.journal')
        journal, = Journal.search([('type', '=', 'revenue')], limit=1)
        tax = configuration.consumption_tax
        if not tax:
            raise UserError("Set the consumption tax in the configuration.")
        return journal, tax

    @classmethod
    def _accounts(cls, company):
        Account = Pool().get('account.account')
        return {a.code: a.id for a in Account.search([
                    ('company', '=', company.id),
                    ('code', 'in', ['4110', '4120', '4130']),
                    ])}


def _reason(exception):
    if isinstance(exception, PowerCoreError):
        return exception.reason
    return getattr(exception, 'message', None) or str(exception)


class DeterminantLine(ModelSQL, ModelView):
    "Billing Determinant Line"
    __name__ = 'power.billing.determinant.line'
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
        run = cls.start(f"Billing run {date}{scope}")
        run.total = len(contract_ids)
        run.save()
        chunks = [contract_ids[i:i + CHUNK]
            for i in range(0, len(contract_ids), CHUNK)]
        if config.getboolean('queue', 'worker', default=False) and chunks:
            for chunk in chunks:
                cls.__queue__.bill_chunk([run], chunk, date)
        else:
            for chunk in chunks:
                cls.bill_chunk([run], chunk, date)
            if not chunks:
                run.finish(0)
        return run

    @classmethod
    def bill_chunk(cls, runs, contract_ids, date):
        "Bill a chunk of a run and count it on the run."
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        run, = runs
        determinants, failures = Determinant.bill(contract_ids, date, run)
        for contract_id, reason in failures:
            run.add_error(f'power.contract,{contract_id}', reason)
        run.count(len(contract_ids) - len(failures), len(failures))


    @classmethod
    def cron_billing(cls):
        "The daily billing run (scheduled action)."
        cls.run_billing()


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('power.batch.run|cron_billing', "Daily Billing Run (調定)"))


class InvoiceLine(metaclass=PoolMeta):
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
    start = StateView('power.billing.run.start',
        'power_billing.billing_run_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Run", 'run', 'tryton-ok', default=True),
            ])
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
