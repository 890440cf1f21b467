# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Bill notices to the print shop (印刷代行) for customers who receive them
on paper: a batch (one PDF and its index) goes to the print endpoint's
outbox; the print shop's acknowledgement marks the batch acknowledged and
puts the documents it could not print back in line for the next batch,
with the reason on the exchange."""
from power_core.formats import FormatError
from power_core.formats import print_shop
from power_core.notice import render_batch

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.power_cis.common import now
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .edi import handler

BATCH = 500


class Determinant(metaclass=PoolMeta):
    __name__ = 'power.billing.determinant'
    print_exchange = fields.Many2One('power.edi.exchange', "Print Batch",
        readonly=True, ondelete='RESTRICT',
        help="The batch that sent this bill notice to the print shop.")


class Endpoint(metaclass=PoolMeta):
    __name__ = 'power.edi.endpoint'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'send_print': {
                    'invisible': Eval('partner') != 'print',
                    'depends': ['partner'],
                    },
                })

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

    @classmethod
    def cron_print(cls):
        "Scheduled action: send the print shop its batches."
        cls.send_print(cls.search([('partner', '=', 'print')]))

    def send_notice_batch(self, limit=BATCH, since=None):
        """One batch of up to limit notices (of periods read since that
        day, when given); its exchange or None."""
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Exchange = pool.get('power.edi.exchange')
        from trytond.modules.power_billing.notice import notices
        determinants = Determinant.search([
                ('state', '=', 'billed'),
                ('invoice', '!=', None),
                ('print_exchange', '=', None),
                ('customer.paper_notice', '=', True),
                ] + ([('end', '>=', since)] if since else []),
            order=[('id', 'ASC')], limit=limit)
        if not determinants:
            return None
        documents = notices(determinants)
        pdf, pages = render_batch(documents)
        items, page = [], 1
        for determinant, notice, count in zip(determinants, documents, pages):
            items.append(print_shop.Item(
                    document_id=f'D{determinant.id:010d}',
                    kind='usage_notice',
                    customer_number=notice.customer_number,
                    name=notice.customer_name,
                    postal_code=notice.postal_code,
                    address=notice.billing_address,
                    first_page=page, pages=count, amount=notice.total,
                    due_date=notice.due_date))
            page += count
        data = print_shop.write_batch(items, pdf)
        stamp = now().strftime('%Y%m%d%H%M%S')
        name = f'NOTICE_{stamp}_{determinants[0].id:010d}.zip'
        exchange = Exchange.send_file(self, name, data, 'print_usage_notice',
            business_key=f'usage_notice {len(items)}',
            message=gettext('power_edi.msg_print_batch', count=len(items),
                pages=page - 1))
        Determinant.write(determinants, {'print_exchange': exchange.id})
        return exchange


class Exchange(metaclass=PoolMeta):
    __name__ = 'power.edi.exchange'

    @handler('print')
    def apply_print(self):
        "An acknowledgement of a batch from the print shop."
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        ack = print_shop.read_ack(self.data(), self.name)
        batches = self.search([('direction', '=', 'out'),
                ('partner', '=', 'print'),
                ('name', '=', f'{ack.batch}.zip')], limit=1)
        if not batches:
            raise FormatError(f"no batch {ack.batch} was sent", self.name)
        batch, = batches
        self.kind = 'print_ack'
        self.business_key = ack.batch
        self.records = len(ack.accepted) + len(ack.refused)
        ids = {}
        for document, _ in ack.refused:
            if document.startswith('D') and document[1:].isdigit():
                ids[int(document[1:])] = document
        refused = Determinant.search([('id', 'in', list(ids)),
                ('print_exchange', '=', batch.id)])
        # refused documents go into the next batch once their data is fixed
        Determinant.write(refused, {'print_exchange': None})
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
