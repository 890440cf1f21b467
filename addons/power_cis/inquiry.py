# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Inquiries (問合せ) from customers, with the responses given and the
reply mails sent from templates."""
import html
import re

from power_core.payments import find_card_number

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction
from trytond.wizard import StateTransition, Wizard

from . import mail
from .common import (
    ClearedOnCopy, CompanyWorkflow, NumberedMixin, dialog, now,
    rec_name_domain, state_buttons, transition)
from .exceptions import InquiryError

CHANNELS = [
    ('phone', "Phone"),
    ('mail', "Mail"),
    ('portal', "Portal"),
    ('letter', "Letter"),
    ('visit', "Visit"),
    ]
STATES = [
    ('open', "Open"),
    ('waiting', "Waiting for Customer"),
    ('closed', "Closed"),
    ]

# lone surrogates (a browser's broken paste; they cannot be encoded in
# UTF-8, so the database and the JSON answer would fail) and control
# characters other than tab and line breaks
_UNPRINTABLE = re.compile('[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


def clean_text(value):
    """value with each lone surrogate or control character replaced by
    U+FFFD (the replacement character the operator then sees)."""
    return _UNPRINTABLE.sub('\ufffd', value)


class CleanTextMixin:
    """Text fields stored without characters that cannot be encoded, and
    never with a full card number (a number read out on the phone and typed
    into the notes, in any width and with any separators): refused with the
    field named, so the operator writes the last four digits instead."""
    __slots__ = ()

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        for name, value in values.items():
            if isinstance(value, str) and isinstance(
                    cls._fields.get(name), (fields.Char, fields.Text)):
                values[name] = clean_text(value)
                if find_card_number(value):
                    raise InquiryError(gettext(
                            'power_cis.msg_inquiry_card_number',
                            field=cls.__names__(name)['field']))
        return values


class Inquiry(
        ClearedOnCopy, CleanTextMixin, NumberedMixin, CompanyWorkflow,
        ModelSQL, ModelView):
    "Inquiry"
    __name__ = 'power.inquiry'
    _initial_state = 'open'
    _cleared_on_copy = ('number', 'responses')
    _open_states = ('open', 'waiting')
    _rec_name = 'number'
    _number_sequence = 'inquiry_sequence'

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One('company.company', "Company", required=True)
    received_at = fields.DateTime("Received At", required=True)
    channel = fields.Selection(CHANNELS, "Channel", required=True)
    category = fields.Many2One(
        'power.inquiry.category', "Category", required=True,
        ondelete='RESTRICT')
    customer = fields.Many2One(
        'party.party', "Customer", ondelete='RESTRICT',
        domain=[('is_customer', '=', True)],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="Find by phone, name, kana, customer number or supply point.")
    contract = fields.Many2One(
        'power.contract', "Contract", ondelete='RESTRICT',
        domain=[If(Bool(Eval('customer')),
                ('customer', '=', Eval('customer', -1)), ())])
    caller_name = fields.Char(
        "Caller", help="Who contacted us, when not the customer.")
    contact = fields.Char("Contact", help="Phone or email to answer to.")
    subject = fields.Char("Subject", required=True)
    contents = fields.Text("Contents", required=True)
    responses = fields.One2Many(
        'power.inquiry.response', 'inquiry', "Responses")
    response_count = fields.Function(
        fields.Integer("Responses"), 'get_response_info')
    last_response = fields.Function(
        fields.DateTime("Last Response"), 'get_response_info')
    follow_up_date = fields.Date(
        "Follow-up Date",
        states={'invisible': Eval('state') == 'closed'})
    operator = fields.Many2One(
        'res.user', "Operator", help="Who is handling the inquiry.")
    result = fields.Many2One(
        'power.inquiry.result', "Result", ondelete='RESTRICT',
        states={'required': Eval('state') == 'closed'})
    state = fields.Selection(STATES, "State", readonly=True, required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('received_at', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.customer, Index.Equality())))
        cls._transitions |= {
            ('open', 'waiting'),
            ('waiting', 'open'),
            ('open', 'closed'),
            ('waiting', 'closed'),
            ('closed', 'open'),
            }
        cls._buttons.update(state_buttons({
                    'wait': ['open'],
                    'close': ['open', 'waiting'],
                    'reopen': ['waiting', 'closed'],
                    'reply': ['open', 'waiting'],
                    }, back={'reopen'}, icons={'reply': 'tryton-email'}))

    @classmethod
    def default_received_at(cls):
        return now()

    @classmethod
    def default_channel(cls):
        return 'phone'

    @classmethod
    def default_operator(cls):
        return Transaction().user

    @fields.depends('customer', 'contract')
    def on_change_customer(self):
        if self.customer and not self.contract:
            contracts = [c for c in self.customer.power_contracts
                if c.state in {'applying', 'active', 'terminating'}]
            if len(contracts) == 1:
                self.contract, = contracts
            if not getattr(self, 'contact', None):
                self.contact = self.customer.phone or self.customer.email

    @classmethod
    def get_response_info(cls, inquiries, names):
        result = {n: {} for n in names}
        for inquiry in inquiries:
            dates = [r.date for r in inquiry.responses]
            result.get('response_count', {})[inquiry.id] = len(dates)
            if 'last_response' in result:
                result['last_response'][inquiry.id] = max(dates, default=None)
        return result

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(
            clause, 'number', 'subject', 'customer.rec_name')

    @classmethod
    @ModelView.button
    @transition('waiting')
    def wait(cls, inquiries):
        pass

    @classmethod
    @ModelView.button
    @transition('closed')
    def close(cls, inquiries):
        for inquiry in inquiries:
            if not inquiry.result:
                raise InquiryError(gettext(
                        'power_cis.msg_inquiry_close_result',
                        inquiry=inquiry.rec_name))

    @classmethod
    @ModelView.button
    @transition('open')
    def reopen(cls, inquiries):
        pass

    @classmethod
    @ModelView.button_action('power_cis.wizard_inquiry_reply')
    def reply(cls, inquiries):
        pass

    def send_reply(self, template, to=None, subject=None, body=None):
        """Send a reply through Tryton's email machinery and store what was
        sent as a response; return the response. subject and body are the
        operator's text (the template filled and edited in the reply
        wizard); either missing is the template filled for this inquiry."""
        pool = Pool()
        Email = pool.get('ir.email')
        Response = pool.get('power.inquiry.response')
        to = to or (self.customer.email if self.customer else None)
        if not to:
            raise InquiryError(gettext(
                    'power_cis.msg_inquiry_no_email', inquiry=self.rec_name))
        filled = mail.render(template, mail.values_for(
                customer=self.customer, contract=self.contract,
                inquiry=self, company=self.company))
        subject = subject or filled[0]
        body = body or filled[1]
        email = Email.send(
            to=to, subject=subject,
            body=html.escape(body).replace('\n', '<br/>'),
            record=[self.__name__, self.id])
        response, = Response.create([{
                    'inquiry': self.id,
                    'kind': 'mail',
                    'content': f'{subject}\n\n{body}',
                    'email': email.id,
                    'mail_to': to,
                    'template': template.id,
                    }])
        return response


class Response(CleanTextMixin, ModelSQL, ModelView):
    "Inquiry Response"
    __name__ = 'power.inquiry.response'
    inquiry = fields.Many2One(
        'power.inquiry', "Inquiry", required=True, ondelete='CASCADE')
    date = fields.DateTime("Date", required=True)
    operator = fields.Many2One('res.user', "Operator", readonly=True)
    kind = fields.Selection([
            ('note', "Note"),
            ('call', "Call"),
            ('mail', "Mail"),
            ('letter', "Letter"),
            ], "Kind", required=True)
    content = fields.Text("Content", required=True)
    template = fields.Many2One(
        'power.mail.template', "Mail Template", readonly=True,
        ondelete='SET NULL')
    mail_to = fields.Char("Mail To", readonly=True)
    email = fields.Many2One(
        'ir.email', "Email", readonly=True, ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('inquiry')
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_date(cls):
        return now()

    @classmethod
    def default_operator(cls):
        return Transaction().user

    @classmethod
    def default_kind(cls):
        return 'note'


class ReplyStart(ModelView):
    "Reply to Inquiry"
    __name__ = 'power.inquiry.reply.start'
    template = fields.Many2One(
        'power.mail.template', "Template", required=True)
    to = fields.Char("To", required=True)
    # the template filled in, for the operator to complete with the answer:
    # what is sent (and stored) is this text as edited
    subject = fields.Char("Subject", required=True)
    body = fields.Text("Body", required=True)
    inquiry = fields.Many2One('power.inquiry', "Inquiry", readonly=True)

    @fields.depends('template', 'inquiry')
    def on_change_template(self):
        if self.template and self.inquiry:
            inquiry = self.inquiry
            self.subject, self.body = mail.render(
                self.template, mail.values_for(
                    customer=inquiry.customer, contract=inquiry.contract,
                    inquiry=inquiry, company=inquiry.company))


class Reply(Wizard):
    "Reply to Inquiry"
    __name__ = 'power.inquiry.reply'
    start = dialog('power.inquiry.reply.start',
        'power_cis.inquiry_reply_start_view_form',
        "Send", 'send')
    send = StateTransition()

    def default_start(self, fields):
        inquiry = self.record
        return {
            'inquiry': inquiry.id,
            'to': inquiry.customer.email if inquiry.customer else None,
            }

    def transition_send(self):
        self.record.send_reply(self.start.template, to=self.start.to,
            subject=self.start.subject, body=self.start.body)
        return 'end'
