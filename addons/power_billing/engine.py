# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The billing engine of one chunk of contracts: plan every determinant in
memory (nothing is written while a contract can still fail), then write
them set-wise with their invoices, corrections and adjustments."""
import datetime as dt
import json
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from power_core.billing import (
    Term, determine, due_date, split_tax_included)
from power_core.calendar.reading import charge_month
from power_core.errors import ValidationError
from power_core.tariff.batch import rate_many
from power_core.usage import DayProfile, assemble, estimate_kwh

from sql import Column, Null

from trytond.exceptions import UserError
from trytond.modules.power_cis.common import failpoint
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import invoicing
from .regulated import regulated_values, sql_date

# the account (a field of the power configuration) of a bill line by its
# component kind; every other line is a sale
ACCOUNT_BY_KIND = {
    'renewable_surcharge': 'account_surcharge',
    'subsidy': 'account_adjustment',
    'discount_percent': 'account_adjustment',
    }
# seconds spent per step in this process, for the benchmark's time split
TIMINGS = Counter()


def period_context(contract, start, end):
    """What the rating needs to know of the period [start, end) of contract
    besides its usage (power_core.billing.determine): the supply's start
    and end, the meter reading period for 日割 (at a supply end, up to the
    reading day the schedule had; at a supply start between two readings,
    the calendar days of the month), and the charge month of a point
    metered on the 1st (計量日: the month used, not the month read)."""
    point = contract.supply_point
    supply_end = (contract.end_date + dt.timedelta(days=1)
        if contract.end_date else None)
    context = {'supply_start': contract.start_date, 'supply_end': supply_end}
    if start == contract.start_date:
        context['calendar_days'] = (
            point.next_reading_date_from(start) != start)
    if end == supply_end:
        context['reading_end'] = max(end, point.next_reading_date_from(end))
    if not point.reading_schedule:
        context['charge_month'] = charge_month(end, metered_on_first=True)
    return context


@contextmanager
def timed(step):
    started = time.perf_counter()
    try:
        yield
    finally:
        TIMINGS[step] += time.perf_counter() - started


@dataclass(frozen=True)
class Plan:
    """One determinant as planned by Chunk.plan, before anything is
    written: the determinant's field values, its lines with their
    accounts, the confirmed usage it bills, the core's determination and
    the dated terms it was rated with, and whether it gets an invoice (a
    correction under the adjustment policy does not)."""
    contract: object            # power.contract record
    values: MappingProxyType    # power.billing.determinant field values
    lines: tuple                # power.billing.determinant.line values
    # (values and each line are read-only mappings)
    accounts: tuple             # account id of each line
    usages: tuple               # power.usage.confirmed ids
    determination: object       # power_core.billing.Determination
    terms: tuple                # the dated terms rated
    invoice: bool


class Chunk:
    "Contracts billed together, with everything they need read set-wise."

    def __init__(self, contracts, date, run=None):
        pool = Pool()
        Configuration = pool.get('power.configuration')
        self.contracts = list(contracts)
        self.date = date
        self.run = int(run) if run else None
        self.configuration = Configuration(1)
        self.policy = self.configuration.correction_policy or 'rebill'
        self.regulated = regulated_values()
        self.menus, self._terms = {}, {}
        self.company = self.contracts[0].company
        self._read()

    def _read(self):
        pool = Pool()
        Address = pool.get('party.address')
        PartyAccount = pool.get('party.party.account')
        AccountConfiguration = pool.get('account.configuration')
        Journal = pool.get('account.journal')
        Determinant = pool.get('power.billing.determinant')
        Adjustment = pool.get('power.billing.adjustment')
        company = self.company
        customers = sorted({c.customer.id for c in self.contracts})
        contract_ids = [c.id for c in self.contracts]
        addresses = {}
        for address in Address.search([('party', 'in', customers)],
                order=[('party', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')]):
            party = address.party.id
            if party not in addresses or (
                    address.invoice and not addresses[party][1]):
                addresses[party] = (address.id, address.invoice)
        self.addresses = {p: a for p, (a, _) in addresses.items()}
        self.receivable = {a.party.id: a.account_receivable.id
            for a in PartyAccount.search([
                    ('party', 'in', customers),
                    ('company', '=', company.id),
                    ('account_receivable', '!=', None)])}
        default = AccountConfiguration(1).get_multivalue(
            'default_account_receivable', company=company.id)
        self.default_receivable = default.id if default else None
        self.accounts = {name: account.id for name, account in
            self.configuration.accounts(company, 'account_sales',
                'account_surcharge', 'account_adjustment',
                'account_interest').items()}
        journals = Journal.search([('type', '=', 'revenue')], limit=1)
        self.tax = self.configuration.consumption_tax
        if not journals or not self.tax:
            raise UserError(
                "Billing needs a revenue journal and the consumption tax "
                "in the power configuration.")
        self.journal, = journals
        # the billed period starts: (contract, start) → determinant
        self.billed = {}
        table = Determinant.__table__()
        cursor = Transaction().connection.cursor()
        for sub in grouped_slice(contract_ids, 1000):
            cursor.execute(*table.select(
                    table.id, table.contract, table.start, table.kind,
                    table.revision,
                    where=table.contract.in_(list(sub))
                    & (table.state == 'billed')))
            for id_, contract, start, kind, revision in cursor:
                start = sql_date(start)
                self.billed[(contract, start)] = (id_, kind, revision)
        # the versions of the contracts and their menus, in SQL: the ORM
        # read them one contract at a time
        Version = pool.get('power.contract.version')
        Menu = pool.get('power.rate_menu')
        Point = pool.get('power.supply_point')
        Area = pool.get('power.grid_area')
        version, menu = Version.__table__(), Menu.__table__()
        point, area = Point.__table__(), Area.__table__()
        self.versions = defaultdict(list)
        self.due_days, self.version_menus = {}, {}
        for sub in grouped_slice(contract_ids, 1000):
            cursor.execute(*version.join(menu,
                    condition=menu.id == version.menu).select(
                    version.contract, version.id, version.menu,
                    version.capacity, version.start_date,
                    menu.payment_due_days,
                    where=version.contract.in_(list(sub)),
                    order_by=[version.contract, version.start_date,
                        version.id]))
            for contract, id_, menu_id, capacity, start, days in cursor:
                start = sql_date(start)
                self.versions[contract].append(
                    (id_, menu_id, Decimal(str(capacity)), start))
                self.due_days[id_] = days
                self.version_menus[id_] = menu_id
        self.areas = {}
        points = sorted({c.supply_point.id for c in self.contracts})
        for sub in grouped_slice(points, 1000):
            cursor.execute(*point.join(area,
                    condition=area.id == point.area).select(
                    point.id, area.code, where=point.id.in_(list(sub))))
            self.areas.update(cursor)
        self.intervals = None
        self.adjustments = defaultdict(list)
        for adjustment in Adjustment.search([
                    ('contract', 'in', contract_ids),
                    ('state', '=', 'pending')], order=[('id', 'ASC')]):
            self.adjustments[adjustment.contract.id].append(adjustment)

    def unbilled_usage(self):
        "{supply point id: current unbilled confirmed usage by start}"
        Usage = Pool().get('power.usage.confirmed')
        usages = defaultdict(list)
        for usage in Usage.search([
                    ('supply_point', 'in',
                        [c.supply_point.id for c in self.contracts]),
                    ('superseded', '=', None),
                    ('determinant', '=', None),
                    ], order=[('start', 'ASC'), ('id', 'ASC')]):
            usages[usage.supply_point.id].append(usage)
        return usages

    def terms(self, contract):
        "The rating terms of contract's versions, built once a chunk."
        if contract.id in self._terms:
            return self._terms[contract.id]
        Menu = Pool().get('power.rate_menu')
        terms = self._terms[contract.id] = []
        area = self.areas[contract.supply_point.id]
        for id_, menu_id, capacity, start in self.versions[contract.id]:
            if menu_id not in self.menus:
                self.menus[menu_id] = Menu(menu_id).to_core()
            terms.append(Term(id_, self.menus[menu_id], capacity, start,
                    area))
        return terms

    @staticmethod
    def demand_based(terms):
        "Whether rating terms has a demand-based basic charge (実量制)."
        return any(c.kind == 'demand_basic' for t in terms
            for v in t.menu.versions for c in v.components)

    def demand_history(self, contract, start):
        """((month, kW), ...) of the maximum demand of contract's billed
        periods that started in the 12 months before start: the contract
        demand of a 実量制 menu is the highest of this month's and the
        previous 11 months' (power_core.tariff.rating.contract_demand)."""
        Determinant = Pool().get('power.billing.determinant')
        first = start.replace(day=1)
        since = first.replace(year=first.year - 1)
        return tuple((d.start.replace(day=1), d.max_demand)
            for d in Determinant.search([
                    ('contract', '=', contract.id),
                    ('state', '=', 'billed'),
                    ('max_demand', '!=', None),
                    ('start', '>=', since),
                    ('start', '<', start),
                    ], order=[('start', 'ASC')]))

    @staticmethod
    def needs_interval(terms):
        "Whether rating terms needs the 30-minute data of the period."
        return len(terms) > 1 or any(
            c.kind in {'tou_energy', 'market_energy'} for t in terms
            for v in t.menu.versions for c in v.components)

    def plan_due(self, contract, usages):
        """The determinants of contract's periods closed by its unbilled
        readings: new periods, and the true-up of estimated ones."""
        plans, pending = [], []
        for usage in usages:
            if usage.end <= contract.start_date or (
                    contract.end_date and usage.start > contract.end_date):
                continue
            pending.append(usage)
            if usage.kind == 'meter_change':
                continue
            start, end = pending[0].start, usage.end
            prior = self.billed.get((contract.id, start))
            if prior is None:
                plans.append(self.plan(contract, start, end, pending))
            elif prior[1] == 'estimated':
                plans.append(self.plan(contract, start, end, pending,
                        revision=prior[2] + 1, corrects=prior[0]))
            pending = []
        return plans

    def plan(self, contract, start, end, usages, *, kwh=None,
            revision=0, corrects=None, estimate_basis=None):
        """One determinant of [start, end) from usages (confirmed records)
        or an estimated kwh: its Plan, nothing written."""
        if kwh is None:
            kwh, demand, power_factor = assemble(
                [u.reading() for u in usages], start, end)
        else:
            demand = power_factor = None
        terms = self.terms(contract)
        daily, points = None, ()
        if self.needs_interval(terms):
            daily, points = self.interval(contract.supply_point, start, end)
        history = (self.demand_history(contract, start)
            if self.demand_based(terms) else ())
        d = determine(terms, start, end, kwh, self.regulated,
            max_demand=demand, power_factor=power_factor,
            demand_history=history, interval=daily, points=points,
            **period_context(contract, start, end))
        last = d.parts[-1].key
        days = self.due_days[last]
        due = due_date(d.end, days if days is not None
            else self.configuration.payment_due_days)
        payer = contract.payer
        if payer and payer.active:
            # due with the other sites, on the payer's statement
            due = payer.due_date(self.date)
        shares, _ = split_tax_included(d.total, [l.amount for l in d.lines])
        kinds = {c.code: c.kind for t in terms
            for v in t.menu.versions for c in v.components}
        self.billed[(contract.id, start)] = (None, 'planned', revision)
        # a correction under the adjustment policy carries the difference
        # to the next bill instead of re-invoicing the period
        rebill = corrects is None or self.policy == 'rebill'
        return Plan(
            contract=contract,
            values=MappingProxyType({
                'company': contract.company.id,
                'contract': contract.id,
                'customer': contract.customer.id,
                'supply_point': contract.supply_point.id,
                'start': d.start, 'end': d.end, 'revision': revision,
                'kind': 'estimated' if estimate_basis else 'actual',
                'estimate_basis': estimate_basis,
                'kwh': d.kwh, 'max_demand': demand,
                'power_factor': power_factor,
                'total': d.total, 'tax': d.tax, 'due_date': due,
                'menu': self.version_menus[last], 'contract_version': last,
                'detail': json.dumps(d.as_dict()['parts'],
                    ensure_ascii=False),
                'engine': d.engine, 'corrects': corrects,
                'run': self.run, 'state': 'billed',
                }),
            lines=tuple(MappingProxyType({'sequence': n, 'code': l.code, 'label': l.label,
                    'quantity': l.quantity, 'unit_price': l.unit_price,
                    'amount': l.amount, 'untaxed': share})
                for n, (l, share) in enumerate(zip(d.lines, shares), 1)),
            accounts=tuple(self.accounts[ACCOUNT_BY_KIND.get(kinds.get(
                            l.code if l.code in kinds
                            else l.code.split('_')[0]), 'account_sales')]
                for l in d.lines),
            usages=tuple(u.id for u in usages),
            determination=d,
            terms=tuple(terms),
            invoice=rebill,
            )

    def prefetch_intervals(self, usages):
        """Read at once the 30-minute data of the contracts whose rating
        needs it, over their unbilled periods (usages: {supply point id:
        [confirmed usage]})."""
        Interval = Pool().get('power.usage.interval')
        table = Interval.__table__()
        cursor = Transaction().connection.cursor()
        wanted = {}
        for contract in self.contracts:
            point = contract.supply_point.id
            if usages.get(point) and self.needs_interval(
                    self.terms(contract)):
                wanted[point] = (min(u.start for u in usages[point]),
                    max(u.end for u in usages[point]))
        self.intervals = defaultdict(list)
        if not wanted:
            return
        first = min(s for s, _ in wanted.values())
        last = max(e for _, e in wanted.values())
        for sub in grouped_slice(sorted(wanted), 1000):
            cursor.execute(*table.select(table.supply_point, table.date,
                    Column(table, 'values'), table.quality,
                    where=table.supply_point.in_(list(sub))
                    & (table.date >= first) & (table.date < last)
                    & (table.superseded == Null),
                    order_by=[table.supply_point, table.date]))
            for point, date, values, quality in cursor:
                date = sql_date(date)
                start, end = wanted[point]
                if start <= date < end:
                    self.intervals[point].append((date, values, quality))

    def interval(self, supply_point, start, end):
        "({date: kWh}, half-hour points) of the 30-minute data of a period."
        if self.intervals is None:
            Interval = Pool().get('power.usage.interval')
            rows = [(d.date, d.values, d.quality)
                for d in Interval.search([
                        ('supply_point', '=', supply_point.id),
                        ('date', '>=', start), ('date', '<', end),
                        ('superseded', '=', None)], order=[('date', 'ASC')])]
        else:
            rows = [r for r in self.intervals[supply_point.id]
                if start <= r[0] < end]
        daily, points = {}, []
        for date, values, quality in rows:
            profile = DayProfile.decode(date, values, quality)
            daily[date] = profile.kwh
            points += profile.points()
        return daily, tuple(points)

    def plan_estimate(self, contract, start, end, history):
        kwh, basis = estimate_kwh([u.reading() for u in history], start, end)
        return self.plan(contract, start, end, (), kwh=kwh,
            estimate_basis=basis)

    def cross_check(self, plans):
        """The batch engine must agree with the line-by-line rating on every
        part; a disagreement stops the chunk."""
        groups = defaultdict(list)
        for plan in plans:
            for part in plan.determination.parts:
                term = next(t for t in plan.terms if t.key == part.key)
                groups[id(term.menu)].append((term.menu, part))
        for items in groups.values():
            totals = rate_many(items[0][0], [p.usage for _, p in items],
                self.regulated)
            for total, (_, part) in zip(totals, items):
                if total != part.total:
                    raise ValidationError(
                        f"The batch and line-by-line ratings disagree on "
                        f"{part.start}〜{part.end}: {total} ≠ {part.total}.",
                        part)

    # --- writing ---------------------------------------------------------

    def write(self, plans, numbering=None):
        """Write the planned determinants, invoices and corrections. The
        invoices are numbered at the end, or, with numbering (an
        invoicing.Numbering), left in it for its owner to number."""
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Line = pool.get('power.billing.determinant.line')
        Usage = pool.get('power.usage.confirmed')
        if not plans:
            return []
        with timed('batch engine cross-check'):
            self.cross_check(plans)
        with timed('determinants'):
            ids = Determinant._insert_rows([p.values for p in plans])
            Line._insert_rows([{**line, 'determinant': id_}
                    for id_, p in zip(ids, plans) for line in p.lines])
        invoices, owners = [], []
        carried = set()
        for id_, plan in zip(ids, plans):
            if not plan.invoice:
                continue
            contract = plan.contract
            adjustments = []
            if contract.id not in carried:
                adjustments = self.adjustments.pop(contract.id, [])
                carried.add(contract.id)
            invoices.append(self.invoice_data(id_, plan, adjustments))
            owners.append((id_, adjustments))
        positive = [i for i in invoices if i.total > 0]
        with timed('invoices and moves'):
            own_numbering = invoicing.post_invoices(positive, self.company,
                self.journal, self.tax, number=False)
        with timed('stock posting (zero and negative totals)'):
            for invoice in invoices:
                if invoice.total <= 0:
                    invoicing.post_stock(
                        invoice, self.company, self.journal, self.tax)
        table = Determinant.__table__()
        Adjustment = pool.get('power.billing.adjustment')
        applied = []
        invoicing.update(table, [table.invoice], [(id_, invoice.id)
                for invoice, (id_, _) in zip(invoices, owners)])
        for invoice, (id_, adjustments) in zip(invoices, owners):
            for adjustment in adjustments:
                adjustment.applied_in = id_
                adjustment.state = 'applied'
                applied.append(adjustment)
        Adjustment.save(applied)
        usage = Usage.__table__()
        invoicing.update(usage, [usage.determinant], [(usage_id, id_)
                for id_, plan in zip(ids, plans)
                for usage_id in plan.usages])
        corrected = [(Determinant(p.values['corrects']), id_, p)
            for id_, p in zip(ids, plans) if p.values['corrects']]
        credited = self.settle(corrected) if corrected else []
        # last, so that the sequences stay locked only until the commit; a
        # chunk of the task queue leaves it to its numbering task
        if numbering is not None:
            numbering.extend(own_numbering)
        else:
            with timed('numbering'):
                own_numbering.apply()
        # after the numbering: it writes the numbers in SQL, which records
        # read before it in this transaction would not see
        if credited:
            self.carry_payments(credited)
        failpoint('billing.chunk')
        return Determinant.browse(ids)

    def invoice_data(self, determinant_id, plan, adjustments=()):
        d = plan.determination
        values = plan.values
        customer = values['customer']
        origin = f'power.billing.determinant,{determinant_id}'
        amounts = [l['amount'] for l in plan.lines]
        labels = [l['label'] for l in plan.lines]
        accounts = list(plan.accounts)
        total = d.total
        untaxed = []
        for adjustment in adjustments:
            if adjustment.taxable is not None and not adjustment.taxable:
                untaxed.append(invoicing.InvoiceLine(adjustment.description,
                        adjustment.amount, self.accounts['account_interest']
                        if adjustment.reason == 'late_interest'
                        else self.accounts['account_adjustment'], origin,
                        taxed=False))
                continue
            amounts.append(Decimal(adjustment.amount))
            labels.append(adjustment.description)
            accounts.append(self.accounts['account_adjustment'])
            total += adjustment.amount
        shares, tax = split_tax_included(total, amounts)
        kind = '（推定）' if values['kind'] == 'estimated' else ''
        # the final bill goes to the forwarding address of the move-out
        final = plan.contract.final_address(d.end)
        return invoicing.InvoiceData(
            party=customer,
            address=final.id if final else self.addresses.get(customer),
            account=self.receivable.get(customer, self.default_receivable),
            date=self.date, due_date=values['due_date'],
            lines=[invoicing.InvoiceLine(label, share, account, origin)
                for label, share, account in zip(labels, shares, accounts)]
            + untaxed,
            tax=tax,
            description=(f'電気料金{kind} '
                f'{d.start:%Y/%m/%d}〜{d.end:%Y/%m/%d}'),
            reference=values['contract'] and plan.contract.number)

    def settle(self, corrected):
        """The determinants replaced by a correction or a true-up: credit
        their invoice (全取消) or carry the difference to the next bill
        (調整取消), per the configured policy; the credited ones for
        carry_payments."""
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Adjustment = pool.get('power.billing.adjustment')
        policy = self.policy
        adjustments = []
        credited = []
        for old, new_id, plan in corrected:
            if policy == 'rebill' and old.invoice:
                old.credit_note, freed = self.credit(old)
                old.state = 'cancelled'
                credited.append((old, new_id, freed))
            else:
                difference = plan.values['total'] - old.total
                if difference:
                    adjustments.append({
                            'company': old.company.id,
                            'contract': old.contract.id,
                            'customer': old.customer.id,
                            'amount': difference,
                            'description': (f'訂正による調整 '
                                f'{old.start:%Y/%m/%d}〜{old.end:%Y/%m/%d}'),
                            'reason': 'correction',
                            'source': f'power.billing.determinant,{new_id}',
                            'state': 'pending',
                            })
                old.state = 'adjusted'
        Determinant.save([old for old, _, _ in corrected])
        Adjustment.create(adjustments)
        return credited

    def carry_payments(self, credited):
        """What the customers paid on the cancelled bills follows their
        revision bills [(cancelled determinant, revision's id, the part
        payments freed by credit())]: the open credit of a paid bill's
        credit note and the freed part payments pay the revision bill
        first; what is left over is a credit applied to the customer's other
        open bills, oldest first, or kept. The credit notes used up are
        marked paid. Without this a paying customer's revision bill was
        unpaid again: debited or dunned twice."""
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        Receipt = pool.get('power.payment.receipt')
        for old, new_id, freed in credited:
            revision = Determinant(new_id).invoice
            credit_note = Invoice(old.credit_note.id)
            sources = [l for l in credit_note.lines_to_pay
                if not l.reconciliation and l.credit > 0]
            sources += MoveLine.browse(freed)
            for line in sources:
                due = int(Invoice(revision.id).amount_to_pay) if (
                    revision and revision.state == 'posted') else 0
                if due <= 0:
                    break
                yen = min(int(line.credit), due)
                Receipt._transfer(line, [(revision, yen)],
                    int(line.credit) - yen, self.date,
                    description=f'入金振替 {credit_note.reference or ""}')
        Receipt.apply_credits({old.customer for old, _, _ in credited},
            self.date)
        Invoice.process([Invoice(old.credit_note.id)
                for old, _, _ in credited])

    def credit(self, determinant):
        """Post a credit note of determinant's invoice for exactly its
        amounts and reconcile it with the invoice when unpaid or part paid
        (the part payments taken off it first); (credit note, the ids of
        the part payments taken off)."""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        invoice = determinant.invoice
        data = invoicing.InvoiceData(
            party=invoice.party.id, address=invoice.invoice_address.id,
            account=invoice.account.id, date=self.date,
            due_date=self.date,
            lines=[invoicing.InvoiceLine(line.description,
                    -int(line.amount), line.account.id,
                    f'power.billing.determinant,{determinant.id}')
                for line in invoice.lines],
            tax=-int(invoice.tax_amount),
            description=f'取消 {invoice.number}',
            reference=invoice.reference)
        credit_note = invoicing.post_stock(
            data, self.company, self.journal, self.tax)
        freed = []
        if invoice.state == 'posted':
            # a part payment leaves the cancelled bill: it is the
            # customer's credit now, carried to the revision bill
            # (carry_payments)
            freed = [l.id for l in invoice.payment_lines]
            if freed:
                Invoice.remove_payment_lines(freed)
                invoice = Invoice(invoice.id)
            lines = list(invoice.lines_to_pay) + list(
                credit_note.lines_to_pay)
            if sum(l.debit - l.credit for l in lines) == 0:
                MoveLine.reconcile(lines)
                Invoice.process([invoice, credit_note])
        return credit_note, freed
