from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from power_core.errors import FormulaError
from power_core.tariff.formula import Formula, round_down, round_half_up

VARS = {'kwh', 'capacity', 'days', 'period_days', 'basic'}


@pytest.mark.parametrize('source, values, expected', [
    # TEPCO 従量電灯B 2024-04 tiers for 250 kWh, written by hand:
    # 120 × 29.80 + 130 × 36.40 = 3576 + 4732 = 8308.00
    ('min(kwh, 120) * 29.80 + max(min(kwh, 300) - 120, 0) * 36.40'
        ' + max(kwh - 300, 0) * 40.49', {'kwh': 250}, Decimal('8308.00')),
    # basic charge per ampere: 31.175 × 30 = 935.25
    ('capacity * 31.175', {'capacity': 30}, Decimal('935.250')),
    # pro-rated by days, rounded down to the sen
    ('round_down(basic * days / period_days, 2)',
        {'basic': Decimal('935.25'), 'days': 15, 'period_days': 30},
        Decimal('467.62')),
    ('IF(kwh == 0, basic / 2, basic)', {'kwh': 0, 'basic': 935},
        Decimal('467.5')),
    ('basic / 2 if kwh == 0 else basic', {'kwh': 1, 'basic': 935},
        Decimal('935')),
    ('0.1 + 0.2', {}, Decimal('0.3')),
    ('round_half_up(2.5) + round_half_up(-2.5)', {}, Decimal('0')),
    ('kwh > 100 and kwh < 200', {'kwh': 150}, Decimal(1)),
    ])
def test_evaluate(source, values, expected):
    result = Formula(source).check(VARS).evaluate(values)
    assert result == expected
    assert isinstance(result, Decimal)


@pytest.mark.parametrize('source, words, position', [
    ('kwh.real', 'Attribute', 1),
    ('kwh * 2 + __import__("os")', 'Only these functions', 11),
    ('kwh ** 1000000', 'Pow', 1),
    ('[kwh]', 'List', 1),
    ('lambda: 1', 'Lambda', 1),
    ("'abc'", 'not a number', 1),
    ('kwh * (2', 'Syntax error', None),
    ('kwh * tariff', "Unknown variable 'tariff'", 7),
    ('max(kwh, key=1)', 'keyword', 1),
    ('', 'empty', 1),
    ('True + kwh', 'not a number', 1),
    ])
def test_refused_with_position(source, words, position):
    with pytest.raises(FormulaError) as info:
        Formula(source).check(VARS)
    assert words in str(info.value)
    if position is not None:
        assert info.value.position == position


def test_division_by_zero_is_a_formula_error():
    with pytest.raises(FormulaError, match='Division by zero'):
        Formula('kwh / days').evaluate({'kwh': 1, 'days': 0})


def test_missing_value():
    with pytest.raises(FormulaError, match='No value for kwh'):
        Formula('kwh * 2').evaluate({})


def test_rounding_helpers():
    assert round_down(Decimal('8308.99')) == 8308
    assert round_down(Decimal('-6.339'), 2) == Decimal('-6.33')
    assert round_half_up(Decimal('52.5')) == 53


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_random_text_raises_only_formula_errors(text):
    try:
        formula = Formula(text).check(VARS)
    except FormulaError:
        return
    try:
        value = formula.evaluate({name: Decimal(3) for name in VARS})
    except FormulaError:
        return
    assert isinstance(value, Decimal)
