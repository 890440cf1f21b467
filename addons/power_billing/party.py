# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The customer's billing and payment: bills, adjustments and invoices,
the paper notice choice, the payment method with its history, the
protection from termination, and for the customer overview the bills past
their due date and not yet paid and what they still ask for, beside the
balance Tryton's account module computes (receivable_today). The operators
who answer the phone see them without access to the accounting lines behind
them."""
from trytond.model import fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    billing_determinants = fields.One2Many(
        'power.billing.determinant', 'customer', "Billing Determinants",
        readonly=True, order=[('end', 'DESC'), ('id', 'DESC')])
    billing_adjustments = fields.One2Many(
        'power.billing.adjustment', 'customer', "Billing Adjustments",
        states={'readonly': ~Eval('id', -1) | (Eval('id', -1) < 0)})
    customer_invoices = fields.One2Many(
        'account.invoice', 'party', "Invoices", readonly=True,
        filter=[('type', '=', 'out')],
        order=[('invoice_date', 'DESC'), ('id', 'DESC')])
    paper_notice = fields.Boolean("Paper Bill Notice",
        help="Post the bill notice (電気ご使用量のお知らせ) through the print "
        "shop; otherwise it is only in the portal.")

    payment_methods = fields.One2Many(
        'power.payment.method', 'party', "Payment Methods")
    payment_method = fields.Function(fields.Many2One(
            'power.payment.method', "Payment Method"),
        'get_payment_method')
    payment_protected = fields.Boolean(
        "Protected from Termination",
        help="Never terminated automatically for non-payment (for example, "
        "medical equipment at home); dunning stops before the termination "
        "warning and a clerk decides.")
    protection_reason = fields.Char(
        "Protection Reason",
        states={
            'invisible': ~Eval('payment_protected'),
            'required': Bool(Eval('payment_protected')),
            })
    receipts = fields.One2Many(
        'power.payment.receipt', 'party', "Receipts", readonly=True)
    overdue_bills = fields.Function(fields.Many2Many(
            'power.billing.determinant', None, None, "Overdue Bills",
            readonly=True, states={'invisible': ~Eval('is_customer')},
            help="Bills past their due date whose invoice is not paid."),
        'get_overdue')
    overdue_amount = fields.Function(Monetary(
            "Overdue", currency='currency', digits='currency',
            states={'invisible': ~Eval('is_customer')},
            help="What the overdue bills still ask for."),
        'get_overdue')

    @classmethod
    def default_paper_notice(cls):
        return True

    @classmethod
    def get_payment_method(cls, parties, name):
        Method = Pool().get('power.payment.method')
        today = Pool().get('ir.date').today()
        found = Method.for_parties([p.id for p in parties], today)
        return {p.id: found[p.id].id if p.id in found else None
            for p in parties}

    @classmethod
    def get_overdue(cls, parties, names):
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Date = pool.get('ir.date')
        today = Transaction().context.get('date') or Date.today()
        result = {n: {p.id: [] if n == 'overdue_bills' else 0
                for p in parties} for n in names}
        # a value of the customer the user reads: the invoices behind it
        # are looked at whatever the user's own access to them
        with Transaction().set_context(_check_access=False):
            determinants = Determinant.search([
                    ('contract.customer', 'in', [p.id for p in parties]),
                    ('state', '=', 'billed'),
                    ('invoice.state', '=', 'posted'),
                    ('due_date', '<', today),
                    ], order=[('due_date', 'ASC'), ('id', 'ASC')])
            for determinant in determinants:
                customer = determinant.contract.customer.id
                if 'overdue_bills' in names:
                    result['overdue_bills'][customer].append(determinant.id)
                if 'overdue_amount' in names:
                    result['overdue_amount'][customer] += (
                        determinant.invoice.amount_to_pay or 0)
        return result
