# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Crash safety (docs/reliability.md): a trytond-worker process killed in
the middle of a billing chunk (SIGKILL, after its invoices are written and
numbered, before its commit). The worker's pool starts a new process that
bills the other chunks; the next daily run bills the lost one. Every
contract is billed exactly once, the invoice numbers have no gap and no
double, every move balances."""
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path
from unittest import mock

from trytond import backend, config
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

from .. import billing
from .tools import (
    BILL_DAY, FEB10, JAN10, BillingTestCase, commit_with_billing_company)

CONTRACTS, CHUNK = 12, 3


def _in(func):
    "func() in a committed transaction of the test database."
    with Transaction().start(DB_NAME, 0) as transaction:
        result = func()
        transaction.commit()
    return result


@unittest.skipIf(backend.name != 'postgresql',
    "trytond-worker needs PostgreSQL (it waits on the connection)")
class CrashTestCase(BillingTestCase):
    "Crash safety of the billing run"

    def worker(self, folder, processes=1, **env):
        "A trytond-worker on the test database, its log in folder."
        root = Path(__file__).resolve().parents[3]
        conf = Path(folder) / 'worker.conf'
        conf.write_text('[queue]\nworker = True\n')
        self.log = Path(folder) / 'worker.log'
        log = open(self.log, 'a')
        self.addCleanup(log.close)
        return subprocess.Popen([str(Path(sys.executable).parent
                    / 'trytond-worker'), '-c', str(root / 'trytond.conf'),
                str(conf), '-d', DB_NAME, '-n', str(processes), '-v'],
            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

    @staticmethod
    def stop(worker):
        if worker.poll() is None:
            os.killpg(worker.pid, 15)
            worker.wait(30)

    def wait_for_queue(self, worker, seconds=180):
        "Until no task waits or runs (the lost one never finishes)."
        Queue = Pool(DB_NAME).get('ir.queue')
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with Transaction().start(DB_NAME, 0, readonly=True):
                waiting = Queue.search_count([('dequeued_at', '=', None)])
                running = Queue.search_count([
                        ('dequeued_at', '!=', None),
                        ('finished_at', '=', None)])
            if not waiting and running <= 1:
                # the killed task stays dequeued and unfinished: give the
                # others time to finish, then look again
                time.sleep(2)
                with Transaction().start(DB_NAME, 0, readonly=True):
                    if Queue.search_count([('finished_at', '=', None)]) <= 1:
                        return
            self.assertIsNone(worker.poll(), "the worker stopped: "
                + worker.args[-1] + self.log.read_text())
            time.sleep(0.5)
        self.fail("the queue was not worked off")

    def test_worker_killed_in_a_chunk(self):
        "A worker killed in the middle of a chunk: nothing lost, nothing doubled"
        pool = Pool(DB_NAME)

        def prepare(company):
            contracts = []
            for n in range(CONTRACTS):
                contract = self.contract(company, name=f'顧客 {n}')
                self.usage(contract, JAN10, FEB10, str(200 + n))
                contracts.append(contract.id)
            return company.id, contracts
        company_id, contracts = commit_with_billing_company(prepare)
        Company = pool.get('company.company')
        BatchRun = pool.get('power.batch.run')

        # the run pushes chunks of 3 to the queue, as with workers running
        def push():
            with set_company(Company(company_id)):
                return BatchRun.run_billing(BILL_DAY).id
        config.set('queue', 'worker', 'True')
        try:
            with mock.patch.object(billing, 'chunk_size',
                    return_value=CHUNK):
                first_run = _in(push)
        finally:
            config.set('queue', 'worker', 'False')
        with tempfile.TemporaryDirectory() as folder:
            fired = Path(folder) / 'fired'
            worker = self.worker(folder, POWER_FAILPOINTS='billing.chunk=2',
                POWER_FAILPOINT_ONCE=str(fired))
            try:
                # the killed process breaks the worker's process pool: the
                # worker stops, as it would in production
                worker.wait(300)
            finally:
                self.stop(worker)
            self.assertTrue(fired.exists(), self.log.read_text())
            # what the service manager does: start it again, here with two
            # processes sharing the remaining chunks (each chunk's invoices
            # numbered by a task of their own, in turn)
            worker = self.worker(folder, processes=2)
            try:
                self.wait_for_queue(worker)
            finally:
                self.stop(worker)

        def billed():
            Determinant = pool.get('power.billing.determinant')
            return {d.contract.id: d for d in Determinant.search([])}
        # the killed chunk's contracts are not billed, the others are
        after_crash = _in(billed)
        self.assertEqual(len(after_crash), CONTRACTS - CHUNK)
        run = _in(lambda: BatchRun(first_run).processed)
        self.assertEqual(run, CONTRACTS - CHUNK)

        # the next daily run bills them, and nothing twice
        def next_run():
            with set_company(Company(company_id)):
                return BatchRun.run_billing(
                    BILL_DAY + dt.timedelta(days=1)).processed
        self.assertEqual(_in(next_run), CHUNK)
        self.assertEqual(_in(next_run), 0)
        self.check_billed_once(contracts)

    def check_billed_once(self, contracts):
        "One posted invoice a contract, numbers without gap, moves balanced."
        pool = Pool(DB_NAME)
        Determinant = pool.get('power.billing.determinant')
        Usage = pool.get('power.usage.confirmed')
        MoveLine = pool.get('account.move.line')
        with Transaction().start(DB_NAME, 0, readonly=True):
            determinants = Determinant.search([])
            self.assertEqual(sorted(d.contract.id for d in determinants),
                sorted(contracts))
            self.assertEqual(Usage.search_count([('determinant', '=', None)]),
                0)
            self.assertNotIn(None, [d.invoice.number for d in determinants])
            numbers = sorted(d.invoice.number for d in determinants)
            self.assertEqual(len(set(numbers)), len(contracts))
            serials = [int(n.rsplit('-', 1)[1]) for n in numbers]
            self.assertEqual(serials, list(range(serials[0],
                        serials[0] + len(contracts))))
            for determinant in determinants:
                invoice = determinant.invoice
                self.assertEqual(invoice.state, 'posted')
                lines = MoveLine.search([('move', '=', invoice.move.id)])
                self.assertEqual(sum(l.debit for l in lines),
                    sum(l.credit for l in lines))
                self.assertEqual(invoice.total_amount, determinant.total)
