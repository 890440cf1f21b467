# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.model.exceptions import ValidationError


class MenuVersionError(ValidationError):
    pass


class MenuComponentError(ValidationError):
    pass


class PaymentError(ValidationError):
    pass


class RegulatedImportError(ValidationError):
    pass


class ArchiveError(ValidationError):
    pass


class PowerMixError(ValidationError):
    pass
