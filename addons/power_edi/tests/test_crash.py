# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Crash safety of exchanged files (docs/reliability.md). Inbound: the
process reading the inbox killed (SIGKILL) after a file is applied, before
its commit; the file stays in the inbox and nothing of it is stored; the
next poll applies it once; the same file arriving again is a duplicate.
Outbound: a direct-debit request killed while its files are written, before
and after the commit; nothing is sent twice and nothing committed is lost.
Card charges: the import of the card agent's answer killed before its
booking commits; the next poll books each charge once."""
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

from power_sim.grid import GridOperator, household_day
from power_sim.payments import CardAgent

from trytond.modules.power_billing.tests.tools import setup_collections
from trytond.modules.power_billing.tests.tools import (
    FEB10, JAN10, BillingHelpers, commit_with_billing_company)
from trytond.modules.power_cis.tests.tools import create_supply_point
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction

DAY = dt.date(2025, 1, 20)
NUMBERS = [f'03000011112222444{i:05d}' for i in range(1, 4)]
ROOT = Path(__file__).resolve().parents[3]


def run_endpoint(call, endpoint_id, company_id=None, today=None, **env):
    """Call an endpoint's method (poll, send_collections) in another process
    (with its company and day when given), committed and restarted with
    the locks it asks for as trytond's cron does; the exit code (-9 when a
    fault point of env killed it)."""
    context = {'company': company_id} if company_id else {}
    script = textwrap.dedent(f'''
        import contextlib
        import datetime as dt
        from unittest import mock
        from trytond import config
        config.update_etc({str(ROOT / 'trytond.conf')!r})
        from power_cis_cli.site import in_transaction
        from trytond.pool import Pool
        Pool.start()
        pool = Pool({DB_NAME!r})
        pool.init()
        Date = pool.get('ir.date')
        today = {str(today) if today else None!r}

        def call(transaction):
            Endpoint = pool.get('power.edi.endpoint')
            Endpoint.{call}(Endpoint.browse([{endpoint_id}]))
        with (mock.patch.object(Date, 'today',
                    return_value=dt.date.fromisoformat(today)) if today
                else contextlib.nullcontext()):
            in_transaction({DB_NAME!r}, call, context={context!r}, user=0)
        ''')
    return subprocess.run([sys.executable, '-c', script],
        env={**os.environ, **env}, timeout=600).returncode


@unittest.skipIf(DB_NAME == ':memory:',
    "another process cannot reach an in-memory database")
class InboundCrashTestCase(unittest.TestCase):
    "Crash safety of inbound files"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_edi')

    @classmethod
    def tearDownClass(cls):
        drop_db()
        super().tearDownClass()

    def state(self, folder):
        "(exchanges (state), interval days, files in inbox and archive)"
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0, readonly=True):
            exchanges = [e.state for e in pool.get(
                    'power.edi.exchange').search([], order=[('id', 'ASC')])]
            days = pool.get('power.usage.interval').search_count([])
        files = {name: sorted(p.name for p in (folder / name).iterdir())
            for name in ('inbox', 'archive')}
        return exchanges, days, files

    def test_import_killed_before_its_commit(self):
        "A grid file import killed before its commit: applied once, after"
        folder = Path(tempfile.mkdtemp(prefix='power-crash-'))
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0) as transaction:
            for number in NUMBERS:
                create_supply_point(number)
            endpoint, = pool.get('power.edi.endpoint').create([{
                        'name': 'Grid', 'code': 'grid-crash',
                        'partner': 'grid',
                        'inbox': str(folder / 'inbox'),
                        'archive': str(folder / 'archive'),
                        'error_folder': str(folder / 'error'),
                        'outbox': str(folder / 'outbox')}])
            endpoint.folder('archive')
            endpoint_id = endpoint.id
            transaction.commit()
        rng = random.Random(7)
        path = GridOperator(folder / 'inbox').daily(DAY,
            [(n, household_day(DAY, 1.0, rng)) for n in NUMBERS])

        self.assertEqual(run_endpoint('poll', endpoint_id,
                POWER_FAILPOINTS='edi.apply=1'), -9)
        self.assertEqual(self.state(folder),
            ([], 0, {'inbox': [path.name], 'archive': []}))

        self.assertEqual(run_endpoint('poll', endpoint_id), 0)
        self.assertEqual(self.state(folder),
            (['applied'], 3, {'inbox': [], 'archive': [path.name]}))

        # polled again, and the same file arriving once more
        self.assertEqual(run_endpoint('poll', endpoint_id), 0)
        (folder / 'inbox' / 'again.zip').write_bytes(
            (folder / 'archive' / path.name).read_bytes())
        self.assertEqual(run_endpoint('poll', endpoint_id), 0)
        self.assertEqual(self.state(folder), (['applied', 'duplicate'], 3,
                {'inbox': [], 'archive': sorted([path.name, 'again.zip'])}))


DEBIT = dt.date(2025, 3, 5)


@unittest.skipIf(DB_NAME == ':memory:',
    "another process cannot reach an in-memory database")
class OutboundCrashTestCase(BillingHelpers, unittest.TestCase):
    """Crash safety of outbound files: a direct-debit request killed while
    its file is written, before and after the database commits"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_edi')
        cls.folder = Path(tempfile.mkdtemp(prefix='power-out-crash-'))
        helper = cls()
        helper.points = 0
        (cls.endpoint_id, cls.card_endpoint_id, cls.card_invoice_id,
            cls.company_id) = commit_with_billing_company(helper.prepare)

    @classmethod
    def tearDownClass(cls):
        drop_db()
        super().tearDownClass()

    def prepare(self, company):
        """A bank agent's endpoint and a billed customer paying by debit; a
        card agent's endpoint (folder card/) and one paying by card."""
        pool = Pool()
        Endpoint = pool.get('power.edi.endpoint')
        Method = pool.get('power.payment.method')
        agents = setup_collections(company)
        endpoints = Endpoint.create([{'name': agents[kind].name,
                    'code': f'crash-{kind}', 'partner': 'payment',
                    'payment_agent': agents[kind].id,
                    **{name: str(folder / name) for name in (
                            'inbox', 'outbox', 'archive')},
                    'error_folder': str(folder / 'error')}
                for kind, folder in [('bank', self.folder),
                    ('card', self.folder / 'card')]])
        debtor = self.contract(company, name='山田 太郎')
        card_holder = self.contract(company, name='鈴木 花子')
        agent = agents['bank']
        Method.create([{'party': debtor.customer.id, 'kind': 'bank',
                    'start_date': dt.date(2024, 6, 1), 'agent': agent.id,
                    'bank': agent.bank.id,
                    'bank_branch': agent.bank_branch.id,
                    'account_type': '1', 'account_number': '1234567',
                    'account_holder': 'ﾔﾏﾀﾞ ﾀﾛｳ'}, {
                    'party': card_holder.customer.id, 'kind': 'card',
                    'start_date': dt.date(2024, 6, 1),
                    'agent': agents['card'].id, 'card_token': 'tok_crash',
                    'card_masked': '************1111',
                    # confirmed by the agent already: only charges are sent
                    'state': 'valid'}])
        for contract in (debtor, card_holder):
            self.usage(contract, JAN10, FEB10, '259.6')
        self.bill()
        invoice, = pool.get('account.invoice').search(
            [('party', '=', card_holder.customer.id)])
        return (endpoints[0].id, endpoints[1].id, invoice.id, company.id)

    def run_process(self, call, endpoint_id=None, today=DEBIT
            - dt.timedelta(days=4), **env):
        """Call an endpoint method (of the bank's endpoint unless another
        is named) in another process on that day; its exit code."""
        return run_endpoint(call, endpoint_id or self.endpoint_id,
            company_id=self.company_id, today=today, **env)

    def state(self):
        "(the bank's outbound exchanges (kind), payments, outbox files)"
        pool = Pool(DB_NAME)
        sent = [('direction', '=', 'out'),
            ('endpoint', '=', self.endpoint_id)]
        with Transaction().start(DB_NAME, 0, readonly=True):
            exchanges = sorted(e.kind for e in pool.get(
                    'power.edi.exchange').search(sent))
            payments = pool.get('account.payment').search_count(
                [('journal.process_method', '=', 'zengin')])
            contents = {e.name: bytes(e.content) for e in pool.get(
                    'power.edi.exchange').search(sent)}
        files = sorted(p.name for p in (self.folder / 'outbox').iterdir())
        return exchanges, payments, files, contents

    def test_request_killed_while_written(self):
        "A debit request killed before, then after, the commit: sent once"
        # killed after writing its files, before the database commits:
        # nothing is kept but hidden temporary files, removed when stale
        self.assertEqual(self.run_process('send_collections',
                POWER_FAILPOINTS='edi.outbox_written=1'), -9)
        exchanges, payments, files, _ = self.state()
        self.assertEqual((exchanges, payments), ([], 0))
        self.assertTrue(files and all(
                f.startswith('.') and f.endswith('.part') for f in files))
        for name in files:
            os.utime(self.folder / 'outbox' / name, (0, 0))
        self.assertEqual(self.run_process('poll'), 0)
        self.assertEqual(self.state()[2], [])

        # killed after the commit, before the files take their names: the
        # exchanges and payments are kept, the next poll names the files
        self.assertEqual(self.run_process('send_collections',
                POWER_FAILPOINTS='edi.outbox_commit=1'), -9)
        exchanges, payments, files, contents = self.state()
        self.assertEqual(exchanges, ['registration_check', 'zengin_request'])
        self.assertEqual(payments, 1)
        self.assertTrue(all(f.startswith('.') for f in files))
        self.assertEqual(self.run_process('poll'), 0)
        _, _, files, _ = self.state()
        self.assertEqual(files, sorted(contents))
        for name, content in contents.items():
            self.assertEqual((self.folder / 'outbox' / name).read_bytes(),
                content)

        # sent again: nothing new to request, nothing doubled
        self.assertEqual(self.run_process('send_collections'), 0)
        self.assertEqual(self.state()[:3], (exchanges, 1, files))

    def card_state(self):
        """The card customer's money: (payments (state), invoice state and
        amount to pay, her account's lines, the card endpoint's inbound
        exchanges (state), files in its inbox)"""
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0, readonly=True):
            invoice = pool.get('account.invoice')(self.card_invoice_id)
            payments = sorted(p.state for p in pool.get(
                    'account.payment').search(
                    [('party', '=', invoice.party.id)]))
            lines = pool.get('account.move.line').search_count(
                [('party', '=', invoice.party.id)])
            exchanges = [e.state for e in pool.get(
                    'power.edi.exchange').search([
                        ('endpoint', '=', self.card_endpoint_id),
                        ('direction', '=', 'in')], order=[('id', 'ASC')])]
            state = (payments, invoice.state, invoice.amount_to_pay, lines,
                exchanges)
            due = invoice.payment_term_date
        inbox = self.folder / 'card' / 'inbox'
        return state, due, sorted(
            p.name for p in inbox.iterdir()) if inbox.exists() else []

    def test_card_answer_killed_before_booking(self):
        "The card agent's answer killed before its booking: booked once"
        _, due, _ = self.card_state()
        self.assertEqual(self.run_process('send_collections',
                self.card_endpoint_id, today=due), 0)
        folder = self.folder / 'card'
        CardAgent(folder / 'outbox', folder / 'inbox', today=due).process()
        before, _, answers = self.card_state()
        self.assertEqual(before[:2], (['processing'], 'posted'))
        self.assertEqual(len(answers), 1)

        # killed after booking the charges, before the commit: nothing of
        # it is kept and the answer stays in the inbox
        self.assertEqual(self.run_process('poll', self.card_endpoint_id,
                today=due, POWER_FAILPOINTS='edi.apply=1'), -9)
        self.assertEqual(self.card_state(), (before, due, answers))

        # the next poll books it once: paid, nothing left to pay
        self.assertEqual(self.run_process('poll', self.card_endpoint_id,
                today=due), 0)
        after, _, inbox = self.card_state()
        payments, invoice_state, to_pay, lines, exchanges = after
        self.assertEqual((payments, invoice_state, to_pay, exchanges, inbox),
            (['succeeded'], 'paid', 0, ['applied'], []))
        self.assertGreater(lines, before[3])

        # the same answer once more: a duplicate, nothing booked twice
        (folder / 'inbox' / 'again.csv').write_bytes(
            (folder / 'archive' / answers[0]).read_bytes())
        self.assertEqual(self.run_process('poll', self.card_endpoint_id,
                today=due), 0)
        self.assertEqual(self.card_state()[0],
            (payments, 'paid', 0, lines, ['applied', 'duplicate']))
