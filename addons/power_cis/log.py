# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Common functions (共通機能): the operator log of staff logins and
logouts, the history of reports and files generated, and the results of
batch jobs."""
import hashlib
import logging
import re
import traceback

from sql.functions import Position, Substring

from trytond import backend
from trytond.exceptions import LoginException, RateLimitException
from trytond.model import ModelSQL, ModelStorage, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from . import alert
from .common import (
    BoundedHashingMixin, ServerReadonly, UnreadableFieldsHidden, now)

logger = logging.getLogger(__name__)


def _models():
    "Every stored model, for Reference fields."
    return Pool().get('ir.model').get_name_items((ModelStorage, ModelView))
EVENTS = [
    ('login', "Login"),
    ('login_failed', "Login Failed"),
    ('login_blocked', "Login Blocked (too many attempts)"),
    ('logout', "Logout"),
    ('personal_data', "Payment Data Viewed"),
    ]
# the positive operator of each negative one
_NEGATED = {'not like': 'like', 'not ilike': 'ilike', '!=': '=',
    'not in': 'in'}


def _matches(operator, operand, text):
    """Whether text satisfies (operator, operand) as the database would
    compare a column: like and ilike patterns (% and _, backslash escapes),
    = and in."""
    text = text or ''
    if operator == '=':
        return text == operand
    if operator == 'in':
        return text in (operand or [])
    if operator not in {'like', 'ilike'} or not isinstance(operand, str):
        return False
    pattern = ''
    for part in re.findall(r'\\.?|%|_|[^%_\\]+', operand):
        if part == '%':
            pattern += '.*'
        elif part == '_':
            pattern += '.'
        elif part.startswith('\\'):
            pattern += re.escape(part[1:])
        else:
            pattern += re.escape(part)
    flags = re.IGNORECASE | re.DOTALL if operator == 'ilike' else re.DOTALL
    return re.fullmatch(pattern, text, flags) is not None


class OperatorLog(ServerReadonly, ModelSQL, ModelView):
    "Operator Log"
    __name__ = 'power.operator.log'
    _client_create = False
    _rec_name = 'login'
    date = fields.DateTime("Date", required=True, readonly=True)
    login = fields.Char("Login", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True,
        ondelete='SET NULL')
    event = fields.Selection(EVENTS, "Event", required=True, readonly=True)
    ip_address = fields.Char("Address", readonly=True)
    resource = fields.Reference(
        "Record", selection='get_resources', readonly=True)
    detail = fields.Char("Fields", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def get_resources(cls):
        return [(None, '')] + _models()

    @classmethod
    def search_rec_name(cls, name, clause):
        """The search box: the login, the user (name or login), the event
        (its key or its label in the user's language), the record (its
        name, its model's name or its reference), the fields read and the
        address."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        _, operator, operand, *extra = clause
        if operator in _NEGATED:
            # none of the columns matches: the rows the positive search
            # does not find
            found = cls.search(cls.search_rec_name(
                    name, (name, _NEGATED[operator], operand, *extra)),
                order=[], query=True)
            return [('id', 'not in', found)]
        domain = ['OR'] + [(n, operator, operand, *extra) for n in [
                'login', 'user.rec_name', 'detail', 'ip_address', 'resource']]
        if not isinstance(operand, (str, list, tuple)):
            return domain
        events = [key for key, label in cls.fields_get(
                ['event'])['event']['selection']
            if _matches(operator, operand, key)
            or _matches(operator, operand, label)]
        if events:
            domain.append(('event', 'in', events))
        labels = dict(cls.get_resources())
        for model in cls._resource_models():
            if _matches(operator, operand, model) or _matches(
                    operator, operand, labels.get(model)):
                domain.append(('resource', 'like', f'{model},%'))
            try:
                pool.get(model)
            except KeyError:
                continue
            if isinstance(operand, str) and ModelAccess.check(
                    model, 'read', raise_exception=False):
                domain.append(
                    ('resource.rec_name', operator, operand, model, *extra))
        return domain

    @classmethod
    def _resource_models(cls):
        "The models of the records in the log."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        model = Substring(table.resource, 1,
            Position(',', table.resource) - 1)
        # DISTINCT, not GROUP BY: PostgreSQL takes the expression with its
        # parameters in the GROUP BY for another one than the selected
        cursor.execute(*table.select(model,
                where=table.resource.like('%,%'), distinct=True))
        return sorted(m for m, in cursor if m)

    @classmethod
    def personal_data_read(cls, model, ids, names):
        """Log that the user of this transaction read the fields names of
        the records ids of model. A read runs in a read-only transaction, so
        the entry is then written and committed in a transaction of its own
        (the read has happened whatever becomes of the request)."""
        transaction = Transaction()
        user = transaction.user
        login = Pool().get('res.user')(user).login
        ip_address, _ = transaction.remote_address()
        values = [{
                'date': now(), 'login': login, 'user': user,
                'event': 'personal_data',
                'ip_address': str(ip_address) if ip_address else None,
                'resource': f'{model},{id_}',
                'detail': ','.join(names)[:200],
                } for id_ in ids]
        if transaction.readonly:
            with transaction.new_transaction() as log_transaction, \
                    without_check_access():
                cls.create(values)
                log_transaction.commit()
        else:
            with without_check_access():
                cls.create(values)

    @classmethod
    def add(cls, login, event, user=None):
        """Record an event in the login or logout transaction, which trytond
        commits for successes, failures and blocked attempts alike."""
        ip_address, _ = Transaction().remote_address()
        # the log is append-only for everyone (read-only even for the
        # power administrators): the code writes it, nobody else
        with without_check_access():
            cls.create([{
                        'date': now(),
                        'login': (login or '')[:100],
                        'user': user,
                        'event': event,
                        'ip_address': str(ip_address) if ip_address else None,
                        }])


class User(UnreadableFieldsHidden, BoundedHashingMixin, metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def get_login(cls, login, parameters):
        OperatorLog = Pool().get('power.operator.log')
        try:
            user_id = super().get_login(login, parameters)
        except RateLimitException:
            OperatorLog.add(login, 'login_blocked')
            raise
        except LoginException:
            # asks the client for the next factor (e.g. the password)
            raise
        OperatorLog.add(
            login, 'login' if user_id else 'login_failed', user=user_id)
        return user_id


class Session(UnreadableFieldsHidden, metaclass=PoolMeta):
    __name__ = 'ir.session'

    @classmethod
    def remove(cls, key, domain=None):
        pool = Pool()
        OperatorLog = pool.get('power.operator.log')
        User = pool.get('res.user')
        name = super().remove(key, domain=domain)
        if name:
            users = User.search([('login', '=', name)], limit=1)
            OperatorLog.add(name, 'logout', user=users[0].id if users else None)
        return name


class ReportOutput(ServerReadonly, ModelSQL, ModelView):
    "Report Output"
    __name__ = 'power.report.output'
    _client_create = False
    date = fields.DateTime("Date", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True,
        ondelete='SET NULL')
    name = fields.Char("Report", required=True, readonly=True)
    kind = fields.Selection([
            ('report', "Report"),
            ('export', "Export"),
            ('file', "Outbound File"),
            ('import', "Imported File"),
            ], "Kind", required=True, readonly=True)
    resource = fields.Reference(
        "Resource", selection='get_resources', readonly=True)
    filename = fields.Char("File Name", readonly=True)
    data = fields.Binary(
        "File", filename='filename', file_id='file_id', readonly=True)
    file_id = fields.Char("File ID", readonly=True)
    size = fields.Integer("Size (bytes)", readonly=True)
    checksum = fields.Char("SHA-256", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def get_resources(cls):
        return [(None, '')] + _models()

    @classmethod
    def record(cls, name, filename, data, kind='report', resource=None):
        "Keep a generated report or file with who made it and when."
        if isinstance(data, str):
            data = data.encode('utf-8')
        # kept whoever made it; read-only for everyone afterwards
        with without_check_access():
            output, = cls.create([{
                        'date': now(),
                        'user': Transaction().user,
                        'name': name,
                        'kind': kind,
                        'resource': str(resource) if resource else None,
                        'filename': filename,
                        'data': data,
                        'size': len(data),
                        'checksum': hashlib.sha256(data).hexdigest(),
                        }])
        return output


class BatchRun(ServerReadonly, ModelSQL, ModelView):
    "Batch Job Result"
    __name__ = 'power.batch.run'
    _client_create = False
    name = fields.Char("Job", required=True, readonly=True)
    started = fields.DateTime("Started", required=True, readonly=True)
    ended = fields.DateTime("Ended", readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True,
        ondelete='SET NULL')
    state = fields.Selection([
            ('running', "Running"),
            ('done', "Done"),
            ('partial', "Done with Failures"),
            ('failed', "Failed"),
            ], "State", required=True, readonly=True)
    total = fields.Integer(
        "Total", readonly=True, help="The records the job has to do.")
    processed = fields.Integer("Processed", readonly=True)
    failed = fields.Integer("Failed", readonly=True)
    progress = fields.Function(fields.Float(
            "Progress", digits=(1, 4)), 'get_progress')
    errors = fields.One2Many(
        'power.batch.run.error', 'run', "Errors", readonly=True)
    message = fields.Text("Message", readonly=True)
    responsible = fields.Many2One('res.group', "Responsible Group",
        readonly=True, ondelete='SET NULL',
        help="Who is told when the job fails or ends with failures; empty "
        "for the configuration's alert group.")
    alerted = fields.DateTime("Alert Sent", readonly=True,
        help="When the failure was mailed to the responsible group.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('started', 'DESC'), ('id', 'DESC')]

    @classmethod
    def start(cls, name, responsible=None):
        """Open a run record, committed with the job's work; responsible
        is the XML id ('module.group_id') of the group told of failures."""
        group = None
        if responsible:
            group = Pool().get('ir.model.data').get_id(
                *responsible.split('.', 1))
        run, = cls.create([{
                    'name': name,
                    'started': now(),
                    'user': Transaction().user,
                    'state': 'running',
                    'processed': 0,
                    'failed': 0,
                    'responsible': group,
                    }])
        return run

    def alert(self):
        "Tell the responsible group of a failed run, once (alert.py)."
        run = self.__class__(self.id)
        if run.alerted or run.state not in alert.STATE_TEXT:
            return
        alert.send(run)
        self.__class__.write([run], {'alerted': now()})

    def get_progress(self, name):
        if self.state != 'running':
            return 1.0
        if not self.total:
            return 0.0
        return min(((self.processed or 0) + (self.failed or 0))
            / self.total, 1.0)

    def count(self, processed, failed=0):
        """Add a part's counts (several workers may count at once: the
        increment is done by the database) and finish the run when every
        record is counted."""
        table = self.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.processed, table.failed],
                [table.processed + processed, table.failed + failed],
                where=table.id == self.id))
        run = self.__class__(self.id)
        cursor.execute(*table.select(table.processed, table.failed,
                where=table.id == self.id))
        done, errors = cursor.fetchone()
        if run.total is not None and done + errors >= run.total:
            values = {'ended': now(),
                'state': 'partial' if errors else 'done'}
            self.__class__.write([run], values)
            if errors:
                run.alert()

    def add_error(self, record, message):
        Error = Pool().get('power.batch.run.error')
        Error.create([{
                    'run': self.id,
                    'record': str(record) if record else None,
                    'message': message,
                    }])

    def finish(self, processed, failed=0, message=None):
        self.ended = now()
        self.processed = processed
        self.failed = failed
        self.state = 'partial' if failed else 'done'
        self.message = message
        self.save()
        if failed:
            self.alert()

    def fail(self, exception):
        """Record a run that stopped on an exception, in its own transaction
        because the job's own is rolled back."""
        values = {
            'ended': now(),
            'state': 'failed',
            'message': ''.join(traceback.format_exception(exception)),
            }
        try:
            with Transaction().new_transaction() as run_transaction:
                Run = Pool().get(self.__name__)
                Run.write([Run(self.id)], values)
                Run(self.id).alert()
                run_transaction.commit()
        except backend.DatabaseOperationalError:
            logger.exception("could not record the failure of %s", self.name)


class BatchRunError(ServerReadonly, ModelSQL, ModelView):
    "Batch Job Error"
    __name__ = 'power.batch.run.error'
    _client_create = False
    run = fields.Many2One(
        'power.batch.run', "Run", required=True, ondelete='CASCADE')
    record = fields.Reference(
        "Record", selection='get_records', readonly=True)
    message = fields.Text("Message", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('run')

    @classmethod
    def get_records(cls):
        return [(None, '')] + _models()
