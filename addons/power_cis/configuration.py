# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.model import (
    ModelSingleton, ModelSQL, ModelView, MultiValueMixin, ValueMixin, fields)
from trytond.pool import Pool
from trytond.pyson import Id

customer_sequence = fields.Many2One(
    'ir.sequence', "Customer Sequence", required=True,
    domain=[('sequence_type', '=', Id('power_cis', 'sequence_type_customer'))],
    help="Gives the customer number of new customers.")
contract_sequence = fields.Many2One(
    'ir.sequence', "Contract Sequence", required=True,
    domain=[('sequence_type', '=', Id('power_cis', 'sequence_type_contract'))],
    help="Gives the number of new power contracts.")


def _default_sequence(xml_id):
    ModelData = Pool().get('ir.model.data')
    try:
        return ModelData.get_id('power_cis', xml_id)
    except KeyError:
        return None


class Configuration(ModelSingleton, ModelSQL, ModelView, MultiValueMixin):
    __name__ = 'power.configuration'

    customer_sequence = fields.MultiValue(customer_sequence)
    contract_sequence = fields.MultiValue(contract_sequence)

    @classmethod
    def multivalue_model(cls, field):
        if field in {'customer_sequence', 'contract_sequence'}:
            return Pool().get('power.configuration.sequence')
        return super().multivalue_model(field)

    @classmethod
    def default_customer_sequence(cls, **pattern):
        return _default_sequence('sequence_customer')

    @classmethod
    def default_contract_sequence(cls, **pattern):
        return _default_sequence('sequence_contract')


class ConfigurationSequence(ModelSQL, ValueMixin):
    __name__ = 'power.configuration.sequence'

    customer_sequence = customer_sequence
    contract_sequence = contract_sequence

    @classmethod
    def default_customer_sequence(cls):
        return _default_sequence('sequence_customer')

    @classmethod
    def default_contract_sequence(cls):
        return _default_sequence('sequence_contract')
