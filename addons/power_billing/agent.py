# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The payment agents and banks a retailer collects through (収納代行,
口座振替): their codes, journals and the Zengin biller data."""

from power_core.errors import PowerCoreError
from power_core.formats.zengin import zengin_kana

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from .exceptions import PaymentError

class PaymentAgent(metaclass=PoolMeta):
    __name__ = 'power.payment.agent'
    biller_code = fields.Char(
        "Biller Code", strip=True,
        help="委託者コード (10 digits) at the bank, the 6-digit company code "
        "of konbini barcodes, or the merchant ID at the card agent.")
    biller_name_kana = fields.Char(
        "Biller Name (Kana)",
        help="The retailer's name in half-width kana, as on Zengin files.")
    bank = fields.Many2One(
        'bank', "Bank", ondelete='RESTRICT',
        states={'invisible': Eval('kind') != 'bank'},
        help="The bank that collects the debits (取引銀行).")
    bank_branch = fields.Many2One(
        'power.bank.branch', "Branch", ondelete='RESTRICT',
        domain=[('bank', '=', Eval('bank', -1))],
        states={'invisible': Eval('kind') != 'bank'})
    statement_journal = fields.Many2One(
        'account.statement.journal', "Statement Journal",
        ondelete='RESTRICT',
        help="Where the receipts of this agent are booked.")
    payment_journal = fields.Many2One(
        'account.payment.journal', "Payment Journal", ondelete='RESTRICT',
        states={'invisible': Eval('kind') == 'konbini'},
        help="The journal of the debits or charges requested.")

    @classmethod
    def validate_fields(cls, agents, field_names):
        super().validate_fields(agents, field_names)
        for agent in agents:
            code = agent.biller_code
            if not code:
                continue
            if agent.kind == 'bank' and not (code.isdigit()
                    and len(code) == 10):
                raise PaymentError(gettext(
                        'power_billing.msg_biller_code_bank', code=code))
            if agent.kind == 'konbini' and not (code.isdigit()
                    and len(code) == 6):
                raise PaymentError(gettext(
                        'power_billing.msg_biller_code_konbini', code=code))
            if agent.biller_name_kana:
                try:
                    zengin_kana(agent.biller_name_kana, 'biller_name', 40)
                except PowerCoreError as error:
                    raise PaymentError(gettext(
                            'power_billing.msg_kana', reason=error.reason))
