# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Failures reach people: a batch run that fails or ends with failures, and
a scheduled action that raises, mail the responsible group through a real
SMTP server (the demo's local mail sink) and post to the webhook; the
translations of the stock modules load under their own names."""
import email
import email.policy
import http.server
import json
import tempfile
import threading
import time
import unittest
from pathlib import Path
from unittest import mock

from trytond import config
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction, TransactionError


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class _Hook(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        length = int(self.headers['Content-Length'])
        _Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class AlertTestCase(unittest.TestCase):
    "Alerts of failed batch jobs"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_cis')
        from power_cis_cli import mailsink
        cls.folder = Path(tempfile.mkdtemp(prefix='power-alert-'))
        port = _free_port()
        cls.sink = mailsink.start(cls.folder, port=port)
        cls.hook = http.server.HTTPServer(('127.0.0.1', 0), _Hook)
        threading.Thread(target=cls.hook.serve_forever, daemon=True).start()
        cls.saved = {(s, o): config.get(s, o, default=None) for s, o in (
                ('email', 'uri'), ('power_cis', 'alert_webhook'))}
        config.set('email', 'uri', mailsink.uri(port=port))
        if not config.has_section('power_cis'):
            config.add_section('power_cis')
        config.set('power_cis', 'alert_webhook',
            f'http://127.0.0.1:{cls.hook.server_port}/hook')
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            User = pool.get('res.user')
            Group = pool.get('res.group')
            ModelData = pool.get('ir.model.data')
            admin, = User.search([('login', '=', 'admin')])
            admin.email = 'admin@example.jp'
            admin.save()
            # a clerk of another group is not mailed
            group, = Group.create([{'name': "Other Team"}])
            User.create([{'login': 'other', 'name': "Other",
                        'email': 'other@example.jp',
                        'groups': [('add', [group.id])]}])
            assert ModelData.get_id('power_cis', 'group_power_admin')
            transaction.commit()

    @classmethod
    def tearDownClass(cls):
        cls.sink.stop()
        cls.hook.shutdown()
        for (section, option), value in cls.saved.items():
            config.set(section, option, value or '')
        drop_db()
        super().tearDownClass()

    def setUp(self):
        for path in self.folder.glob('*.eml'):
            path.unlink()
        _Hook.received.clear()

    def mails(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            paths = sorted(self.folder.glob('*.eml'))
            if len(paths) >= count:
                break
            time.sleep(0.1)
        return [email.message_from_bytes(p.read_bytes(),
                policy=email.policy.default) for p in sorted(
                self.folder.glob('*.eml'))]

    def test_run_with_failures_mails_the_group(self):
        "A run ending with failed records mails the group once, after commit"
        with Transaction().start(DB_NAME, 0) as transaction:
            BatchRun = Pool().get('power.batch.run')
            run = BatchRun.start('Inbox Grid Operator')
            run.add_error(None, 'line 3: the supply point number has 21 '
                'digits')
            run.finish(5, failed=1)
            run_id = run.id
            # nothing leaves before the commit
            time.sleep(0.3)
            self.assertEqual(list(self.folder.glob('*.eml')), [])
            transaction.commit()
        message, = self.mails(1)
        self.assertIn('Inbox Grid Operator ended with failures',
            message['Subject'])
        self.assertEqual(message['To'], 'admin@example.jp')
        text = message.get_body(('plain',)).get_content()
        self.assertIn('line 3: the supply point number has 21 digits', text)
        self.assertEqual(len(_Hook.received), 1)
        self.assertEqual(_Hook.received[0]['job'], 'Inbox Grid Operator')
        self.assertEqual(_Hook.received[0]['failed'], 1)
        with Transaction().start(DB_NAME, 0) as transaction:
            BatchRun = Pool().get('power.batch.run')
            run = BatchRun(run_id)
            self.assertTrue(run.alerted)
            # once only
            run.alert()
            transaction.commit()
        time.sleep(0.3)
        self.assertEqual(len(list(self.folder.glob('*.eml'))), 1)

    def test_run_done_sends_nothing(self):
        "A run without failures mails no one"
        with Transaction().start(DB_NAME, 0) as transaction:
            BatchRun = Pool().get('power.batch.run')
            run = BatchRun.start('Quiet job')
            run.finish(5)
            transaction.commit()
        time.sleep(0.3)
        self.assertEqual(list(self.folder.glob('*.eml')), [])
        self.assertEqual(_Hook.received, [])

    def test_rolled_back_run_sends_nothing(self):
        "A failure recorded in a transaction that rolls back is not sent"
        with Transaction().start(DB_NAME, 0) as transaction:
            BatchRun = Pool().get('power.batch.run')
            run = BatchRun.start('Rolled back job')
            run.finish(1, failed=1)
            transaction.rollback()
        time.sleep(0.3)
        self.assertEqual(list(self.folder.glob('*.eml')), [])
        self.assertEqual(_Hook.received, [])

    def test_scheduled_action_failure(self):
        "A scheduled action that raises is a failed run, mailed"
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Cron = pool.get('ir.cron')
            BatchRun = pool.get('power.batch.run')
            cron, = Cron.search([], limit=1)
            model, method = cron.method.split('|')
            Model = pool.get(model)
            with mock.patch.object(Model, method, create=True,
                    side_effect=RuntimeError('partner unreachable')):
                with self.assertRaises(RuntimeError):
                    Cron.run_once([cron])
            transaction.rollback()
        with Transaction().start(DB_NAME, 0):
            BatchRun = Pool().get('power.batch.run')
            run, = BatchRun.search([('name', 'like', 'Scheduled action %')])
            self.assertEqual(run.state, 'failed')
            self.assertIn('partner unreachable', run.message)
            self.assertTrue(run.alerted)
        message, = self.mails(1)
        self.assertIn('failed', message['Subject'])

    def test_webhook_down_does_not_stop_the_job(self):
        "A webhook that does not answer is logged; the run is kept"
        saved = config.get('power_cis', 'alert_webhook')
        config.set('power_cis', 'alert_webhook',
            f'http://127.0.0.1:{_free_port()}/hook')
        try:
            with Transaction().start(DB_NAME, 0) as transaction:
                BatchRun = Pool().get('power.batch.run')
                run = BatchRun.start('Job with a silent webhook')
                run.finish(0, failed=1)
                run_id = run.id
                with self.assertLogs('trytond.modules.power_cis.alert',
                        'ERROR'):
                    transaction.commit()
        finally:
            config.set('power_cis', 'alert_webhook', saved)
        self.assertEqual(len(self.mails(1)), 1)
        with Transaction().start(DB_NAME, 0):
            BatchRun = Pool().get('power.batch.run')
            self.assertEqual(BatchRun(run_id).state, 'partial')

    def test_job_group_and_configured_group(self):
        "The job's own group, else the configuration's alert group"
        extras = {}
        while True:
            try:
                with Transaction().start(DB_NAME, 0, **extras) as transaction:
                    self._job_group_and_configured_group(transaction)
                break
            except TransactionError as error:
                error.fix(extras)
        messages = self.mails(2)
        to = {m['Subject'].split('] ')[1].split(' ')[0]: m['To']
            for m in messages}
        self.assertEqual(to, {'Configured': 'other@example.jp',
                'Own': 'admin@example.jp'})

    def _job_group_and_configured_group(self, transaction):
            pool = Pool()
            BatchRun = pool.get('power.batch.run')
            Configuration = pool.get('power.configuration')
            Group = pool.get('res.group')
            other, = Group.search([('name', '=', "Other Team")])
            config_ = Configuration(1)
            config_.alert_group = other
            config_.save()
            run = BatchRun.start('Configured group job')
            run.finish(0, failed=1)
            config_.alert_group = None
            config_.save()
            run = BatchRun.start('Own group job',
                responsible='power_cis.group_power_admin')
            run.finish(0, failed=1)
            transaction.commit()


class StockTranslationTestCase(unittest.TestCase):
    "The stock modules' Japanese we ship"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_cis')

    @classmethod
    def tearDownClass(cls):
        drop_db()
        super().tearDownClass()

    def test_loaded_under_the_stock_module(self):
        "party's strings and menus in Japanese, under the module party"
        from ..translation import stock_files
        self.assertIn('party', dict(stock_files('power_cis', 'ja')))
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Lang = pool.get('ir.lang')
            Translation = pool.get('ir.translation')
            Menu = pool.get('ir.ui.menu')
            ModelData = pool.get('ir.model.data')
            ja, = Lang.search([('code', '=', 'ja')])
            ja.translatable = True
            ja.save()
            Translation.stock_translation_import('ja', 'power_cis')
            rows = Translation.search([('lang', '=', 'ja'),
                    ('module', '=', 'party')])
            self.assertGreater(len(rows), 300)
            menu = ModelData.get_id('party', 'menu_party_form')
            with Transaction().set_context(language='ja'):
                self.assertEqual(Menu(menu).name, '取引先')
                Party = pool.get('party.party')
                self.assertEqual(
                    Party.fields_get(['addresses'])['addresses']['string'],
                    '住所')
            # a second load changes nothing
            Translation.stock_translation_import('ja', 'power_cis')
            self.assertEqual(len(Translation.search([('lang', '=', 'ja'),
                        ('module', '=', 'party')])), len(rows))
            transaction.rollback()
