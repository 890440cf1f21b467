# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from power_core import address as jp_address
from power_core.text import search_key

from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .common import ClearedOnCopy, rec_name_domain


SEPARATORS = str.maketrans('', '', '-\u2010\u2011\u2012\u2013\u2014\u2015'
    '\u2212\uff0d()\uff08\uff09')


def search_text(value):
    "Normalise a value for the customer search (width, kana, separators)."
    return search_key(value or '').translate(SEPARATORS)


def phone_text(value):
    "Phone digits in the domestic form: +81 3 ... becomes 03..."
    digits = ''.join(c for c in search_text(value) if c.isdigit() or c == '+')
    if digits.startswith('+81'):
        digits = '0' + digits[3:]
    return digits


class Party(ClearedOnCopy, metaclass=PoolMeta):
    __name__ = 'party.party'
    _cleared_on_copy = (
        'customer_number', 'power_contracts', 'power_search', 'inquiries',
        'consents')

    is_customer = fields.Boolean(
        "Power Customer", help="The party buys electricity from us.")
    customer_number = fields.Char(
        "Customer Number", readonly=True, strip=True,
        states={'invisible': ~Eval('is_customer')},
        help="Given from the customer sequence when the party becomes "
        "a power customer.")
    name_kana = fields.Char(
        "Name (Kana)", strip=True,
        help="The reading of the name in katakana (フリガナ).")
    power_contracts = fields.One2Many(
        'power.contract', 'customer', "Power Contracts", readonly=True,
        states={'invisible': ~Eval('is_customer')})
    power_search = fields.Char(
        "Search Keys", readonly=True,
        help="Customer number, name and kana, phones, emails, supply point "
        "numbers and addresses, normalised for searching.")
    contracts_summary = fields.Function(
        fields.Char("Contracts"), 'get_contracts_summary')
    inquiries = fields.One2Many(
        'power.inquiry', 'customer', "Inquiries", readonly=True,
        states={'invisible': ~Eval('is_customer')})
    contact_preference = fields.Selection([
            ('email', "Email"),
            ('post', "Post"),
            ], "Notices By",
        states={'invisible': ~Eval('is_customer')},
        help="How the customer wants to receive notices.")
    sales_representative = fields.Many2One(
        'power.sales.representative', "Sales Representative",
        ondelete='RESTRICT', states={'invisible': ~Eval('is_customer')})
    consents = fields.One2Many(
        'power.consent', 'party', "Consents", readonly=True,
        states={'invisible': ~Eval('is_customer')})
    # the overview (顧客の登録情報): everything of the customer's contracts
    supply_points = fields.Function(fields.Many2Many(
            'power.supply_point', None, None, "Supply Points",
            readonly=True, states={'invisible': ~Eval('is_customer')}),
        'get_overview')
    contract_versions = fields.Function(fields.Many2Many(
            'power.contract.version', None, None, "Contract Versions",
            readonly=True, states={'invisible': ~Eval('is_customer')}),
        'get_overview')
    switching_requests = fields.Function(fields.Many2Many(
            'power.switching.request', None, None, "Switching Requests",
            readonly=True, states={'invisible': ~Eval('is_customer')}),
        'get_overview')
    supply_point_works = fields.Function(fields.Many2Many(
            'power.supply_point.work', None, None, "Works History",
            readonly=True, states={'invisible': ~Eval('is_customer')}),
        'get_overview')

    @classmethod
    def get_overview(cls, parties, names):
        """The supply points, contract versions, switching requests and
        works of each customer's contracts (newest first), in one query
        per kind."""
        pool = Pool()
        Contract = pool.get('power.contract')
        Version = pool.get('power.contract.version')
        Request = pool.get('power.switching.request')
        Work = pool.get('power.supply_point.work')
        result = {n: {p.id: [] for p in parties} for n in names}
        contracts = Contract.search([
                ('customer', 'in', [p.id for p in parties])],
            order=[('id', 'DESC')])
        customer_of = {c.id: c.customer.id for c in contracts}
        points = {}
        for contract in contracts:
            points.setdefault(contract.supply_point.id, set()).add(
                contract.customer.id)
        if 'supply_points' in names:
            for point_id, customers in points.items():
                for customer in customers:
                    result['supply_points'][customer].append(point_id)
        if 'contract_versions' in names:
            for version in Version.search([
                        ('contract', 'in', list(customer_of))],
                    order=[('start_date', 'DESC'), ('id', 'DESC')]):
                result['contract_versions'][
                    customer_of[version.contract.id]].append(version.id)
        if 'switching_requests' in names:
            for request in Request.search([
                        ('contract', 'in', list(customer_of))],
                    order=[('id', 'DESC')]):
                result['switching_requests'][
                    customer_of[request.contract.id]].append(request.id)
        if 'supply_point_works' in names:
            for work in Work.search([
                        ('supply_point', 'in', list(points))],
                    order=[('date', 'DESC'), ('id', 'DESC')]):
                for customer in points[work.supply_point.id]:
                    result['supply_point_works'][customer].append(work.id)
        return result

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('customer_number_unique', Unique(t, t.customer_number),
                'power_cis.msg_customer_number_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.customer_number, Index.Equality())),
                Index(t, (t.power_search, Index.Similarity())),
                })
        # a customer is known by the customer number (C000000001, on every
        # bill and letter); Tryton's internal party code beside it only
        # confuses, so it is not shown for customers
        cls.code.states = dict(cls.code.states or {})
        cls.code.states['invisible'] = Eval('is_customer', False)

    @classmethod
    def default_is_customer(cls):
        return False

    @classmethod
    def default_contact_preference(cls):
        return 'email'

    def get_rec_name(self, name):
        name = super().get_rec_name(name)
        if self.customer_number:
            name = f'[{self.customer_number}] {name}'
        return name

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        if isinstance(operand, str) and operator.endswith('like'):
            key = search_text(operand.strip('%'))
            if key:
                return rec_name_domain(
                    (None, operator, f'%{key}%', *extra), 'power_search',
                    domain=domain)
        return rec_name_domain(
            clause, 'customer_number', 'name_kana', domain=domain)

    def get_contracts_summary(self, name):
        parts = []
        for contract in self.power_contracts:
            if contract.state == 'cancelled':
                continue
            capacity = (f' {contract.capacity.normalize():f}'
                f'{contract.capacity_unit}' if contract.capacity else '')
            parts.append(f'{contract.number} {contract.state}{capacity}')
        return ', '.join(parts)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if (mode == 'create' and values.get('is_customer')
                and not values.get('customer_number')):
            values['customer_number'] = cls._new_customer_number()
        return values

    @classmethod
    def on_modification(cls, mode, parties, field_names=None):
        super().on_modification(mode, parties, field_names=field_names)
        if mode in {'create', 'write'} and (field_names is None
                or field_names & {'name', 'name_kana', 'customer_number',
                    'is_customer'}):
            cls.update_power_search(parties)

    @classmethod
    def update_power_search(cls, parties):
        "Recompute the search keys of parties (SQL update, no triggers)."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for party in cls.browse([p.id for p in parties]):
            keys = [party.customer_number, party.name, party.name_kana]
            for mechanism in party.contact_mechanisms:
                if mechanism.type in {'phone', 'mobile', 'fax'}:
                    keys.append(phone_text(mechanism.value))
                else:
                    keys.append(mechanism.value)
            for address in party.addresses:
                keys.append(' '.join(filter(None, [
                                address.postal_code, address.city,
                                address.street])))
            for contract in party.power_contracts:
                keys += [contract.number, contract.supply_point.number,
                    contract.supply_point.address]
            text = '|'.join(search_text(k) for k in keys if k)
            cursor.execute(*table.update(
                    [table.power_search], [text],
                    where=table.id == party.id))

    @classmethod
    def make_customers(cls, parties):
        "Flag parties as power customers and give them a customer number."
        to_save = []
        for party in parties:
            if not party.is_customer or not party.customer_number:
                party.is_customer = True
                if not party.customer_number:
                    party.customer_number = cls._new_customer_number()
                to_save.append(party)
        cls.save(to_save)

    @staticmethod
    def _new_customer_number():
        Configuration = Pool().get('power.configuration')
        return Configuration(1).next_number('customer_sequence')


class SearchKeysMixin:
    "Refresh the customer search keys of the parties a record touches."
    __slots__ = ()

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        if mode != 'delete':
            Pool().get('party.party').update_power_search(
                list({p for r in records for p in r._search_parties()}))

    @classmethod
    def on_delete(cls, records):
        callback = super().on_delete(records)
        parties = list({p for r in records for p in r._search_parties()})
        Party = Pool().get('party.party')
        callback.append(lambda: Party.update_power_search(
                Party.browse([p.id for p in parties])))
        return callback


class ContactMechanism(SearchKeysMixin, metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    def _search_parties(self):
        return [self.party] if self.party else []


class Address(SearchKeysMixin, metaclass=PoolMeta):
    __name__ = 'party.address'

    def _search_parties(self):
        return [self.party] if self.party else []

    @classmethod
    def _postal_prefecture(cls, postal_code):
        """(Japan Post's PostalAddress, its prefecture subdivision) of a
        postal code, or (None, None) when either is unknown."""
        found = jp_address.lookup(postal_code)
        if not found:
            return None, None
        Subdivision = Pool().get('country.subdivision')
        prefecture = Subdivision.search([
                ('code', '=', found.prefecture_code)], limit=1)
        return (found, prefecture[0]) if prefecture else (None, None)

    @classmethod
    def japanese_values(cls, postal_code, line):
        """The values of an address from a postal code and the one line a
        customer wrote (東京都渋谷区神南1-1-1): the prefecture and the
        city from the postal code, the rest of the line as the street."""
        values = {'postal_code': postal_code, 'street': line}
        found, prefecture = cls._postal_prefecture(postal_code)
        if not found:
            return values
        rest = ' '.join((line or '').split())
        for prefix in (found.prefecture, found.city):
            if rest.startswith(prefix):
                rest = rest[len(prefix):]
        values.update(postal_code=found.postal_code,
            country=prefecture.country.id, subdivision=prefecture.id,
            city=found.city, street=rest.strip() or found.town)
        return values

    @fields.depends('postal_code', 'country', 'subdivision', 'city',
        'street_unstructured', 'street_name')
    def on_change_postal_code(self):
        """A Japanese postal code fills the prefecture, the city and, when
        no street is typed yet, the town (Japan Post's data through
        power_core.address); the code is written 150-0041."""
        try:
            super_ = super().on_change_postal_code
        except AttributeError:
            pass
        else:
            super_()
        if self.country and self.country.code != 'JP':
            return
        found, prefecture = self._postal_prefecture(self.postal_code)
        if not found:
            return
        self.postal_code = found.postal_code
        self.subdivision = prefecture
        self.country = prefecture.country
        self.city = found.city
        if not (self.street_unstructured or self.street_name):
            self.street_unstructured = found.town


class Consent(ModelSQL, ModelView):
    "Customer Consent"
    __name__ = 'power.consent'
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE')
    document = fields.Many2One(
        'power.explanation.document', "Document", required=True,
        ondelete='RESTRICT')
    explained_at = fields.DateTime("Explained At", required=True)
    channel = fields.Char("Channel")
    application = fields.Many2One(
        'power.application', "Application", ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('party')
        cls._order = [('explained_at', 'DESC'), ('id', 'DESC')]
