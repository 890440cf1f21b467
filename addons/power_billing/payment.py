# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Direct debits and card charges as Tryton's account.payment: grouped by
collection (account.payment.group: one Zengin file or card request), their
results succeed or fail them."""
import datetime as dt
from collections import defaultdict

from power_core import payments as core
from power_core.formats.zengin import RESULTS

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import PaymentError

# Zengin result codes that mean the account or the mandate is unusable
ACCOUNT_FAILURES = {'2', '3', '4', '8'}


class Journal(metaclass=PoolMeta):
    __name__ = 'account.payment.journal'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for method in [('zengin', "Zengin Direct Debit (口座振替)"),
                ('card', "Card Payment Agent")]:
            if method not in cls.process_method.selection:
                cls.process_method.selection.append(method)


class PaymentGroup(metaclass=PoolMeta):
    __name__ = 'account.payment.group'
    agent = fields.Many2One(
        'power.payment.agent', "Agent", readonly=True, ondelete='RESTRICT')
    collection_date = fields.Date(
        "Collection Date", readonly=True,
        help="The debit date of a direct-debit file, the charge date of a "
        "card request.")
    results_received = fields.Boolean("Results Received", readonly=True)

    def process_zengin(self):
        "The Zengin file is written by the bank endpoint (power_edi)."

    def process_card(self):
        "The card request is written by the card endpoint (power_edi)."

    @classmethod
    def prepare(cls, agent, collection_date, date=None):
        """A collection group of agent for collection_date: a payment per
        posted invoice in its window (debited that day for a bank, billed
        by then for a card) whose customer pays with agent's kind, with
        what is left to pay; None when there is nothing."""
        pool = Pool()
        Payment = pool.get('account.payment')
        Invoice = pool.get('account.invoice')
        Method = pool.get('power.payment.method')
        Configuration = pool.get('power.configuration')
        settings = Configuration(1).payment_settings()
        if cls.search([('agent', '=', agent.id),
                    ('collection_date', '=', collection_date)]):
            return None
        calendar = pool.get('power.business.calendar').calendar()
        invoices = Invoice.search([
                ('type', '=', 'out'),
                ('state', '=', 'posted'),
                # numbered (a queued billing chunk's invoices are numbered
                # by a task of their own, moments later)
                ('number', '!=', None),
                ('company', '=', agent.payment_journal.company.id),
                ('payment_term_date', '>=', collection_date
                    - dt.timedelta(days=40)),
                ('payment_term_date', '<=', collection_date
                    + dt.timedelta(days=40)),
                ])
        if agent.kind == 'bank':
            invoices = [i for i in invoices if core.debit_date(
                    i.payment_term_date, settings['debit_days'], calendar)
                == collection_date]
        else:
            # cards are charged once billed, well before the due date
            invoices = [i for i in invoices
                if i.invoice_date <= collection_date]
        methods = {}
        by_date = defaultdict(list)
        for invoice in invoices:
            by_date[invoice.invoice_date].append(invoice)
        for date, dated in by_date.items():
            found = Method.for_parties({i.party.id for i in dated}, date)
            for invoice in dated:
                methods[invoice.id] = found.get(invoice.party.id)
        requested = {p.line.id for p in Payment.search([
                    ('line', 'in', [l.id for i in invoices
                            for l in i.lines_to_pay]),
                    ('state', '!=', 'failed'),
                    ])}
        payments = []
        for invoice in invoices:
            method = methods[invoice.id]
            if (not method or method.kind != agent.kind
                    or method.agent != agent or not method.usable()):
                continue
            lines = [l for l in invoice.lines_to_pay
                if not l.reconciliation and l.id not in requested]
            if not lines or invoice.amount_to_pay <= 0:
                continue
            payments.append(Payment(
                    company=invoice.company, journal=agent.payment_journal,
                    kind='receivable', party=invoice.party,
                    amount=invoice.amount_to_pay, line=lines[0],
                    date=collection_date, payment_method=method,
                    invoice=invoice, reference=invoice.number))
        if not payments:
            return None
        Payment.save(payments)
        Payment.submit(payments)
        def new_group():
            group = cls(company=agent.payment_journal.company,
                journal=agent.payment_journal, kind='receivable',
                agent=agent, collection_date=collection_date)
            group.save()
            return group
        return Payment.process(payments, new_group)

    def apply_results(self, results, source=None):
        """Apply the agent's results: (customer number, succeeded, code,
        reason) per customer of the group. Succeeded payments are booked
        as receipts; failed ones get their code and a payment slip."""
        pool = Pool()
        Payment = pool.get('account.payment')
        Receipt = pool.get('power.payment.receipt')
        Slip = pool.get('power.payment.slip')
        Method = pool.get('power.payment.method')
        if self.results_received:
            raise PaymentError(gettext('power_billing.msg_results_twice',
                    group=self.rec_name))
        by_customer = defaultdict(list)
        for payment in self.payments:
            if payment.state == 'processing':
                by_customer[payment.party.customer_number.lstrip('0')
                    or '0'].append(payment)
        succeeded, failed, receipts = [], [], []
        invalid = defaultdict(list)
        for customer, ok, code, reason in results:
            payments = by_customer.pop(customer.lstrip('0') or '0', None)
            if payments is None:
                raise PaymentError(gettext(
                        'power_billing.msg_result_unknown_customer',
                        customer=customer, group=self.rec_name))
            if ok:
                succeeded += payments
                receipts += [{'party': p.party, 'amount': int(p.amount),
                        'reference': p.invoice.id if p.invoice else None,
                        'payment': p} for p in payments]
            else:
                for payment in payments:
                    payment.failure_code = code
                    payment.failure_reason = reason
                    payment.follow_up = 'slip'
                failed += payments
                if self.agent.kind == 'card' or code in ACCOUNT_FAILURES:
                    for payment in payments:
                        invalid[f'{code} {reason}'.strip()].append(
                            payment.payment_method)
        if by_customer:
            missing = ', '.join(sorted(by_customer))
            raise PaymentError(gettext('power_billing.msg_results_missing',
                    group=self.rec_name, customers=missing))
        Payment.save(failed)
        if succeeded:
            Payment.succeed(succeeded)
        if failed:
            Payment.fail(failed)
            Slip.issue([p.invoice for p in failed if p.invoice],
                reissue=True, on=self.collection_date)
        for note, methods in invalid.items():
            Method.mark({m for m in methods if m}, 'invalid', note)
        valid = {p.payment_method for p in succeeded
            if p.payment_method and p.payment_method.state == 'pending'}
        if valid:
            Method.mark(valid, 'valid', None)
        self.results_received = True
        self.save()
        booked = []
        if receipts:
            booked = Receipt.book(self.agent.kind, self.agent,
                self.collection_date, receipts, source=source)
        return succeeded, failed, booked


class Payment(metaclass=PoolMeta):
    __name__ = 'account.payment'
    invoice = fields.Many2One(
        'account.invoice', "Invoice", readonly=True, ondelete='RESTRICT')
    payment_method = fields.Many2One(
        'power.payment.method', "Payment Method", readonly=True,
        ondelete='RESTRICT')
    failure_code = fields.Char("Failure Code", readonly=True)
    failure_reason = fields.Char("Failure Reason", readonly=True)
    follow_up = fields.Selection([
            (None, ''),
            ('slip', "Payment Slip Sent"),
            ('contacted', "Customer Contacted"),
            ('resolved', "Resolved"),
            ], "Follow-up",
        states={'invisible': Eval('state') != 'failed'},
        help="What was done after the debit or charge failed.")

    @classmethod
    def process_method_with_group(cls):
        return super().process_method_with_group() + ['zengin', 'card']

    @classmethod
    def zengin_failure(cls, code):
        return RESULTS.get(code, code)
