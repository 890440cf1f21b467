# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The archive of issued bills and credit notes (電子帳簿保存法,
docs/archive.md): kept once as issued, searched by date, amount and
customer, never changed by anyone, the database included; an altered file
is never served."""
import datetime as dt
import hashlib
import unittest
import unittest.mock
from decimal import Decimal as D

from trytond import backend
from trytond.exceptions import UserError
from trytond.filestore import filestore
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from ..exceptions import ArchiveError
from .tools import FEB10, JAN10, BillingHelpers, with_billing_company

class ArchiveTestCase(BillingHelpers, unittest.TestCase):
    "The archive of issued documents"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_billing')

    def billed(self, company, periods=((JAN10, FEB10, 260),), **kwargs):
        Configuration = Pool().get('power.configuration')
        configuration = Configuration(1)
        configuration.invoice_registration = 'T5835678256246'
        configuration.save()
        contract = self.contract(company, **kwargs)
        for start, end, kwh in periods:
            self.usage(contract, start, end, kwh)
        self.bill()
        return contract

    def pdf_text(self, data):
        "The text of a PDF (for what it says, not how it looks)."
        import pypdf
        import io
        return ''.join(page.extract_text()
            for page in pypdf.PdfReader(io.BytesIO(data)).pages)

    @with_transaction()
    @with_billing_company
    def test_bills_archived_once_as_issued(self, company):
        "Every posted bill is archived once, with its PDF and checksum"
        Document = Pool().get('power.billing.document')
        contracts = [self.billed(company),
            self.billed(company, [(JAN10, FEB10, 300)], name='佐藤 花子')]
        determinants = [d for c in contracts for d in self.determinants(c)]
        documents = Document.issue()
        self.assertEqual([(d.kind, d.determinant, d.invoice, d.number,
                    d.issue_date, d.amount, d.tax, d.party)
                for d in sorted(documents, key=lambda d: d.id)],
            [('bill', x, x.invoice, x.invoice.number, x.invoice.invoice_date,
                    x.invoice.total_amount, x.invoice.tax_amount,
                    x.customer) for x in determinants])
        for document in documents:
            data = document.data
            self.assertTrue(data.startswith(b'%PDF'))
            self.assertEqual(document.size, len(data))
            self.assertEqual(document.checksum,
                hashlib.sha256(data).hexdigest())
            self.assertEqual(document.filename,
                f'bill-{document.number}.pdf')
        # a second run archives nothing more
        self.assertEqual(Document.issue(), [])
        self.assertEqual(Document.search_count([]), 2)

    @with_transaction()
    @with_billing_company
    def test_credit_note_a_new_document(self, company):
        "A correction keeps the bill and adds its credit note and the new bill"
        pool = Pool()
        Document = pool.get('power.billing.document')
        Determinant = pool.get('power.billing.determinant')
        contract = self.billed(company)
        old, = self.determinants(contract)
        bill, = Document.issue()
        issued = bill.data
        Determinant.reissue([old])
        old, new = sorted(self.determinants(contract),
            key=lambda d: d.revision)
        documents = {d.kind: d for d in Document.issue()}
        credit, rebill = documents['credit_note'], documents['bill']
        self.assertEqual((credit.kind, credit.invoice, credit.corrects,
                credit.amount, credit.determinant),
            ('credit_note', old.credit_note, bill,
                -old.invoice.total_amount, old))
        self.assertEqual((rebill.kind, rebill.invoice, rebill.corrects),
            ('bill', new.invoice, None))
        # the bill stays as it was issued, byte for byte
        self.assertEqual(Document(bill.id).data, issued)
        text = self.pdf_text(credit.data)
        for expected in ('適格返還請求書', 'T5835678256246',
                old.invoice.number, old.credit_note.number,
                f'{int(old.invoice.total_amount):,}'):
            self.assertIn(expected, text)

    @with_transaction()
    @with_billing_company
    def test_cancelled_before_archived_kept_as_issued(self, company):
        "A bill cancelled before the archive ran is archived as issued, not marked cancelled"
        pool = Pool()
        Document = pool.get('power.billing.document')
        Determinant = pool.get('power.billing.determinant')
        contract = self.billed(company)
        old, = self.determinants(contract)
        Determinant.reissue([old])
        documents = Document.issue()
        self.assertEqual(sorted(d.kind for d in documents),
            ['bill', 'bill', 'credit_note'])
        bill, = [d for d in documents if d.invoice == old.invoice]
        credit, = [d for d in documents if d.kind == 'credit_note']
        self.assertNotIn('取消', self.pdf_text(bill.data))
        self.assertEqual(credit.corrects, bill)

    @with_transaction()
    @with_billing_company
    def test_search_by_date_amount_and_customer(self, company):
        "Searched by date, amount and customer: ranges and combinations (規則第4条)"
        Document = Pool().get('power.billing.document')
        yamada = self.billed(company, name='山田 太郎')
        sato = self.billed(company, [(JAN10, FEB10, 500)], name='佐藤 花子')
        Document.issue()
        small, = Document.search([('party', '=', yamada.customer.id)])
        large, = Document.search([('party.name', 'ilike', '%佐藤%')])
        self.assertLess(small.amount, large.amount)
        day = small.issue_date
        self.assertEqual(Document.search([
                    ('issue_date', '>=', day), ('issue_date', '<=', day),
                    ('amount', '>=', small.amount),
                    ('amount', '<=', small.amount),
                    ], order=[('id', 'ASC')]), [small])
        self.assertEqual(Document.search([
                    ('issue_date', '>=', day),
                    ('amount', '>', small.amount),
                    ('party', '=', sato.customer.id)]), [large])
        self.assertEqual(Document.search([
                    ('issue_date', '<', day)]), [])
        # the client's search bar: a range of amounts
        self.assertEqual(Document.search([
                    ('amount', '>=', small.amount - 1),
                    ('amount', '<', large.amount)]), [small])

    @with_transaction()
    @with_billing_company
    def test_never_changed_or_deleted(self, company):
        "No one changes, copies or deletes a document: the model and the database refuse"
        Document = Pool().get('power.billing.document')
        self.billed(company)
        document, = Document.issue()
        before = (document.amount, document.checksum, document.file_id)
        # the system itself (no access check) is refused too
        for call in (
                lambda: Document.write([document], {'amount': D(1)}),
                lambda: Document.write([document], {'file_id': 'other'}),
                lambda: Document.delete([document]),
                lambda: Document.copy([document])):
            with self.subTest(call=call), self.assertRaises(AccessError):
                call()
        # below the ORM: the trigger refuses an UPDATE or DELETE statement
        table = Document.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        for statement in (table.update([table.amount], [1]),
                table.delete()):
            cursor.execute('SAVEPOINT archive_test')
            with self.subTest(statement=str(statement)), \
                    self.assertRaises(Exception) as refused:
                cursor.execute(*statement)
            cursor.execute('ROLLBACK TO SAVEPOINT archive_test')
            self.assertIn('電子帳簿保存法', str(refused.exception))
        transaction.cache.clear()
        document = Document(document.id)
        self.assertEqual(
            (document.amount, document.checksum, document.file_id), before)

    @with_transaction()
    @with_billing_company
    def test_altered_file_never_served(self, company):
        "A file altered in the file store is an error naming the document"
        Document = Pool().get('power.billing.document')
        self.billed(company)
        document, = Document.issue()
        prefix = Transaction().database.name
        path = filestore._filename(document.file_id, prefix)
        with open(path, 'r+b') as file:
            file.seek(-8, 2)
            file.write(b'tampered')
        with self.assertRaises(ArchiveError) as error:
            Document(document.id).data
        self.assertIn(document.number, str(error.exception))

    @with_transaction()
    @with_billing_company
    def test_archive_after_billing_cron(self, company):
        "The scheduled job archives what the daily billing issued; a bill it cannot lay out is left pending, the others kept"
        pool = Pool()
        BatchRun = pool.get('power.batch.run')
        Document = pool.get('power.billing.document')
        Date = pool.get('ir.date')
        contract = self.contract(company)
        other = self.contract(company, name='佐藤 花子')
        for c in (contract, other):
            self.usage(c, JAN10, FEB10, 260)
        with unittest.mock.patch.object(Date, 'today',
                return_value=dt.date(2025, 2, 12)):
            BatchRun.cron_billing()
        self.assertEqual(Document.search([]), [])
        determinant, = self.determinants(contract)
        bad, = self.determinants(other)
        from ..archive import notices as real_notices

        def failing(determinants):
            if bad in determinants:
                raise UserError('no layout')
            return real_notices(determinants)
        with unittest.mock.patch(
                'trytond.modules.power_billing.archive.notices', failing):
            Document.cron_issue()
        document, = Document.search([])
        self.assertEqual(document.invoice, determinant.invoice)
        self.assertEqual(Document.pending(), [(bad.id, 'bill')])
        Document.cron_issue()
        self.assertEqual(Document.pending(), [])

    @unittest.skipUnless(backend.name == 'postgresql', "PostgreSQL only")
    @with_transaction()
    @with_billing_company
    def test_truncate_refused(self, company):
        "PostgreSQL: even TRUNCATE of the archive is refused"
        Document = Pool().get('power.billing.document')
        self.billed(company)
        Document.issue()
        cursor = Transaction().connection.cursor()
        cursor.execute('SAVEPOINT archive_test')
        with self.assertRaises(Exception):
            cursor.execute(f'TRUNCATE "{Document._table}"')
        cursor.execute('ROLLBACK TO SAVEPOINT archive_test')
        self.assertEqual(Document.search_count([]), 1)


class NoticeRoundingTestCase(unittest.TestCase):
    "A period split in two, each part rounded down to the yen"

    def test_rounding_line_makes_the_lines_add_up(self):
        "The notice of a split period adds up with its rounding line (it was refused, and the archive stopped)"
        from power_core.notice import NoticeLine
        from ..notice import _rounding
        # a demo bill: a capacity change on 11/29 split the period; each
        # part's charge was rounded down, the lines keep their sen
        lines = tuple(NoticeLine(label=str(i), amount=D(a)) for i, a in
            enumerate(['230.92', '1311.20', '2220.40', '-210.0', '0', '417',
                    '588.86', '2264.80', '4113.20', '1903.03', '-472.0',
                    '0', '939']))
        line, = _rounding(lines, (), D(13305))
        self.assertEqual((line.label, line.amount),
            ('1円未満の端数調整', D('-1.41')))
        # under a yen: as before, no line; a yen or more per line: refused
        self.assertEqual(_rounding(lines, (), D('13306')), ())
        self.assertEqual(_rounding(lines, (), D(13000)), ())
