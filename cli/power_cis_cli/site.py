"""Where the installation is and how to reach its trytond."""
import contextlib
import os
import subprocess
import tempfile
import sys
from pathlib import Path

DEFAULT_DATABASE = 'power'
MODULES = ('power_cis', 'power_billing', 'power_edi', 'power_portal', 'power_bi')


def root() -> Path:
    "The repository root: $POWER_CIS_ROOT, or the folder above that has trytond.conf."
    if env := os.environ.get('POWER_CIS_ROOT'):
        return Path(env).resolve()
    for folder in (Path.cwd(), *Path.cwd().parents,
            Path(__file__).resolve().parents[2]):
        if (folder / 'trytond.conf').is_file() and (folder / 'addons').is_dir():
            return folder
    sys.exit("power-cis: cannot find the repository root (trytond.conf); "
        "run from the repository or set POWER_CIS_ROOT")


def config_file() -> Path:
    "$TRYTOND_CONFIG (the production image's), or the repository's trytond.conf."
    if env := os.environ.get('TRYTOND_CONFIG'):
        return Path(env)
    return root() / 'trytond.conf'


def bin_path(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def set_environment():
    """Point trytond (this process and its children) at the repository:
    the configuration file and the SQLite folder, unless already set."""
    os.chdir(root())
    db_path = root() / 'var' / 'db'
    db_path.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault('TRYTOND_DATABASE__PATH', str(db_path))
    os.environ.setdefault('TRYTOND_CONFIG', str(config_file()))


def configure_trytond():
    "Load trytond.conf in this process, working from the repository root."
    set_environment()
    from trytond import config
    config.update_etc(str(config_file()))
    config.set('database', 'path', os.environ['TRYTOND_DATABASE__PATH'])


def database_exists(name: str) -> bool:
    "Whether a Tryton database of that name is initialised."
    from trytond import backend
    from trytond.transaction import Transaction
    with Transaction().start(None, 0, close=True):
        names = backend.Database().list()
    if name not in names:
        return False
    database = backend.Database(name).connect()
    try:
        return database.test()
    finally:
        database.close()


def modules_digest() -> str:
    "A digest of the add-ons' files: when it changes, the database needs an update."
    import hashlib
    digest = hashlib.sha256()
    for path in sorted((root() / 'addons').rglob('*')):
        if path.suffix in {'.py', '.xml', '.po', '.cfg', '.svg', '.fodt'}:
            digest.update(str(path.relative_to(root())).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _stamp(name: str) -> Path:
    from trytond import backend
    return root() / 'var' / f'modules-{backend.name}-{name}.stamp'


def update_database(name: str, force=False):
    """Update our modules in an existing database when their files changed
    since the last update (or always with force)."""
    digest = modules_digest()
    stamp = _stamp(name)
    if not force and stamp.exists() and stamp.read_text() == digest:
        return False
    subprocess.run([
            bin_path('trytond-admin'), '-c', str(config_file()),
            '-d', name, '--activate-dependencies', '-u', *MODULES],
        check=True, cwd=root())
    stamp.write_text(digest)
    return True


@contextlib.contextmanager
def password_file(password):
    """A file of its own (mode 0600) holding password for trytond-admin's
    TRYTONPASSFILE, removed afterwards: two databases made at once (the
    demo and a benchmark) never read or remove each other's."""
    folder = root() / 'var'
    folder.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix='.admin-password-', dir=folder)
    try:
        with os.fdopen(handle, 'w') as file:
            file.write(password + '\n')
        yield Path(path)
    finally:
        Path(path).unlink(missing_ok=True)


def create_database(name: str, password: str, email: str, lang='en'):
    "Create the database (PostgreSQL) or file (SQLite) and activate our modules."
    from trytond import backend
    server = backend.Database()
    server.connect()
    connection = server.get_connection(autocommit=True)
    try:
        if name not in server.list():
            server.create(connection, name)
    finally:
        server.put_connection(connection)
        server.close()
    with password_file(password) as passfile:
        subprocess.run([
                bin_path('trytond-admin'), '-c', str(config_file()),
                '-d', name, '--activate-dependencies',
                '--email', email, '-l', 'ja', '-u', *MODULES],
            check=True, cwd=root(), stdin=subprocess.DEVNULL,
            env={**os.environ, 'TRYTONPASSFILE': str(passfile)})
    _stamp(name).write_text(modules_digest())


def in_transaction(database, func, context=None, user=1, extras=None):
    """func(transaction) in a committed transaction of database, restarted
    with the locks it asked for, as trytond's own dispatcher does. Pass an
    extras dict to start with (and keep) the locks an earlier call asked
    for."""
    from trytond.transaction import Transaction, TransactionError
    if extras is None:
        extras = {}
    while True:
        try:
            with Transaction().start(database, user, context=context or {},
                    **extras) as transaction:
                result = func(transaction)
                transaction.commit()
                return result
        except TransactionError as error:
            error.fix(extras)
