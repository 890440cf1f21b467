from decimal import Decimal

import pytest

from power_core import capacity
from power_core.calendar.reading import SCHEDULES, validate_schedule
from power_core.errors import InvalidComponent, InvalidFormat
from power_core.text import search_key


@pytest.mark.parametrize('text, value, unit', [
    ('30A', 30, 'A'), ('10a', 10, 'A'), ('６ｋＶＡ', 6, 'kVA'),
    ('12.5kVA', Decimal('12.5'), 'kVA'), ('50kW', 50, 'kW')])
def test_parse_capacity(text, value, unit):
    assert capacity.parse(text) == capacity.Capacity(Decimal(value), unit)


@pytest.mark.parametrize('text, error', [
    ('35A', InvalidComponent), ('0kW', InvalidComponent),
    ('30', InvalidFormat), ('thirty A', InvalidFormat), ('30MW', InvalidFormat)])
def test_parse_capacity_refused(text, error):
    with pytest.raises(error) as info:
        capacity.parse(text)
    assert text.strip('０') in str(info.value) or text in str(info.value)


def test_reading_schedules():
    assert len(SCHEDULES) == 26
    assert validate_schedule('1') == '01'
    assert validate_schedule('２６') == '26'
    for bad, error in [('0', InvalidComponent), ('27', InvalidComponent),
            ('A1', InvalidFormat)]:
        with pytest.raises(error):
            validate_schedule(bad)


def test_search_key_width_and_script_insensitive():
    assert search_key('ﾔﾏﾀﾞ ﾀﾛｳ') == search_key('やまだ　たろう')
    assert search_key('ＡＢＣ') == search_key('abc')
