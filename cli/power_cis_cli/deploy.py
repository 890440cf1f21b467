"""What a production deployment runs before it serves (docs/deployment.md).

``power-cis init`` is the one-shot step of docker-compose.yml's ``init``
service: it creates the database when there is none, activates or updates
the five add-ons, and gives ``admin`` the password of a secret file, never
asking on a terminal. The web, cron and worker containers only serve.

``power-cis check-config`` lists where every partner, the mail server and
the card agent are reached, and with ``--production`` refuses a setting
that is missing or still points at one of the local simulators (a
loopback address), so a deployment never falls back to them silently.
"""
import ipaddress
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from . import site


class DeployError(Exception):
    "A deployment step that cannot go on; the message says what to do."


def read_password(path):
    "The admin password: the first line of path (a Docker secret)."
    if not path:
        raise DeployError("no admin password: give --admin-password-file "
            "(in docker-compose.yml the secret admin_password)")
    try:
        lines = Path(path).read_text(encoding='utf-8').splitlines()
    except OSError as error:
        raise DeployError(f"cannot read the admin password file {path}: "
            f"{error.strerror}") from error
    password = lines[0].strip() if lines else ''
    if len(password) < 8:
        raise DeployError(f"the admin password in {path} is empty or "
            "shorter than 8 characters")
    return password


def _admin_has_password(name):
    from sql import Table

    from trytond.transaction import Transaction
    user = Table('res_user')
    with Transaction().start(name, 0, readonly=True, close=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(*user.select(user.password_hash,
                where=user.login == 'admin'))
        row = cursor.fetchone()
    return bool(row and row[0])


def _set_admin_password(name, password):
    with site.password_file(password) as passfile:
        subprocess.run([site.bin_path('trytond-admin'), '-c',
                str(site.config_file()), '-d', name, '--password'],
            check=True, cwd=site.root(), stdin=subprocess.DEVNULL,
            env={**os.environ, 'TRYTONPASSFILE': str(passfile)})


def init(name, password_file=None, email=None, log=print):
    """Create or update database name; return what was done ('created',
    'updated' or 'up to date': the add-ons' files are those of the last
    update, see site.update_database). A new database needs the password file; an existing one
    whose admin has no password (an earlier start that stopped at the
    password prompt) gets it from the file too."""
    site.configure_trytond()
    if not site.database_exists(name):
        password = read_password(password_file)
        log(f"init: creating database {name!r} and activating "
            f"{', '.join(site.MODULES)}")
        site.create_database(name, password, email or 'admin@localhost')
        return 'created'
    if site.update_database(name):
        log(f"init: updated {', '.join(site.MODULES)} in database {name!r}")
        done = 'updated'
    else:
        log(f"init: database {name!r} is up to date with the add-ons")
        done = 'up to date'
    if not _admin_has_password(name):
        password = read_password(password_file)
        log("init: admin had no password; setting the one of the secret")
        _set_admin_password(name, password)
    return done


LOOPBACK_NAMES = {'localhost', 'localhost.localdomain', ''}


def is_loopback(url):
    "Whether url points at this machine (where the simulators listen)."
    host = urlsplit(url).hostname or ''
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mask(url):
    "url with the password of its user part replaced by ***."
    parts = urlsplit(url or '')
    if parts.password:
        netloc = parts.netloc.replace(f':{parts.password}@', ':***@', 1)
        return parts._replace(netloc=netloc).geturl()
    return url or ''


def sender_problem(sender):
    "Why a From address cannot go out, or None."
    from email.utils import parseaddr
    address = parseaddr(sender or '')[1]
    if '@' not in address:
        return "not a mail address"
    domain = address.rsplit('@', 1)[1].lower()
    if domain in LOOPBACK_NAMES or '.' not in domain:
        return "a local address"
    return None


def settings(name=None):
    """[(what, value, problem or None)] of every setting that reaches
    outside: mail, the card agent and, with a database, each active
    partner endpoint."""
    from trytond import config
    rows = []

    def check(what, value, required=True):
        problem = None
        if not value:
            problem = "not set" if required else None
        elif is_loopback(value):
            problem = "points at this machine (a local simulator)"
        rows.append((what, mask(value), problem))

    check('[email] uri', config.get('email', 'uri', default=None))
    sender = config.get('email', 'from', default=None)
    rows.append(('[email] from', sender or '', sender_problem(sender)))
    check('[power_portal] card_agent_url',
        config.get('power_portal', 'card_agent_url', default=None))
    check('[power_portal] card_agent_api',
        config.get('power_portal', 'card_agent_api', default=None),
        required=False)
    check('[power_cis] alert_webhook',
        config.get('power_cis', 'alert_webhook', default=None),
        required=False)
    if name:
        rows.extend(_endpoint_settings(name))
    return rows


def _endpoint_settings(name):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    rows = []
    with Transaction().start(name, 0, readonly=True, close=True):
        pool = Pool(name)
        pool.init()
        Endpoint = pool.get('power.edi.endpoint')
        for endpoint in Endpoint.search([('active', '=', True)],
                order=[('code', 'ASC')]):
            what = f"endpoint {endpoint.code} ({endpoint.partner}, " \
                f"{endpoint.transport})"
            if endpoint.transport != 'folder':
                problem = ("not set" if not endpoint.url
                    else "points at this machine (a local simulator)"
                    if is_loopback(endpoint.url) else None)
                rows.append((what, mask(endpoint.url), problem))
            else:
                # a drop folder the partner's transfer reaches
                rows.append((what, str(endpoint.folder('inbox')), None))
    return rows


def check_config(name=None, production=False, out=print):
    """Print every outside setting; with production, return 1 when one is
    missing or local."""
    site.configure_trytond()
    rows = settings(name)
    width = max(len(r[0]) for r in rows)
    problems = 0
    for what, value, problem in rows:
        mark = ''
        if problem:
            mark = f'  <- {problem}'
            problems += 1
        out(f"{what:{width}}  {value or '-'}{mark}")
    if production and problems:
        out(f"check-config: {problems} setting(s) not ready for production "
            "(docs/deployment.md)")
        return 1
    return 0
