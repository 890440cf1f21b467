# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""What a refused file tells a person: the module's own error
(FileRefusedError, ExchangeError) with one of its messages, in the
language of the transaction; a power_core error is wrapped, its detail
(file, line, field) kept in the message."""
import re
import tempfile
import unittest
from pathlib import Path

import polib
from lxml import etree

from power_core.formats import FormatError
from power_core.formats import points as codec

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..exceptions import ExchangeError, FileRefusedError

MODULE = Path(__file__).resolve().parents[1]
NAME = 'MEMBER_RESULT_20250120.csv'


def load_japanese():
    """The Japanese of the add-ons' locale/ja.po, as a database activated
    with it (power-cis init: -l ja) has them."""
    Lang = Pool().get('ir.lang')
    ja, = Lang.search([('code', '=', 'ja')])
    Lang.load_translations([ja])


def member_result(status):
    "A member check result whose line 3 has status (line 2 is valid)."
    return codec.write_members([
            codec.Member('C0001', '12345678', 'valid'),
            codec.Member('C0002', '87654321', status)], result=True)


class RefusalTestCase(unittest.TestCase):
    "Refused files name file and line in the module's messages"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_edi')

    def endpoint(self, partner='points'):
        Endpoint = Pool().get('power.edi.endpoint')
        folder = Path(tempfile.mkdtemp(prefix='power-edi-'))
        endpoint, = Endpoint.create([{
                    'name': 'Points', 'code': 'points-test',
                    'partner': partner,
                    **{name: str(folder / name) for name in
                        ('inbox', 'outbox', 'archive')},
                    'error_folder': str(folder / 'error')}])
        return endpoint

    @with_transaction()
    def test_core_error_is_wrapped_with_file_and_line(self):
        "A line the core refuses: FileRefusedError naming file and line, the core's error its cause"
        Exchange = Pool().get('power.edi.exchange')
        endpoint = self.endpoint()
        exchange = Exchange.receive_data(endpoint, NAME,
            member_result('maybe'))
        self.assertEqual(exchange.state, 'failed')
        self.assertEqual(exchange.error, gettext(
                'power_edi.msg_file_refused_at', file=NAME, where='line 3',
                reason="status 'maybe' is none of valid, invalid"))
        with self.assertRaises(FileRefusedError) as raised:
            exchange.apply()
        error = raised.exception
        self.assertEqual(error.message, exchange.error)
        self.assertIn(NAME, error.message)
        self.assertIn('line 3', error.message)
        self.assertIn("status 'maybe'", error.message)
        self.assertIsInstance(error.__cause__, FormatError)
        self.assertEqual(error.__cause__.where, f'{NAME} line 3')

    @with_transaction()
    def test_refusal_in_japanese(self):
        "In Japanese the refusal is the Japanese of ja.po, the core's detail kept"
        Exchange = Pool().get('power.edi.exchange')
        endpoint = self.endpoint()
        load_japanese()
        with Transaction().set_context(language='ja'):
            exchange = Exchange.receive_data(endpoint, NAME,
                member_result('maybe'))
        self.assertEqual(exchange.error, f"{NAME} を受け付けませんでした"
            f"（line 3）: status 'maybe' is none of valid, invalid。"
            "何も反映していません。")

    @with_transaction()
    def test_refusal_of_the_module(self):
        "A refusal of the module itself (grants never requested) is its own message"
        Exchange = Pool().get('power.edi.exchange')
        endpoint = self.endpoint()
        name = 'GRANT_RESULT_20250120.csv'
        data = codec.write_grants([codec.Grant('999', 'C0001', '12345678',
                    'INV1', 1000, 5, 'granted')], result=True)
        exchange = Exchange.receive_data(endpoint, name, data)
        self.assertEqual(exchange.state, 'failed')
        self.assertEqual(exchange.error, gettext(
                'power_edi.msg_grants_not_requested', file=name,
                grants='999'))
        self.assertIn(f'{name}: grants 999 were not requested',
            exchange.error)
        with self.assertRaises(FileRefusedError) as raised:
            exchange.apply()
        self.assertEqual(raised.exception.message, exchange.error)
        load_japanese()
        with Transaction().set_context(language='ja'):
            self.assertEqual(gettext('power_edi.msg_grants_not_requested',
                    file=name, grants='999'),
                f'{name}: ポイント付与 999 は依頼していません。')

    @with_transaction()
    def test_folder_in_inbox_in_japanese(self):
        "What is not a regular file in an inbox is named in the language"
        Exchange = Pool().get('power.edi.exchange')
        endpoint = self.endpoint()
        folder = endpoint.folder('inbox') / 'W41120-folder'
        folder.mkdir()
        load_japanese()
        with Transaction().set_context(language='ja'):
            exchange = Exchange.receive_path(endpoint, folder)
        self.assertEqual(exchange.state, 'failed')
        self.assertIn('W41120-folder は通常のファイルではありません（フォルダ）',
            exchange.error)

    @with_transaction()
    def test_retry_of_a_file_refused_unread(self):
        "A file refused unread cannot be applied again: ExchangeError"
        Exchange = Pool().get('power.edi.exchange')
        endpoint = self.endpoint()
        exchange = Exchange.refuse_file(endpoint, 'W41120-link.zip', 'link')
        with self.assertRaises(ExchangeError) as raised:
            Exchange.retry([exchange])
        self.assertEqual(raised.exception.message, gettext(
                'power_edi.msg_retry_not_received',
                exchange=exchange.rec_name))


class MessagesTestCase(unittest.TestCase):
    "Every message the code uses exists and has its Japanese"

    def test_messages_used_exist_and_are_translated(self):
        texts = {record.get('id'): record.findtext('field')
            for record in etree.parse(str(MODULE / 'message.xml')).iter(
                'record')}
        japanese = {entry.msgctxt.split(':')[-1]: entry
            for entry in polib.pofile(str(MODULE / 'locale' / 'ja.po'))
            if entry.msgctxt.startswith('model:ir.message,text:')}
        used = set()
        for path in MODULE.glob('*.py'):
            used.update(re.findall(r"power_edi\.(msg_\w*[a-z])\b",
                    path.read_text()))
        used.update(f'msg_inbox_{what}'
            for what in ('symbolic_link', 'folder', 'special_file'))
        self.assertEqual(used - set(texts), set())
        for id_, text in texts.items():
            with self.subTest(message=id_):
                self.assertIn(id_, japanese)
                self.assertEqual(japanese[id_].msgid, text)
                self.assertTrue(japanese[id_].msgstr)
                self.assertEqual(
                    sorted(re.findall(r'%\(\w+\)s', japanese[id_].msgstr)),
                    sorted(re.findall(r'%\(\w+\)s', text)))
