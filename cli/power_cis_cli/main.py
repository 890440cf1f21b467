"""The power-cis command.

    power-cis demo      create (or reuse) the demo database and serve it
    power-cis serve     serve an existing database
    power-cis simulate  rate one month with a shipped menu (no database)
"""
import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import time

from . import deploy, mailsink, scan, simulate, site

ADMIN_PASSWORD = 'admin'
ADMIN_EMAIL = 'admin@example.jp'
COMPANY = ('でんき小売株式会社', 'デンキコウリ カブシキガイシャ')
STAFF = [
    # login, name, password, language, groups (module.xml_id)
    ('operator', '窓口 一郎', 'demo-operator', 'ja',
        ['power_cis.group_power_operator']),
    ('billing', '請求 二郎', 'demo-billing', 'ja',
        ['power_cis.group_power_operator', 'power_billing.group_power_billing']),
    ]


def _log(message):
    print(f'[power-cis] {message}', flush=True)


class Steps:
    """'step N of M (elapsed m:ss): what' before each long step of the
    demo's preparation, so a first run (several minutes) shows where it is."""

    def __init__(self, total, log=_log):
        self.total, self.log = total, log
        self.done = 0
        self.started = time.monotonic()

    def elapsed(self):
        seconds = int(time.monotonic() - self.started)
        return f'{seconds // 60}:{seconds % 60:02d}'

    def __call__(self, what):
        self.done += 1
        self.log(f'step {self.done} of {self.total} '
            f'(elapsed {self.elapsed()}): {what}')


def _mail_port():
    return int(os.environ.get('POWER_MAIL_PORT', mailsink.PORT))


def _card_port():
    "The port of the card agent's tokenisation simulator (POWER_CARD_PORT)."
    return int(os.environ.get('POWER_CARD_PORT', 8091))


def _hub_port():
    "The port of the switching hub simulator (POWER_HUB_PORT, 8090)."
    return int(os.environ.get('POWER_HUB_PORT', 8090))


class _hub_endpoint_off:
    "Deactivate the switching hub endpoint within a transaction's block."

    def __enter__(self):
        from trytond.pool import Pool
        Endpoint = Pool().get('power.edi.endpoint')
        self.endpoints = Endpoint.search([('partner', '=', 'occto')])
        Endpoint.write(self.endpoints, {'active': False})

    def __exit__(self, *exc):
        from trytond.pool import Pool
        Endpoint = Pool().get('power.edi.endpoint')
        Endpoint.write(self.endpoints, {'active': True})


def _use_mail_sink():
    "Send trytond's mail to the local sink (unless configured otherwise)."
    os.environ.setdefault('TRYTOND_EMAIL__URI', mailsink.uri(port=_mail_port()))
    os.environ.setdefault(
        'TRYTOND_EMAIL__FROM', 'でんき小売株式会社 <info@denki-kouri.example.jp>')


# the demo shows applications, switching requests and inquiries in every
# state, each on its own active contract: below this it runs out of them
MIN_DEMO_CUSTOMERS = 50


def demo_customers(text):
    "argparse type of --customers: a whole number of at least the minimum"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    if value < MIN_DEMO_CUSTOMERS:
        raise argparse.ArgumentTypeError(
            f"{value} is too few: the demo needs at least "
            f"{MIN_DEMO_CUSTOMERS} customers (applications, switching "
            "requests and inquiries in every state)")
    return value


def prepare_demo(database, customers, areas=('03',)):
    """Create the database if needed, the company, staff users and demo data
    (customers in the grid areas of `areas`: Tokyo for the demo)."""
    demo_customers(str(customers))
    _use_mail_sink()
    site.configure_trytond()
    from trytond import backend
    step = Steps(9)
    step('the database and the five add-ons')
    if not site.database_exists(database):
        _log(f'creating database {database!r} on {backend.name}')
        site.create_database(database, ADMIN_PASSWORD, ADMIN_EMAIL)
    else:
        _log(f'reusing database {database!r} on {backend.name}')
        if site.update_database(database):
            _log('updated the modules (their files had changed)')

    from proteus import config as pconfig
    # proteus replaces TRYTOND_DATABASE_URI by the database name, which the
    # trytond server started afterwards (serve) would take for its URI
    uri = os.environ.get('TRYTOND_DATABASE_URI')
    pconfig.set_trytond(database, config_file=str(site.config_file()))
    if uri is None:
        os.environ.pop('TRYTOND_DATABASE_URI', None)
    else:
        os.environ['TRYTOND_DATABASE_URI'] = uri
    from .company import setup_company
    step('the company, its accounts and the staff')
    company = setup_company(*COMPANY)
    _log(f'company: {company.rec_name} (JPY, Asia/Tokyo)')
    _create_staff(company)
    _close_config_wizard()

    from trytond.transaction import Transaction
    from .demo_data import create_demo_customers
    step(f'{customers} demo customers, their supply points and contracts')
    sink = mailsink.start(site.root() / 'var' / 'mail', port=_mail_port())
    try:
        with Transaction().start(database, 1, context={
                    'company': company.id, 'language': 'en'}) as transaction:
            # the demo's history of switching requests is set by hand, not
            # through the hub: its endpoint is off meanwhile
            with _hub_endpoint_off():
                created = create_demo_customers(
                    company.id, customers, areas=areas)
            transaction.commit()
    finally:
        sink.stop()
    _log(f'demo customers: {created} created' if created
        else 'demo customers: already there')

    from .demo_billing import bill_demo_month, demo_usage
    from .demo_collections import demo_methods
    context = {'company': company.id, 'language': 'en'}
    step('payment methods and 13 months of 30-minute usage')
    site.in_transaction(database,
        lambda transaction: demo_methods(company.id, log=_log),
        context=context)
    from .demo_data import create_demo_corporate, demo_statements
    site.in_transaction(database,
        lambda transaction: create_demo_corporate(company.id, log=_log),
        context=context)
    readings = site.in_transaction(database,
        lambda transaction: demo_usage(company.id, log=_log), context=context)
    billed = 0
    step(f'billing {len(readings)} months' if readings
        else 'billing (already done)')
    for number, month in enumerate(sorted(readings), 1):
        _log(f'  billing month {number} of {len(readings)} '
            f'(elapsed {step.elapsed()})')
        billed += site.in_transaction(database,
            lambda transaction: bill_demo_month(
                month, readings[month], log=_log), context=context)
    _log(f'demo billing: {billed} determinants over {len(readings)} months'
        if readings else 'demo billing: already there')
    site.in_transaction(database,
        lambda transaction: demo_statements(log=_log), context=context)
    from power_sim.print_shop import PrintShop
    from power_sim.procurement import Procurement

    from .demo_billing import (
        demo_acknowledged, demo_exchanges, demo_hub, demo_plan, demo_print)
    step('the partners\' files: grid operator, print shop, procurement')
    site.in_transaction(database,
        lambda transaction: demo_exchanges(company.id, log=_log),
        context=context)
    # outbound files reach the outbox at commit; each partner's simulator
    # then picks them up and acknowledges them in our inbox
    for code, send, partner in [
            ('print', lambda t: demo_print(company.id, log=_log), PrintShop),
            ('procurement', lambda t: demo_plan(log=_log), Procurement)]:
        folders = site.in_transaction(database, send, context=context)
        if folders:
            partner(*folders).process()
            site.in_transaction(database,
                lambda transaction: demo_acknowledged(code, log=_log),
                context=context)
    from power_sim import switching_hub
    step('the switching hub, collections, dunning and terminations')
    _, url, server = switching_hub.start(_hub_port())
    try:
        site.in_transaction(database,
            lambda transaction: demo_hub(company.id, url, log=_log),
            context=context)
        # terminations for non-payment file their 廃止 with the hub
        # dunning letters of customers who chose e-mail go to the mail sink
        from . import demo_collections
        sink = mailsink.start(site.root() / 'var' / 'mail', port=_mail_port())
        try:
            demo_collections.run(database, company.id, context,
                site.in_transaction, log=_log)
        finally:
            sink.stop()
    finally:
        server.shutdown()
        server.server_close()
    from .demo_portal import demo_market, demo_portal
    step('market prices and the portal\'s members')
    site.in_transaction(database,
        lambda transaction: demo_market(log=_log), context=context)
    site.in_transaction(database,
        lambda transaction: demo_portal(log=_log), context=context)

    def kpi(transaction):
        from trytond.modules.power_bi.kpi import refresh_all
        refresh_all()
        _log('KPI dashboard refreshed (Power Retail ▸ Reports ▸ KPI Dashboard)')
    step('the KPI dashboard and the scheduled actions')
    site.in_transaction(database, kpi, context=context)
    site.in_transaction(database,
        lambda transaction: _schedule(company.id), context=context)
    _log(f'demo ready (elapsed {step.elapsed()})')


def _schedule(company_id):
    """The power add-ons' scheduled actions run for the demo's company
    (they were made before it); the daily billing run is due now, so that
    trytond-cron, started with the server, runs it at once (a Batch Run
    'Billing run <today>' and a cron log)."""
    from trytond.pool import Pool
    pool = Pool()
    Cron = pool.get('ir.cron')
    ModelData = pool.get('ir.model.data')
    crons = Cron.search([('method', 'like', 'power.%')])
    Cron.write([c for c in crons if not c.companies],
        {'companies': [('add', [company_id])]})
    billing = Cron(ModelData.get_id('power_billing', 'cron_billing'))
    billing.next_call = dt.datetime.now().replace(microsecond=0)
    billing.save()
    _log(f'scheduled actions: {len(crons)} for the company; the daily '
        'billing run is due at the server\'s start')


def _create_staff(company):
    from proteus import Model
    from proteus.config import get_config
    User = Model.get('res.user')
    Company = Model.get('company.company')
    Group = Model.get('res.group')
    ModelData = Model.get('ir.model.data')
    Lang = Model.get('ir.lang')
    for login, name, password, lang, groups in STAFF:
        if User.find([('login', '=', login)]):
            continue
        user = User(login=login, name=name, password=password)
        user.language, = Lang.find([('code', '=', lang)])
        user.companies.append(Company(company.id))
        user.company = Company(company.id)
        for xml_id in groups:
            user.groups.append(Group(ModelData.get_id(
                        *xml_id.split('.'), get_config().context)))
        user.save()


def _close_config_wizard():
    "The demo is configured by script: do not offer the setup wizard at login."
    from proteus import Model
    Item = Model.get('ir.module.config_wizard.item')
    items = Item.find([('state', '!=', 'done')])
    for item in items:
        item.state = 'done'
    Item.save(items)


def serve(database, listen=None):
    """Run trytond serving the web client, on `listen` (host:port) or the
    address of trytond.conf, with the demo's mail sink; return its exit
    status."""
    _use_mail_sink()
    site.configure_trytond()
    from trytond import config
    configs = [str(site.config_file())]
    if listen:
        override = site.root() / 'var' / f'listen-{listen.replace(":", "-")}.conf'
        override.write_text(f'[web]\nlisten = {listen}\n')
        configs.append(str(override))
    else:
        listen = config.get('web', 'listen')
    _log(f'web client: http://{listen}/  (database {database!r})')
    _log(f'log in as admin / {ADMIN_PASSWORD}; staff: '
        + ', '.join(f'{s[0]} / {s[2]}' for s in STAFF))
    sink = None
    if os.environ['TRYTOND_EMAIL__URI'] == mailsink.uri(port=_mail_port()):
        sink = mailsink.start(site.root() / 'var' / 'mail', port=_mail_port())
        _log(f'mail: kept in {site.root() / "var" / "mail"} '
            f'(local SMTP on port {_mail_port()})')
    from power_sim import switching_hub
    from power_sim.payments import start_tokens
    _, hub_url, hub = switching_hub.start(_hub_port())
    _log(f'switching hub simulator: {hub_url} (Integration ▸ Endpoints)')
    # the card agent's tokenisation page the portal's application uses
    _, card_url, card_agent = start_tokens(_card_port())
    os.environ['TRYTOND_POWER_PORTAL__CARD_AGENT_URL'] = card_url
    _log(f'card agent simulator: {card_url}/tokens')
    _log(f'consumer portal: http://{listen}/{database}/portal/')
    # the scheduled actions' hours are Japan's (the daily billing run at
    # 04:30, the registration codes, the partners' files ...)
    os.environ.setdefault('TRYTOND_TZ', 'Asia/Tokyo')
    _log('scheduled actions: trytond-cron (Administration ▸ Scheduler ▸ '
        'Scheduled Actions; their runs in the cron logs and Batch Runs)')
    _log('stop with Ctrl+C')
    server = subprocess.Popen([
            site.bin_path('trytond'), '-c', *configs, '-d', database])
    cron = subprocess.Popen([
            site.bin_path('trytond-cron'), '-c', *configs, '-d', database])

    def stop(signum, frame):
        server.send_signal(signum)
        cron.send_signal(signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        status = server.wait()
        if cron.poll() is None:
            cron.terminate()
        cron.wait(timeout=30)
        return status
    finally:
        if cron.poll() is None:
            cron.kill()
        for partner in (hub, card_agent):
            partner.shutdown()
            partner.server_close()
        if sink:
            sink.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='power-cis', description="Power retailer CIS tools")
    sub = parser.add_subparsers(dest='command', required=True)
    demo = sub.add_parser('demo', help="create or reuse the demo database, then serve it")
    demo.add_argument('--database', default=site.DEFAULT_DATABASE)
    demo.add_argument('--customers', type=demo_customers, default=200)
    demo.add_argument('--no-server', action='store_true',
        help="prepare the database and exit")
    demo.add_argument('--listen', metavar='HOST:PORT',
        help="address to serve on (default: [web] listen of trytond.conf)")
    srv = sub.add_parser('serve', help="serve an existing database")
    srv.add_argument('--database', default=site.DEFAULT_DATABASE)
    srv.add_argument('--listen', metavar='HOST:PORT')
    sub.add_parser('mail-sink',
        help="run the demo's local SMTP server keeping mails in var/mail")
    sim = sub.add_parser('simulate',
        help="rate one month with a shipped menu and print the bill as JSON")
    simulate.add_arguments(sim)
    scan.add_arguments(sub.add_parser('scan-card-numbers',
            help="look for full card numbers in a database and log files"))
    init = sub.add_parser('init', help="create or update a production "
        "database without a terminal (docker-compose.yml's init service)")
    init.add_argument('--database', default=site.DEFAULT_DATABASE)
    init.add_argument('--admin-password-file', metavar='PATH',
        default=os.environ.get('POWER_ADMIN_PASSWORD_FILE'),
        help="the admin password's first line (a Docker secret); needed "
        "when the database is new or its admin has no password")
    init.add_argument('--admin-email')
    check = sub.add_parser('check-config', help="list where mail, the "
        "card agent and every partner endpoint are reached")
    check.add_argument('--database',
        help="also list the active partner endpoints of this database")
    check.add_argument('--production', action='store_true',
        help="exit 1 when a setting is missing or points at a local "
        "simulator")
    args = parser.parse_args(argv)

    if args.command == 'demo':
        prepare_demo(args.database, args.customers)
        if args.no_server:
            return 0
        return serve(args.database, args.listen)
    elif args.command == 'serve':
        return serve(args.database, args.listen)
    elif args.command == 'simulate':
        return simulate.main(args)
    elif args.command == 'init':
        try:
            deploy.init(args.database, args.admin_password_file,
                args.admin_email)
        except deploy.DeployError as error:
            print(f"power-cis init: {error}", file=sys.stderr)
            return 2
    elif args.command == 'check-config':
        return deploy.check_config(args.database, args.production)
    elif args.command == 'scan-card-numbers':
        return scan.main(args)
    elif args.command == 'mail-sink':
        mailsink.serve_forever(site.root() / 'var' / 'mail', port=_mail_port())
    return 0


if __name__ == '__main__':
    sys.exit(main())
