# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Endpoints and the exchange log.

An endpoint is where a partner's files arrive and where ours go: a
drop-folder set (inbox, outbox, archive, error), the way HULFT-style file
transfer is wired, or a SOAP/HTTP service. Every file or message in or out
is an exchange: its content (in the file store), checksum, state and what
it applied.

An inbound file is logged with its content, then parsed, validated
completely and applied under a savepoint: a bad line rolls back everything
the file did (nothing of it is applied) and the log entry records where and
why. The file leaves the inbox (for the archive, or the error folder) only
once the transaction is committed; outbound files reach the outbox only
then too. A crash before the commit leaves the file in the inbox to be read
again; a file whose checksum was applied already is archived as a duplicate
and applies nothing: nothing is lost and nothing is applied twice.

Any error of one file (a damaged ZIP, an unexpected exception) fails that
file alone: it is logged as failed with its reason and kept in the error
folder, and the poll goes on with the next file. A file holding a full card
number is refused before anything reads it and kept (in the file store and
the error folder) with the numbers masked. Symbolic links and whatever is
not a regular file in an inbox are never read nor followed: logged as
failed and moved to the error folder as they are."""
import datetime as dt
import errno
import hashlib
import logging
import os
import shutil
import stat
from pathlib import Path

from power_core.errors import PowerCoreError
from power_core.formats import first_difference
from power_core.payments import mask_card_numbers_in_data

from trytond import backend, config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.power_cis.common import ServerReadonly, failpoint, now
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, TransactionError

from .exceptions import ExchangeError, FileRefusedError

logger = logging.getLogger(__name__)

PARTNERS = [
    ('occto', "OCCTO Switching Hub (スイッチング支援システム)"),
    ('grid', "Grid Operator (一般送配電事業者)"),
    ('payment', "Payment Agent / Bank"),
    ('procurement', "Power Procurement (電源調達)"),
    ('print', "Print Shop (印刷代行)"),
    ('points', "Point Programme"),
    ]
STATES = [
    ('received', "Received"),
    ('parsed', "Parsed"),
    ('applied', "Applied"),
    ('failed', "Failed"),
    ('duplicate', "Duplicate (not applied)"),
    ('sent', "Sent"),
    ('acknowledged', "Acknowledged"),
    ]
# the handler of each inbound type: a class method name on the exchange
HANDLERS = {}
# a temporary outbound file without a committed exchange is removed after
ORPHAN_MINUTES = 10
# how an outbound type is built again from the database: a method name on
# the exchange returning the content (power_edi.payments, .points, ...) and
# the function saying where the sent and rebuilt contents differ
REBUILDERS = {}
# errors that are no file's fault: the transaction is run again (a table
# lock Tryton takes by restarting, a lock or serialisation failure)
RETRIED = (TransactionError, backend.DatabaseOperationalError,
    backend.DatabaseTimeoutError)


def handler(kind):
    """Register the decorated method as the handler of a file type: it takes
    the content (bytes) and may return what after_applied needs."""
    def register(method):
        HANDLERS[kind] = method.__name__
        return method
    return register


def rebuilder(kind, compare=None):
    """Register the decorated method as the way to build an outbound file
    of this type again from the database (Exchange.rebuild), compared line
    by line unless compare(sent, rebuilt) says otherwise."""
    def register(method):
        REBUILDERS[kind] = (method.__name__, compare or first_difference)
        return method
    return register


def edi_root():
    "The folder under which endpoints keep their folders by default."
    default = Path(config.get('database', 'path')) / 'edi'
    return Path(config.get('power_edi', 'root', default=str(default)))


class Endpoint(ModelSQL, ModelView):
    "Exchange Endpoint"
    __name__ = 'power.edi.endpoint'
    name = fields.Char("Name", required=True)
    code = fields.Char("Code", required=True,
        help="Short name; the default folders are named after it.")
    partner = fields.Selection(PARTNERS, "Partner", required=True)
    partner_code = fields.Char("Partner's Code",
        help="The partner's company code in its files (e.g. the grid "
        "operator's JP06110 sender code); files from another sender are "
        "refused.")
    own_code = fields.Char("Our Code",
        help="Our company code towards the partner: the retailer code at "
        "the switching hub, the receiver code in the grid operator's "
        "files.")
    transport = fields.Selection([
            ('folder', "Drop Folders"),
            ('soap', "SOAP Service"),
            ], "Transport", required=True)
    inbox = fields.Char("Inbox", states={
            'invisible': Eval('transport') != 'folder'})
    outbox = fields.Char("Outbox", states={
            'invisible': Eval('transport') != 'folder'})
    archive = fields.Char("Archive", states={
            'invisible': Eval('transport') != 'folder'})
    error_folder = fields.Char("Error Folder", states={
            'invisible': Eval('transport') != 'folder'})
    url = fields.Char("Service URL", states={
            'invisible': Eval('transport') != 'soap',
            'required': Eval('transport') == 'soap'})
    client_certificate = fields.Char("Client Certificate", states={
            'invisible': Eval('transport') != 'soap'},
        help="Path of the PEM client certificate for mutual TLS.")
    client_key = fields.Char("Client Key", states={
            'invisible': Eval('transport') != 'soap'},
        help="Path of the PEM private key of the client certificate.")
    trigger_billing = fields.Boolean("Bill After Import",
        help="Run the billing of the contracts whose confirmed usage "
        "arrived in a file right after it is applied.")
    active = fields.Boolean("Active")
    exchanges = fields.One2Many(
        'power.edi.exchange', 'endpoint', "Exchanges", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'poll': {},
                })
        # each partner's module names its buttons ({button: partner}) in
        # its extension; they show on that partner's endpoints only
        for klass in cls.__mro__:
            for button, partner in vars(klass).get(
                    '_partner_buttons', {}).items():
                cls._buttons[button] = {
                    'invisible': Eval('partner') != partner,
                    'depends': ['partner'],
                    }

    @staticmethod
    def default_active():
        return True

    @staticmethod
    def default_transport():
        return 'folder'

    @staticmethod
    def default_trigger_billing():
        return True

    def folder(self, name):
        """The folder `name` (inbox, outbox, archive, error), created; by
        default under the database's own folder of edi_root(): two
        databases of one server never read each other's files."""
        value = getattr(self, 'error_folder' if name == 'error' else name)
        path = Path(value) if value else (edi_root()
            / Transaction().database.name / self.code / name)
        path.mkdir(parents=True, exist_ok=True)
        return path

    @classmethod
    @ModelView.button
    def poll(cls, endpoints):
        """Read every file waiting in the inboxes now (for the switching
        hub: ask it about the requests in progress)."""
        pool = Pool()
        BatchRun = pool.get('power.batch.run')
        # one poll of an endpoint at a time (the scheduled one and the
        # button's): the second waits, then sees what the first applied
        cls.lock(endpoints)
        # files are applied as the system does, whoever asks to poll
        with Transaction().set_context(_check_access=False):
            for endpoint in endpoints:
                if endpoint.transport == 'folder':
                    endpoint.recover_outbox()
                run = BatchRun.start(f"Inbox {endpoint.name}",
                    responsible="power_edi.group_power_edi")
                done, failed = endpoint.receive_inbox(run)
                run.finish(done, failed)

    @classmethod
    def cron_poll(cls):
        """Scheduled action: read every active drop-folder inbox and ask
        the switching hub about the requests in progress."""
        cls.poll(cls.search([]))

    def recover_outbox(self):
        """Give their names to outbound files whose transaction committed
        while the process that wrote them died before renaming them; remove
        those of transactions that never committed (older than
        ORPHAN_MINUTES, so that a transaction committing now keeps its
        file). The names recovered."""
        Exchange = Pool().get('power.edi.exchange')
        outbox = self.folder('outbox')
        recovered = []
        for temporary in sorted(outbox.glob('.*.part')):
            name = temporary.name[1:-len('.part')]
            try:
                data = temporary.read_bytes()
                sent = Exchange.search([('endpoint', '=', self.id),
                        ('direction', '=', 'out'), ('name', '=', name),
                        ('checksum', '=', hashlib.sha256(data).hexdigest())],
                    limit=1)
                if sent:
                    os.replace(temporary, outbox / name)
                    recovered.append(name)
                    logger.warning("outbound file %s recovered after a "
                        "crash (exchange %s)", name, sent[0].rec_name)
                elif (dt.datetime.now().timestamp()
                        - temporary.stat().st_mtime > ORPHAN_MINUTES * 60):
                    temporary.unlink()
                    logger.warning("outbound file %s of a transaction that "
                        "did not commit removed", name)
            except FileNotFoundError:
                # its own process renamed it meanwhile
                continue
        return recovered

    def receive_inbox(self, run=None):
        """Handle the files of the inbox in name order; (applied, failed)
        counts (duplicates count as applied: nothing was lost). Each file
        is handled under a savepoint of its own: whatever goes wrong with
        one is logged as its failure and the others are still applied."""
        Exchange = Pool().get('power.edi.exchange')
        inbox = self.folder('inbox')
        done = failed = 0
        for path in sorted(p for p in inbox.iterdir()
                if not p.name.startswith('.')):
            exchange = Exchange.receive_path(self, path)
            if exchange is None:
                continue
            if exchange.state == 'failed':
                failed += 1
                if run:
                    run.add_error(str(exchange), exchange.error)
            else:
                done += 1
        return done, failed


class Exchange(ServerReadonly, ModelSQL, ModelView):
    "Exchange"
    __name__ = 'power.edi.exchange'
    _client_create = False
    _rec_name = 'number'
    number = fields.Char("Number", readonly=True)
    endpoint = fields.Many2One(
        'power.edi.endpoint', "Endpoint", required=True, readonly=True,
        ondelete='RESTRICT')
    partner = fields.Selection(PARTNERS, "Partner", required=True,
        readonly=True)
    direction = fields.Selection([
            ('in', "Inbound"),
            ('out', "Outbound"),
            ], "Direction", required=True, readonly=True)
    kind = fields.Char("Type", readonly=True,
        help="The file or message type, e.g. grid_daily.")
    name = fields.Char("File Name", required=True, readonly=True)
    content = fields.Binary("Content", filename='name',
        file_id='content_id', readonly=True)
    content_id = fields.Char("Content ID", readonly=True)
    size = fields.Integer("Size (bytes)", readonly=True)
    checksum = fields.Char("SHA-256", readonly=True)
    business_key = fields.Char("Business Key", readonly=True,
        help="What the file is about (sender, type, day or month).")
    received = fields.DateTime("Received / Created", required=True,
        readonly=True)
    processed = fields.DateTime("Processed", readonly=True)
    records = fields.Integer("Records", readonly=True,
        help="Records read from the file.")
    applied_records = fields.Integer("Applied", readonly=True,
        help="Records that created or changed something.")
    unchanged_records = fields.Integer("Unchanged", readonly=True,
        help="Records identical to what was already stored.")
    error = fields.Text("Error", readonly=True,
        help="Where in the file and why it was refused.")
    message = fields.Text("Message", readonly=True)
    duplicate_of = fields.Many2One('power.edi.exchange', "Duplicate Of",
        readonly=True, ondelete='RESTRICT')
    state = fields.Selection(STATES, "State", required=True, readonly=True)
    rebuilt = fields.Char("Rebuilt", readonly=True,
        help="The last time this outbound file was built again from the "
        "database and compared with what was sent: identical, or where "
        "it differs.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.checksum, Index.Equality())),
                Index(t, (t.received, Index.Range())),
                })
        cls._order = [('received', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'retry': {
                    'invisible': Eval('state') != 'failed',
                    'depends': ['state'],
                    },
                'rebuild': {
                    'invisible': Eval('direction') != 'out',
                    'depends': ['direction'],
                    },
                })

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            values.setdefault('number', None)
        records = super().create(vlist)
        for record in records:
            record.number = f'EX{record.id:08d}'
        cls.save(records)
        return records

    def get_rec_name(self, name):
        return f'{self.number} {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op, ('number', *clause[1:]), ('name', *clause[1:])]

    # --- inbound ---------------------------------------------------------

    @classmethod
    def receive_path(cls, endpoint, path):
        """Log and apply the file at path of endpoint's inbox; the
        exchange, or None when the file went before it was read. A symbolic
        link or anything not a regular file is not read (nor followed):
        logged as failed and moved as it is to the error folder. Any error
        while the file is read, logged or applied fails this file alone
        (logged, kept in the error folder)."""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute('SAVEPOINT power_edi_file')
        try:
            try:
                data = _read_regular(path)
            except FileNotFoundError:
                # taken since it was listed (another poll, a person)
                logger.info("inbound file %s gone before it was read", path)
                cursor.execute('RELEASE SAVEPOINT power_edi_file')
                return None
            except _NotRegular as refusal:
                exchange = cls.refuse_file(endpoint, path.name,
                    gettext('power_edi.msg_not_regular_file',
                        name=path.name, what=gettext(
                            f'power_edi.msg_inbox_{refusal.what}')))
                Transaction().join(FileMoves()).add(
                    path, endpoint.folder('error'))
            else:
                exchange = cls.receive_file(endpoint, path, data)
        except RETRIED:
            raise   # a lock or a serialisation failure: the poll is retried
        except Exception as exception:
            cursor.execute('ROLLBACK TO SAVEPOINT power_edi_file')
            transaction.cache.clear()
            logger.exception("inbound file %s could not be received", path)
            exchange = cls.refuse_file(endpoint, path.name,
                gettext('power_edi.msg_file_error', name=path.name,
                    error=_describe(exception)))
            Transaction().join(FileMoves()).add(
                path, endpoint.folder('error'))
        else:
            cursor.execute('RELEASE SAVEPOINT power_edi_file')
        return exchange

    @classmethod
    def refuse_file(cls, endpoint, name, error):
        "Log an inbound file refused unread: failed, with error."
        exchange, = cls.create([{
                    'endpoint': endpoint.id, 'partner': endpoint.partner,
                    'direction': 'in', 'name': name, 'size': 0,
                    'received': now(), 'processed': now(),
                    'state': 'failed', 'error': error,
                    }])
        logger.info("inbound file %s refused: %s", name, error)
        return exchange

    @classmethod
    def receive_file(cls, endpoint, path, data):
        """Log and apply one inbound file of content data; it moves to the
        archive (or the error folder) when the transaction commits, with
        its card numbers masked when it holds any. The exchange."""
        stored, lines = mask_card_numbers_in_data(data)
        exchange = cls.receive_data(endpoint, path.name, data, stored=stored,
            card_lines=lines)
        destination = endpoint.folder(
            'error' if exchange.state == 'failed' else 'archive')
        moves = Transaction().join(FileMoves())
        if lines:
            # the full numbers are kept nowhere: not even in the error folder
            moves.replace(path, destination, stored)
        else:
            moves.add(path, destination)
        return exchange

    @classmethod
    def receive_data(cls, endpoint, name, data, stored=None,
            card_lines=None):
        """Log and apply inbound content (a file, a SOAP reply, an upload);
        the exchange, applied, duplicate or failed with its reason. A
        content holding a full card number is refused unread and stored
        with the numbers masked (stored and card_lines: the masked content
        and the lines of the numbers, when the caller has them)."""
        if stored is None:
            stored, card_lines = mask_card_numbers_in_data(data)
        checksum = hashlib.sha256(data).hexdigest()
        original = cls.search([
                ('checksum', '=', checksum),
                ('direction', '=', 'in'),
                ('state', '=', 'applied'),
                ], limit=1)
        exchange, = cls.create([{
                    'endpoint': endpoint.id, 'partner': endpoint.partner,
                    'direction': 'in', 'name': name, 'content': stored,
                    'size': len(data), 'checksum': checksum,
                    'received': now(), 'state': 'received',
                    }])
        if card_lines:
            exchange.error = gettext('power_edi.msg_card_numbers_in_file',
                name=name, lines=', '.join(str(n) for n in card_lines[:10]))
            exchange.state = 'failed'
            exchange.processed = now()
            exchange.save()
            logger.info("exchange %s refused: %s", exchange.id,
                exchange.error)
            return exchange
        if original:
            exchange.duplicate_of, = original
            exchange.message = gettext('power_edi.msg_duplicate_file',
                original=original[0].rec_name)
            exchange.state = 'duplicate'
            exchange.processed = now()
            exchange.save()
            return exchange
        # the content in hand is applied (not read back from the file
        # store: a large file is held once)
        return cls._apply_isolated(exchange, data)

    def data(self):
        "The content as stored, as bytes."
        return bytes(self.content or b'')

    @classmethod
    def _apply_isolated(cls, exchange, data=None):
        """Apply data (by default the stored content) under a savepoint; on
        a refusal roll back all it did and record the reason."""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute('SAVEPOINT power_edi_apply')
        result = None
        try:
            result = exchange.apply(data)
            failpoint('edi.apply')
        except RETRIED:
            raise   # a lock or a serialisation failure: applied again later
        except Exception as exception:
            # a refusal (FileRefusedError, a UserError of another module,
            # a power_core error) or anything else the file made go wrong
            # (a damaged ZIP's zlib.error, a bad CRC): this file alone fails
            cursor.execute('ROLLBACK TO SAVEPOINT power_edi_apply')
            transaction.cache.clear()
            # (apply turns a power_core error into a FileRefusedError)
            if isinstance(exception, UserError):
                reason = exception.message
                logger.info("exchange %s refused: %s", exchange.id, reason)
            else:
                reason = gettext('power_edi.msg_file_error',
                    name=exchange.name, error=_describe(exception))
                if isinstance(exception, (ValueError, LookupError,
                            backend.DatabaseIntegrityError)):
                    logger.info("exchange %s refused: %s", exchange.id,
                        reason)
                else:
                    logger.exception("exchange %s failed", exchange.id)
            exchange = cls(exchange.id)
            exchange.error = reason
            exchange.state = 'failed'
            exchange.records = exchange.applied_records = None
            exchange.unchanged_records = None
        else:
            cursor.execute('RELEASE SAVEPOINT power_edi_apply')
            exchange.error = None
            exchange.state = 'applied'
        exchange.processed = now()
        exchange.save()
        if exchange.state == 'applied':
            exchange.after_applied(result)
        return exchange

    def apply(self, data=None):
        """Parse, validate and apply data (by default the stored content) by
        the endpoint's partner; what its handler returns, for
        after_applied. FileRefusedError when the content is refused (a
        power_core error wrapped, its detail kept: see refusal)."""
        if data is None:
            data = self.data()
        method = HANDLERS.get(self.endpoint.partner)
        if not method:
            raise FileRefusedError(gettext('power_edi.msg_no_handler',
                    partner=self.partner))
        try:
            return getattr(self, method)(data)
        except PowerCoreError as error:
            raise refusal(self.name, error) from error

    def after_applied(self, result):
        """Work that follows an applied file, after its savepoint; result:
        what the file's handler returned."""

    @classmethod
    @ModelView.button
    def retry(cls, exchanges):
        """Apply failed files again (after the data they needed was fixed);
        a file applied in the meantime is not applied twice. A file kept
        with its card numbers masked (its content is not what was
        received) or refused unread is never applied."""
        for exchange in exchanges:
            if exchange.state != 'failed':
                continue
            if not exchange.checksum or (hashlib.sha256(exchange.data())
                    .hexdigest() != exchange.checksum):
                raise ExchangeError(gettext(
                        'power_edi.msg_retry_not_received',
                        exchange=exchange.rec_name))
            original = cls.search([
                    ('checksum', '=', exchange.checksum),
                    ('direction', '=', 'in'),
                    ('state', '=', 'applied'),
                    ], limit=1)
            if original:
                exchange.duplicate_of, = original
                exchange.state = 'duplicate'
                exchange.save()
                continue
            cls._apply_isolated(exchange)

    # --- outbound --------------------------------------------------------

    @classmethod
    @ModelView.button
    def rebuild(cls, exchanges):
        """Build outbound files again from the database and compare them
        with what was sent (kept in the exchange): the writers use no clock
        and no randomness, so a file is identical as long as the data it
        was made from is unchanged."""
        for exchange in exchanges:
            if exchange.direction != 'out' or (
                    exchange.kind not in REBUILDERS):
                raise ExchangeError(gettext('power_edi.msg_not_rebuildable',
                        exchange=exchange.rec_name,
                        kinds=', '.join(sorted(REBUILDERS))))
            method, compare = REBUILDERS[exchange.kind]
            difference = compare(exchange.data(),
                getattr(exchange, method)())
            stamp = now().strftime('%Y-%m-%d %H:%M')
            exchange.rebuilt = (gettext('power_edi.msg_rebuilt_identical',
                    date=stamp) if difference is None
                else gettext('power_edi.msg_rebuilt_different', date=stamp,
                    difference=difference))
        cls.save(exchanges)

    @classmethod
    def send_file(cls, endpoint, name, data, kind, business_key=None,
            message=None):
        """Log an outbound file and write it to the endpoint's outbox
        (atomically: written under a temporary name, then renamed)."""
        checksum = hashlib.sha256(data).hexdigest()
        exchange, = cls.create([{
                    'endpoint': endpoint.id, 'partner': endpoint.partner,
                    'direction': 'out', 'kind': kind, 'name': name,
                    'content': data, 'size': len(data),
                    'checksum': checksum, 'business_key': business_key,
                    'received': now(), 'processed': now(),
                    'message': message, 'state': 'sent',
                    }])
        Transaction().join(FileMoves()).write(
            endpoint.folder('outbox') / name, data)
        return exchange


class FileMoves:
    """Files moved and written once the transaction commits (a Tryton
    data manager, like the one that sends mails): a rolled-back import
    leaves its file in the inbox, a rolled-back batch sends nothing."""

    def __init__(self):
        self.moves, self.writes = [], []

    def __eq__(self, other):
        return isinstance(other, FileMoves)

    def __hash__(self):
        return hash(FileMoves)

    def add(self, path, folder):
        self.moves.append((Path(path), Path(folder), None))

    def replace(self, path, folder, data):
        """Keep data (a masked copy) in folder under path's name instead of
        path itself, which is removed."""
        self.moves.append((Path(path), Path(folder), data))

    def write(self, path, data):
        self.writes.append((Path(path), data))

    def tpc_begin(self, transaction):
        pass

    def commit(self, transaction):
        pass

    def tpc_vote(self, transaction):
        # outbound files are written before the database commits, under a
        # hidden temporary name (a partner polling the outbox never reads
        # half a file nor a file of a transaction that did not commit)
        for path, data in self.writes:
            temporary = _temporary(path)
            with open(temporary, 'wb') as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        failpoint('edi.outbox_written')

    def tpc_finish(self, transaction):
        for path, folder, data in self.moves:
            if os.path.lexists(path):
                _move(path, folder, data)
        # committed: the files take their names. A process killed here
        # leaves the temporary files, which Endpoint.recover_outbox
        # renames (their exchange was committed) on the next poll
        failpoint('edi.outbox_commit')
        for path, data in self.writes:
            temporary = _temporary(path)
            if not temporary.exists():
                if path.exists():
                    continue   # recovered by another process meanwhile
                # not voted (a test committing the files by hand)
                temporary.write_bytes(data)
            try:
                os.replace(temporary, path)
            except FileNotFoundError:
                pass   # recovered by another process meanwhile
        self.moves, self.writes = [], []

    def tpc_abort(self, transaction):
        for path, _ in self.writes:
            _temporary(path).unlink(missing_ok=True)
        self.moves, self.writes = [], []


class _NotRegular(Exception):
    """What is in an inbox is not a regular file: what is symbolic_link,
    folder or special_file (the message power_edi.msg_inbox_<what> names
    it)."""

    def __init__(self, what):
        super().__init__(what)
        self.what = what


def _read_regular(path):
    """The content of the regular file at path, never following a symbolic
    link (O_NOFOLLOW: a link put in place after the check is not followed
    either); _NotRegular for anything else."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise _NotRegular('symbolic_link')
    if not stat.S_ISREG(info.st_mode):
        raise _NotRegular('folder' if stat.S_ISDIR(info.st_mode)
            else 'special_file')
    try:
        descriptor = os.open(path, os.O_RDONLY
            | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_NONBLOCK', 0))
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _NotRegular('symbolic_link') from None
        raise
    with os.fdopen(descriptor, 'rb') as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise _NotRegular('special_file')
        return file.read()


def _describe(exception):
    "What went wrong, for a person: the exception's type and message."
    text = str(exception).strip()
    kind = type(exception).__name__
    return f'{kind}: {text}' if text else kind


def core_detail(error):
    """(where, reason) of a power_core error, as the core wrote them: where
    names the file, line, record or field (None when the error does not
    say), reason what is wrong without it."""
    where = getattr(error, 'where', None) or None
    reason = error.reason
    if where and reason.startswith(f'{where}: '):
        reason = reason[len(where) + 2:]
    return where, reason


def refusal(name, error):
    """The FileRefusedError of file name refused by the power_core error:
    the core's detail (where in the file, why) kept as values of the
    translated message."""
    where, reason = core_detail(error)
    if where and name and where.startswith(name):
        # the core names the file too: where says where in it
        where = where[len(name):].lstrip(' ,:') or None
    if where:
        message = gettext('power_edi.msg_file_refused_at', file=name,
            where=where, reason=reason)
    else:
        message = gettext('power_edi.msg_file_refused', file=name,
            reason=reason)
    exception = FileRefusedError(message)
    exception.__cause__ = error
    return exception


def reason_of(exception):
    """What an exception says to a person: the message of a UserError, the
    core's reason of a power_core error, else its type and text."""
    if isinstance(exception, UserError):
        return exception.message
    if isinstance(exception, PowerCoreError):
        return exception.reason
    return _describe(exception)


def _temporary(path):
    "The hidden name an outbound file has until its transaction commits."
    return path.with_name(f'.{path.name}.part')


def _move(path, folder, data=None):
    """Move path into folder, never overwriting an earlier file (a symbolic
    link is moved as a link, never followed); with data, write data there
    instead and remove path."""
    target = folder / path.name
    if os.path.lexists(target):
        stamp = dt.datetime.now().strftime('%Y%m%d%H%M%S%f')
        target = folder / f'{path.stem}.{stamp}{path.suffix}'
    if data is None:
        try:
            os.rename(path, target)
        except OSError:
            # another file system: copied (a link as a link), then removed
            if not (path.is_symlink() or path.is_file() or path.is_dir()):
                logger.warning("%s left in place: not a file to move", path)
                return None
            shutil.move(str(path), str(target))
        return target
    temporary = _temporary(target)
    with open(temporary, 'wb') as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, target)
    path.unlink(missing_ok=True)
    return target
