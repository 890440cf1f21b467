# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Konbini payment slips (払込票): one per posted invoice of a customer
paying by slip, with its barcode data."""
import datetime as dt
from collections import defaultdict

from power_core.formats import konbini

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.power_cis.common import ServerReadonly
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .payer import on_payer_accounts


class Slip(ServerReadonly, ModelSQL, ModelView):
    "Payment Slip"
    __name__ = 'power.payment.slip'
    _client_create = False
    invoice = fields.Many2One(
        'account.invoice', "Invoice", required=True, readonly=True,
        ondelete='RESTRICT')
    party = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        ondelete='RESTRICT')
    amount = fields.Integer("Amount", required=True, readonly=True)
    due_date = fields.Date("Pay By", required=True, readonly=True)
    reissue = fields.Integer("Reissue", required=True, readonly=True,
        help="0 for the first slip of the invoice (再発行区分).")
    barcode = fields.Char("Barcode Data", size=44, readonly=True,
        help="The 44 digits of the GS1-128 barcode (AI 91).")
    state = fields.Selection([
            ('issued', "Issued"),
            ('paid', "Paid"),
            ('void', "Void"),
            ], "State", required=True, readonly=True)
    paid_on = fields.Date("Paid On", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.barcode, Index.Equality())),
                Index(t, (t.invoice, Index.Equality())),
                Index(t, (t.party, Index.Equality())),
                })
        cls._order = [('id', 'DESC')]

    @classmethod
    def default_state(cls):
        return 'issued'

    @staticmethod
    def key(invoice):
        "The barcode's 21-digit key: invoice (12) and customer (9) ids."
        return f'{invoice.id:012d}{invoice.party.id:09d}'

    @classmethod
    def issue(cls, invoices, reissue=False, days=14, on=None):
        """A slip for each invoice still to pay (the previous slips of a
        reissued one made void): due on the invoice's due date, or days
        from on (today) for a reissue after a failed debit."""
        pool = Pool()
        Agent = pool.get('power.payment.agent')
        agents = Agent.search([('kind', '=', 'konbini'),
                ('biller_code', '!=', None)], limit=1)
        if not agents:
            return []
        agent, = agents
        today = on or pool.get('ir.date').today()
        slips, void = [], []
        with Transaction().set_context(with_payment=False):
            invoices = pool.get('account.invoice').browse(invoices)
        # a payer account's site bills are paid through its statement
        stated = on_payer_accounts([i.id for i in invoices])
        invoices = [i for i in invoices if i.id not in stated]
        earlier = defaultdict(list)
        for sub in grouped_slice(invoices, 1000):
            for slip in cls.search([('invoice', 'in', [int(i) for i in sub])],
                    order=[('id', 'ASC')]):
                earlier[slip.invoice.id].append(slip)
        for invoice in invoices:
            amount = int(invoice.amount_to_pay)
            if amount <= 0 or amount > konbini.MAX_AMOUNT:
                continue
            previous = earlier[invoice.id]
            if previous and not reissue:
                continue
            void += [s for s in previous if s.state == 'issued']
            due = (max(invoice.payment_term_date, today
                    + dt.timedelta(days=days)) if reissue
                else invoice.payment_term_date)
            count = min(len(previous), 9)
            barcode = konbini.Barcode(agent.biller_code, cls.key(invoice),
                due, amount, reissue=count).data()
            slips.append(cls(invoice=invoice, party=invoice.party,
                    amount=amount, due_date=due, reissue=count,
                    barcode=barcode))
        if void:
            cls.write(void, {'state': 'void'})
        cls.save(slips)
        return slips
