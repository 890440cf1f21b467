# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The models of Tryton's with secrets (security.xml: nobody reads or
searches them over RPC) that a client is not told of either; res.user and
ir.session are extended in log.py."""
from trytond.pool import PoolMeta

from .common import UnreadableFieldsHidden


class UserApplication(UnreadableFieldsHidden, metaclass=PoolMeta):
    __name__ = 'res.user.application'


class UserDevice(UnreadableFieldsHidden, metaclass=PoolMeta):
    __name__ = 'res.user.device'


class LoginAttempt(UnreadableFieldsHidden, metaclass=PoolMeta):
    __name__ = 'res.user.login.attempt'


class WebUser(UnreadableFieldsHidden, metaclass=PoolMeta):
    __name__ = 'web.user'


class WebUserSession(UnreadableFieldsHidden, metaclass=PoolMeta):
    __name__ = 'web.user.session'


class WebUserAttempt(UnreadableFieldsHidden, metaclass=PoolMeta):
    __name__ = 'web.user.authenticate.attempt'
