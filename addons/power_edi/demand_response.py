# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Demand response events (節電ポイント, docs/demand_response.md).

Staff announce an event (a grid area, a day, its half hours, the points a
kWh saved earns): every live contract of the area takes part and its
customer is told by mail (and on the portal). Once the event day's
30-minute data has arrived, each participant's baseline is computed from
their own history (power_core.demand_response: High 4 of 5) and the
saving settled; a saving earns points, requested from the point
programme with the bill grants. A participant without enough history or
data is settled as such, with the reason, never as a saving of zero."""
import datetime as dt
from decimal import ROUND_DOWN, Decimal

from power_core import demand_response as core
from power_core.errors import PowerCoreError

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.power_cis.common import (
    CompanyWorkflow, state_buttons, transition)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import DemandResponseError

# the half hours by their number (a Selection's keys are strings)
SLOTS = [(str(s), f'{s // 2}:{s % 2 * 30:02d}') for s in range(48)]
STATES = [
    ('draft', "Draft"),
    ('announced', "Announced"),
    ('settled', "Settled"),
    ('cancelled', "Cancelled"),
    ]
_DRAFT = {'readonly': Eval('state') != 'draft'}


class Event(CompanyWorkflow, ModelSQL, ModelView):
    "Demand Response Event"
    __name__ = 'power.dr.event'
    _open_states = ('draft', 'announced')
    company = fields.Many2One('company.company', "Company", required=True,
        states=_DRAFT)
    name = fields.Char("Name", required=True, states=_DRAFT)
    area = fields.Many2One('power.grid_area', "Grid Area", required=True,
        ondelete='RESTRICT', states=_DRAFT)
    date = fields.Date("Date", required=True, states=_DRAFT)
    first_slot = fields.Selection(SLOTS, "From", required=True,
        states=_DRAFT, sort=False)
    last_slot = fields.Selection(SLOTS, "Until (Last Half Hour)",
        required=True, states=_DRAFT, sort=False,
        help="The half hour starting at this time is the last of the event.")
    points_per_kwh = fields.Integer("Points per kWh Saved", required=True,
        states=_DRAFT, domain=[('points_per_kwh', '>', 0)])
    message = fields.Text("Message to Customers", required=True,
        states=_DRAFT, help="The mail and the portal's notice of the event.")
    participants = fields.One2Many('power.dr.participant', 'event',
        "Participants", readonly=True)
    participant_count = fields.Function(fields.Integer("Participants"),
        'get_totals')
    saver_count = fields.Function(fields.Integer("Saved"), 'get_totals')
    saved_kwh = fields.Function(fields.Numeric("kWh Saved", digits=(16, 2)),
        'get_totals')
    points = fields.Function(fields.Integer("Points"), 'get_totals')
    state = fields.Selection(STATES, "State", readonly=True, required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'announced'),
            ('announced', 'settled'),
            ('draft', 'cancelled'),
            ('announced', 'cancelled'),
            }
        cls._buttons.update(state_buttons({
                    'announce': ['draft'],
                    'settle': ['announced'],
                    'cancel': ['draft', 'announced'],
                    }))

    @classmethod
    def default_points_per_kwh(cls):
        return 10

    @classmethod
    def default_first_slot(cls):
        return '34'

    @classmethod
    def default_last_slot(cls):
        return '37'

    def window(self):
        return core.Window(int(self.first_slot), int(self.last_slot))

    @classmethod
    def validate_fields(cls, events, field_names):
        super().validate_fields(events, field_names)
        for event in events:
            try:
                event.window()
            except PowerCoreError as exception:
                raise DemandResponseError(gettext(
                        'power_edi.msg_dr_window', event=event.rec_name,
                        reason=exception.reason)) from exception

    @classmethod
    def get_totals(cls, events, names):
        result = {name: {} for name in names}
        for event in events:
            settled = [p for p in event.participants if p.state == 'settled']
            values = {
                'participant_count': len(event.participants),
                'saver_count': sum(1 for p in settled if p.saved_kwh > 0),
                'saved_kwh': sum((p.saved_kwh for p in settled), Decimal(0)),
                'points': sum(p.points or 0 for p in settled),
                }
            for name in names:
                result[name][event.id] = values[name]
        return result

    @classmethod
    @ModelView.button
    @transition('announced')
    def announce(cls, events):
        """Every live contract of the area takes part; its customer is
        told by mail when they have an address."""
        pool = Pool()
        Contract = pool.get('power.contract')
        Participant = pool.get('power.dr.participant')
        Email = pool.get('ir.email')
        today = pool.get('ir.date').today()
        for event in events:
            if event.date <= today:
                raise DemandResponseError(gettext(
                        'power_edi.msg_dr_announce_late',
                        event=event.rec_name))
            contracts = Contract.search([
                    ('company', '=', event.company.id),
                    ('supply_point.area', '=', event.area.id),
                    ('state', 'in', ['active', 'terminating']),
                    ('start_date', '<', event.date),
                    ['OR', ('end_date', '=', None),
                        ('end_date', '>=', event.date)],
                    ])
            participants = Participant.create([{'event': event.id,
                        'contract': c.id, 'party': c.customer.id}
                    for c in contracts])
            subject = f'【節電のお願い】{event.date:%Y年%m月%d日} ' \
                f'{event.window().label()}'
            for participant in participants:
                email = participant.party.email
                if email:
                    Email.send(to=email, subject=subject,
                        body=event.message.replace('\n', '<br/>'),
                        record=[participant.__name__, participant.id])

    @classmethod
    @ModelView.button
    def settle(cls, events):
        """Settle the participants whose event day has arrived; an event
        is settled when none is left waiting for data."""
        pool = Pool()
        Participant = pool.get('power.dr.participant')
        done = []
        for event in events:
            if event.state != 'announced':
                continue
            Participant.settle([p for p in event.participants
                    if p.state == 'waiting'])
            if all(p.state != 'waiting' for p in
                    Participant.browse(event.participants)):
                done.append(event)
        if done:
            # settled by the system: no one asks for this state
            cls.write(done, {'state': 'settled'})

    @classmethod
    @ModelView.button
    @transition('cancelled')
    def cancel(cls, events):
        pass

    @classmethod
    def cron_settle(cls):
        "Scheduled action: settle the announced events of days past."
        today = Pool().get('ir.date').today()
        cls.settle(cls.search([('state', '=', 'announced'),
                    ('date', '<', today)]))


def _histories(event, participants):
    """{participant id: {date: half-hour values}} of the participants'
    supply points over the event's look-back days, in one search."""
    Interval = Pool().get('power.usage.interval')
    points = {}
    for participant in participants:
        points.setdefault(participant.contract.supply_point.id, []).append(
            participant.id)
    result = {p.id: {} for p in participants}
    for day in Interval.search([
                ('supply_point', 'in', list(points)),
                ('superseded', '=', None),
                ('date', '>=', event.date - dt.timedelta(
                        days=core.LOOKBACK_DAYS)),
                ('date', '<=', event.date)]):
        values = _values(day.profile())
        for participant_id in points[day.supply_point.id]:
            result[participant_id][day.date] = values
    return result


class Participant(ModelSQL, ModelView):
    "Demand Response Participant"
    __name__ = 'power.dr.participant'
    event = fields.Many2One('power.dr.event', "Event", required=True,
        readonly=True, ondelete='CASCADE')
    state = fields.Selection([
            ('waiting', "Waiting for Data"),
            ('settled', "Settled"),
            ('failed', "Not Settled"),
            ], "State", required=True, readonly=True)
    contract = fields.Many2One('power.contract', "Contract", required=True,
        readonly=True, ondelete='RESTRICT')
    party = fields.Many2One('party.party', "Customer", required=True,
        readonly=True, ondelete='RESTRICT')
    baseline_kwh = fields.Numeric("Baseline (kWh)", digits=(16, 3),
        readonly=True)
    actual_kwh = fields.Numeric("Actual (kWh)", digits=(16, 1),
        readonly=True)
    saved_kwh = fields.Numeric("Saved (kWh)", digits=(16, 2), readonly=True)
    points = fields.Integer("Points", readonly=True)
    baseline_days = fields.Char("Baseline Days", readonly=True)
    reason = fields.Char("Reason", readonly=True,
        help="Why no saving could be settled.")
    grant = fields.Many2One('power.point.grant', "Point Grant",
        readonly=True, ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('event', 'DESC'), ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.party, Index.Equality())))

    @classmethod
    def default_state(cls):
        return 'waiting'

    def get_rec_name(self, name):
        return f'{self.event.rec_name} {self.contract.rec_name}'

    @classmethod
    def settle(cls, participants):
        """Settle each participant whose event day has its data; those
        still without it wait. Earned points are requested from the point
        programme for valid members."""
        pool = Pool()
        Grant = pool.get('power.point.grant')
        to_save, grants = [], []
        by_event = {}
        for participant in participants:
            by_event.setdefault(participant.event, []).append(participant)
        # what each event reads once for all its participants: their days
        # of 30-minute data and the area's other event days
        histories, other_days = {}, {}
        for event, members in by_event.items():
            histories.update(_histories(event, members))
            other_days[event.id] = {e.date for e in
                pool.get('power.dr.event').search([
                        ('area', '=', event.area.id),
                        ('state', 'in', ['announced', 'settled']),
                        ('id', '!=', event.id)])}
        for participant in participants:
            event = participant.event
            window = event.window()
            history = dict(histories.get(participant.id, {}))
            actual = history.pop(event.date, None)
            if actual is None:
                continue
            events = other_days[event.id]
            try:
                base = core.baseline(event.date, window, history, events)
                saved = core.saving(base, window, actual)
            except PowerCoreError as exception:
                participant.state = 'failed'
                participant.reason = exception.reason
                to_save.append(participant)
                continue
            participant.baseline_kwh = sum(base.values, Decimal(0))
            participant.actual_kwh = sum(
                (actual[s] for s in window.slots), Decimal(0))
            participant.saved_kwh = saved
            participant.points = int((saved * event.points_per_kwh
                    ).to_integral_value(ROUND_DOWN))
            participant.baseline_days = ', '.join(
                f'{d:%m-%d}' for d in base.days)
            participant.state = 'settled'
            party = participant.party
            if participant.points and party.point_member_state == 'valid':
                grants.append((participant, Grant(party=party,
                            member_id=party.point_member_id, amount=0,
                            points=participant.points,
                            reference=f'DR{event.id}')))
            to_save.append(participant)
        Grant.save([g for _, g in grants])
        for participant, grant in grants:
            participant.grant = grant
        cls.save(to_save)


def _values(profile):
    "The 48 kWh of a DayProfile, None where the half hour is missing."
    return tuple(None if quality == '-' else Decimal(tenths) / 10
        for tenths, quality in zip(profile.tenths, profile.quality))


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    dr_participations = fields.One2Many('power.dr.participant', 'party',
        "Demand Response", readonly=True)

