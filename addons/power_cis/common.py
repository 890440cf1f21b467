# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
import datetime as dt
import functools
import os
import signal
import threading

from trytond.i18n import gettext
from trytond.model import Index, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.model.modelstorage import _pyson_encoder, _record_eval_pyson
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import TransitionError


def now():
    """The current time to the second, as the web client shows it: a default
    with microseconds would differ from what the form sends back on save,
    mark the record changed and make sao redisplay it while saving."""
    return dt.datetime.now().replace(microsecond=0)


def rec_name_domain(clause, *names, domain=None):
    """Return the search_rec_name domain that applies clause to each field
    of names (and to domain when given): any may match for a positive
    operator, none may for a negative one."""
    _, operator, operand, *extra = clause
    negative = operator.startswith('!') or operator.startswith('not ')
    domains = [domain] if domain is not None else []
    domains += [(name, operator, operand, *extra) for name in names]
    return ['AND' if negative else 'OR', *domains]


def transition(state):
    """Workflow.transition that refuses, with a message naming the record
    and both states, records that cannot go to `state` (Tryton's own
    decorator skips them silently)."""
    def decorator(func):
        wrapped = Workflow.transition(state)(func)

        @functools.wraps(func)
        def wrapper(cls, records, *args, **kwargs):
            for record in records:
                current = getattr(record, cls._transition_state)
                if current != state and (current, state) not in (
                        cls._transitions):
                    labels = dict(cls.fields_get(
                            [cls._transition_state])[
                            cls._transition_state]['selection'])
                    raise TransitionError(gettext(
                            'power_cis.msg_transition_not_allowed',
                            record=record.rec_name,
                            current=labels.get(current, current),
                            target=labels.get(state, state)))
            return wrapped(cls, records, *args, **kwargs)
        return wrapper
    return decorator


def state_buttons(shown_in, back=(), icons=None):
    """Tryton's _buttons of a workflow: each button of shown_in ({button:
    [states]}) is visible only in its states; those in back have the back
    icon, those in icons ({button: icon}) their own."""
    icons = {**{name: 'tryton-back' for name in back}, **(icons or {})}
    buttons = {}
    for name, states in shown_in.items():
        buttons[name] = {
            'invisible': ~Eval('state').in_(list(states)),
            'depends': ['state'],
            }
        if name in icons:
            buttons[name]['icon'] = icons[name]
    return buttons


class CompanyDefault:
    "A new record belongs to the company of the context."
    __slots__ = ()

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


class CompanyWorkflow(CompanyDefault, Workflow):
    """A company's record that goes through states: a new one belongs to
    the company of the context and starts in _initial_state; the records
    in _open_states (those staff work lists and batches look for, few
    among many) have a partial index on their state."""
    __slots__ = ()
    _initial_state = 'draft'
    _open_states = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if cls._open_states:
            t = cls.__table__()
            cls._sql_indexes.add(Index(
                    t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(list(cls._open_states))))

    @classmethod
    def default_state(cls):
        return cls._initial_state


def dialog(model, view, label, state, icon='tryton-ok'):
    """A wizard's form state with Cancel and one default button, label,
    that goes to state."""
    return StateView(model, view, [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button(label, state, icon, default=True),
            ])


def closing(model, view):
    """A wizard's last form state: the result and a Close button."""
    return StateView(model, view, [
            Button("Close", 'end', 'tryton-close', default=True),
            ])


def file_states(model, view):
    """The start (Cancel, Create) and result (Close) states of a FileWizard:
    the models model.start and model.result in the views
    view_start_view_form and view_result_view_form."""
    return (dialog(f'{model}.start', f'{view}_start_view_form', "Create",
            'create_'),
        closing(f'{model}.result', f'{view}_result_view_form'))


class FileWizard(Wizard):
    """A wizard that asks in its start state, makes a file in create_
    (produce: (file name, bytes)) and offers it in its result state (a
    FileResult view)."""
    __slots__ = ()
    create_ = StateTransition()

    def produce(self):
        raise NotImplementedError

    def transition_create_(self):
        self.result.filename, self.result.file = self.produce()
        return 'result'

    def default_result(self, fields):
        return {'file': self.result.file, 'filename': self.result.filename}


class FileResult:
    "A wizard's view of a file made for the user to download."
    __slots__ = ()
    file = fields.Binary("File", filename='filename', readonly=True)
    filename = fields.Char("File Name", readonly=True)


class ServerReadonly:
    """Read-only in the form is read-only on the server.

    Tryton enforces a field's ``readonly`` and its ``states`` only in the
    client: a JSON-RPC ``write`` by a user with write access to the model
    changes any field (a billing clerk rewrote the total of a billed
    determinant). On a model with this mixin, a client's own write (an
    *external* modification: a ``write`` or ``create`` call, not a button,
    wizard or scheduled job, which Tryton runs without access checks) of a
    field that is ``readonly`` or read-only by its states for that record
    is refused, naming the field and the record. With ``_client_create``
    False a client can neither create nor delete the model's records: the
    system makes them (determinants, receipts, exchanges, logs).
    docs/security.md, "Money and records changed only by the system"."""
    __slots__ = ()
    _client_create = True

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if not external:
            return
        if mode in {'create', 'delete'} and not cls._client_create:
            raise AccessError(gettext('power_cis.msg_created_by_system',
                    model=cls.__names__()['model']))
        if mode != 'write':
            return
        for name in values:
            field = cls._fields.get(name)
            if field is None:
                continue
            state = field.states.get('readonly')
            if field.readonly:
                refused = records
            elif state is not None:
                encoded = _pyson_encoder.encode(state)
                refused = [r for r in records
                    if _record_eval_pyson(r, encoded, encoded=True)]
            else:
                continue
            if refused:
                raise AccessError(gettext('power_cis.msg_field_readonly',
                        field=cls.__names__(name)['field'],
                        record=refused[0].rec_name))


class UnreadableFieldsHidden:
    """fields_get of a client leaves out the fields the user may not read
    (the secrets of docs/security.md, which nobody reads over RPC): a
    client that reads every field it is told of, as proteus reads all
    eager fields of a record at once, would otherwise fail on them. The
    views already leave them out (Tryton removes them from the form)."""
    __slots__ = ()

    @classmethod
    def fields_get(cls, fields_names=None, level=0):
        definition = super().fields_get(
            fields_names=fields_names, level=level)
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            FieldAccess = Pool().get('ir.model.field.access')
            accesses = FieldAccess.get_access([cls.__name__])[cls.__name__]
            for name, access in accesses.items():
                if not access['read']:
                    definition.pop(name, None)
        return definition


class ClearedOnCopy:
    """A copy of the record leaves out the fields of _cleared_on_copy: its
    number, and what happened to the original (requests sent, replies,
    the dates it was processed)."""
    __slots__ = ()
    _cleared_on_copy = ()

    @classmethod
    def copy(cls, records, default=None):
        default = default.copy() if default is not None else {}
        for name in cls._cleared_on_copy:
            default.setdefault(name, None)
        return super().copy(records, default=default)


class NumberedMixin:
    """A record numbered from a sequence of the power configuration when it
    is created, and shown by its number."""
    __slots__ = ()
    _number_sequence = None

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            Configuration = Pool().get('power.configuration')
            values['number'] = Configuration(1).next_number(
                cls._number_sequence)
        return values

    def get_rec_name(self, name):
        return self.number or str(self.id)


_FAILPOINT_HITS = {}


def failpoint(name):
    """Fault injection for the crash tests (docs/reliability.md): with
    POWER_FAILPOINTS=name=N in the environment, the Nth time the code
    reaches this point the process kills itself (SIGKILL: no cleanup, no
    rollback, as a power cut or the OOM killer would); with
    POWER_FAILPOINT_ONCE=path as well, only if path does not exist yet (it
    is created first), so that the process started in its place goes on.
    Nothing otherwise."""
    spec = os.environ.get('POWER_FAILPOINTS')
    if not spec:
        return
    for item in spec.split(','):
        point, _, count = item.partition('=')
        if point.strip() == name:
            _FAILPOINT_HITS[name] = _FAILPOINT_HITS.get(name, 0) + 1
            if _FAILPOINT_HITS[name] >= int(count or 1):
                once = os.environ.get('POWER_FAILPOINT_ONCE')
                if once:
                    try:
                        open(once, 'x').close()
                    except FileExistsError:
                        return
                os.kill(os.getpid(), signal.SIGKILL)


# Password hashes (argon2: 64 MiB of memory and a few hundred milliseconds
# of CPU each) computed at once by one server process: a login storm of
# a hundred portal members would otherwise hold 6 GB at once (the portal
# load test measured a 1.3 GB peak with 100 logins in 5 s); hashing beyond
# the number of cores only waits for CPU anyway.
HASHING = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


class BoundedHashingMixin:
    "check_password and hash_password of a user model, a few at a time."
    __slots__ = ()

    @classmethod
    def hash_password(cls, password):
        with HASHING:
            return super().hash_password(password)

    @classmethod
    def check_password(cls, password, hash_):
        with HASHING:
            return super().check_password(password, hash_)
