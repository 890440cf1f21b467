# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""What the billing run leaves to collections (slips for the new invoices
of customers paying by slip, open credits applied to them) and the
collection set-up of a retailer."""

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .receipt import configured_account


class BatchRun(metaclass=PoolMeta):
    __name__ = 'power.batch.run'

    @classmethod
    def bill_chunk(cls, runs, contract_ids, date, numbering=None):
        """Then: payment slips for the new invoices of customers paying by
        slip, and open credits applied to the new invoices; the counts of
        the billing."""
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Method = pool.get('power.payment.method')
        MoveLine = pool.get('account.move.line')
        Party = pool.get('party.party')
        Receipt = pool.get('power.payment.receipt')
        Slip = pool.get('power.payment.slip')
        Invoice = pool.get('account.invoice')
        counts = super().bill_chunk(runs, contract_ids, date, numbering)
        # the posted invoices of the chunk, in SQL (the ORM would read
        # every field of 200 invoices to learn their state and party)
        determinant, invoice = Determinant.__table__(), Invoice.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*determinant.join(invoice,
                condition=invoice.id == determinant.invoice).select(
                invoice.id, invoice.party,
                where=determinant.contract.in_([int(c) for c in contract_ids])
                & (determinant.run == runs[0].id)
                & (invoice.state == 'posted')))
        parties = dict(cursor)
        if not parties:
            return counts
        party_ids = set(parties.values())
        methods = Method.search([
                ('party', 'in', list(party_ids)),
                ('kind', '=', 'konbini'),
                ('state', '!=', 'ended'),
                ('start_date', '<=', date),
                ])
        by_slip = {m.party.id for m in methods}
        invalid = {m.party.id for m in Method.search([
                    ('party', 'in', list(party_ids)),
                    ('state', '=', 'invalid')])}
        Slip.issue([i for i, p in sorted(parties.items())
                if p in by_slip or p in invalid])
        credited = {l.party.id for l in MoveLine.search([
                    ('party', 'in', list(party_ids)),
                    ('account.type.receivable', '=', True),
                    ('reconciliation', '=', None),
                    ('credit', '>', 0),
                    ('move.state', '=', 'posted'),
                    ]) if not l.invoice_payments}
        if credited:
            Receipt.apply_credits(Party.browse(list(credited)), date)
        return counts


def setup_collections(company, bank_branch):
    """The collection set-up of a retailer, created once: a statement
    journal, a payment agent of each kind (bank direct debit through the
    collecting bank's bank_branch, card, konbini) with its statement and
    payment journals, the Japanese dunning procedure as the default, and
    the non-payment cancellation reason. Returns {kind: agent}. The agents'
    codes are placeholders to replace with the contracted ones."""
    pool = Pool()
    Agent = pool.get('power.payment.agent')
    Journal = pool.get('account.journal')
    StatementJournal = pool.get('account.statement.journal')
    PaymentJournal = pool.get('account.payment.journal')
    Procedure = pool.get('account.dunning.procedure')
    AccountConfiguration = pool.get('account.configuration')
    Configuration = pool.get('power.configuration')
    Reason = pool.get('power.cancellation.reason')
    account = configured_account(company, 'account_collection')
    journals = Journal.search([('code', '=', 'COL')], limit=1)
    if journals:
        journal, = journals
    else:
        journal = Journal(name="Collections", code='COL', type='statement')
        journal.save()
    bank = bank_branch.bank
    settings = {
        'bank': dict(code='BANK', name=f"口座振替（{bank.rec_name}）",
            biller_code='1234567890', method='zengin'),
        'card': dict(code='CARD', name="クレジットカード決済代行",
            biller_code='M0001', method='card'),
        'konbini': dict(code='KONBINI', name="コンビニ収納代行",
            biller_code='912345', method=None),
        }
    agents = {}
    for kind, values in settings.items():
        found = Agent.search([('kind', '=', kind), ('code', '=',
                    values['code'])], limit=1)
        if found:
            agents[kind] = found[0]
            continue
        statement_journal = StatementJournal(name=values['name'],
            journal=journal, currency=company.currency, company=company,
            validation='amount', account=account)
        statement_journal.save()
        payment_journal = None
        if values['method']:
            payment_journal = PaymentJournal(name=values['name'],
                process_method=values['method'], currency=company.currency,
                company=company)
            payment_journal.save()
        agent = Agent(kind=kind, code=values['code'], name=values['name'],
            biller_code=values['biller_code'],
            biller_name_kana='ﾊﾟﾜｰﾃﾞﾝﾘｮｸ', statement_journal=statement_journal,
            payment_journal=payment_journal,
            bank=bank if kind == 'bank' else None,
            bank_branch=bank_branch if kind == 'bank' else None)
        agent.save()
        agents[kind] = agent
    procedure = Procedure.japanese_default()
    account_configuration = AccountConfiguration(1)
    if not account_configuration.default_dunning_procedure:
        account_configuration.default_dunning_procedure = procedure
        account_configuration.save()
        # customers created before hold an empty procedure of their own
        PartyProcedure = pool.get('party.party.dunning_procedure')
        PartyProcedure.write(PartyProcedure.search([
                    ('dunning_procedure', '=', None)]),
            {'dunning_procedure': procedure.id})
    configuration = Configuration(1)
    if not configuration.non_payment_reason:
        reasons = Reason.search([('code', '=', 'NONPAY')], limit=1)
        if reasons:
            configuration.non_payment_reason = reasons[0]
            configuration.save()
    return agents
