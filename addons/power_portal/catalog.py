# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""What every portal page reads and staff rarely change: the company, the
grid areas, the offered menus (for the pages and for the rating engine) and
the regulated values. Read once per process and database and kept five
minutes, as plain values, so that a page costs no ORM reads for them."""
import time
from dataclasses import dataclass, field
from decimal import Decimal

from power_core.areas import AREAS

from trytond.transaction import Transaction

SECONDS = 300
# {database: (expiry, Catalog)}
_catalogs = {}


@dataclass(frozen=True)
class Company:
    id: int
    rec_name: str


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    operator_name: str


@dataclass(frozen=True)
class Menu:
    id: int
    code: str
    name: str
    portal_description: str
    capacity_unit: str
    capacities: tuple            # offered capacities (Decimal)
    areas: frozenset             # grid area codes; empty for every area

    def offered_in(self, area):
        return not self.areas or area in self.areas


@dataclass(frozen=True)
class Catalog:
    company: Company
    areas: tuple
    menus: tuple                 # Menu, in their order
    core_menus: dict             # code → power_core menu (with versions)
    kinds: dict                  # code → {component code: kind}
    regulated: object            # power_core RegulatedValues
    # simulation results by their question (a few hundred distinct ones:
    # areas × capacities × households), dropped with the catalog
    quotes: dict = field(default_factory=dict, compare=False)

    def offered(self, area=None):
        return [m for m in self.menus if area is None or m.offered_in(area)]

    def menu(self, code):
        return next((m for m in self.menus if m.code == code), None)


def forget(database=None):
    "Drop the catalog kept for database (every database by default)."
    if database is None:
        _catalogs.clear()
    else:
        _catalogs.pop(database, None)


def catalog(pool):
    database = Transaction().database.name
    expiry, cached = _catalogs.get(database, (0, None))
    if cached is not None and expiry > time.monotonic():
        return cached
    cached = _read(pool)
    _catalogs[database] = (time.monotonic() + SECONDS, cached)
    return cached


def clear():
    "Forget every catalog (tests that change menus call it)."
    _catalogs.clear()


def _read(pool):
    from trytond.modules.power_billing.regulated import regulated_values
    Company_ = pool.get('company.company')
    GridArea = pool.get('power.grid_area')
    RateMenu = pool.get('power.rate_menu')
    companies = Company_.search([], order=[('id', 'ASC')], limit=1)
    company = (Company(companies[0].id, companies[0].rec_name)
        if companies else None)
    # the consumer reads the areas' Japanese names (北海道, 東京, ...)
    areas = tuple(Area(a.code,
            AREAS[a.code].name_ja if a.code in AREAS else a.name,
            a.operator_name)
        for a in GridArea.search([], order=[('code', 'ASC')]))
    menus, core_menus, kinds = [], {}, {}
    for menu in RateMenu.search([('portal_offered', '=', True)],
            order=[('sequence', 'ASC'), ('id', 'ASC')]):
        core_menu = menu.to_core()
        if not core_menu.versions:
            continue
        menus.append(Menu(menu.id, menu.code, menu.name,
                menu.portal_description or '', menu.capacity_unit,
                tuple(Decimal(o.capacity) for o in menu.capacity_options),
                frozenset(a.code for a in menu.areas)))
        core_menus[menu.code] = core_menu
        kinds[menu.code] = {c.code: c.kind
            for v in core_menu.versions for c in v.components}
    return Catalog(company, areas, tuple(menus), core_menus, kinds,
        regulated_values())
