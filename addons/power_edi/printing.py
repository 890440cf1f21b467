# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Documents to the print shop (印刷代行) in batches (one PDF and its
index): bill notices of the customers who get them on paper (a payer
account's sites only when it asked for per-site notices), the payers'
statements (一括請求書, the archived file as issued), payment slips
with their barcode, the letters of dunning levels (e-mailed instead to the
customers who chose electronic notices) and post-contract documents
(契約締結後交付書面). The print shop's acknowledgement marks the batch
acknowledged and puts the documents it could not print back in line for
the next batch, with the reason on the exchange."""
import datetime as dt
import io
from zoneinfo import ZoneInfo

from power_core.formats import print_shop
from power_core.notice import render_batch

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.power_cis.common import now
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .edi import handler, rebuilder
from .exceptions import FileRefusedError

BATCH = 500
# post-contract documents go out for the contracts concluded this recently
CONCLUSION_DAYS = 30


def print_batch(what):
    "The field linking a document to the print batch that sent it."
    return fields.Many2One('power.edi.exchange', "Print Batch",
        readonly=True, ondelete='RESTRICT',
        help=f"The batch that sent {what} to the print shop.")


class Determinant(metaclass=PoolMeta):
    __name__ = 'power.billing.determinant'
    print_exchange = print_batch("this bill notice")


class Slip(metaclass=PoolMeta):
    __name__ = 'power.payment.slip'
    print_exchange = print_batch("this payment slip")


class Dunning(metaclass=PoolMeta):
    __name__ = 'account.dunning'
    print_exchange = print_batch("this dunning's letter")

    @classmethod
    def process(cls, dunnings):
        "A dunning processed at a new level has a new letter to print."
        todo = [d for d in dunnings if not d.blocked and d.state == 'draft']
        super().process(dunnings)
        if todo:
            cls.write(todo, {'print_exchange': None, 'letter_email': None})


class Statement(metaclass=PoolMeta):
    __name__ = 'power.billing.statement'
    print_exchange = print_batch("this statement")


class Contract(metaclass=PoolMeta):
    __name__ = 'power.contract'
    conclusion_exchange = fields.Many2One('power.edi.exchange',
        "Post-contract Document Batch", readonly=True, ondelete='RESTRICT',
        help="The print batch that sent the post-contract document "
        "(契約締結後交付書面).")


class Endpoint(metaclass=PoolMeta):
    __name__ = 'power.edi.endpoint'
    _partner_buttons = {'send_print': 'print'}

    @classmethod
    def print_endpoint(cls):
        endpoints = cls.search([('partner', '=', 'print')], limit=1)
        return endpoints[0] if endpoints else None

    @classmethod
    @ModelView.button
    def send_print(cls, endpoints):
        """Send the bill notices not printed yet of the customers who get
        them on paper, in batches of BATCH."""
        for endpoint in endpoints:
            while endpoint.send_notice_batch():
                pass
            while endpoint.send_statement_batch():
                pass
            while endpoint.send_slip_batch():
                pass
            while endpoint.send_dunning_batch():
                pass
            while endpoint.send_conclusion_batch():
                pass

    @classmethod
    def cron_print(cls):
        "Scheduled action: send the print shop its batches."
        cls.send_print(cls.search([('partner', '=', 'print')]))

    def send_notice_batch(self, limit=BATCH, since=None):
        """One batch of up to limit notices (of periods read since that
        day, when given); its exchange or None."""
        Determinant = Pool().get('power.billing.determinant')
        determinants = Determinant.search([
                ('state', '=', 'billed'),
                ('invoice', '!=', None),
                # numbered (see BatchRun.number_chunk)
                ('invoice.number', '!=', None),
                ('print_exchange', '=', None),
                ('customer.paper_notice', '=', True),
                # a payer account's sites are billed on its statement
                ['OR', ('contract.payer', '=', None),
                    ('contract.payer.site_notices', '=', True)],
                ] + ([('end', '>=', since)] if since else []),
            order=[('id', 'ASC')], limit=limit)
        if not determinants:
            return None
        return self._send_batch(determinants, notice_batch, 'NOTICE',
            'print_usage_notice')


    def send_statement_batch(self, limit=BATCH):
        """One batch of the statements (一括請求書) of payers who get them on
        paper, not printed yet: the archived files as issued. Its exchange
        or None."""
        Statement = Pool().get('power.billing.statement')
        statements = Statement.search([
                ('print_exchange', '=', None),
                ('party.paper_notice', '=', True),
                ], order=[('id', 'ASC')], limit=limit)
        if not statements:
            return None
        return self._send_batch(statements, statement_batch, 'STATEMENT',
            'print_statement')

    def send_slip_batch(self, limit=BATCH):
        "One batch of payment slips not printed yet; its exchange or None."
        Slip = Pool().get('power.payment.slip')
        from trytond.modules.power_billing.letters import slip_letters
        slips = Slip.search([('state', '=', 'issued'),
                ('invoice.number', '!=', None),
                ('print_exchange', '=', None)], order=[('id', 'ASC')],
            limit=limit)
        if not slips:
            return None
        return self._send_letters(slips, slip_letters, 'SLIP',
            'print_payment_slip')

    def send_dunning_batch(self, limit=BATCH):
        """One batch of the letters of processed dunnings (reminders,
        termination warnings and notices) to print; those of customers who
        chose electronic notices are e-mailed instead. Its exchange or
        None."""
        Dunning = Pool().get('account.dunning')
        from trytond.modules.power_billing.letters import dunning_letters
        domain = [
            ('state', 'in', ['waiting', 'final']),
            ('level.power_action', '!=', None),
            ('print_exchange', '=', None),
            ('letter_email', '=', None),
            ]
        # customers who chose electronic notices get their letter by mail
        Dunning.mail_letters(Dunning.search(domain + [
                    ('line.party.paper_notice', '=', False)]))
        dunnings = Dunning.search(domain, order=[('id', 'ASC')], limit=limit)
        if not dunnings:
            return None
        return self._send_letters(dunnings, dunning_letters, 'DUNNING',
            'print_dunning_letter')

    def send_conclusion_batch(self, limit=BATCH, days=CONCLUSION_DAYS):
        """One batch of post-contract documents (契約締結後交付書面) of the
        contracts concluded in the last days not sent yet; its exchange
        or None."""
        pool = Pool()
        Contract = pool.get('power.contract')
        from trytond.modules.power_billing.letters import conclusion_letters
        since = now() - dt.timedelta(days=days)
        contracts = Contract.search([
                ('state', 'in', ['applying', 'active']),
                ('conclusion_exchange', '=', None),
                ('create_date', '>=', since),
                ], order=[('id', 'ASC')], limit=limit)
        if not contracts:
            return None
        return self._send_letters(contracts, conclusion_letters,
            'CONCLUSION', 'print_conclusion_notice', field='conclusion_exchange')

    def _send_letters(self, records, make_letters, prefix, kind,
            field='print_exchange'):
        """Send the letters make_letters(records, date) makes in one batch
        and link the records to it by field."""
        return self._send_batch(records, lambda records, sent: letter_batch(
                make_letters(records, company_date(sent)), sent),
            prefix, kind, field)

    def _send_batch(self, records, build, prefix, kind,
            field='print_exchange'):
        """Send the batch build(records, now) makes, named after its time
        (which dates its content: Exchange.rebuild_print_batch), and link
        the records to it by field; its exchange."""
        Exchange = Pool().get('power.edi.exchange')
        sent = now()
        name = f'{prefix}_{sent:%Y%m%d%H%M%S}_{records[0].id:010d}.zip'
        data, count, pages = build(records, sent)
        exchange = Exchange.send_file(self, name, data, kind,
            business_key=f'{kind} {count}',
            message=gettext('power_edi.msg_print_batch', count=count,
                pages=pages))
        type(records[0]).write(list(records), {field: exchange.id})
        return exchange


def company_date(moment):
    "The date in the company's time zone of a (naive, local) moment."
    pool = Pool()
    company_id = Transaction().context.get('company')
    timezone = None
    if company_id is not None and company_id >= 0:
        company = pool.get('company.company')(company_id)
        if company.timezone:
            timezone = ZoneInfo(company.timezone)
    return moment.astimezone(timezone).date()


def notice_batch(determinants, sent):
    """(batch bytes, documents, pages) of the bill notices of determinants,
    the batch sent at that moment."""
    from trytond.modules.power_billing.notice import notices
    documents = notices(determinants)
    pdf, pages = render_batch(documents)
    return _batch(pdf, pages, sent, [dict(
                document_id=f'D{determinant.id:010d}', kind='usage_notice',
                customer_number=notice.customer_number,
                name=notice.customer_name, postal_code=notice.postal_code,
                address=notice.billing_address, amount=notice.total,
                due_date=notice.due_date)
            for determinant, notice in zip(determinants, documents)])


def statement_batch(statements, sent):
    """(batch bytes, documents, pages) of the statements' archived files
    (checked against their checksums), bound by pypdf."""
    from pypdf import PdfReader, PdfWriter
    from trytond.modules.power_billing.notice import _one_line
    pool = Pool()
    Document = pool.get('power.billing.document')
    documents = {d.statement.id: d for d in Document.search([
                ('statement', 'in', [s.id for s in statements])])}
    writer = PdfWriter()
    pages, items = [], []
    for statement in statements:
        document = documents.get(statement.id)
        if document is None:
            raise FileRefusedError(gettext(
                    'power_billing.msg_statement_no_document',
                    statement=statement.rec_name))
        reader = PdfReader(io.BytesIO(document.content()))
        writer.append(reader)
        pages.append(len(reader.pages))
        party = statement.party
        address = party.address_get('invoice')
        items.append(dict(document_id=f'T{statement.id:010d}',
                kind='statement', customer_number=party.customer_number or '',
                name=party.name, postal_code=(address.postal_code or '')
                if address else '',
                address=_one_line(address) if address else '',
                amount=statement.total, due_date=statement.due_date))
    out = io.BytesIO()
    writer.write(out)
    return _batch(out.getvalue(), pages, sent, items)


def letter_batch(letters, sent):
    "(batch bytes, documents, pages) of letters sent at that moment."
    from power_core.letters import render_batch as render_letters
    pdf, pages = render_letters(letters)
    return _batch(pdf, pages, sent, [dict(document_id=letter.document_id,
                kind=letter.kind, customer_number=letter.customer_number,
                name=letter.customer_name, postal_code=letter.postal_code,
                address=letter.address, amount=letter.amount,
                due_date=letter.due_date)
            for letter in letters])


def _batch(pdf, pages, sent, documents):
    items, page = [], 1
    for document, count in zip(documents, pages):
        items.append(print_shop.Item(first_page=page, pages=count,
                **document))
        page += count
    return print_shop.write_batch(items, pdf, sent), len(items), page - 1


class Exchange(metaclass=PoolMeta):
    __name__ = 'power.edi.exchange'

    @rebuilder('print_usage_notice', print_shop.batch_difference)
    @rebuilder('print_payment_slip', print_shop.batch_difference)
    @rebuilder('print_dunning_letter', print_shop.batch_difference)
    @rebuilder('print_conclusion_notice', print_shop.batch_difference)
    @rebuilder('print_statement', print_shop.batch_difference)
    def rebuild_print_batch(self):
        """The batch of the documents its index names, made again from the
        database as at the time in its name (NOTICE_YYYYmmddHHMMSS_...)."""
        pool = Pool()
        from trytond.modules.power_billing.letters import (
            conclusion_letters, dunning_letters, slip_letters)
        items, _ = print_shop.read_batch(self.data(), self.name)
        sent = dt.datetime.strptime(self.name.split('_')[1], '%Y%m%d%H%M%S')
        ids = [int(item.document_id[1:]) for item in items]
        if self.kind == 'print_usage_notice':
            Determinant = pool.get('power.billing.determinant')
            return notice_batch(Determinant.browse(ids), sent)[0]
        if self.kind == 'print_statement':
            Statement = pool.get('power.billing.statement')
            return statement_batch(Statement.browse(ids), sent)[0]
        model, make_letters = {
            'print_payment_slip': ('power.payment.slip', slip_letters),
            'print_dunning_letter': ('account.dunning', dunning_letters),
            'print_conclusion_notice': ('power.contract', conclusion_letters),
            }[self.kind]
        records = pool.get(model).browse(ids)
        return letter_batch(make_letters(records, company_date(sent)),
            sent)[0]

    @handler('print')
    def apply_print(self, data):
        "An acknowledgement of a batch from the print shop."
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        ack = print_shop.read_ack(data, self.name)
        batches = self.search([('direction', '=', 'out'),
                ('partner', '=', 'print'),
                ('name', '=', f'{ack.batch}.zip')], limit=1)
        if not batches:
            raise FileRefusedError(gettext(
                    'power_edi.msg_print_batch_unknown', file=self.name,
                    batch=ack.batch))
        batch, = batches
        self.kind = 'print_ack'
        self.business_key = ack.batch
        self.records = len(ack.accepted) + len(ack.refused)
        models = {'D': Determinant, 'S': pool.get('power.payment.slip'),
            'L': pool.get('account.dunning'), 'C': pool.get('power.contract'),
            'T': pool.get('power.billing.statement')}
        ids = {prefix: [] for prefix in models}
        for document, _ in ack.refused:
            if document[:1] in models and document[1:].isdigit():
                ids[document[:1]].append(int(document[1:]))
        # refused documents go into the next batch once their data is fixed
        for prefix, Model in models.items():
            field = ('conclusion_exchange' if prefix == 'C'
                else 'print_exchange')
            refused = Model.search([('id', 'in', ids[prefix]),
                    (field, '=', batch.id)])
            Model.write(refused, {field: None})
        self.applied_records = len(ack.accepted)
        if ack.refused:
            self.message = '\n'.join(f'{document}: {reason}'
                for document, reason in ack.refused)
        batch.state = 'acknowledged'
        batch.message = '\n'.join(filter(None, [batch.message,
                    gettext('power_edi.msg_print_acknowledged',
                        accepted=len(ack.accepted),
                        refused=len(ack.refused))]))
        batch.save()
        self.save()
