"""Meter reading schedules (検針日程).

TEPCO numbers its schedules 01..26 (DOMAIN_FACTS §4.3); other areas use
fewer. A schedule is stored as its two-digit code.

>>> validate_schedule('3')
'03'
>>> validate_schedule('27')
Traceback (most recent call last):
    ...
power_core.errors.InvalidComponent: ...
"""
from power_core.errors import InvalidComponent, InvalidFormat
from power_core.text import normalize_digits

SCHEDULES = tuple(f'{i:02d}' for i in range(1, 27))


def validate_schedule(code: str) -> str:
    value = normalize_digits(str(code))
    if not value.isdigit():
        raise InvalidFormat(
            f"Meter reading schedule {code!r} must be a number from 01 to 26.",
            code)
    value = f'{int(value):02d}'
    if value not in SCHEDULES:
        raise InvalidComponent(
            f"Meter reading schedule {code!r} is not between 01 and 26.", code)
    return value
