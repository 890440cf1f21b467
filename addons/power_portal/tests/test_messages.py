# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The portal's error texts are the module's messages (message.xml, English
source) whose Japanese is in locale/ja.po: the pages, run in Japanese, show
exactly the Japanese they always showed."""
import json
import re
import unittest
from pathlib import Path
from unittest import mock

import polib
from lxml import etree
from werkzeug.test import Client

from trytond.i18n import gettext
from trytond.tests.test_tryton import DB_NAME, activate_module
from trytond.transaction import Transaction
from trytond.wsgi import app

from .. import catalog, site
from .tools import load_japanese

MODULE = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r'%\(\w+\)s')


def messages():
    "{id: English} of message.xml."
    return {record.get('id'): record.findtext('field')
        for record in etree.parse(str(MODULE / 'message.xml')).iter(
            'record')}


def japanese():
    "{id: ja.po entry} of the messages."
    prefix = 'model:ir.message,text:'
    return {e.msgctxt[len(prefix):]: e
        for e in polib.pofile(str(MODULE / 'locale' / 'ja.po'))
        if e.msgctxt.startswith(prefix)}


class ErrorPageTestCase(unittest.TestCase):
    "Error pages show the Japanese of the messages"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_portal')
        load_japanese()

    @classmethod
    def tearDownClass(cls):
        # the pages read the catalog of a database without menus: the next
        # test case of this process makes its own
        catalog.forget(DB_NAME)
        super().tearDownClass()

    def url(self, path):
        return f'/{DB_NAME}/portal{path}'

    def body(self, response):
        return response.get_data(as_text=True)

    def test_error_pages_in_japanese(self):
        "A refused form, a bad link and an unknown page: Japanese 4xx pages with the messages' Japanese"
        client = Client(app)
        for method, path, status, text in [
                ('post', '/login', 403, 'フォームの有効期限が切れたか、不正な送信です。'
                    'お手数ですが、ページを読み込み直してもう一度お試しください。'),
                ('get', '/verify?token=unknown', 400,
                    '確認用のリンクが無効か、すでに使用されています。'),
                ('get', '/market?area=99', 404,
                    'お探しのページは見つかりませんでした。'),
                ]:
            with self.subTest(path=path):
                response = getattr(client, method)(self.url(path),
                    data={'email': 'a@example.jp'} if method == 'post'
                    else None)
                body = self.body(response)
                self.assertEqual(response.status_code, status)
                self.assertIn('<html lang="ja"', body[:500])
                self.assertIn('ご確認ください', body)
                self.assertIn(text, body)
                self.assertNotIn('Traceback', body)

    def test_lookup_error_in_japanese(self):
        "The postal code lookup says in Japanese that no address matches"
        response = Client(app).get(self.url('/lookup/postal?code=0000000'))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(json.loads(self.body(response)),
            {'error': '該当する住所が見つかりません。'})

    def test_refusal_before_any_page_in_japanese(self):
        "trytond's refusal of another site's Origin: the Japanese page, from the database or from ja.po"
        response = Client(app).post(self.url('/login'),
            headers={'Origin': 'https://evil.example'})
        body = self.body(response)
        self.assertEqual(response.status_code, 403)
        self.assertIn('<h1>ご確認ください</h1>', body)
        self.assertIn('別のサイトからの送信はお受けできません。お手数ですが、'
            'このサイトのページを開き直してからもう一度お試しください。', body)
        names = ('msg_check_title', 'msg_cross_site', 'msg_request_refused')
        # a database this process serves: through gettext, not ja.po
        with mock.patch.object(site, '_po_texts',
                side_effect=AssertionError("ja.po read")):
            served = site.refusal_texts(
                {'PATH_INFO': self.url('/login')}, *names)
        self.assertEqual(site.refusal_texts(
                {'PATH_INFO': '/no-such-database/portal/login'}, *names),
            served)
        self.assertEqual(served[2], 'リクエストを処理できませんでした。')

    def test_message_is_english_source_japanese_translation(self):
        "The page's text is the message: English in English, the page's Japanese in Japanese"
        with Transaction().start(DB_NAME, 0, readonly=True,
                context={'language': 'en'}):
            self.assertEqual(gettext('power_portal.msg_form_expired'),
                messages()['msg_form_expired'])
        with Transaction().start(DB_NAME, 0, readonly=True,
                context={'language': site.LANGUAGE}):
            self.assertEqual(gettext('power_portal.msg_area_unserved',
                    area='北海道'), '北海道エリアでは、現在お申込みいただける料金プラン'
                'がありません（このエリアへの電気の供給は行っておりません）。')


class MessagesTestCase(unittest.TestCase):
    "The messages the code uses exist, with their Japanese only in ja.po"

    def test_messages_used_exist_and_are_translated(self):
        texts, entries = messages(), japanese()
        used = set()
        for path in MODULE.glob('*.py'):
            used.update(re.findall(r"power_portal\.(msg_\w*[a-z])\b",
                    path.read_text()))
        self.assertTrue(used)
        self.assertEqual(used - set(texts), set())
        for id_, text in texts.items():
            with self.subTest(message=id_):
                self.assertEqual(entries[id_].msgid, text)
                self.assertTrue(entries[id_].msgstr)
                self.assertEqual(
                    sorted(PLACEHOLDER.findall(entries[id_].msgstr)),
                    sorted(PLACEHOLDER.findall(text)))

    def test_no_japanese_of_the_messages_in_the_code(self):
        "The Japanese of a message is not written again in the code"
        code = ''.join(p.read_text() for p in MODULE.glob('*.py'))
        for id_, entry in japanese().items():
            for part in PLACEHOLDER.split(entry.msgstr):
                if len(part) >= 8:
                    with self.subTest(message=id_):
                        self.assertNotIn(part, code)
