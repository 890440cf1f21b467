# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Dunning to termination on Tryton's account_dunning.

Each level of a procedure may carry an action: a reminder (督促), the
termination warning (解約予告通知, which fixes the termination date at least
15 days later) and the termination itself (解約: the contract ends on that
date and the 廃止 request to the switching hub is made). A level of the
warning or termination is never reached by a protected customer (medical
equipment at home, for example): a clerk decides. A payment that settles
the overdue invoices before the termination date stops everything: the
dunning ends with the reconciliation, and a termination already started
is resumed and its draft request cancelled."""
import datetime as dt

from power_core import payments as core

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

ACTIONS = [
    (None, ''),
    ('reminder', "Reminder (督促)"),
    ('warning', "Termination Warning (解約予告通知)"),
    ('terminate', "Termination (解約)"),
    ]


class Level(metaclass=PoolMeta):
    __name__ = 'account.dunning.level'
    power_action = fields.Selection(ACTIONS, "Action",
        help="What processing a dunning at this level does: send a "
        "reminder, send the termination warning (the termination date is "
        "set then), or terminate the contracts on that date.")
    power_action_string = power_action.translated('power_action')

    def get_rec_name(self, name):
        # the level by its action in the reader's language (督促@督促から
        # 解約まで), not by its position in the procedure (0@...)
        if self.power_action and self.procedure:
            return f'{self.power_action_string}@{self.procedure.rec_name}'
        return super().get_rec_name(name)

    def test(self, line, date):
        result = super().test(line, date)
        if not result or self.power_action not in {'warning', 'terminate'}:
            return result
        if line.party and line.party.payment_protected:
            return False
        if self.power_action == 'terminate':
            dates = [d.termination_date for d in line.dunnings
                if d.termination_date]
            return bool(dates) and date >= max(dates)
        return result


class Dunning(metaclass=PoolMeta):
    __name__ = 'account.dunning'
    termination_date = fields.Date(
        "Termination Date", readonly=True,
        help="Set by the termination warning: the contracts end on this "
        "day unless the debt is paid before.")
    invoice = fields.Function(fields.Many2One(
            'account.invoice', "Invoice"), 'get_invoice')
    amount_due = fields.Function(fields.Integer("Still Due"),
        'get_amount_due')
    protected = fields.Function(fields.Boolean("Protected"),
        'get_protected', searcher='search_protected')
    power_action = fields.Function(fields.Selection(ACTIONS, "Action"),
        'get_power_action')
    letter_email = fields.Many2One('ir.email', "Letter Mailed",
        readonly=True, ondelete='SET NULL',
        help="The e-mail that carried this level's letter to a customer who "
        "chose electronic notices.")
    statement = fields.Function(fields.Many2One(
            'power.billing.statement', "Statement",
            help="The payer's statement the dunned bill is on: one letter "
            "for the statement's whole amount due."), 'get_statement')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.blocked.help = ((cls.blocked.help or '')
            + " Protected customers are never terminated automatically.")

    def get_invoice(self, name):
        Invoice = Pool().get('account.invoice')
        origin = self.line.move.origin if self.line else None
        if isinstance(origin, Invoice):
            return origin.id
        return None

    @classmethod
    def get_amount_due(cls, dunnings, name):
        result = {}
        for dunning in dunnings:
            invoice = dunning.invoice
            if dunning.statement:
                # dunning on the whole: everything still due on it
                result[dunning.id] = dunning.statement.amount_due
            else:
                result[dunning.id] = (int(invoice.amount_to_pay) if invoice
                    else int(dunning.line.debit - dunning.line.credit))
        return result

    @classmethod
    def get_statement(cls, dunnings, name):
        from .payer import statements_of_invoices
        invoices = {d.id: d.invoice.id for d in dunnings if d.invoice}
        found = statements_of_invoices(set(invoices.values()))
        return {d.id: found[invoices[d.id]].id
            if invoices.get(d.id) in found else None for d in dunnings}

    @property
    def letter_key(self):
        """Dunnings with the same key share one letter: those of the bills
        of one statement at one level."""
        if self.statement:
            return ('statement', self.statement.id, self.level.id)
        return ('dunning', self.id)

    @classmethod
    def lettered_siblings(cls, dunnings):
        """{letter key: a dunning of the key not among dunnings whose
        letter was already sent (mailed or printed)}."""
        keys = {d.letter_key: d for d in dunnings
            if d.letter_key[0] == 'statement'}
        result = {}
        for key, dunning in keys.items():
            lines = [ml.id for l in dunning.statement.lines
                for ml in l.invoice.lines_to_pay]
            for sibling in cls.search([
                        ('line', 'in', lines),
                        ('level', '=', key[2]),
                        ('id', 'not in', [d.id for d in dunnings]),
                        ]):
                if sibling.letter_email or getattr(
                        sibling, 'print_exchange', None):
                    result[key] = sibling
                    break
        return result

    @classmethod
    def one_per_letter(cls, dunnings):
        """[(the dunning whose letter is sent, [every dunning it covers])]:
        the first dunning of each statement and level not lettered yet
        carries the letter of the statement's whole amount."""
        sent = cls.lettered_siblings(dunnings)
        groups = {}
        for dunning in dunnings:
            groups.setdefault(dunning.letter_key, []).append(dunning)
        return [(None if key in sent else group[0], group)
            for key, group in groups.items()]

    def get_protected(self, name):
        return bool(self.line.party and self.line.party.payment_protected)

    @classmethod
    def search_protected(cls, name, clause):
        return [('line.party.payment_protected',) + tuple(clause[1:])]

    def get_power_action(self, name):
        return self.level.power_action if self.level else None

    @classmethod
    def process(cls, dunnings):
        pool = Pool()
        Date = pool.get('ir.date')
        settings = pool.get('power.configuration')(1).payment_settings()
        todo = [d for d in dunnings if not d.blocked and d.state == 'draft']
        super().process(dunnings)
        warned, terminate = [], []
        for dunning in todo:
            action = dunning.level.power_action
            if action == 'warning' and not dunning.termination_date:
                # a batch re-run for a past day gives its day in the context
                today = Transaction().context.get('dunning_date')
                if today is None:
                    with Transaction().set_context(
                            company=dunning.company.id):
                        today = Date.today()
                dunning.termination_date = core.termination_date(today,
                    settings['termination_notice_days'])
                warned.append(dunning)
            elif action == 'terminate':
                terminate.append(dunning)
        cls.save(warned)
        if terminate:
            cls.terminate_contracts(terminate)

    @classmethod
    def mail_letters(cls, dunnings):
        """E-mail the letter (PDF) of each dunning whose customer chose
        electronic notices and has an e-mail address; the dunnings
        mailed."""
        pool = Pool()
        Email = pool.get('ir.email')
        from power_core.letters import render_batch
        from .letters import dunning_letters
        mailed = []
        sent = cls.lettered_siblings(dunnings)
        for lead, group in cls.one_per_letter(dunnings):
            party = group[0].line.party
            if party.paper_notice or not party.email:
                continue
            if lead is None:
                # the statement's letter went out already
                email = sent[group[0].letter_key].letter_email
            elif lead.letter_email:
                continue
            else:
                letter, = dunning_letters([lead])
                pdf, _ = render_batch([letter])
                body = '<br/>'.join([f'{letter.customer_name} 様', '']
                    + list(letter.paragraphs)
                    + ['', f'{letter.retailer.name}'])
                email = Email.send(to=party.email,
                    subject=f'【{letter.retailer.name}】{letter.title}',
                    body=body, files=[(f'{letter.document_id}.pdf', pdf)],
                    record=[cls.__name__, lead.id])
            if email is None:
                continue
            for dunning in group:
                dunning.letter_email = email
            mailed += group
        cls.save(mailed)
        return mailed

    @classmethod
    def terminate_contracts(cls, dunnings):
        """End the live contracts of the dunned customers on the termination
        date and make the 廃止 requests; protected customers are skipped."""
        pool = Pool()
        Contract = pool.get('power.contract')
        Request = pool.get('power.switching.request')
        Configuration = pool.get('power.configuration')
        reason = Configuration(1).non_payment_reason
        requests, contracts = [], []
        # a customer dunned for several bills is terminated once, on the
        # latest of their termination dates
        ends = {}
        for dunning in dunnings:
            party = dunning.line.party
            if party.payment_protected:
                continue
            dates = [d.termination_date for d in dunning.line.dunnings
                if d.termination_date]
            end = max(dates) if dates else dunning.date
            ends[party] = max(end, ends.get(party, end))
        for party, end in ends.items():
            for contract in Contract.search([
                        ('customer', '=', party.id),
                        ('state', '=', 'active'),
                        ]):
                contract.end_date = end
                contract.cancellation_reason = reason
                contracts.append(contract)
                requests.append(Request(company=contract.company,
                        kind='termination', supply_point=contract.supply_point,
                        contract=contract, requested_date=end))
        if contracts:
            Contract.save(contracts)
            Contract.start_termination(contracts)
            Request.save(requests)
            cls._send_requests(requests)
        return requests

    @classmethod
    def _send_requests(cls, requests):
        "Send the requests now (power_edi sends through the hub endpoint)."
        Pool().get('power.switching.request').send(requests)

    @classmethod
    def stop_terminations(cls, parties):
        """The customers' terminations for non-payment are stopped when
        nothing they owe is overdue any more: contracts resumed, draft 廃止
        requests cancelled."""
        pool = Pool()
        Contract = pool.get('power.contract')
        Request = pool.get('power.switching.request')
        MoveLine = pool.get('account.move.line')
        Configuration = pool.get('power.configuration')
        reason = Configuration(1).non_payment_reason
        parties = [p for p in parties if p]
        if not parties or not reason:
            return []
        today = pool.get('ir.date').today()
        contracts = Contract.search([
                ('customer', 'in', [p.id for p in parties]),
                ('state', '=', 'terminating'),
                ('cancellation_reason', '=', reason.id),
                ('end_date', '>=', today),
                ])
        resumed = []
        for contract in contracts:
            overdue = MoveLine.search([
                    ('party', '=', contract.customer.id),
                    ('account.type.receivable', '=', True),
                    ('reconciliation', '=', None),
                    ('maturity_date', '<', today),
                    ('debit', '>', 0),
                    ], limit=1)
            if overdue:
                continue
            requests = Request.search([('contract', '=', contract.id),
                    ('kind', '=', 'termination'),
                    ('state', '=', 'draft')])
            if requests:
                Request.cancel(requests)
            resumed.append(contract)
        if resumed:
            Contract.resume(resumed)
        return resumed


class Procedure(metaclass=PoolMeta):
    __name__ = 'account.dunning.procedure'

    @classmethod
    def japanese_default(cls):
        """The procedure with Japanese defaults (created once): a reminder
        the day after the due date, the termination warning 20 days after
        it, the termination when the warned date has come."""
        pool = Pool()
        Level = pool.get('account.dunning.level')
        found = cls.search([('name', '=', "督促から解約まで")], limit=1)
        if found:
            return found[0]
        procedure = cls(name="督促から解約まで", levels=[
                Level(sequence=1, overdue=dt.timedelta(days=1),
                    power_action='reminder', print_on_letter=True),
                Level(sequence=2, overdue=dt.timedelta(days=20),
                    power_action='warning', print_on_letter=True),
                Level(sequence=3, overdue=dt.timedelta(days=35),
                    power_action='terminate', print_on_letter=True),
                ])
        procedure.save()
        return procedure

