# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Backup and restore (docs/reliability.md): a database dumped the way the
documentation says (pg_dump / pg_restore on PostgreSQL, SQLite's online
backup) is restored under another name and bills from there."""
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from trytond import backend, config
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

from .tools import (
    BILL_DAY, FEB10, JAN10, BillingTestCase, commit_with_billing_company)

RESTORED = f'{DB_NAME}_restored'.replace(':', '')


def _pg_arguments():
    "host, port and user options of pg_dump for the configured URI."
    uri = urlsplit(config.get('database', 'uri'))
    arguments = []
    if uri.hostname:
        arguments += ['-h', uri.hostname]
    if uri.port:
        arguments += ['-p', str(uri.port)]
    if uri.username:
        arguments += ['-U', uri.username]
    return arguments


def backup_and_restore(target):
    "Dump the test database and restore it as target, as docs say."
    if backend.name == 'postgresql':
        with tempfile.TemporaryDirectory() as folder:
            dump = Path(folder) / 'power.dump'
            subprocess.run(['pg_dump', *_pg_arguments(), '--format=custom',
                    '--file', str(dump), DB_NAME], check=True)
            subprocess.run(['createdb', *_pg_arguments(), target],
                check=True)
            subprocess.run(['pg_restore', *_pg_arguments(), '--no-owner',
                    '--dbname', target, str(dump)], check=True)
    else:
        path = Path(config.get('database', 'path'))
        # the test database may live in memory: the folder of the files
        # may not exist yet
        path.mkdir(parents=True, exist_ok=True)
        with Transaction().start(DB_NAME, 0, readonly=True) as transaction:
            with sqlite3.connect(path / f'{target}.sqlite') as copy:
                transaction.connection.backup(copy)
            copy.close()


def drop(target):
    if backend.name == 'postgresql':
        # this process's pool of connections to it closes at exit
        subprocess.run(['dropdb', *_pg_arguments(), '--if-exists', '--force',
                target], check=True)
    else:
        path = Path(config.get('database', 'path')) / f'{target}.sqlite'
        path.unlink(missing_ok=True)


class BackupTestCase(BillingTestCase):
    "Backup and restore"

    @classmethod
    def tearDownClass(cls):
        drop(RESTORED)
        super().tearDownClass()

    def test_restored_dump_bills(self):
        "A dump restored under another name bills the month the original would"
        def prepare(company):
            contract = self.contract(company)
            self.usage(contract, JAN10, FEB10, '259.6')
            return company.id, contract.id
        company_id, contract_id = commit_with_billing_company(prepare)
        drop(RESTORED)
        backup_and_restore(RESTORED)
        pool = Pool(RESTORED)
        pool.init()
        with Transaction().start(RESTORED, 0) as transaction:
            Company = pool.get('company.company')
            Determinant = pool.get('power.billing.determinant')
            with set_company(Company(company_id)):
                run = pool.get('power.batch.run').run_billing(BILL_DAY)
                determinant, = Determinant.search(
                    [('contract', '=', contract_id)])
                self.assertEqual((run.processed, run.failed), (1, 0))
                self.assertEqual(determinant.invoice.state, 'posted')
                self.assertEqual(determinant.invoice.total_amount,
                    determinant.total)
            transaction.rollback()
        # the original is untouched
        with Transaction().start(DB_NAME, 0, readonly=True):
            Determinant = Pool(DB_NAME).get('power.billing.determinant')
            self.assertEqual(Determinant.search_count([]), 0)

