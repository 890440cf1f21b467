# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class SupplyPointValidationError(ValidationError):
    pass


class ContractValidationError(ValidationError):
    pass


class ContractOverlapError(ValidationError):
    pass


class CustomerNumberError(UserError):
    pass


class MasterValidationError(ValidationError):
    pass


class ContractVersionError(ValidationError):
    pass


class SwitchingError(ValidationError):
    pass


class ApplicationError(ValidationError):
    pass


class InquiryError(ValidationError):
    pass


class TransitionError(ValidationError):
    pass
