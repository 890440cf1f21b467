# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from power_core.areas import AREAS
from power_core.calendar.reading import SCHEDULES, validate_schedule
from power_core.errors import ValidationError as CoreValidationError
from power_core.ids import supply_point as supply_point_id

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)

from .exceptions import SupplyPointValidationError

AREA_SELECTION = [(None, '')] + [
    (a.code, f'{a.code} {a.name}') for a in AREAS.values()]
VOLTAGES = [
    ('low', "Low Voltage"),
    ('high', "High Voltage"),
    ('extra_high', "Extra-High Voltage"),
    ]


class SupplyPoint(DeactivableMixin, ModelSQL, ModelView):
    "Supply Point"
    __name__ = 'power.supply_point'
    _rec_name = 'number'

    number = fields.Char(
        "Supply Point Number", required=True, size=22, strip=True,
        help="The 22-digit supply point identification number "
        "(供給地点特定番号) given by the grid operator.")
    area = fields.Selection(
        AREA_SELECTION, "Grid Area", readonly=True,
        help="Taken from the first two digits of the number.")
    area_operator = fields.Function(
        fields.Char("Grid Operator"), 'on_change_with_area_operator')
    postal_code = fields.Char("Postal Code", size=8, strip=True)
    address = fields.Char(
        "Address", required=True, strip=True,
        help="Where the electricity is supplied (需要場所).")
    voltage = fields.Selection(VOLTAGES, "Voltage Class", required=True)
    reading_schedule = fields.Selection(
        [(None, '')] + [(s, s) for s in SCHEDULES],
        "Meter Reading Schedule",
        help="The meter reading schedule (検針日程) 01..26; "
        "empty for points read on the first of the month.")
    meter_number = fields.Char("Meter Number", strip=True)
    smart_meter = fields.Boolean(
        "Smart Meter", help="The meter records 30-minute values.")
    contracts = fields.One2Many(
        'power.contract', 'supply_point', "Contracts", readonly=True)

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
    def default_voltage(cls):
        return 'low'

    @classmethod
    def default_smart_meter(cls):
        return True

    @fields.depends('number')
    def on_change_number(self):
        if self.number and supply_point_id.is_valid(self.number):
            self.number = supply_point_id.compact(self.number)
            self.area = self.number[:2]

    @fields.depends('area')
    def on_change_with_area_operator(self, name=None):
        if self.area in AREAS:
            return AREAS[self.area].operator_ja

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('number'):
            number = cls._check_number(values['number'])
            values['number'] = number
            values['area'] = number[:2]
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

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if isinstance(operand, str):
            operand = supply_point_id.compact(operand)
        return [('number', operator, operand, *extra)]
