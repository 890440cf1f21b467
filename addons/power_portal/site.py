# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The portal's plumbing: one decorator turns a function into a route of
/<database>/portal with a transaction, the customer's session, the CSRF
check of every POST, the security headers and Japanese error pages; pages
are Jinja2 templates rendered on the server. Requests run in Japanese
(context language 'ja'): the texts of power_portal's messages (gettext) are
the Japanese of its locale/ja.po."""
import datetime as dt
import functools
import ipaddress
import logging
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from werkzeug.exceptions import HTTPException

from sql.conditionals import Coalesce

from power_core import notice, portal as core
from power_core.power_mix import CLAIMS

from trytond import config
from trytond.exceptions import RateLimitException, UserError, UserWarning
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.protocols.wrappers import Response, with_pool, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

from .catalog import catalog
from .exceptions import PortalError

logger = logging.getLogger(__name__)

PREFIX = '/<database_name>/portal'
# the language of every page (and so of the messages the pages show)
LANGUAGE = 'ja'
SESSION_COOKIE = 'portal_session'
CSRF_COOKIE = 'portal_csrf'
CSRF_FIELD = 'csrf_token'
HERE = Path(__file__).parent
STATIC = HERE / 'static'

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(HERE / 'templates')),
    autoescape=True, trim_blocks=True, lstrip_blocks=True)
_env.filters.update(yen=lambda v: notice.yen(v) + '円', number=notice.number,
    jdate=notice.jdate, price=notice.price, period=notice.period)
_env.globals['claims'] = CLAIMS


def session_timeout():
    return config.getint('session', 'web_timeout', default=30 * 24 * 60 * 60)


def _loopback(host):
    host = (host or '').rsplit(':', 1)[0].strip('[]')
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Member:
    """The logged-in customer: the web user and party ids, and for a site
    manager of a corporate customer the contracts they may see (None: the
    contract holder, who sees all); the party record is read only when a
    page uses it."""

    def __init__(self, pool, user_id, party_id, sites=None):
        self.id = user_id
        self.party_id = party_id
        self.sites = sites
        self._pool = pool

    @property
    def party(self):
        return self._pool.get('party.party')(self.party_id)

    @property
    def holder(self):
        return self.sites is None

    @functools.cached_property
    def has_statements(self):
        "The customer has a payer account's statements (一括請求)."
        Statement = self._pool.get('power.billing.statement')
        return bool(Statement.search([('party', '=', self.party_id)],
                limit=1))


# what a site manager sees of each model: the records of their sites
SITE_FIELDS = {
    'power.contract': 'id',
    'power.billing.determinant': 'contract',
    'power.billing.document': 'determinant.contract',
    'power.application': 'contract',
    'power.dr.participant': 'contract',
    'power.inquiry': 'contract',
    }


def site_domain(page, model):
    """The domain that keeps a site manager to their sites' records of
    model; a model not listed (statements, customer-wide data) shows them
    nothing."""
    sites = page.user.sites if page.user else None
    if sites is None:
        return []
    field = SITE_FIELDS.get(model)
    if field is None:
        return [('id', '=', -1)]
    return [(field, 'in', sorted(sites))]


def holder_only(page):
    "Refuse the page to a site manager."
    if page.user and not page.user.holder:
        raise PortalError(403, gettext('power_portal.msg_holder_only'))


def _member(pool, key):
    """The Member of session key, or None (unknown, expired, inactive, or
    not a customer): one query instead of web_user's three reads."""
    Session = pool.get('web.user.session')
    User = pool.get('web.user')
    session = Session.__table__()
    user = User.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*session.join(user, condition=session.user == user.id
            ).select(user.id, user.party, user.active,
            Coalesce(session.write_date, session.create_date),
            user.portal_role,
            where=session.key == key, limit=1))
    row = cursor.fetchone()
    if not row:
        return None
    user_id, party_id, active, moment, role = row
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if (not active or not party_id
            or abs(moment - dt.datetime.now()) > Session.timeout()):
        return None
    sites = None
    if role == 'site_manager':
        relation = pool.get('web.user-power.contract').__table__()
        cursor.execute(*relation.select(relation.contract,
                where=relation.user == user_id))
        sites = frozenset(c for c, in cursor)
    return Member(pool, user_id, party_id, sites)


class Page:
    "One request of the portal: its customer, CSRF token and response."

    def __init__(self, request, pool):
        self.request = request
        self.pool = pool
        self.database = pool.database_name
        self.base = f'/{self.database}/portal'
        self.cookies = {}
        self.csrf = request.cookies.get(CSRF_COOKIE) or core.new_token()
        if request.cookies.get(CSRF_COOKIE) != self.csrf:
            self.cookies[CSRF_COOKIE] = (self.csrf, None)
        self.session = request.cookies.get(SESSION_COOKIE)
        self.user = _member(pool, self.session) if self.session else None
        self.catalog = catalog(pool)
        self.company = self.catalog.company

    @property
    def party(self):
        return self.user.party if self.user else None

    @property
    def form(self):
        return self.request.form

    @property
    def secure(self):
        """Cookies are Secure except on plain HTTP to this machine (the demo
        and the tests), where a browser would not send them back."""
        return self.request.scheme == 'https' or not _loopback(
            self.request.host)

    def url(self, path='/', **params):
        params = {k: v for k, v in params.items() if v not in (None, '')}
        return self.base + path + ('?' + urlencode(params) if params else '')

    def check_origin(self):
        """Refuse a state-changing request sent from another site: by its
        Sec-Fetch-Site, Origin or (without Origin) Referer
        (power_core.portal.cross_site). Neither Origin nor Referer (not a
        browser posting across sites) passes on to the CSRF token."""
        headers = self.request.headers
        if core.cross_site(headers.get('Origin'), headers.get('Referer'),
                headers.get('Sec-Fetch-Site'), self.request.host):
            raise PortalError(403, gettext('power_portal.msg_cross_site'))

    def check_csrf(self):
        submitted = self.request.form.get(CSRF_FIELD)
        if not core.tokens_match(self.request.cookies.get(CSRF_COOKIE),
                submitted):
            raise PortalError(403, gettext('power_portal.msg_form_expired'))

    def login(self, user):
        self.user = Member(self.pool, user.id, user.party.id)
        self.session = user.new_session()
        self.cookies[SESSION_COOKIE] = (self.session, session_timeout())
        # a new CSRF token after login (no fixation of the anonymous one)
        self.csrf = core.new_token()
        self.cookies[CSRF_COOKIE] = (self.csrf, None)

    def logout(self):
        if self.session:
            self.pool.get('web.user.session').remove(self.session)
        self.user = None
        self.cookies[SESSION_COOKIE] = ('', 0)

    def render(self, template, status=200, **values):
        body = _env.get_template(template).render(
            page=self, csrf_field=CSRF_FIELD, today=today(), **values)
        return self.finish(Response(
                body, status=status, content_type='text/html; charset=utf-8'))

    def json(self, data, status=200):
        "A JSON answer (the application form's lookups)."
        import json
        response = Response(json.dumps(data, ensure_ascii=False),
            status=status, content_type='application/json; charset=utf-8')
        response.headers['Cache-Control'] = 'no-store'
        return self.finish(response)

    def redirect(self, path, **params):
        response = Response('', status=303)
        response.headers['Location'] = self.url(path, **params)
        return self.finish(response)

    def download(self, content, filename, content_type):
        response = Response(content, content_type=content_type)
        response.headers['Content-Disposition'] = (
            f"attachment; filename*=UTF-8''{filename}")
        return self.finish(response)

    def finish(self, response):
        for name, (value, max_age) in self.cookies.items():
            response.set_cookie(name, value, max_age=max_age,
                path=self.base, secure=self.secure, httponly=True,
                samesite='Lax')
        headers = response.headers
        headers['X-Content-Type-Options'] = 'nosniff'
        headers['X-Frame-Options'] = 'DENY'
        headers['Referrer-Policy'] = 'same-origin'
        headers['Cache-Control'] = 'no-store'
        headers['Content-Security-Policy'] = (
            "default-src 'self'; img-src 'self' data:; "
            "style-src 'self' 'unsafe-inline'; script-src 'self'; "
            f"connect-src 'self' {card_agent_origin()}; frame-ancestors 'none'; "
            "form-action 'self'")
        return response

    def error(self, status, message):
        return self.render('message.html', status=status,
            title=gettext('power_portal.msg_error_title' if status >= 500
                else 'power_portal.msg_check_title'),
            message=message, back=True)


def card_agent_origin():
    "Where the card agent's tokenisation page lives (config or the demo's)."
    return config.get('power_portal', 'card_agent_url',
        default='http://127.0.0.1:8091').rstrip('/')


class CardAgentUnavailable(Exception):
    "The card agent did not answer a token lookup."


def lookup_card_token(token, timeout=5):
    """The card the agent issued as token ({'token', 'masked', 'expiry'}),
    or None if it never issued it: GET <card agent>/tokens/<token>
    ([power_portal] card_agent_api, by default the tokenisation origin).
    Raise CardAgentUnavailable when the agent does not answer."""
    import json
    import urllib.error
    import urllib.request
    from urllib.parse import quote
    base = config.get('power_portal', 'card_agent_api',
        default=card_agent_origin()).rstrip('/')
    url = f"{base}/tokens/{quote(str(token), safe='')}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            card = json.loads(answer.read(4096))
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise CardAgentUnavailable(error.code) from error
    except (OSError, ValueError) as error:
        raise CardAgentUnavailable(str(error)) from error
    if not isinstance(card, dict) or card.get('token') != token:
        return None
    return card


def today():
    return Transaction().context.get('date') or dt.date.today()


def route(path, methods=('GET',), login=False, readonly=None):
    """Register func(page, **view_args) at /<database>/portal<path>.

    Every POST must carry the CSRF token of the cookie; login=True sends
    visitors without a session to the login page; UserError becomes a
    Japanese page with the message, never a stack trace."""
    def decorator(func):
        @functools.wraps(func)
        def endpoint(request, pool, **kwargs):
            try:
                page = Page(request, pool)
            except HTTPException:
                raise
            try:
                if request.method not in {'GET', 'HEAD', 'OPTIONS'}:
                    page.check_origin()
                    page.check_csrf()
                if login and not page.user:
                    return page.redirect('/login', next=request.full_path
                        if request.method == 'GET' else None)
                context = {'language': LANGUAGE}
                if page.company:
                    context['company'] = page.company.id
                with Transaction().set_context(**context):
                    return func(page, **kwargs)
            except PortalError as error:
                Transaction().rollback()
                return page.error(error.status, error.message)
            except RateLimitException:
                Transaction().rollback()
                return page.error(429,
                    gettext('power_portal.msg_too_many_attempts'))
            except (UserError, UserWarning) as error:
                Transaction().rollback()
                return page.error(400, error.message)
        wrapped = with_pool(with_transaction(
                readonly=readonly, context={'language': LANGUAGE})(endpoint))
        # the module may be imported under two names (trytond.modules.X
        # and its entry point): register each page once
        if not any(r.rule == PREFIX + path
                for r in app.url_map.iter_rules()):
            app.route(PREFIX + path, methods=list(methods))(wrapped)
        return func
    return decorator


def owned(page, model, record_id, field='customer'):
    """The record of the logged-in customer, or a 404 that says nothing
    about whether it exists for someone else."""
    Model = page.pool.get(model)
    records = Model.search([
            ('id', '=', int(record_id)),
            (field, '=', page.party.id),
            ] + site_domain(page, model), limit=1)
    if not records:
        raise PortalError(404, gettext('power_portal.msg_page_not_found'))
    return records[0]


def rate_limit(page, kind, limit, seconds=3600):
    "Refuse more than limit attempts of kind from one address in seconds."
    Attempt = page.pool.get('power.portal.attempt')
    address = page.request.remote_addr or ''
    if Attempt.count(kind, address, seconds) >= limit:
        raise RateLimitException()
    with Transaction().new_transaction() as transaction:
        Attempt.add(kind, address)
        transaction.commit()


# --- every response of the server ----------------------------------------

# sent with every response that does not set its own (the staff web client
# at /, its static files and RPC): it may not be framed by another site
STAFF_HEADERS = {
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    }
REFUSED_PAGE = ('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
    '<title>{title}</title></head><body><h1>{title}</h1>'
    '<p>{message}</p></body></html>')


def refusal_texts(environ, *names):
    """The Japanese of the power_portal messages names for a request trytond
    refused before any page ran (no transaction yet): read through gettext
    in a transaction of the request's database when this process serves it
    already, else from the module's locale/ja.po (a refusal never opens a
    database that the path names)."""
    database = (environ.get('PATH_INFO') or '/').split('/')[1]
    if database in Pool.database_list():
        try:
            with Transaction(new=True).start(database, 0, readonly=True,
                    context={'language': LANGUAGE}):
                return [gettext(f'power_portal.{n}') for n in names]
        except Exception:
            logger.warning("messages of %s not read", database,
                exc_info=True)
    texts = _po_texts()
    return [texts[n] for n in names]


@functools.cache
def _po_texts():
    "{message id: Japanese} of the module's locale/ja.po."
    import polib
    prefix = 'model:ir.message,text:'
    return {e.msgctxt[len(prefix):]: e.msgstr
        for e in polib.pofile(str(HERE / 'locale' / f'{LANGUAGE}.po'))
        if (e.msgctxt or '').startswith(prefix) and e.msgstr}


def guard(wsgi_app):
    """trytond's WSGI application with the security headers of STAFF_HEADERS
    on every response, and its refusal of a foreign Origin (an HTTP 403
    that trytond raises outside its error handling, a 500 with a traceback
    in the log) answered as a plain 403: a Japanese page under /portal."""
    def guarded(environ, start_response):
        def start(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            headers = list(headers) + [(name, value)
                for name, value in STAFF_HEADERS.items()
                if name.lower() not in names]
            return start_response(status, headers, exc_info)
        try:
            return wsgi_app(environ, start)
        except HTTPException as error:
            response = error.get_response(environ)
            if '/portal' in (environ.get('PATH_INFO') or ''):
                title, message = refusal_texts(environ, 'msg_check_title',
                    'msg_cross_site' if error.code == 403
                    else 'msg_request_refused')
                response = Response(REFUSED_PAGE.format(title=title,
                        message=message), status=error.code,
                    content_type='text/html; charset=utf-8')
                response.headers['Cache-Control'] = 'no-store'
            logger.info("refused %s %s: %s", environ.get('REQUEST_METHOD'),
                environ.get('PATH_INFO'), error.code)
            return response(environ, start)
    guarded.power_portal_guard = True
    return guarded


if not getattr(app.wsgi_app, 'power_portal_guard', False):
    app.wsgi_app = guard(app.wsgi_app)
