"""Supply point identification number (供給地点特定番号).

Twenty-two digits; the first two are the grid area code 01..10. The other
digits are assigned by each transmission operator and no public check digit
exists, so none is invented here (docs/domain.md §3.5).

>>> validate('03 0000 1234 5678 9012 3456 ')
'0300001234567890123456'
>>> format('0300001234567890123456')
'03-0000-1234-5678-9012-3456'
>>> area('0300001234567890123456').name
'Tokyo'
>>> validate('1100001234567890123456')
Traceback (most recent call last):
    ...
power_core.errors.InvalidComponent: ...
"""
from power_core.areas import AREAS, Area
from power_core.errors import (
    InvalidComponent, InvalidFormat, InvalidLength, ValidationError)
from power_core.text import normalize_code

LENGTH = 22


def compact(number: str) -> str:
    """Remove spaces (any kind) and hyphens or dashes and turn full-width
    digits half-width."""
    return normalize_code(number)


def validate(number: str) -> str:
    "Return the compact number, or raise a ValidationError saying which rule failed."
    value = compact(number)
    if not value.isdigit() or not value.isascii():
        raise InvalidFormat(
            f"Supply point number {number!r} must contain digits only.",
            number)
    if len(value) != LENGTH:
        raise InvalidLength(
            f"Supply point number {number!r} has {len(value)} digits; "
            f"it must have {LENGTH}.", number)
    if value[:2] not in AREAS:
        raise InvalidComponent(
            f"Supply point number {number!r} starts with {value[:2]!r}, "
            "which is not a grid area code (01 to 10).", number)
    return value


def is_valid(number: str) -> bool:
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def area(number: str) -> Area:
    "Return the grid area of a valid number."
    return AREAS[validate(number)[:2]]


def format(number: str) -> str:
    "Format as area, then five groups of four digits, as printed on slips."
    value = compact(number)
    return '-'.join([value[:2]] + [value[i:i + 4] for i in range(2, 22, 4)])
