# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""What the portal keeps besides web_user's accounts: which menus it offers,
the attempts it rate-limits, the login back-off and the one-time
registration codes printed for customers."""
import dataclasses
import datetime as dt
import logging

from sql import Literal, Null
from sql.aggregate import Count, Max

from power_core import portal as core

from trytond import config
from trytond.exceptions import RateLimitException
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.modules.power_cis.common import BoundedHashingMixin
from trytond.transaction import Transaction, without_check_access

logger = logging.getLogger(__name__)


def setting(name, default):
    "An integer of the [power_portal] section of trytond.conf."
    return config.getint('power_portal', name, default=default)


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
    """Portal accounts: passwords hashed a few at a time (power_cis.common);
    logins with a short growing back-off per account and per address
    instead of web_user's lock for the session timeout (8 hours). A
    corporate customer's members have a role: the contract holder sees
    every site and the statements, a site manager only the sites given."""
    __name__ = 'web.user'
    _dummy_hash = None
    portal_role = fields.Selection([
            ('holder', "Contract Holder"),
            ('site_manager', "Site Manager"),
            ], "Portal Role", required=True,
        help="A site manager sees only the sites listed, and no "
        "statement, payment or customer-wide setting.")
    portal_sites = fields.Many2Many('web.user-power.contract', 'user',
        'contract', "Sites",
        domain=[('customer', '=', Eval('party', -1))],
        states={'invisible': Eval('portal_role') != 'site_manager'},
        help="The contracts of the customer this site manager sees.")

    @classmethod
    def default_portal_role(cls):
        return 'holder'

    @classmethod
    def validate_fields(cls, users, field_names):
        super().validate_fields(users, field_names)
        from trytond.i18n import gettext
        from trytond.model.exceptions import ValidationError
        if field_names is not None and not (
                field_names & {'portal_role', 'portal_sites'}):
            return
        for user in users:
            if user.portal_role == 'site_manager' and not user.portal_sites:
                raise ValidationError(gettext(
                        'power_portal.msg_site_manager_no_site',
                        user=user.rec_name))

    @classmethod
    def _dummy(cls):
        "A hash to check unknown e-mails against (the same time as known)."
        if cls._dummy_hash is None:
            cls._dummy_hash = cls.hash_password(core.new_token())
        return cls._dummy_hash

    @classmethod
    def authenticate(cls, email, password):
        """The user of email and password, or None; RateLimitException while
        the account or the address must wait (core.backoff: after
        [power_portal] login_free failures of the account within
        login_window seconds 1, 2, 4 ... seconds up to login_backoff_cap;
        login_free_address failures for an address). A refused attempt
        while waiting checks no password and counts nothing."""
        pool = Pool()
        Attempt = pool.get('power.portal.attempt')
        email = str(email or '').strip().lower()[:254]
        password = str(password or '')[:core.TEXT_SIZE['password'] * 4]
        ip_address, ip_network = Transaction().remote_address()
        address = str(ip_network or ip_address or '')
        window = setting('login_window', 3600)
        cap = setting('login_backoff_cap', 300)
        now = dt.datetime.now()
        for kind, key, free in [
                ('login-account', email, setting('login_free', 5)),
                ('login-address', address, setting('login_free_address', 20))]:
            count, last = Attempt.failures(kind, key, window)
            wait = core.backoff(count, free, cap)
            if wait and last and now < last + dt.timedelta(seconds=wait):
                raise RateLimitException()
        users = cls.search([('email', '=', email)], limit=1) if email else []
        if users:
            user, = users
            valid, new_hash = cls.check_password(
                password, user.password_hash or cls._dummy())
            if valid and user.password_hash:
                if new_hash:
                    logger.info("Update password hash for %s", user.id)
                    cls.write([cls(user.id)], {'password_hash': new_hash})
                Attempt.forget('login-account', email)
                return user
        else:
            cls.check_password(password, cls._dummy())
        with Transaction().new_transaction() as transaction:
            Attempt.add('login-account', email)
            Attempt.add('login-address', address)
            transaction.commit()
        return None


class WebUserContract(ModelSQL):
    "Portal Member Site"
    __name__ = 'web.user-power.contract'
    user = fields.Many2One('web.user', "Portal Member", required=True,
        ondelete='CASCADE')
    contract = fields.Many2One('power.contract', "Contract", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.user, Index.Equality())))


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
    def failures(cls, kind, address, seconds):
        "(count, time of the latest) of kind from address within seconds."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        since = dt.datetime.now() - dt.timedelta(seconds=seconds)
        cursor.execute(*table.select(Count(table.id), Max(table.create_date),
                where=(table.kind == kind) & (table.address == address)
                & (table.create_date >= since)))
        count, last = cursor.fetchone()
        if isinstance(last, str):
            last = dt.datetime.fromisoformat(last)
        return count, last

    @classmethod
    def forget(cls, kind, address):
        "Drop the attempts of kind from address (after a good login)."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(
                where=(table.kind == kind) & (table.address == address)))

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


class RegistrationCode(ModelSQL):
    """Portal Registration Code

    A one-time code proving that whoever registers a customer's portal
    account has the customer's paper (bill notice) or called the customer
    centre. Nobody reads or searches this model over RPC (no access); staff
    see the party's current code through party.party.portal_code."""
    __name__ = 'power.portal.registration_code'
    party = fields.Many2One('party.party', "Party", required=True,
        ondelete='CASCADE')
    code = fields.Char("Code", required=True, strip=False)
    expires = fields.Date("Expires", required=True)
    used = fields.Timestamp("Used")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__ = {}
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.party, Index.Equality())))

    @classmethod
    def current(cls, party_ids, today=None):
        "{party id: (code, expires)} of the parties' unused, unexpired codes."
        today = today or Pool().get('ir.date').today()
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        ids = [int(i) for i in party_ids]
        for start in range(0, len(ids), 500):
            cursor.execute(*table.select(table.party, table.code,
                    table.expires,
                    where=table.party.in_(ids[start:start + 500])
                    & (table.used == Null) & (table.expires >= today),
                    order_by=[table.id.asc]))
            for party, code, expires in cursor:
                if isinstance(expires, str):
                    expires = dt.date.fromisoformat(expires)
                result[party] = (code, expires)
        return result

    @classmethod
    def issue(cls, party_ids, today=None):
        """A new code for each party, replacing its unused ones;
        {party id: code}."""
        today = today or Pool().get('ir.date').today()
        ids = [int(i) for i in party_ids]
        cls.consume(ids, delete=True)
        codes = {i: core.new_registration_code() for i in ids}
        expires = today + dt.timedelta(days=core.REGISTRATION_CODE_DAYS)
        with without_check_access():
            cls.create([{'party': i, 'code': c, 'expires': expires}
                    for i, c in codes.items()])
        return codes

    @classmethod
    def consume(cls, party_ids, delete=False):
        "Mark the parties' unused codes used (or drop them)."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        ids = [int(i) for i in party_ids]
        for start in range(0, len(ids), 500):
            where = table.party.in_(ids[start:start + 500]) & (
                table.used == Null)
            if delete:
                cursor.execute(*table.delete(where=where))
            else:
                cursor.execute(*table.update([table.used],
                        [dt.datetime.now()], where=where))

    @classmethod
    def issue_missing(cls, date=None):
        """A code for each customer with a contract, no confirmed portal
        account and no valid code (the daily scheduled action; the demo)."""
        pool = Pool()
        Contract = pool.get('power.contract')
        WebUser = pool.get('web.user')
        contract = Contract.__table__()
        user = WebUser.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*contract.select(contract.customer,
                where=contract.state.in_(['active', 'applying', 'draft',
                        'terminating']) & (contract.customer != Null)
                & ~contract.customer.in_(user.select(user.party,
                        where=(user.party != Null)
                        & (user.email_valid == Literal(True)))),
                group_by=[contract.customer]))
        parties = [row[0] for row in cursor]
        have = cls.current(parties, date)
        missing = [p for p in parties if p not in have]
        if missing:
            cls.issue(missing, date)
        return missing


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    portal_code = fields.Function(fields.Char("Portal Registration Code",
            help="The one-time code this customer enters to register on "
            "the portal (printed on the bill notice). Read it out only to "
            "the customer after checking who calls."), 'get_portal_code')
    portal_code_expires = fields.Function(fields.Date(
            "Portal Code Expires"), 'get_portal_code')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'issue_portal_code': {
                    'icon': 'tryton-refresh',
                    'invisible': ~Eval('is_customer', False),
                    'depends': ['is_customer'],
                    },
                })

    @classmethod
    def get_portal_code(cls, parties, names):
        Code = Pool().get('power.portal.registration_code')
        current = Code.current([p.id for p in parties])
        result = {n: {} for n in names}
        for party in parties:
            code, expires = current.get(party.id, (None, None))
            if 'portal_code' in result:
                result['portal_code'][party.id] = (
                    core.format_registration_code(code) if code else None)
            if 'portal_code_expires' in result:
                result['portal_code_expires'][party.id] = expires
        return result

    @classmethod
    @ModelView.button
    def issue_portal_code(cls, parties):
        "Issue a new portal registration code (the old one stops working)."
        Code = Pool().get('power.portal.registration_code')
        Code.issue([p.id for p in parties])


class BillNotice(metaclass=PoolMeta):
    """The bill notice of a customer who has no portal account yet prints
    their registration code."""
    __name__ = 'power.billing.notice'

    @classmethod
    def render(cls, report, report_context):
        from trytond.modules.power_billing.notice import notices
        from power_core.notice import render_html
        pool = Pool()
        Code = pool.get('power.portal.registration_code')
        WebUser = pool.get('web.user')
        records = report_context['records']
        result = notices(records)
        parties = {d.customer.id for d in records}
        registered = {u.party.id for u in WebUser.search(
                [('party', 'in', list(parties))]) if u.party and u.email_valid}
        codes = Code.current(parties - registered)
        result = [dataclasses.replace(n, registration_code=(
                    core.format_registration_code(codes[d.customer.id][0])))
            if d.customer.id in codes else n
            for d, n in zip(records, result)]
        return render_html(result)
