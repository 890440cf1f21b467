# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The customer overview's money: the bills past their due date and not
yet paid, and what they still ask for, beside the balance Tryton's account
module computes (receivable_today). The operators who answer the phone see
them without access to the accounting lines behind them."""
from trytond.model import fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

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
