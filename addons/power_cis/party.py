# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.model import Index, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .common import rec_name_domain


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

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

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('customer_number_unique', Unique(t, t.customer_number),
                'power_cis.msg_customer_number_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.customer_number, Index.Equality())))

    @classmethod
    def default_is_customer(cls):
        return False

    def get_rec_name(self, name):
        name = super().get_rec_name(name)
        if self.customer_number:
            name = f'[{self.customer_number}] {name}'
        return name

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(
            clause, 'customer_number', 'name_kana',
            domain=super().search_rec_name(name, clause))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if (mode == 'create' and values.get('is_customer')
                and not values.get('customer_number')):
            values['customer_number'] = cls._new_customer_number()
        return values

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
        return Configuration(1).get_multivalue('customer_sequence').get()

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('customer_number', None)
        default.setdefault('power_contracts', None)
        return super().copy(parties, default=default)
