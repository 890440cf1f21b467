# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from . import patches

# the project's two changes to trytond (see patches.py)
patches.apply()

# GET /<database>/health for the containers' health checks
from . import health  # noqa: E402,F401
