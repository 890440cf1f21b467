import pytest
from hypothesis import given, strategies as st

from power_core.areas import AREAS
from power_core.errors import (
    InvalidComponent, InvalidFormat, InvalidLength, ValidationError)
from power_core.ids import supply_point as sp

VALID = '0300001234567890123456'


def test_compact_accepts_separators_and_full_width():
    assert sp.validate('03-0000-1234-5678-9012-3456') == VALID
    assert sp.validate('０３００００１２３４５６７８９０１２３４５６') == VALID
    assert sp.validate(' 03 0000 1234 5678 9012 3456 ') == VALID


@pytest.mark.parametrize('number, error, words', [
    ('030000123456789012345', InvalidLength, '21 digits'),
    ('03000012345678901234567', InvalidLength, '23 digits'),
    ('03000012345678901234AB', InvalidFormat, 'digits only'),
    ('', InvalidFormat, 'digits only'),
    ('1100001234567890123456', InvalidComponent, "'11'"),
    ('0000001234567890123456', InvalidComponent, 'grid area code'),
    ])
def test_invalid_numbers_say_value_and_rule(number, error, words):
    with pytest.raises(error) as info:
        sp.validate(number)
    assert repr(number) in str(info.value)
    assert words in str(info.value)
    assert not sp.is_valid(number)


@pytest.mark.parametrize('code', sorted(AREAS))
def test_every_area_code(code):
    number = code + '0' * 20
    assert sp.area(number).code == code
    assert sp.is_valid(number)


def test_format():
    assert sp.format(VALID) == '03-0000-1234-5678-9012-3456'
    assert sp.validate(sp.format(VALID)) == VALID


@given(st.text(max_size=40))
def test_random_text_raises_only_validation_errors(text):
    try:
        value = sp.validate(text)
    except ValidationError:
        return
    assert len(value) == 22 and value.isdigit() and value[:2] in AREAS


@given(st.sampled_from(sorted(AREAS)), st.text('0123456789', min_size=20, max_size=20))
def test_valid_round_trip(area, rest):
    number = area + rest
    assert sp.validate(sp.format(number)) == number
