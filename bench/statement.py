"""Benchmark of one payer with many sites (一括請求, docs/billing.md).

    .venv/bin/python bench/statement.py [--sites 1000] [--reuse] [--write]

Creates a database `bench_statement_<N>` on the configured backend (SQLite
by default; PostgreSQL with TRYTOND_DATABASE__URI=postgresql://...): a
billing company with its collection set-up, one corporate customer with N
sites (従量電灯B) on one payer account, one month of confirmed usage each.
Then, in one transaction rolled back at the end (so --reuse measures again
on the same data), it times each step of the month for that payer:

1. the billing run of the N sites (each site's bill, due on the payer's
   day);
2. the statement: its N site bills gathered, the due dates aligned, the
   PDF laid out (WeasyPrint) and archived with its checksum;
3. what staff and the portal read: the amount still due and the status;
4. one bank transfer naming the statement, paying its N bills;
5. the direct-debit request of the payer: one record for the day.

With --write the figures go to docs/benchmarks.md."""
import argparse
import datetime as dt
import io
import random
import resource
import time
from decimal import Decimal as D

import _record
from _database import new_database

START, READING = dt.date(2025, 1, 10), dt.date(2025, 2, 10)
BILL_DAY = dt.date(2025, 2, 12)
FEBRUARY, MARCH1 = dt.date(2025, 2, 1), dt.date(2025, 3, 1)
DEBIT_DAY = dt.date(2025, 3, 25)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--sites', type=int, default=1000)
    parser.add_argument('--reuse', action='store_true',
        help="reuse the database loaded by an earlier run")
    parser.add_argument('--write', action='store_true')
    args = parser.parse_args()

    from power_cis_cli import site
    site.configure_trytond()
    from trytond import backend
    from trytond.pool import Pool

    name = f'bench_statement_{args.sites}'
    if not (args.reuse and site.database_exists(name)):
        new_database(name)
        pool = Pool(name)
        pool.init()
        started = time.perf_counter()
        site.in_transaction(name, lambda t: _load(pool, args.sites))
        print(f"loaded {args.sites} sites: "
            f"{time.perf_counter() - started:.0f} s")
    pool = Pool(name)
    pool.init()
    from trytond.modules.company.tests import set_company

    def company_of(transaction):
        return pool.get('company.company').search([], limit=1)[0].id
    company_id = site.in_transaction(name, company_of)

    # the strict sequences are locked when the transaction starts (see
    # bench/billing.py): a rolled-back rehearsal on one site learns them
    extras = {}

    def rehearse(transaction):
        with set_company(pool.get('company.company')(company_id)):
            Determinant = pool.get('power.billing.determinant')
            pool.get('power.batch.run').run_billing(BILL_DAY,
                contracts=Determinant.due_contracts()[:1])
            transaction.rollback()
    site.in_transaction(name, rehearse, extras=extras)

    def measure(transaction):
        with set_company(pool.get('company.company')(company_id)):
            figures = _month(pool)
            transaction.rollback()
            return figures
    figures = site.in_transaction(name, measure, extras=extras)
    figures['peak'] = resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024
    for label, value in _rows(args.sites, figures):
        print(f"  {label}: {value}")
    if args.write:
        _write(args, backend.name, figures)


def _load(pool, n):
    "The billing company, its collections, one payer with n sites."
    from trytond.modules.power_billing.tests.tools import (
        billing_company, setup_collections)
    Party = pool.get('party.party')
    SupplyPoint = pool.get('power.supply_point')
    Contract = pool.get('power.contract')
    Menu = pool.get('power.rate_menu')
    Usage = pool.get('power.usage.confirmed')
    Payer = pool.get('power.billing.payer')
    Method = pool.get('power.payment.method')
    rng = random.Random(2026)
    with billing_company(years=(2024, 2025)) as company:
        agents = setup_collections(company)
        menu, = Menu.search([('code', '=', 'tepco-juryo-b')])
        customer, = Party.create([{'name': '株式会社ベンチ商事',
                    'is_customer': True,
                    'addresses': [('create', [{'postal_code': '100-0005',
                                    'street': '丸の内1-1-1'}])]}])
        payer, = Payer.create([{'name': '本社一括', 'party': customer.id,
                    'start_month': FEBRUARY}])
        agent = agents['bank']
        Method.create([{'party': customer.id, 'kind': 'bank',
                    'start_date': dt.date(2024, 6, 1), 'agent': agent.id,
                    'bank': agent.bank.id,
                    'bank_branch': agent.bank_branch.id,
                    'account_type': '1', 'account_number': '7654321',
                    'account_holder': 'ｶ)ﾍﾞﾝﾁｼﾖｳｼﾞ'}])
        for start in range(0, n, 1000):
            size = min(1000, n - start)
            points = SupplyPoint.create([{
                        'number': f'0300002222{start + i:012d}',
                        'address': f'東京都港区芝公園{start + i + 1}号店',
                        'reading_schedule': f'{rng.randint(1, 20):02d}'}
                    for i in range(size)])
            contracts = Contract.create([{
                        'company': company.id, 'customer': customer.id,
                        'supply_point': point.id, 'payer': payer.id,
                        'start_date': dt.date(2024, 6, 1),
                        'versions': [('create', [{
                                        'start_date': dt.date(2024, 6, 1),
                                        'menu': menu.id,
                                        'capacity': D(rng.choice(
                                                [30, 40, 50, 60])),
                                        'holder_name': customer.name}])]}
                    for point in points])
            Contract.activate(contracts)
            Usage.create([{'supply_point': point.id, 'start': START,
                        'end': READING, 'meter_number': f'M{point.id}',
                        'kwh': D(int(rng.gammavariate(4.0, 150.0))),
                        'received': dt.datetime(2025, 2, 11, 6)}
                    for point in points])


def _month(pool):
    "The payer's month, step by step: {figure: value}."
    from power_core import statement as core
    BatchRun = pool.get('power.batch.run')
    Payer = pool.get('power.billing.payer')
    Statement = pool.get('power.billing.statement')
    Receipt = pool.get('power.payment.receipt')
    Group = pool.get('account.payment.group')
    Agent = pool.get('power.payment.agent')
    figures = {}

    started = time.perf_counter()
    run = BatchRun.run_billing(BILL_DAY)
    figures['billing'] = time.perf_counter() - started
    figures['billed'] = run.processed

    payer, = Payer.search([])
    started = time.perf_counter()
    statement, = Statement.consolidate([payer], FEBRUARY, date=MARCH1)
    figures['statement'] = time.perf_counter() - started
    figures['lines'] = len(statement.lines)
    figures['total'] = statement.total
    # the layout alone (already inside the step above)
    document = statement.document()
    started = time.perf_counter()
    pdf = core.render_pdf(document)
    figures['pdf'] = time.perf_counter() - started
    import pypdf
    figures['pages'] = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    figures['size'] = len(pdf)

    started = time.perf_counter()
    statement = Statement(statement.id)
    due, _ = statement.amount_due, statement.payment_status
    figures['read'] = time.perf_counter() - started
    assert due == statement.total, (due, statement.total)

    agent, = Agent.search([('kind', '=', 'bank')])
    started = time.perf_counter()
    debit = Group.prepare(agent, DEBIT_DAY)
    figures['debit'] = time.perf_counter() - started
    payments = debit.payments if debit else []
    figures['debit_records'] = len({p.party.id for p in payments})
    figures['debit_payments'] = len(payments)

    started = time.perf_counter()
    try:
        receipt, = Receipt.book('transfer', agent, DEBIT_DAY, [{
                    'party': statement.party, 'amount': statement.total,
                    'reference': statement.number}])
    except Exception as exception:
        # a finding, reported with the other figures (SQLite refused the
        # account statement of 1,000 lines: its expression tree too deep);
        # Tryton's request to restart the transaction with a lock is not
        if type(exception).__name__ == '_TransactionLockError':
            raise
        figures['transfer'] = time.perf_counter() - started
        figures['outcome'] = f'FAILED ({type(exception).__name__}: ' \
            f'{str(exception)[:80]})'
        figures['paid'] = '-'
        return figures
    figures['transfer'] = time.perf_counter() - started
    figures['outcome'] = receipt.outcome
    figures['paid'] = Statement(statement.id).payment_status
    return figures


def _rows(sites, f):
    return [
        (f"billing run of the {sites} sites (each site's own bill)",
            f"{f['billing']:.1f} s ({f['billed'] / f['billing']:.0f} sites/s)"),
        (f"statement: {f['lines']} site bills gathered, due dates aligned, "
            f"PDF laid out and archived",
            f"{f['statement']:.1f} s"),
        ("of which the PDF's layout (WeasyPrint)",
            f"{f['pdf']:.1f} s, {f['pages']} pages, "
            f"{f['size'] / 1e6:.1f} MB"),
        ("amount still due and status (staff list, portal)",
            f"{f['read'] * 1000:.0f} ms"),
        ("direct-debit request of the day",
            f"{f['debit']:.1f} s: {f['debit_payments']} bills in "
            f"{f['debit_records']} debit record(s)"),
        ("one transfer naming the statement pays its bills",
            f"{f['transfer']:.1f} s, {f['outcome']}, statement "
            f"{f['paid']}"),
        ("peak memory of the process", f"{f['peak']:.0f} MB"),
        ]


def _write(args, backend_name, figures):
    text = (f"\n## One payer, many sites (`bench/statement.py --sites "
        f"{args.sites}`, {backend_name})\n{_record.stamp()}\n\n"
        "| what | figure |\n|---|---|\n")
    for label, value in _rows(args.sites, figures):
        text += f"| {label} | {value} |\n"
    _record.append(text)


if __name__ == '__main__':
    main()
