"""Rate menus as data: a menu has dated versions, a version an ordered list
of components. Menus are read from JSON (the shipped data pack) or built by
the Tryton module from its records; the engine only sees these classes."""
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from power_core.errors import ValidationError
from power_core.tariff.formula import Formula

KINDS = (
    'basic_table',       # params: table {capacity: amount}
    'basic_per_unit',    # params: unit_price (per A / kVA / kW)
    'energy_tiers',      # params: tiers [[upper kWh or null, price], ...],
                         # prorate_widths (日割 scales each tier's width)
    'fuel_adjustment',   # params: menu_type 'regulated' | 'free'
    'subsidy',           # params: customer_class
    'discount_percent',  # params: percent, targets [codes]
    'formula',           # params: expression
    'renewable_surcharge',
    'demand_basic',      # params: unit_price per kW, power_factor (bool)
    'tou_energy',        # params: bands [{code, label, price, summer_price}],
                         # rules [{band, hours [from, to], days}], summer_months
    'minimum',           # params: amount (yen), targets [codes]
    'fixed',             # params: amount (yen; negative for a credit)
    'market_energy',     # params: loss_rate, margin (yen/kWh, tax excl.)
    'capacity_contribution',  # 容量拠出金相当額: area's unit × kWh
    )


@dataclass(frozen=True)
class Component:
    code: str
    kind: str
    label: str
    params: dict = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValidationError(
                f"Component {self.code!r}: unknown kind {self.kind!r} "
                f"(one of {', '.join(KINDS)}).", self.kind)
        if self.kind == 'formula':
            Formula(self.params.get('expression', ''))


@dataclass(frozen=True)
class Version:
    valid_from: dt.date
    components: tuple
    # 日割 denominator (rating.proration): 'reading_period' (検針期間の日数,
    # 暦日数 without a previous reading: the incumbents' supply terms),
    # 'start_month' (days of the month each part starts in) or a fixed
    # number of days such as '30'
    proration_denominator: str = 'reading_period'
    zero_usage_basic_half: bool = True
    # usage in whole kWh: 'half_up' (四捨五入, default), 'down' or 'up'
    kwh_rounding: str = 'half_up'
    # the sum of basic, energy and adjustments: 'down' (default) or 'half_up'
    total_rounding: str = 'down'

    def component(self, code):
        for component in self.components:
            if component.code == code:
                return component
        raise KeyError(code)


@dataclass(frozen=True)
class Menu:
    code: str
    name: str
    customer_class: str
    capacity_unit: str
    versions: tuple
    capacities: tuple = ()

    def versions_between(self, start, end):
        """The (version, segment start, segment end) covering [start, end),
        split where a version starts inside the period."""
        ordered = sorted(self.versions, key=lambda v: v.valid_from)
        if not ordered or ordered[0].valid_from > start:
            raise ValidationError(
                f"Menu {self.code} has no version in force on {start}.",
                start)
        segments = []
        for index, version in enumerate(ordered):
            next_from = (ordered[index + 1].valid_from
                if index + 1 < len(ordered) else dt.date.max)
            seg_start = max(start, version.valid_from)
            seg_end = min(end, next_from)
            if seg_start < seg_end:
                segments.append((version, seg_start, seg_end))
        return segments


def _component(data):
    params = {k: v for k, v in data.items()
        if k not in {'code', 'kind', 'label'}}
    return Component(data['code'], data['kind'], data.get('label', ''),
        params)


def menu_from_dict(data):
    versions = tuple(
        Version(
            valid_from=dt.date.fromisoformat(v['valid_from']),
            components=tuple(_component(c) for c in v['components']),
            proration_denominator=v.get(
                'proration_denominator', 'reading_period'),
            zero_usage_basic_half=v.get('zero_usage_basic_half', True),
            kwh_rounding=v.get('kwh_rounding', 'half_up'),
            total_rounding=v.get('total_rounding', 'down'))
        for v in data['versions'])
    return Menu(data['code'], data['name'], data['customer_class'],
        data['capacity_unit'], versions,
        tuple(Decimal(str(c)) for c in data.get('capacities', ())))


def load_menus(folder):
    "Every menu of the JSON files of a folder, by code."
    menus = {}
    for path in sorted(Path(folder).glob('*.json')):
        try:
            data = json.loads(path.read_text(encoding='utf-8'),
                parse_float=Decimal)
            menu = menu_from_dict(data)
        except (KeyError, ValueError) as e:
            raise ValidationError(f"{path.name}: {e}", path.name) from e
        menus[menu.code] = menu
    return menus
