# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class FileRefusedError(UserError):
    """An inbound file or message refused: where and why, nothing of it
    applied (a power_core error keeps its detail in the message and is the
    cause of this one)."""


class ExchangeError(UserError):
    "An exchange cannot be applied again or built again."


class PointError(ValidationError):
    pass


class DemandResponseError(ValidationError):
    pass
