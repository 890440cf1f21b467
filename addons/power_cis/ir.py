# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Scheduled actions (ir.cron) that fail reach people: the failure is
recorded as a failed batch run, which mails its responsible group
(alert.py). A database conflict that trytond-cron retries is not a
failure and is not recorded."""
from trytond import backend
from trytond.model import ModelView, dualmethod
from trytond.pool import Pool, PoolMeta
from trytond.transaction import TransactionError


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @dualmethod
    @ModelView.button
    def run_once(cls, crons):
        try:
            super().run_once(crons)
        except (TransactionError, backend.DatabaseOperationalError):
            raise
        except Exception as exception:
            cls.record_failure(crons, exception)
            raise

    @classmethod
    def record_failure(cls, crons, exception):
        "A failed batch run for the scheduled action (its own transaction)."
        BatchRun = Pool().get('power.batch.run')
        from trytond.transaction import Transaction
        names = ', '.join(c.rec_name for c in crons)
        with Transaction().new_transaction() as transaction:
            run = BatchRun.start(f"Scheduled action {names}")
            transaction.commit()
        run.fail(exception)
