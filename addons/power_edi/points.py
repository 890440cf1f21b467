# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The point programme (ポイント事業者; layout: docs/formats/points.md).

Customers register their member ID (staff or the portal); the IDs not
verified yet go to the programme in a member check file, whose result
marks each valid or invalid. Every paid bill of a verified member earns
points (one per 200 yen): the grants not requested yet go in a grant
request file, whose result marks each granted or refused."""
from power_core.formats import FormatError
from power_core.formats import points as codec

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.power_cis.common import now
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .edi import handler, rebuilder
from .exceptions import FileRefusedError, PointError


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    point_member_id = fields.Char(
        "Point Member ID", strip=True,
        help="The customer's member ID at the point programme.")
    point_member_state = fields.Selection([
            (None, ''),
            ('unverified', "Not Verified Yet"),
            ('valid', "Valid"),
            ('invalid', "Invalid"),
            ], "Point Member Status", readonly=True)
    point_member_note = fields.Char("Point Member Note", readonly=True)
    point_grants = fields.One2Many('power.point.grant', 'party',
        "Point Grants", readonly=True)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('point_member_id'):
            try:
                values['point_member_id'] = codec.check_member_id(
                    values['point_member_id'])
            except FormatError as error:
                raise PointError(gettext('power_edi.msg_point_member_id',
                        reason=error.reason)) from error
            values.setdefault('point_member_state', 'unverified')
            values.setdefault('point_member_note', None)
        elif 'point_member_id' in values:
            values['point_member_state'] = None
        return values


class Grant(ModelSQL, ModelView):
    "Point Grant"
    __name__ = 'power.point.grant'
    party = fields.Many2One('party.party', "Customer", required=True,
        readonly=True, ondelete='RESTRICT')
    invoice = fields.Many2One('account.invoice', "Invoice", readonly=True,
        ondelete='RESTRICT', states={'required': ~Eval('reference')},
        depends={'reference'})
    reference = fields.Char("Reference", readonly=True,
        help="What the points are for when not a paid bill (DR and the "
        "event: a demand response reward, docs/demand_response.md).")
    member_id = fields.Char("Member ID", required=True, readonly=True)
    amount = fields.Integer("Amount Paid", required=True, readonly=True)
    points = fields.Integer("Points", required=True, readonly=True)
    state = fields.Selection([
            ('requested', "Requested"),
            ('granted', "Granted"),
            ('refused', "Refused"),
            ], "State", required=True, readonly=True)
    reason = fields.Char("Reason", readonly=True)
    exchange = fields.Many2One('power.edi.exchange', "Request File",
        readonly=True, ondelete='RESTRICT')
    answered = fields.DateTime("Answered", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.invoice, Index.Equality())))
        cls._order = [('id', 'DESC')]

    @classmethod
    def default_state(cls):
        return 'requested'


class Endpoint(metaclass=PoolMeta):
    __name__ = 'power.edi.endpoint'
    _partner_buttons = {'send_points': 'points'}

    @classmethod
    @ModelView.button
    def send_points(cls, endpoints):
        "Send the member IDs to verify and the grants of paid bills."
        for endpoint in endpoints:
            endpoint.send_member_check()
            endpoint.send_grants()

    @classmethod
    def cron_points(cls):
        "Scheduled action: the point programme's daily files."
        cls.send_points(cls.search([('partner', '=', 'points')]))

    def send_member_check(self):
        pool = Pool()
        Party = pool.get('party.party')
        Exchange = pool.get('power.edi.exchange')
        parties = Party.search([('point_member_state', '=', 'unverified'),
                ('point_member_id', '!=', None)], order=[('id', 'ASC')])
        if not parties:
            return None
        data = self.members_file(parties)
        stamp = now().strftime('%Y%m%d%H%M%S')
        return Exchange.send_file(self, f'MEMBER_{stamp}.csv', data,
            'point_member_check', business_key=f'members {len(parties)}',
            message=gettext('power_edi.msg_points_members',
                count=len(parties)))

    @staticmethod
    def members_file(parties):
        "The content of a member check file."
        return codec.write_members([codec.Member(p.customer_number,
                    p.point_member_id) for p in parties])

    @staticmethod
    def grants_file(grants):
        "The content of a grant request file."
        return codec.write_grants([codec.Grant(str(g.id),
                    g.party.customer_number, g.member_id,
                    g.invoice.number if g.invoice else g.reference,
                    g.amount, g.points)
                for g in grants])

    def send_grants(self):
        """Grants for the paid invoices of valid members not granted yet,
        sent with every other grant not sent yet."""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Grant = pool.get('power.point.grant')
        Exchange = pool.get('power.edi.exchange')
        invoices = Invoice.search([('type', '=', 'out'),
                ('state', '=', 'paid'),
                ('party.point_member_state', '=', 'valid')],
            order=[('id', 'ASC')])
        granted = {g.invoice.id for g in Grant.search([
                    ('invoice', 'in', [i.id for i in invoices]),
                    ('state', '!=', 'refused')])}
        Grant.save([Grant(party=i.party, invoice=i,
                    member_id=i.party.point_member_id,
                    amount=int(i.total_amount),
                    points=codec.points_for(i.total_amount))
                for i in invoices if i.id not in granted
                and codec.points_for(i.total_amount) > 0])
        # with the other grants not sent yet (demand response rewards)
        grants = Grant.search([('exchange', '=', None),
                ('state', '=', 'requested')], order=[('id', 'ASC')])
        if not grants:
            return None
        data = self.grants_file(grants)
        stamp = now().strftime('%Y%m%d%H%M%S')
        exchange = Exchange.send_file(self, f'GRANT_{stamp}.csv', data,
            'point_grant', business_key=f'grants {len(grants)}',
            message=gettext('power_edi.msg_points_grants',
                count=len(grants), points=sum(g.points for g in grants)))
        Grant.write(grants, {'exchange': exchange.id})
        return exchange


class Exchange(metaclass=PoolMeta):
    __name__ = 'power.edi.exchange'

    @rebuilder('point_grant')
    def rebuild_point_grant(self):
        "The grant request of the grants sent in it."
        Grant = Pool().get('power.point.grant')
        return self.endpoint.grants_file(Grant.search(
                [('exchange', '=', self.id)], order=[('id', 'ASC')]))

    @rebuilder('point_member_check')
    def rebuild_point_member_check(self):
        """The member check of the customers it named (their check changes
        the state that chose them), with their member IDs of today."""
        Party = Pool().get('party.party')
        numbers = [m.customer_number
            for m in codec.read_members(self.data(), self.name,
                result=False)]
        parties = {p.customer_number: p for p in Party.search(
                [('customer_number', 'in', numbers)])}
        return self.endpoint.members_file(
            [parties[n] for n in numbers if n in parties])

    @handler('points')
    def apply_points(self, data):
        "A member check or grant result from the point programme."
        if self.name.startswith('GRANT_RESULT'):
            self._apply_grant_result(data)
        else:
            self._apply_member_result(data)
        self.save()

    def _apply_member_result(self, data):
        Party = Pool().get('party.party')
        members = codec.read_members(data, self.name)
        self.kind = 'point_member_result'
        parties = {p.customer_number: p for p in Party.search([
                    ('customer_number', 'in',
                        [m.customer_number for m in members])])}
        changed = []
        for member in members:
            party = parties.get(member.customer_number)
            if party is None or party.point_member_id != member.member_id:
                continue   # the ID was changed since: checked again
            party.point_member_state = member.status
            party.point_member_note = member.reason or None
            changed.append(party)
        Party.save(changed)
        self.records = len(members)
        self.applied_records = len(changed)

    def _apply_grant_result(self, data):
        Grant = Pool().get('power.point.grant')
        results = codec.read_grants(data, self.name)
        self.kind = 'point_grant_result'
        grants = {str(g.id): g for g in Grant.search([
                    ('id', 'in', [int(r.grant_id) for r in results
                            if r.grant_id.isdigit()])])}
        missing = [r.grant_id for r in results if r.grant_id not in grants]
        if missing:
            raise FileRefusedError(gettext(
                    'power_edi.msg_grants_not_requested', file=self.name,
                    grants=', '.join(missing[:5])))
        for result in results:
            grant = grants[result.grant_id]
            if grant.state != 'requested':
                raise FileRefusedError(gettext(
                        'power_edi.msg_grant_answered', file=self.name,
                        line=result.line, grant=result.grant_id))
            grant.state = result.status
            grant.reason = result.reason or None
            grant.answered = now()
        Grant.save(list(grants.values()))
        self.records = len(results)
        self.applied_records = sum(1 for r in results
            if r.status == 'granted')
