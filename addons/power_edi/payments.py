# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The payment partners' files (layouts: docs/formats/zengin.md,
card-agent.md, konbini.md).

Out: the Zengin direct-debit request of a collection (one record per
customer and debit date) and the card billing request. In: the bank's
Zengin result, the card agent's result and monthly refresh (洗替), and
the konbini agent's payment notices. Results fail or succeed the
collection's payments and book the receipts (power_billing.payment)."""
import datetime as dt
from collections import defaultdict

from power_core.formats import card, konbini, registration
from power_core.formats import zengin

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.power_cis.common import now
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .edi import handler, rebuilder
from .exceptions import FileRefusedError


class Endpoint(metaclass=PoolMeta):
    __name__ = 'power.edi.endpoint'
    _partner_buttons = {'send_collections': 'payment'}
    payment_agent = fields.Many2One(
        'power.payment.agent', "Payment Agent", ondelete='RESTRICT',
        states={
            'invisible': Eval('partner') != 'payment',
            'required': Eval('partner') == 'payment',
            },
        help="The bank, card agent or konbini agent this endpoint talks "
        "to.")

    @classmethod
    @ModelView.button
    def send_collections(cls, endpoints, date=None):
        """Send the direct-debit requests of the debit dates within the
        lead time, or the card charges of the invoices billed by today."""
        pool = Pool()
        Configuration = pool.get('power.configuration')
        Calendar = pool.get('power.business.calendar')
        from power_core.payments import debit_date
        today = date or pool.get('ir.date').today()
        settings = Configuration(1).payment_settings()
        calendar = Calendar.calendar()
        for endpoint in endpoints:
            agent = endpoint.payment_agent
            if not agent or agent.kind == 'konbini':
                continue
            endpoint.send_registrations()
            if agent.kind == 'card':
                endpoint.send_collection(today)
                continue
            horizon = calendar.add_business_days(today,
                settings['debit_lead_days'])
            dates, day = set(), today
            while day <= horizon + dt.timedelta(days=31):
                dates.add(debit_date(day, settings['debit_days'], calendar))
                day += dt.timedelta(days=1)
            for collection_date in sorted(d for d in dates
                    if today < d <= horizon):
                endpoint.send_collection(collection_date)

    @classmethod
    def cron_collect(cls):
        "Scheduled action: the collection requests of the day."
        cls.send_collections(cls.search([('partner', '=', 'payment')]))

    def send_collection(self, collection_date):
        "The request file of agent's collection of that date, or None."
        pool = Pool()
        Group = pool.get('account.payment.group')
        Exchange = pool.get('power.edi.exchange')
        agent = self.payment_agent
        group = Group.prepare(agent, collection_date)
        if group is None:
            return None
        payments = list(group.payments)
        data = self.collection_request(group)
        if agent.kind == 'bank':
            name = f'ZENGIN_{agent.code}_{collection_date:%Y%m%d}.txt'
            kind = 'zengin_request'
        else:
            name = f'CARD_REQ_{agent.code}_{collection_date:%Y%m%d}.csv'
            kind = 'card_request'
        exchange = Exchange.send_file(self, name, data, kind,
            business_key=f'{kind} {agent.code} {collection_date}',
            message=gettext('power_edi.msg_collection_sent',
                count=len(payments),
                amount=f'{sum(int(p.amount) for p in payments):,}'))
        group.exchange = exchange
        group.save()
        return exchange

    @classmethod
    def collection_request(cls, group):
        """The content of the request file of a collection: the payments
        of its group (all processing when it is sent; the same when the
        file is built again after the results)."""
        agent, payments = group.agent, list(group.payments)
        if agent.kind == 'bank':
            return cls._zengin_request(agent, group.collection_date,
                payments)
        return card.write_request([card.Charge(str(p.id),
                    p.party.customer_number,
                    p.payment_method.card_token, int(p.amount),
                    p.invoice.number if p.invoice else '')
                for p in payments])

    @staticmethod
    def registration_checks(methods, agent):
        "The content of a registration check file of payment methods."
        return registration.write_checks([registration.Check(
                    m.party.customer_number,
                    token=m.card_token or '',
                    bank_code=m.bank.zengin_code if m.bank else '',
                    branch_code=m.bank_branch.code if m.bank_branch else '',
                    account_type=m.account_type or '',
                    account_number=m.account_number or '',
                    holder=m.account_holder or '') for m in methods],
            agent.kind)

    def send_registrations(self):
        """Ask the bank or the card agent to confirm the payment methods
        registered since the last check; the exchange or None."""
        pool = Pool()
        Method = pool.get('power.payment.method')
        Exchange = pool.get('power.edi.exchange')
        agent = self.payment_agent
        methods = Method.search([('agent', '=', agent.id),
                ('state', '=', 'pending'),
                ('registration_exchange', '=', None)],
            order=[('id', 'ASC')])
        if not methods:
            return None
        stamp = now().strftime('%Y%m%d%H%M%S')
        exchange = Exchange.send_file(self, f'REG_{agent.code}_{stamp}.csv',
            self.registration_checks(methods, agent),
            'registration_check', business_key=f'registrations {stamp}',
            message=gettext('power_edi.msg_registrations_sent',
                count=len(methods)))
        Method.write(methods, {'registration_exchange': exchange.id})
        return exchange

    @staticmethod
    def _zengin_request(agent, collection_date, payments):
        by_customer = defaultdict(list)
        for payment in payments:
            by_customer[payment.party.customer_number].append(payment)
        debits = []
        for customer, items in sorted(by_customer.items()):
            method = items[0].payment_method
            debits.append(zengin.Debit(
                    bank_code=method.bank.zengin_code,
                    branch_code=method.bank_branch.code,
                    account_type=method.account_type,
                    account_number=method.account_number,
                    holder=method.account_holder,
                    amount=sum(int(p.amount) for p in items),
                    customer_number=customer,
                    new_code='1' if method.first_debit else '0',
                    bank_name=zengin.zengin_kana(
                        method.bank.name_kana or '', 'bank', 15),
                    branch_name=zengin.zengin_kana(
                        method.bank_branch.name_kana or '', 'branch', 15)))
        header = zengin.Header(agent.biller_code,
            agent.biller_name_kana or '', collection_date,
            agent.bank.zengin_code, zengin.zengin_kana(
                agent.bank.name_kana or '', 'bank', 15),
            agent.bank_branch.code, zengin.zengin_kana(
                agent.bank_branch.name_kana or '', 'branch', 15))
        return zengin.encode(header, debits)


class PaymentMethod(metaclass=PoolMeta):
    __name__ = 'power.payment.method'
    registration_exchange = fields.Many2One('power.edi.exchange',
        "Registration Check", readonly=True, ondelete='RESTRICT',
        help="The file that asked the bank or card agent to confirm it.")


class PaymentGroup(metaclass=PoolMeta):
    __name__ = 'account.payment.group'
    exchange = fields.Many2One('power.edi.exchange', "Request File",
        readonly=True, ondelete='RESTRICT')


class Exchange(metaclass=PoolMeta):
    __name__ = 'power.edi.exchange'

    @rebuilder('zengin_request')
    @rebuilder('card_request')
    def rebuild_collection_request(self):
        "The request file of the collection that sent this exchange."
        Group = Pool().get('account.payment.group')
        group, = Group.search([('exchange', '=', self.id)])
        return self.endpoint.collection_request(group)

    @rebuilder('registration_check')
    def rebuild_registration_check(self):
        "The check file of the payment methods it asked about."
        Method = Pool().get('power.payment.method')
        methods = Method.search([('registration_exchange', '=', self.id)],
            order=[('id', 'ASC')])
        return self.endpoint.registration_checks(methods,
            self.endpoint.payment_agent)

    @handler('payment')
    def apply_payment(self, data):
        "A file from a payment partner, by its kind."
        agent = self.endpoint.payment_agent
        if agent is None:
            raise FileRefusedError(gettext('power_edi.msg_payment_no_agent',
                    file=self.name, endpoint=self.endpoint.rec_name))
        if self.name.startswith('REG_RESULT'):
            self._apply_registrations(agent, data)
        elif agent.kind == 'bank':
            self._apply_zengin_result(agent, data)
        elif agent.kind == 'card' and self.name.startswith('CARD_REFRESH'):
            self._apply_card_refresh(data)
        elif agent.kind == 'card':
            self._apply_card_result(agent, data)
        else:
            self._apply_konbini_notice(agent, data)
        self.save()

    def _group(self, agent, date):
        Group = Pool().get('account.payment.group')
        groups = Group.search([('agent', '=', agent.id),
                ('collection_date', '=', date)], limit=1)
        if not groups:
            raise FileRefusedError(gettext(
                    'power_edi.msg_collection_not_requested', file=self.name,
                    agent=agent.code, date=date))
        group, = groups
        if group.results_received:
            raise FileRefusedError(gettext(
                    'power_edi.msg_collection_applied', file=self.name,
                    date=date))
        return group

    def _apply_results(self, group, results):
        succeeded, failed, receipts = group.apply_results(results,
            source=self.name)
        self.records = len(results)
        self.applied_records = len(succeeded) + len(failed)
        self.business_key = f'{self.kind} {group.collection_date}'
        self.message = gettext('power_edi.msg_collection_result',
            succeeded=len(succeeded), failed=len(failed),
            amount=f'{sum(r.amount for r in receipts):,}')

    def _apply_zengin_result(self, agent, data):
        Group = Pool().get('account.payment.group')
        today = Pool().get('ir.date').today()
        header, debits, _ = zengin.decode(data, year=today.year,
            name=self.name, result=True)
        # the file gives the debit day without its year: the latest
        # collection of that day still waiting for its results
        # (or, when none waits, the latest one answered already: refused
        # below as applied already)
        day = (header.debit_date.month, header.debit_date.day)
        groups = [g for g in Group.search([('agent', '=', agent.id),
                    ('collection_date', '<=', today)],
                order=[('collection_date', 'DESC')])
            if (g.collection_date.month, g.collection_date.day) == day]
        waiting = [g for g in groups if not g.results_received] or groups
        date = (waiting[0].collection_date if waiting
            else header.debit_date)
        self.kind = 'zengin_result'
        self._apply_results(self._group(agent, date),
            [(d.customer_number, d.debited, d.result,
                    zengin.RESULTS.get(d.result, '')) for d in debits])

    def _apply_card_result(self, agent, data):
        pool = Pool()
        Payment = pool.get('account.payment')
        charges = card.read_result(data, self.name)
        self.kind = 'card_result'
        ids = [int(c.request_id) for c in charges if c.request_id.isdigit()
            and len(c.request_id) < 19]
        known = {p.id: p for p in Payment.search([('id', 'in', ids)])}
        payments = []
        for charge in charges:
            where = {'file': self.name, 'line': charge.line,
                'request': charge.request_id}
            payment = (known.get(int(charge.request_id))
                if charge.request_id.isdigit()
                and len(charge.request_id) < 19 else None)
            if payment is None or not payment.group or (
                    payment.group.agent != agent):
                raise FileRefusedError(gettext(
                        'power_edi.msg_card_charge_unknown', agent=agent.code,
                        **where))
            if (payment.party.customer_number or '').lstrip('0') != (
                    charge.customer_number.lstrip('0')):
                raise FileRefusedError(gettext(
                        'power_edi.msg_card_charge_customer',
                        customer=charge.customer_number, **where))
            if charge.amount != int(payment.amount):
                raise FileRefusedError(gettext(
                        'power_edi.msg_card_charge_amount',
                        amount=charge.amount,
                        requested=int(payment.amount), **where))
            payments.append(payment)
        groups = {p.group for p in payments}
        if len(groups) != 1:
            raise FileRefusedError(gettext(
                    'power_edi.msg_card_results_mixed', file=self.name))
        group, = groups
        if group.results_received:
            raise FileRefusedError(gettext(
                    'power_edi.msg_card_results_applied', file=self.name))
        self._apply_results(group, [(c.customer_number, c.approved, c.code,
                    card.DECLINE_CODES.get(c.code, '')) for c in charges])

    def _apply_registrations(self, agent, data):
        Method = Pool().get('power.payment.method')
        results = registration.read_results(data, self.name)
        self.kind = 'registration_result'
        methods = {m.party.customer_number.lstrip('0'): m
            for m in Method.search([('agent', '=', agent.id),
                    ('state', '=', 'pending'),
                    ('registration_exchange', '!=', None)])}
        changed = []
        for result in results:
            method = methods.get(result.customer_number.lstrip('0'))
            if method is None:
                raise FileRefusedError(gettext(
                        'power_edi.msg_registration_not_waiting',
                        file=self.name, line=result.line,
                        customer=result.customer_number))
            method.state = 'valid' if result.ok else 'invalid'
            method.status_note = (None if result.ok
                else f'{result.code} {result.reason}'.strip())
            changed.append(method)
        Method.save(changed)
        self.records = len(results)
        self.applied_records = len(changed)
        self.message = gettext('power_edi.msg_registrations',
            ok=sum(1 for r in results if r.ok),
            ng=sum(1 for r in results if not r.ok))

    def _apply_card_refresh(self, data):
        Method = Pool().get('power.payment.method')
        refreshes = card.read_refresh(data, self.name)
        self.kind = 'card_refresh'
        methods = {m.card_token: m for m in Method.search([
                    ('kind', '=', 'card'),
                    ('card_token', 'in', [r.token for r in refreshes]),
                    ('state', '!=', 'ended')])}
        changed = []
        for refresh in refreshes:
            method = methods.get(refresh.token)
            if method is None:
                continue
            if refresh.status == 'invalid':
                method.state = 'invalid'
                method.status_note = (f'洗替 {refresh.code} '
                    f'{card.DECLINE_CODES.get(refresh.code, "")}').strip()
            else:
                method.state = 'valid'
                method.status_note = None
                if refresh.expiry:
                    method.card_expiry = refresh.expiry
                if refresh.masked_number:
                    method.card_masked = refresh.masked_number
            changed.append(method)
        Method.save(changed)
        self.records = len(refreshes)
        self.applied_records = len(changed)
        self.message = gettext('power_edi.msg_card_refresh',
            invalid=sum(1 for r in refreshes if r.status == 'invalid'),
            renewed=sum(1 for r in refreshes if r.status == 'renewed'))

    def _apply_konbini_notice(self, agent, data):
        pool = Pool()
        Slip = pool.get('power.payment.slip')
        Receipt = pool.get('power.payment.receipt')
        payments = konbini.read_payments(data, self.name)
        self.kind = 'konbini_notice'
        final = [p for p in payments if p.kind == 'final']
        # a payment notified again (in a later file) is booked once
        booked = {r.partner_key for r in Receipt.search([
                    ('channel', '=', 'konbini'),
                    ('partner_key', 'in', [p.key for p in final])])}
        again = [p for p in final if p.key in booked]
        final = [p for p in final if p.key not in booked]
        slips = {s.barcode: s for s in Slip.search([
                    ('barcode', 'in', [p.barcode.data() for p in final])])}
        by_day = defaultdict(list)
        paid = []
        for payment in final:
            slip = slips.get(payment.barcode.data())
            item = {'amount': payment.amount, 'partner_key': payment.key,
                'source': f'{self.name} line {payment.line}'}
            if slip:
                item.update(party=slip.party, reference=slip.invoice.id)
                slip.state = 'paid'
                slip.paid_on = payment.paid_on
                paid.append(slip)
            else:
                item['customer_number'] = payment.barcode.key
            by_day[payment.paid_on].append(item)
        receipts = []
        for day, items in sorted(by_day.items()):
            receipts += Receipt.book('konbini', agent, day, items,
                source=self.name)
        Slip.save(paid)
        self.records = len(payments)
        self.applied_records = len(final)
        self.unchanged_records = len(again)
        self.message = gettext('power_edi.msg_konbini_notice',
            final=len(final), other=len(payments) - len(final) - len(again),
            amount=f'{sum(r.amount for r in receipts):,}')
        if again:
            self.message += '\n' + gettext('power_edi.msg_konbini_again',
                count=len(again), lines=', '.join(
                    str(p.line) for p in again[:10]))
