# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
import datetime as dt

from power_core.calendar.reading import (
    SCHEDULES, next_reading_day, validate_schedule)
from power_core.errors import ValidationError as CoreValidationError
from power_core.ids import supply_point as supply_point_id

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool

from .common import ClearedOnCopy
from .exceptions import SupplyPointValidationError
from .party import SearchKeysMixin


def default_voltage_class():
    ModelData = Pool().get('ir.model.data')
    try:
        return ModelData.get_id('power_cis', 'voltage_class_low')
    except KeyError:
        return None


class SupplyPoint(
        ClearedOnCopy, SearchKeysMixin, DeactivableMixin, ModelSQL,
        ModelView):
    "Supply Point"
    __name__ = 'power.supply_point'
    _cleared_on_copy = ('contracts', 'works')
    _rec_name = 'number'

    number = fields.Char(
        "Supply Point Number", required=True, size=22, strip=True,
        help="The 22-digit supply point identification number "
        "(供給地点特定番号) given by the grid operator.")
    area = fields.Many2One(
        'power.grid_area', "Grid Area", readonly=True, ondelete='RESTRICT',
        help="Taken from the first two digits of the number.")
    postal_code = fields.Char("Postal Code", size=8, strip=True)
    address = fields.Char(
        "Address", required=True, strip=True,
        help="Where the electricity is supplied (需要場所).")
    voltage_class = fields.Many2One(
        'power.voltage_class', "Voltage Class", required=True,
        ondelete='RESTRICT')
    reading_schedule = fields.Selection(
        [(None, '')] + [(s, s) for s in SCHEDULES],
        "Meter Reading Schedule",
        help="The meter reading schedule (検針日程) 01..26; "
        "empty for points read on the first of the month.")
    meter_number = fields.Char("Meter Number", strip=True)
    smart_meter = fields.Boolean(
        "Smart Meter", help="The meter records 30-minute values.")
    current_retailer = fields.Char(
        "Current Retailer",
        help="The retailer supplying the point, as last reported by the "
        "switching hub's equipment inquiry.")
    next_reading_date = fields.Date(
        "Next Reading Date",
        help="As last reported by the switching hub's equipment inquiry.")
    equipment_checked = fields.DateTime(
        "Equipment Checked", readonly=True,
        help="When the equipment data came from the switching hub.")
    contracts = fields.One2Many(
        'power.contract', 'supply_point', "Contracts", readonly=True)
    works = fields.One2Many(
        'power.supply_point.work', 'supply_point', "Works")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('number_unique', Unique(t, t.number),
                'power_cis.msg_supply_point_number_unique'),
            ]
        cls._order.insert(0, ('number', 'ASC'))

    @classmethod
    def default_voltage_class(cls):
        return default_voltage_class()

    @classmethod
    def default_smart_meter(cls):
        return True

    @fields.depends('number')
    def on_change_number(self):
        GridArea = Pool().get('power.grid_area')
        if self.number and supply_point_id.is_valid(self.number):
            self.number = supply_point_id.compact(self.number)
            areas = GridArea.search([('code', '=', self.number[:2])])
            self.area = areas[0] if areas else None

    @property
    def is_low_voltage(self):
        return self.voltage_class and self.voltage_class.code == 'low'

    @classmethod
    def preprocess_values(cls, mode, values):
        GridArea = Pool().get('power.grid_area')
        values = super().preprocess_values(mode, values)
        if values.get('number'):
            number = cls._check_number(values['number'])
            values['number'] = number
            areas = GridArea.search([('code', '=', number[:2])], limit=1)
            values['area'] = areas[0].id if areas else None
        if values.get('reading_schedule'):
            try:
                values['reading_schedule'] = validate_schedule(
                    values['reading_schedule'])
            except CoreValidationError as e:
                raise SupplyPointValidationError(gettext(
                        'power_cis.msg_reading_schedule_invalid',
                        schedule=values['reading_schedule'],
                        reason=e.reason)) from e
        return values

    @staticmethod
    def _check_number(number):
        try:
            return supply_point_id.validate(number)
        except CoreValidationError as e:
            raise SupplyPointValidationError(gettext(
                    'power_cis.msg_supply_point_number_invalid',
                    number=number, reason=e.reason)) from e

    @classmethod
    def validate_fields(cls, points, field_names):
        super().validate_fields(points, field_names)
        if field_names and 'number' not in field_names:
            return
        for point in points:
            cls._check_number(point.number)

    def get_rec_name(self, name):
        return supply_point_id.format(self.number)

    def _search_parties(self):
        return [c.customer for c in self.contracts]

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if isinstance(operand, str):
            operand = supply_point_id.compact(operand)
        return [('number', operator, operand, *extra)]

    def next_reading_date_from(self, date):
        """The first scheduled reading day on or after date, from the
        published calendar where staff entered it, else from the rule."""
        pool = Pool()
        Calendar = pool.get('power.business.calendar')
        ReadingDay = pool.get('power.reading.day')
        if not self.reading_schedule:
            if date.day == 1:
                return date
            return (date.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        overrides = {}
        if self.area:
            for day in ReadingDay.search([
                        ('area', '=', self.area.id),
                        ('schedule', '=', self.reading_schedule),
                        ('date', '>=', date.replace(day=1)),
                        ]):
                overrides[(day.schedule, day.date.year, day.date.month)] = (
                    day.date)
        return next_reading_day(
            self.reading_schedule, date, Calendar.calendar(), overrides)


class Work(ModelSQL, ModelView):
    "Supply Point Work"
    __name__ = 'power.supply_point.work'
    supply_point = fields.Many2One(
        'power.supply_point', "Supply Point", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    kind = fields.Selection([
            ('meter_replacement', "Meter Replacement (計器取替)"),
            ('smart_meter', "Smart Meter Installation"),
            ('disconnection', "Disconnection (撤去)"),
            ('reconnection', "Reconnection (再点)"),
            ('capacity', "Capacity Work (アンペア変更工事)"),
            ('other', "Other"),
            ], "Kind", required=True)
    description = fields.Text("Description")
    old_meter_number = fields.Char("Old Meter Number")
    new_meter_number = fields.Char("New Meter Number")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('supply_point')
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
