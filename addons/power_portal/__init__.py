# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.

# the portal's pages register themselves as trytond routes when imported
from . import routes  # noqa: F401
