# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.model import (
    ModelSingleton, ModelSQL, ModelView, MultiValueMixin, ValueMixin, fields)
from trytond.pool import Pool
from trytond.pyson import Id

# field name: (sequence type xml id, default sequence xml id, label, help)
SEQUENCES = {
    'customer_sequence': ('sequence_type_customer', 'sequence_customer',
        "Customer Sequence", "Gives the customer number of new customers."),
    'contract_sequence': ('sequence_type_contract', 'sequence_contract',
        "Contract Sequence", "Gives the number of new power contracts."),
    'application_sequence': ('sequence_type_application',
        'sequence_application', "Application Sequence",
        "Gives the number of new applications."),
    'switching_sequence': ('sequence_type_switching', 'sequence_switching',
        "Switching Request Sequence",
        "Gives the number of new switching requests."),
    'inquiry_sequence': ('sequence_type_inquiry', 'sequence_inquiry',
        "Inquiry Sequence", "Gives the number of new inquiries."),
    }


def _sequence_field(name):
    type_id, _, label, help_ = SEQUENCES[name]
    return fields.Many2One(
        'ir.sequence', label, required=True,
        domain=[('sequence_type', '=', Id('power_cis', type_id))],
        help=help_)


def _default_sequence(name):
    ModelData = Pool().get('ir.model.data')
    try:
        return ModelData.get_id('power_cis', SEQUENCES[name][1])
    except KeyError:
        return None


class Configuration(ModelSingleton, ModelSQL, ModelView, MultiValueMixin):
    __name__ = 'power.configuration'

    customer_sequence = fields.MultiValue(_sequence_field('customer_sequence'))
    contract_sequence = fields.MultiValue(_sequence_field('contract_sequence'))
    application_sequence = fields.MultiValue(
        _sequence_field('application_sequence'))
    switching_sequence = fields.MultiValue(
        _sequence_field('switching_sequence'))
    inquiry_sequence = fields.MultiValue(_sequence_field('inquiry_sequence'))
    alert_group = fields.Many2One('res.group', "Alert Group",
        ondelete='SET NULL',
        help="Who is mailed when a batch job fails or ends with failures "
        "and the job names no group of its own (Power Administration "
        "when empty).")

    @classmethod
    def multivalue_model(cls, field):
        if field in SEQUENCES:
            return Pool().get('power.configuration.sequence')
        return super().multivalue_model(field)

    @classmethod
    def default_customer_sequence(cls, **pattern):
        return _default_sequence('customer_sequence')

    @classmethod
    def default_contract_sequence(cls, **pattern):
        return _default_sequence('contract_sequence')

    @classmethod
    def default_application_sequence(cls, **pattern):
        return _default_sequence('application_sequence')

    @classmethod
    def default_switching_sequence(cls, **pattern):
        return _default_sequence('switching_sequence')

    @classmethod
    def default_inquiry_sequence(cls, **pattern):
        return _default_sequence('inquiry_sequence')

    def next_number(self, name):
        "Take the next number of the sequence `name`."
        return self.get_multivalue(name).get()


class ConfigurationSequence(ModelSQL, ValueMixin):
    __name__ = 'power.configuration.sequence'

    customer_sequence = _sequence_field('customer_sequence')
    contract_sequence = _sequence_field('contract_sequence')
    application_sequence = _sequence_field('application_sequence')
    switching_sequence = _sequence_field('switching_sequence')
    inquiry_sequence = _sequence_field('inquiry_sequence')

    @classmethod
    def default_customer_sequence(cls):
        return _default_sequence('customer_sequence')

    @classmethod
    def default_contract_sequence(cls):
        return _default_sequence('contract_sequence')

    @classmethod
    def default_application_sequence(cls):
        return _default_sequence('application_sequence')

    @classmethod
    def default_switching_sequence(cls):
        return _default_sequence('switching_sequence')

    @classmethod
    def default_inquiry_sequence(cls):
        return _default_sequence('inquiry_sequence')
