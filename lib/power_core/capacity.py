"""Contract capacity (契約容量・契約電力) in amperes, kVA or kW.

>>> parse('30A')
Capacity(value=Decimal('30'), unit='A')
>>> parse('６ｋＶＡ')
Capacity(value=Decimal('6'), unit='kVA')
>>> str(parse('50kW'))
'50kW'
"""
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from power_core.errors import InvalidComponent, InvalidFormat
from power_core.text import normalize_digits

UNITS = ('A', 'kVA', 'kW')
# 従量電灯B offers these amperes (docs/domain.md §1.1).
AMPERES = (10, 15, 20, 30, 40, 50, 60)
_PATTERN = re.compile(r'^(\d+(?:\.\d+)?)(a|kva|kw)$', re.IGNORECASE)


@dataclass(frozen=True)
class Capacity:
    value: Decimal
    unit: str

    def __str__(self):
        return f'{self.value.normalize():f}{self.unit}'


def parse(text: str) -> Capacity:
    value = normalize_digits(text)
    match = _PATTERN.match(value)
    if not match:
        raise InvalidFormat(
            f"Capacity {text!r} must be a number followed by A, kVA or kW "
            "(for example 30A, 6kVA, 50kW).", text)
    unit = {'a': 'A', 'kva': 'kVA', 'kw': 'kW'}[match.group(2).lower()]
    try:
        return validate(Decimal(match.group(1)), unit)
    except InvalidOperation as e:
        raise InvalidFormat(f"Capacity {text!r} is not a number.", text) from e


def validate(value: Decimal, unit: str) -> Capacity:
    "Check a capacity against the rules of its unit."
    if unit not in UNITS:
        raise InvalidComponent(
            f"Capacity unit {unit!r} is not one of {', '.join(UNITS)}.", unit)
    if value <= 0:
        raise InvalidComponent(
            f"Capacity {value}{unit} must be greater than zero.", value)
    if unit == 'A' and value not in AMPERES:
        raise InvalidComponent(
            f"Capacity {value}A is not an offered ampere "
            f"({', '.join(map(str, AMPERES))}A).", value)
    return Capacity(Decimal(value), unit)
