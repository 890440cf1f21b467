# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The reconciliation of receipts (消し込み), on Tryton's account_statement.

Every receipt (a debit or charge that succeeded, a store payment, a bank
transfer) is matched to its customer's open invoices by
power_core.payments.match_receipt and booked as a line of an
account.statement of its channel: exact matches are reconciled; a partial
payment stays on the invoice as a payment line; the surplus of an
overpayment stays a credit of the customer, applied to the next invoice (or
refunded); a receipt of an unknown customer is held on the suspense
account. Whatever is not an exact match waits in the receipt work queue for
a clerk."""
from collections import defaultdict
from decimal import Decimal

from power_core import payments as core
from sql import Null

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.power_cis.common import ServerReadonly, dialog, now
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import StateTransition, Wizard

from .exceptions import PaymentError

CHANNELS = [
    ('bank', "Direct Debit"),
    ('card', "Card"),
    ('konbini', "Convenience Store"),
    ('transfer', "Bank Transfer"),
    ('credit', "Customer Credit"),
    ]


def configured_account(company, name):
    "The account of the power configuration's field name for company."
    Configuration = Pool().get('power.configuration')
    return Configuration(1).accounts(company, name)[name]


class Receipt(ServerReadonly, Workflow, ModelSQL, ModelView):
    "Receipt"
    __name__ = 'power.payment.receipt'
    _client_create = False
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    date = fields.Date("Date", required=True, readonly=True,
        help="The day the money was paid.")
    channel = fields.Selection(CHANNELS, "Channel", required=True,
        readonly=True)
    agent = fields.Many2One(
        'power.payment.agent', "Agent", readonly=True, ondelete='RESTRICT')
    party = fields.Many2One(
        'party.party', "Customer", readonly=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'})
    customer_number = fields.Char("Customer Number (as received)",
        readonly=True)
    reference = fields.Char("Reference (as received)", readonly=True)
    amount = fields.Integer("Amount", required=True, readonly=True)
    allocated = fields.Integer("Allocated to Invoices", readonly=True)
    credit = fields.Integer("Kept as Credit", readonly=True,
        help="The part not allocated to an invoice: the customer's credit, "
        "or the suspense amount when the customer is unknown.")
    invoices = fields.Many2Many(
        'power.payment.receipt-account.invoice', 'receipt', 'invoice',
        "Invoices", readonly=True)
    outcome = fields.Selection([
            ('matched', "Matched"),
            ('partial', "Partial Payment"),
            ('overpaid', "Overpayment"),
            ('unallocated', "Not Allocated"),
            ('unmatched', "Unknown Customer"),
            ], "Outcome", required=True, readonly=True)
    state = fields.Selection([
            ('booked', "Booked"),
            ('review', "To Review"),
            ('done', "Done"),
            ], "State", required=True, readonly=True)
    statement = fields.Many2One(
        'account.statement', "Statement", readonly=True,
        ondelete='RESTRICT')
    payment = fields.Many2One(
        'account.payment', "Payment", readonly=True, ondelete='RESTRICT')
    source = fields.Char("Source", readonly=True,
        help="The file and line it came from.")
    partner_key = fields.Char("Partner's Key", readonly=True,
        help="How the partner identifies the payment (a konbini payment: "
        "barcode, day, time, chain and store); the same payment notified "
        "again in another file is not booked twice.")
    note = fields.Text("Note")
    resolution = fields.Selection([
            (None, ''),
            ('allocated', "Allocated"),
            ('refunded', "Refunded"),
            ('kept', "Kept as Credit"),
            ], "Resolution", readonly=True)
    resolved_by = fields.Many2One('res.user', "Resolved By", readonly=True)
    resolved_at = fields.DateTime("Resolved At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality()),
                    where=t.state == 'review'),
                Index(t, (t.party, Index.Range())),
                Index(t, (t.date, Index.Range())),
                Index(t, (t.payment, Index.Equality()),
                    where=t.payment != Null),
                })
        cls._sql_constraints += [
            ('partner_key_unique', Unique(t, t.channel, t.partner_key),
                'power_billing.msg_receipt_partner_key_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('review', 'done')}
        cls._buttons.update({
                'keep': {'invisible': Eval('state') != 'review',
                    'depends': ['state']},
                'refund': {
                    'invisible': ((Eval('state') != 'review')
                        | ~Eval('credit', 0) | ~Eval('party')),
                    'depends': ['state', 'credit', 'party']},
                'allocate': {
                    'invisible': ((Eval('state') != 'review')
                        | ~Eval('credit', 0)),
                    'depends': ['state', 'credit']},
                })

    @classmethod
    def default_state(cls):
        return 'booked'

    def get_rec_name(self, name):
        party = self.party.rec_name if self.party else self.customer_number
        return f'{self.date} {party or ""} ¥{self.amount:,}'

    # -- booking -------------------------------------------------------
    @classmethod
    def open_bills(cls, parties):
        """{party id: [OpenBill]} of their posted customer invoices with
        money to pay."""
        Invoice = Pool().get('account.invoice')
        bills = defaultdict(list)
        if not parties:
            return bills
        with Transaction().set_context(with_payment=False):
            invoices = Invoice.search([
                        ('party', 'in', [p.id for p in parties]),
                        ('type', '=', 'out'),
                        ('state', '=', 'posted'),
                        ])
        for invoice in invoices:
            due = int(invoice.amount_to_pay)
            if due > 0:
                bills[invoice.party.id].append(core.OpenBill(
                        invoice.id, due, invoice.payment_term_date,
                        invoice.number or ''))
        return bills

    @classmethod
    def book(cls, channel, agent, date, items, source=None):
        """Book receipts of a channel on date: items are dicts with party
        (or customer_number), amount (yen), reference (invoice id or
        number; optional), payment, source, partner_key (optional). One statement, validated and
        posted; the receipts returned."""
        pool = Pool()
        Party = pool.get('party.party')
        Statement = pool.get('account.statement')
        Line = pool.get('account.statement.line')
        Invoice = pool.get('account.invoice')
        Company = pool.get('company.company')
        company = Company(Transaction().context['company'])
        numbers = {i['customer_number'] for i in items
            if not i.get('party') and i.get('customer_number')}
        parties = {p.customer_number: p for p in Party.search([
                    ('customer_number', 'in', list(numbers))])} if numbers \
            else {}
        for item in items:
            if not item.get('party'):
                item['party'] = parties.get(item.get('customer_number'))
        bills = cls.open_bills({i['party'] for i in items if i['party']})
        statements = cls.statement_bills(items)
        receipts, lines, interest, touched = [], [], [], set()
        for item in items:
            party = item['party']
            party_bills = bills.get(party.id, []) if party else []
            reference = item.get('reference')
            if isinstance(reference, str) and reference.isdigit():
                reference = int(reference)
            stated = statements.get((party.id if party else None, reference))
            if stated is not None:
                # a transfer naming a payer's statement pays every bill on it
                match = core.match_statement(item['amount'],
                    [b for b in party_bills if b.key in stated])
            else:
                match = core.match_receipt(item['amount'], party_bills,
                    reference=reference, known_customer=bool(party))
            left = {key: amount for key, amount in match.allocations}
            if party:
                bills[party.id] = [b if b.key not in left
                    else core.OpenBill(b.key, b.due - left[b.key],
                        b.due_date, b.reference)
                    for b in party_bills]
            due_dates = {b.key: b.due_date for b in party_bills}
            receipt = cls(company=company, date=date, channel=channel,
                agent=agent, party=party,
                customer_number=(item.get('customer_number')
                    or (party.customer_number if party else None)),
                reference=(str(item['reference'])
                    if item.get('reference') is not None else None),
                amount=item['amount'], allocated=match.allocated,
                credit=match.surplus, outcome=match.outcome,
                state='review' if match.needs_review else 'booked',
                payment=item.get('payment'),
                partner_key=item.get('partner_key'),
                source=item.get('source') or source,
                invoices=[k for k, _ in match.allocations])
            receipts.append(receipt)
            for key, amount in match.allocations:
                touched.add(key)
                lines.append(Line(date=date, amount=Decimal(amount),
                        party=party, account=Invoice(key).account,
                        related_to=Invoice(key),
                        description=receipt.source))
                interest.append((Invoice(key), amount, due_dates[key]))
            if match.surplus:
                if party:
                    account = party.account_receivable_used
                else:
                    account = configured_account(company, 'account_suspense')
                lines.append(Line(date=date, amount=Decimal(match.surplus),
                        party=party, account=account,
                        description=receipt.source))
        journal = agent.statement_journal if agent else None
        if not journal:
            raise PaymentError(gettext('power_billing.msg_no_statement_journal',
                    agent=agent.rec_name if agent else channel))
        total = sum(i['amount'] for i in items)
        statement = Statement(company=company, journal=journal, date=date,
            name=source or f'{channel} {date}', lines=lines,
            total_amount=Decimal(total), start_balance=Decimal(0),
            end_balance=Decimal(total), number_of_lines=len(lines))
        statement.save()
        Statement.validate_statement([statement])
        Statement.post([statement])
        Invoice.process(Invoice.browse(list(touched)))
        for receipt in receipts:
            receipt.statement = statement
        cls.save(receipts)
        cls.charge_interest(interest, date)
        credited = {r.party for r in receipts if r.party and r.credit}
        cls.apply_credits(credited, date)
        Dunning = pool.get('account.dunning')
        Dunning.stop_terminations({r.party for r in receipts if r.party})
        return receipts

    @classmethod
    def statement_bills(cls, items):
        """{(party id, statement number): {invoice id}} of the statements
        (一括請求書) the items name as their reference."""
        Statement = Pool().get('power.billing.statement')
        wanted = {(i['party'].id, i['reference']) for i in items
            if i.get('party') and isinstance(i.get('reference'), str)
            and i['reference'].startswith('ST')}
        if not wanted:
            return {}
        result = {}
        for statement in Statement.search([
                    ('number', 'in', list({n for _, n in wanted})),
                    ('party', 'in', list({p for p, _ in wanted})),
                    ]):
            key = (statement.party.id, statement.number)
            if key in wanted:
                result[key] = {l.invoice.id for l in statement.lines}
        return result

    @classmethod
    def charge_interest(cls, paid, date):
        """Late interest on (invoice, yen paid, due date) paid on date, as
        an untaxed adjustment of the contract's next bill."""
        pool = Pool()
        Adjustment = pool.get('power.billing.adjustment')
        Determinant = pool.get('power.billing.determinant')
        settings = pool.get('power.configuration')(1).payment_settings()
        adjustments = []
        for invoice, amount, due_date in paid:
            total = int(invoice.total_amount)
            base = amount
            if settings['interest_tax_excluded'] and total:
                base = amount * int(invoice.untaxed_amount) // total
            yen = core.late_interest(base, due_date, date,
                settings['interest_rate'], settings['interest_grace_days'])
            if not yen:
                continue
            determinants = Determinant.search([('invoice', '=', invoice.id)],
                limit=1)
            if not determinants:
                continue
            determinant, = determinants
            days = core.overdue_days(due_date, date)
            adjustments.append(Adjustment(company=invoice.company,
                    contract=determinant.contract, customer=invoice.party,
                    amount=yen, reason='late_interest', taxable=False,
                    description=f'延滞利息（{invoice.number} {days}日分）',
                    note=f'{amount} yen paid {days} days after {due_date}',
                    source=determinant))
        Adjustment.save(adjustments)
        return adjustments

    @classmethod
    def apply_credits(cls, parties, date=None):
        """Apply each party's open credits (receivable credit lines not
        reconciled nor paying an invoice) to its open invoices, oldest
        first, by a transfer move; what is left stays a credit."""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Invoice = pool.get('account.invoice')
        parties = [p for p in parties if p]
        if not parties:
            return
        date = date or pool.get('ir.date').today()
        bills = cls.open_bills(parties)
        for party in parties:
            if not bills.get(party.id):
                continue
            credits = [l for l in MoveLine.search([
                        ('party', '=', party.id),
                        ('account', '=', party.account_receivable_used.id),
                        ('reconciliation', '=', None),
                        ('credit', '>', 0),
                        ('move.state', '=', 'posted'),
                        ])
                if not l.invoice_payments]
            for line in credits:
                allocations, left = core.apply_credit(int(line.credit),
                    bills[party.id])
                if not allocations:
                    break
                cls._transfer(line, [(Invoice(k), a) for k, a in allocations],
                    left, date)
                paid = dict(allocations)
                bills[party.id] = [b if b.key not in paid
                    else core.OpenBill(b.key, b.due - paid[b.key],
                        b.due_date, b.reference)
                    for b in bills[party.id] if b.due > paid.get(b.key, 0)]

    @classmethod
    def _transfer(cls, source, allocations, left, date, description=None,
            party=None):
        """A posted move taking source (a credit line, or a suspense line)
        to invoices [(invoice, yen)], the rest left on the customer's
        receivable: source reconciled, each invoice paid or part-paid."""
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        Journal = pool.get('account.journal')
        company = source.move.company
        journal, = Journal.search([('type', '=', 'general')], limit=1)
        amount = int(source.credit)
        total = sum(a for _, a in allocations) + left
        assert total == amount, (total, amount)
        first = allocations[0][0] if allocations else None
        party = party or source.party or (first.party if first else None)
        lines = [MoveLine(account=source.account, party=source.party,
                debit=Decimal(amount), credit=Decimal(0))]
        for invoice, yen in allocations:
            lines.append(MoveLine(account=invoice.account,
                    party=invoice.party, debit=Decimal(0),
                    credit=Decimal(yen)))
        if left:
            lines.append(MoveLine(account=party.account_receivable_used,
                    party=party, debit=Decimal(0), credit=Decimal(left)))
        move = Move(company=company, journal=journal, date=date,
            period=Period.find(company, date=date), lines=lines,
            description=description or 'Credit applied (充当)',
            origin=source.move.origin if source.move.origin else None)
        move.save()
        Move.post([move])
        saved = list(move.lines)
        debit, = [l for l in saved if l.debit]
        saved.remove(debit)
        if source.account.reconcile:
            MoveLine.reconcile([source, debit])
        for invoice, yen in allocations:
            line = next(l for l in saved if l.credit == yen
                and l.account == invoice.account and l.party == invoice.party)
            saved.remove(line)
            cls._pay(invoice, line)
        return move

    @classmethod
    def _pay(cls, invoice, line):
        "Add line as a payment of invoice, reconciling it once paid."
        pool = Pool()
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        invoice = Invoice(invoice.id)
        lines, remainder = invoice.get_reconcile_lines_for_amount(
            line.credit - line.debit, invoice.currency)
        Invoice.add_payment_lines({invoice: [line.id]})
        if not remainder:
            MoveLine.reconcile(lines + [line])
            Invoice.process([invoice])

    # -- the clerk's work queue ----------------------------------------
    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def keep(cls, receipts):
        "Keep the surplus as the customer's credit (for the next invoice)."
        cls._resolve(receipts, 'kept')

    @classmethod
    @Workflow.transition('done')
    def done(cls, receipts):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def refund(cls, receipts):
        "Refund the surplus: it becomes payable to the customer."
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        Journal = pool.get('account.journal')
        for receipt in receipts:
            line = receipt._credit_line()
            if line is None:
                raise PaymentError(gettext('power_billing.msg_no_credit_left',
                        receipt=receipt.rec_name))
            journal, = Journal.search([('type', '=', 'general')], limit=1)
            today = pool.get('ir.date').today()
            move = Move(company=receipt.company, journal=journal, date=today,
                period=Period.find(receipt.company, date=today),
                description='Refund (返金)', lines=[
                    MoveLine(account=line.account, party=line.party,
                        debit=line.credit, credit=Decimal(0)),
                    MoveLine(account=configured_account(
                            receipt.company, 'account_refund'),
                        party=line.party, debit=Decimal(0),
                        credit=line.credit)])
            move.save()
            Move.post([move])
            MoveLine.reconcile([line, move.lines[0]])
        cls._resolve(receipts, 'refunded')

    @classmethod
    @ModelView.button_action('power_billing.wizard_receipt_allocate')
    def allocate(cls, receipts):
        pass

    def _credit_line(self):
        "The still open credit line this receipt left, if any."
        if not self.statement:
            return None
        for line in self.statement.lines:
            if (line.party == self.party and not line.related_to
                    and line.amount == self.credit and line.move):
                for move_line in line.move.lines:
                    if (move_line.party == self.party
                            and move_line.credit == self.credit
                            and not move_line.reconciliation
                            and not move_line.invoice_payments):
                        return move_line
        return None

    @classmethod
    def _resolve(cls, receipts, resolution):
        cls.write(receipts, {'resolution': resolution,
                'resolved_by': Transaction().user, 'resolved_at': now()})


class InvoicePaymentLine(metaclass=PoolMeta):
    __name__ = 'account.invoice-account.move.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # an invoice's payment lines are read by invoice (amount to pay,
        # the open receivable): without it each read scans the table
        cls._sql_indexes.add(Index(t, (t.invoice, Index.Equality())))


class ReceiptInvoice(ModelSQL):
    "Receipt - Invoice"
    __name__ = 'power.payment.receipt-account.invoice'
    receipt = fields.Many2One('power.payment.receipt', "Receipt",
        required=True, ondelete='CASCADE')
    invoice = fields.Many2One('account.invoice', "Invoice", required=True,
        ondelete='RESTRICT')


class AllocateStart(ModelView):
    "Allocate a Receipt"
    __name__ = 'power.payment.receipt.allocate.start'
    receipt = fields.Many2One('power.payment.receipt', "Receipt",
        readonly=True)
    party = fields.Many2One('party.party', "Customer", required=True)
    invoice = fields.Many2One('account.invoice', "Invoice",
        domain=[('party', '=', Eval('party', -1)), ('type', '=', 'out'),
            ('state', '=', 'posted')],
        help="Empty: the customer's open invoices, oldest first.")


class Allocate(Wizard):
    "Allocate a Receipt"
    __name__ = 'power.payment.receipt.allocate'
    start = dialog('power.payment.receipt.allocate.start',
        'power_billing.receipt_allocate_start_view_form',
        "Allocate", 'allocate')
    allocate = StateTransition()

    def default_start(self, fields):
        receipt = self.record
        return {
            'receipt': receipt.id,
            'party': receipt.party.id if receipt.party else None,
            }

    def transition_allocate(self):
        pool = Pool()
        Receipt = pool.get('power.payment.receipt')
        receipt = self.record
        if receipt.state != 'review':
            return 'end'
        line = receipt._credit_line()
        if line is None:
            raise PaymentError(gettext('power_billing.msg_no_credit_left',
                    receipt=receipt.rec_name))
        party = self.start.party
        bills = Receipt.open_bills([party]).get(party.id, [])
        if self.start.invoice:
            bills = [b for b in bills if b.key == self.start.invoice.id]
        allocations, left = core.apply_credit(int(line.credit), bills)
        Invoice = pool.get('account.invoice')
        Receipt._transfer(line, [(Invoice(k), a) for k, a in allocations],
            left, receipt.date, party=party,
            description=f'Receipt allocated (消し込み) {receipt.rec_name}')
        receipt.party = party
        receipt.invoices = list(receipt.invoices) + [
            Invoice(k) for k, _ in allocations]
        receipt.allocated = (receipt.allocated or 0) + sum(
            a for _, a in allocations)
        receipt.credit = left
        receipt.save()
        Receipt.done([receipt])
        Receipt._resolve([receipt], 'allocated')
        return 'end'
