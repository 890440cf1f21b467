# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Crash safety of inbound files (docs/reliability.md): the process reading
the inbox killed (SIGKILL) after a file is applied, before its commit. The
file stays in the inbox and nothing of it is stored; the next poll applies
it once; the same file arriving again is a duplicate."""
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

from power_core.simulators.grid import GridOperator, household_day

from trytond.modules.power_cis.tests.tools import create_supply_point
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction

DAY = dt.date(2025, 1, 20)
NUMBERS = [f'03000011112222444{i:05d}' for i in range(1, 4)]
ROOT = Path(__file__).resolve().parents[3]


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

    def poll(self, endpoint_id, **env):
        "Poll the endpoint in another process, committed; its exit code."
        script = textwrap.dedent(f'''
            from trytond import config
            config.update_etc({str(ROOT / 'trytond.conf')!r})
            from trytond.pool import Pool
            from trytond.transaction import Transaction
            Pool.start()
            pool = Pool({DB_NAME!r})
            pool.init()
            with Transaction().start({DB_NAME!r}, 0) as transaction:
                Endpoint = pool.get('power.edi.endpoint')
                Endpoint.poll(Endpoint.browse([{endpoint_id}]))
                transaction.commit()
            ''')
        return subprocess.run([sys.executable, '-c', script],
            env={**os.environ, **env}, timeout=600).returncode

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

        self.assertEqual(self.poll(endpoint_id,
                POWER_FAILPOINTS='edi.apply=1'), -9)
        self.assertEqual(self.state(folder),
            ([], 0, {'inbox': [path.name], 'archive': []}))

        self.assertEqual(self.poll(endpoint_id), 0)
        self.assertEqual(self.state(folder),
            (['applied'], 3, {'inbox': [], 'archive': [path.name]}))

        # polled again, and the same file arriving once more
        self.assertEqual(self.poll(endpoint_id), 0)
        (folder / 'inbox' / 'again.zip').write_bytes(
            (folder / 'archive' / path.name).read_bytes())
        self.assertEqual(self.poll(endpoint_id), 0)
        self.assertEqual(self.state(folder), (['applied', 'duplicate'], 3,
                {'inbox': [], 'archive': sorted([path.name, 'again.zip'])}))
