# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction


def load_japanese():
    """Load the Japanese of the add-ons' locale/ja.po into the test
    database, committed, as `power-cis init` activates them with Japanese
    (-l ja): the portal's pages show its messages in Japanese."""
    with Transaction().start(DB_NAME, 0) as transaction:
        Lang = Pool().get('ir.lang')
        ja, = Lang.search([('code', '=', 'ja')])
        Lang.load_translations([ja])
        transaction.commit()
