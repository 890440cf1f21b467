# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""What the portal keeps besides web_user's accounts: which menus it offers,
and the attempts it rate-limits."""
import datetime as dt

from sql.aggregate import Count

from trytond.model import Index, ModelSQL, fields
from trytond.pool import PoolMeta
from trytond.modules.power_cis.common import BoundedHashingMixin
from trytond.transaction import Transaction


class RateMenu(metaclass=PoolMeta):
    __name__ = 'power.rate_menu'
    portal_offered = fields.Boolean(
        "Offered on the Portal",
        help="Shown in the portal's simulation, application and plan change.")
    portal_description = fields.Text(
        "Portal Description", translate=True,
        help="One or two sentences for consumers, in Japanese.")

    @classmethod
    def default_portal_offered(cls):
        return False


class WebUser(BoundedHashingMixin, metaclass=PoolMeta):
    "Portal accounts: passwords hashed a few at a time (power_cis.common)."
    __name__ = 'web.user'


class Attempt(ModelSQL):
    "Portal Attempt"
    __name__ = 'power.portal.attempt'
    kind = fields.Char("Kind", required=True)
    address = fields.Char("Address")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.kind, Index.Equality()),
                (t.address, Index.Equality()), (t.create_date, Index.Range())))

    @classmethod
    def count(cls, kind, address, seconds):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        since = dt.datetime.now() - dt.timedelta(seconds=seconds)
        cursor.execute(*table.select(Count(table.id),
                where=(table.kind == kind) & (table.address == address)
                & (table.create_date >= since)))
        return cursor.fetchone()[0]

    @classmethod
    def add(cls, kind, address):
        cls.create([{'kind': kind, 'address': address}])

    @classmethod
    def clean(cls, days=2):
        "Drop attempts older than days (the daily scheduled action)."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        since = dt.datetime.now() - dt.timedelta(days=days)
        cursor.execute(*table.delete(where=table.create_date < since))


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('power.portal.attempt|clean', "Clean Portal Attempts"))
