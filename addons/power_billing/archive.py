# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The archive of issued bills and credit notes (電子帳簿保存法).

Every posted bill (the invoice of a determinant) and every credit note that
cancelled one is kept as the PDF issued to the customer, with its SHA-256.
A document is made once and never changed: no role may write or delete it,
not even the system, and the database itself refuses an UPDATE or DELETE
of its rows (a trigger made by __register__), so a correction is always a
new document (the credit note, then the new bill). Staff search it by
date, amount and customer (ranges and combinations: the search
requirements of 電子帳簿保存法施行規則 第4条), the portal serves the same
file to the customer, and every read checks the file against its
checksum. docs/archive.md says which rule each part meets."""
import dataclasses
import hashlib
import logging

from power_core import letters
from power_core.errors import PowerCoreError
from power_core.notice import render_pdf
from sql import Null

from trytond import backend, config
from trytond.filestore import filestore
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.modules.power_cis.common import ServerReadonly, now
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import ArchiveError
from .notice import _retailer, notices

KINDS = [
    ('bill', "Bill"),
    ('credit_note', "Credit Note"),
    ('statement', "Statement"),
    ]
# an invoice's document names its invoice and determinant; a payer's
# statement (一括請求書) its statement
_OF_INVOICE = {'required': Eval('kind') != 'statement'}
logger = logging.getLogger(__name__)
CHUNK = 100
# documents one scheduled call archives without task workers: a PDF takes
# about 0.2 s to lay out, so 50 are 10 s of one core and a backlog (a
# demo's year of bills) never holds a core long while staff and customers
# use the server; the job runs every 15 minutes (4,800 a day); with
# workers every pending document is queued
BACKLOG = 50
TRIGGER = 'power_billing_document_unchanged'


class Document(ServerReadonly, ModelSQL, ModelView):
    "Issued Document"
    __name__ = 'power.billing.document'
    _client_create = False
    _rec_name = 'number'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True,
        ondelete='RESTRICT')
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    number = fields.Char("Number", required=True, readonly=True,
        help="The invoice number printed on the document.")
    issue_date = fields.Date("Issue Date", required=True, readonly=True,
        help="The date of the transaction (取引年月日): the invoice date.")
    amount = fields.Numeric("Amount", digits=(16, 0), required=True,
        readonly=True, help="Tax included; negative for a credit note.")
    tax = fields.Numeric("Tax", digits=(16, 0), required=True, readonly=True)
    party = fields.Many2One('party.party', "Customer", required=True,
        readonly=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'})
    invoice = fields.Many2One('account.invoice', "Invoice",
        readonly=True, ondelete='RESTRICT', states=_OF_INVOICE)
    determinant = fields.Many2One('power.billing.determinant',
        "Billing Determinant", readonly=True, ondelete='RESTRICT',
        states=_OF_INVOICE)
    statement = fields.Many2One('power.billing.statement', "Statement",
        readonly=True, ondelete='RESTRICT',
        states={'required': Eval('kind') == 'statement'})
    corrects = fields.Many2One('power.billing.document', "Cancels",
        readonly=True, ondelete='RESTRICT',
        help="The bill this credit note cancels.")
    filename = fields.Char("File Name", required=True, readonly=True)
    file_id = fields.Char("File ID", required=True, readonly=True)
    size = fields.Integer("Size (bytes)", required=True, readonly=True)
    checksum = fields.Char("SHA-256", required=True, readonly=True)
    archived_at = fields.DateTime("Archived At", required=True, readonly=True)
    data = fields.Function(fields.Binary("File", filename='filename'),
        'get_data')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('issue_date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_constraints += [
            ('invoice_unique', Unique(t, t.invoice),
                'power_billing.msg_document_invoice_unique'),
            ('statement_unique', Unique(t, t.statement),
                'power_billing.msg_document_invoice_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.issue_date, Index.Range())),
                Index(t, (t.party, Index.Equality())),
                Index(t, (t.amount, Index.Range())),
                Index(t, (t.determinant, Index.Equality())),
                })

    @classmethod
    def __register__(cls, module):
        # the trigger would refuse the updates a migration of the table
        # makes: it is dropped before and made again after
        cursor = Transaction().connection.cursor()
        exists = backend.TableHandler.table_exist(cls._table)
        if exists:
            for statement in _drop_trigger(cls._table):
                cursor.execute(statement)
        super().__register__(module)
        for statement in _create_trigger(cls._table):
            cursor.execute(statement)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise AccessError(gettext('power_billing.msg_document_unchanged',
                    document=records[0].rec_name if records else ''))

    @classmethod
    def copy(cls, documents, default=None):
        if not documents:
            return []
        raise AccessError(gettext('power_billing.msg_document_unchanged',
                document=documents[0].rec_name if documents else ''))

    @classmethod
    def get_data(cls, documents, name):
        return {d.id: d.content() for d in documents}

    def content(self):
        """The bytes of the issued file, checked against the checksum kept
        when it was issued; a file altered or lost in the file store is an
        error naming the document, never served."""
        prefix = Transaction().database.name
        try:
            data = filestore.get(self.file_id, prefix=prefix)
        except OSError:
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != self.checksum:
            raise ArchiveError(gettext('power_billing.msg_document_altered',
                    document=self.rec_name))
        return data

    # --- issuing ---------------------------------------------------------

    @classmethod
    def pending(cls, determinants=None):
        """[(determinant id, kind)] of the posted bills and credit notes not
        archived yet (of determinants when given), oldest first."""
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Invoice = pool.get('account.invoice')
        determinant = Determinant.__table__()
        cursor = Transaction().connection.cursor()
        result = []
        for kind, column in (('bill', 'invoice'),
                ('credit_note', 'credit_note')):
            invoice = Invoice.__table__()
            document = cls.__table__()
            invoice_id = getattr(determinant, column)
            where = ((document.id == Null)
                & invoice.state.in_(['posted', 'paid']))
            if determinants is not None:
                where &= determinant.id.in_(
                    [int(d) for d in determinants] or [-1])
            cursor.execute(*determinant.join(invoice,
                    condition=invoice.id == invoice_id
                    ).join(document, 'LEFT',
                    condition=document.invoice == invoice_id
                    ).select(determinant.id, invoice.id,
                    where=where, order_by=[invoice.id]))
            result += [(d, kind, i) for d, i in cursor]
        result.sort(key=lambda r: r[2])
        return [(d, kind) for d, kind, _ in result]

    @classmethod
    def issue(cls, determinants=None):
        """Archive the posted bills and credit notes not archived yet (of
        determinants when given); return the new documents. A bill is
        archived before the credit note that cancels it."""
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        documents = []
        pending = cls.pending(determinants)
        for start in range(0, len(pending), CHUNK):
            chunk = pending[start:start + CHUNK]
            records = Determinant.browse([d for d, _ in chunk])
            bills = [d for d, (_, kind) in zip(records, chunk)
                if kind == 'bill']
            credits = [d for d, (_, kind) in zip(records, chunk)
                if kind == 'credit_note']
            if bills:
                documents += cls._issue_bills(bills)
            if credits:
                documents += cls._issue_credit_notes(credits)
        return documents

    @classmethod
    def find_bill(cls, determinant):
        "The archived bill of determinant, or None."
        documents = cls.search([
                ('invoice', '=', determinant.invoice.id
                    if determinant.invoice else -1),
                ('kind', '=', 'bill')], limit=1)
        return documents[0] if documents else None

    @classmethod
    def issue_bill(cls, determinant):
        """Archive the bill of determinant now (the portal's first
        download); None before its invoice is posted."""
        with without_check_access():
            documents = [d for d in cls.issue([determinant])
                if d.kind == 'bill']
        return documents[0] if documents else None

    @classmethod
    def issue_statements(cls, statements):
        """Archive the statements (一括請求書) as issued: laid out once, when
        they are made."""
        from power_core import statement as core
        values = []
        for statement in statements:
            pdf = core.render_pdf(statement.document())
            values.append({
                    'company': statement.company.id,
                    'kind': 'statement',
                    'number': statement.number,
                    'issue_date': statement.date,
                    'amount': statement.total,
                    'tax': statement.tax,
                    'party': statement.party.id,
                    'statement': statement.id,
                    **cls._file_values(pdf,
                        f'statement-{statement.number}.pdf'),
                    })
        return cls._create(values)

    @classmethod
    def _issue_bills(cls, determinants):
        values = []
        # the bill as it was issued, even when a correction cancelled it
        # since: the archive keeps what the customer received
        for d, notice in _notices(determinants):
            notice = dataclasses.replace(notice, cancelled=False)
            invoice = d.invoice
            values.append(cls._document_values(d, invoice, 'bill',
                    render_pdf(notice), f'bill-{invoice.number}.pdf'))
        return cls._create(values)

    @classmethod
    def _issue_credit_notes(cls, determinants):
        pool = Pool()
        Configuration = pool.get('power.configuration')
        configuration = Configuration(1)
        bills = {d.invoice.id: d for d in cls.search([
                    ('invoice', 'in', [x.invoice.id for x in determinants]),
                    ])}
        values = []
        for d, notice in _notices(determinants):
            original = d.invoice
            credit = d.credit_note
            address = credit.invoice_address
            lines = [(l.label, int(l.amount))
                for l in notice.lines + notice.adjustments]
            letter = letters.credit_note(
                retailer=_retailer(d.company, configuration),
                customer_name=notice.customer_name,
                customer_number=notice.customer_number,
                postal_code=(address.postal_code or '') if address else '',
                address=notice.billing_address,
                number=credit.number, date=credit.invoice_date,
                original_number=original.number,
                original_date=original.invoice_date,
                period=f'{notice.period_start:%Y年%m月%d日}〜'
                f'{notice.reading_date:%Y年%m月%d日}',
                lines=lines, total=-int(credit.total_amount),
                tax=-int(credit.tax_amount))
            value = cls._document_values(d, credit, 'credit_note',
                letters.render_pdf([letter]),
                f'credit-note-{credit.number}.pdf')
            bill = bills.get(original.id)
            value['corrects'] = bill.id if bill else None
            values.append(value)
        return cls._create(values)

    @classmethod
    def _document_values(cls, determinant, invoice, kind, pdf, filename):
        return {
            'company': invoice.company.id,
            'kind': kind,
            'number': invoice.number,
            'issue_date': invoice.invoice_date,
            'amount': invoice.total_amount,
            'tax': invoice.tax_amount,
            'party': invoice.party.id,
            'invoice': invoice.id,
            'determinant': determinant.id,
            **cls._file_values(pdf, filename),
            }

    @staticmethod
    def _file_values(pdf, filename):
        "The file of a new document: kept in the file store, summed."
        return {
            'filename': filename,
            'file_id': filestore.set(pdf,
                prefix=Transaction().database.name),
            'size': len(pdf),
            'checksum': hashlib.sha256(pdf).hexdigest(),
            'archived_at': now(),
            }

    @classmethod
    def _create(cls, values):
        # made by the system for whoever triggered it (a billing clerk, a
        # portal member): the documents are created by no client
        with without_check_access():
            return cls.create(values)

    @classmethod
    def issue_chunk(cls, determinant_ids):
        "Archive the pending documents of one chunk (a queued task)."
        cls.issue(determinant_ids)

    @classmethod
    def cron_issue(cls):
        """Archive the bills and credit notes posted and not archived yet,
        oldest first (scheduled action): all of them through the task
        queue when workers run, BACKLOG of them in this call otherwise."""
        queued = config.getboolean('queue', 'worker', default=False)
        ids = list(dict.fromkeys(d for d, _ in cls.pending()))
        if not queued:
            ids = ids[:BACKLOG]
        chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
        for chunk in chunks:
            if queued:
                cls.__queue__.issue_chunk(chunk)
            else:
                cls.issue_chunk(chunk)


def _notices(determinants):
    """[(determinant, notice)] of those whose notice can be laid out; one
    that cannot is logged with its reason and left pending (tried again by
    the next run), never stopping the others."""
    result = []
    for determinant in determinants:
        try:
            notice, = notices([determinant])
        except (PowerCoreError, UserError) as exception:
            logger.error("issued document of %s not archived: %s",
                determinant.rec_name,
                getattr(exception, 'message', None) or exception)
            continue
        result.append((determinant, notice))
    return result


def _create_trigger(table):
    message = (f"{table}: an issued document is never changed or deleted "
        "(電子帳簿保存法); a correction is a new document")
    if backend.name == 'postgresql':
        return [
            f'CREATE OR REPLACE FUNCTION "{TRIGGER}"() RETURNS trigger '
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%: {message}', "
            "TG_OP; END $$",
            f'CREATE TRIGGER "{TRIGGER}" BEFORE UPDATE OR DELETE ON '
            f'"{table}" FOR EACH ROW EXECUTE FUNCTION "{TRIGGER}"()',
            f'CREATE TRIGGER "{TRIGGER}_truncate" BEFORE TRUNCATE ON '
            f'"{table}" FOR EACH STATEMENT EXECUTE FUNCTION "{TRIGGER}"()',
            ]
    return [
        f'CREATE TRIGGER IF NOT EXISTS "{TRIGGER}_{operation.lower()}" '
        f'BEFORE {operation} ON "{table}" '
        f"BEGIN SELECT RAISE(ABORT, '{operation}: {message}'); END"
        for operation in ('UPDATE', 'DELETE')]


def _drop_trigger(table):
    if backend.name == 'postgresql':
        return [f'DROP TRIGGER IF EXISTS "{TRIGGER}" ON "{table}"',
            f'DROP TRIGGER IF EXISTS "{TRIGGER}_truncate" ON "{table}"']
    return [f'DROP TRIGGER IF EXISTS "{TRIGGER}_{operation}"'
        for operation in ('update', 'delete')]
