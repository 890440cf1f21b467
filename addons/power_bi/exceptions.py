# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class BIError(UserError):
    pass
