# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class PortalError(UserError):
    """A refusal shown to the customer on a Japanese page with its HTTP
    status (the message, a power_portal.msg_* of the request's language
    'ja')."""

    def __init__(self, status, message, description=''):
        super().__init__(message, description)
        self.status = status
