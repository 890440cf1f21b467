"""Benchmark of the billing run (調定): confirmed usage to posted invoices.

    .venv/bin/python bench/billing.py [--contracts 2000] [--stock 200] [--write]

Creates a database `bench_billing_<N>` on the configured backend (SQLite
by default; PostgreSQL with TRYTOND_DATABASE__URI=postgresql://...), a
billing company, N active 従量電灯B contracts with one month of confirmed
usage each, then times one billing run end to end (determinants, posted
invoices with balanced moves, usage linked) and, on the same data, stock
Tryton's path (ORM create and Invoice.post) for --stock invoices. Both are
rolled back at the end (the commit, a WAL flush, is not counted), so
--reuse measures again on the same data. With --write the figures go to
docs/benchmarks.md.
"""
import argparse
import datetime as dt
import os
import platform
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal as D
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, READING = dt.date(2025, 1, 10), dt.date(2025, 2, 10)
BILL_DAY = dt.date(2025, 2, 12)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--contracts', type=int, default=2000)
    parser.add_argument('--stock', type=int, default=200)
    parser.add_argument('--write', action='store_true')
    parser.add_argument('--reuse', action='store_true',
        help="reuse the database loaded by an earlier run")
    parser.add_argument('--profile', action='store_true',
        help="print where the billing run spends its time")
    args = parser.parse_args()

    from power_cis_cli import site
    site.configure_trytond()
    from trytond import backend
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    name = f'bench_billing_{args.contracts}'
    reuse = args.reuse and site.database_exists(name)
    if not reuse:
        if site.database_exists(name):
            print(f"dropping the earlier {name}")
            with Transaction().start(
                    None, 0, close=True, autocommit=True) as t:
                backend.Database(name).drop(t.connection, name)
            site._stamp(name).unlink(missing_ok=True)
        started = time.perf_counter()
        site.create_database(name, 'admin', 'admin@example.com')
        print(f"database {name} on {backend.name}: "
            f"{time.perf_counter() - started:.0f} s")

    pool = Pool(name)
    pool.init()
    from trytond.modules.company.tests import set_company
    from trytond.modules.power_billing.tests.tools import billing_company

    if not reuse:
        started = time.perf_counter()

        def load(transaction):
            with billing_company(years=(2024,)) as company:
                _load(pool, company, args.contracts)
                return company.id
        company_id = site.in_transaction(name, load)
        print(f"loaded {args.contracts} contracts: "
            f"{time.perf_counter() - started:.0f} s")
    else:
        company_id = site.in_transaction(name, lambda t: pool.get(
                'company.company').search([], limit=1)[0].id)
    Company = pool.get('company.company')

    def bill(transaction):
        with set_company(Company(company_id)):
            BatchRun = pool.get('power.batch.run')
            Determinant = pool.get('power.billing.determinant')
            Invoice = pool.get('account.invoice')
            started = time.perf_counter()
            if args.profile:
                import cProfile
                import pstats
                profile = cProfile.Profile()
                run = profile.runcall(BatchRun.run_billing, BILL_DAY)
                pstats.Stats(profile).sort_stats('tottime').print_stats(30)
            else:
                run = BatchRun.run_billing(BILL_DAY)
            elapsed = time.perf_counter() - started
            counts = (run.processed, run.failed, Determinant.search_count([]),
                Invoice.search_count([('state', '=', 'posted')]))
            stock_rate = _stock(pool, Company(company_id), args.stock)
            transaction.rollback()
            return counts, elapsed, stock_rate
    (processed, failed, billed, invoices), elapsed, stock_rate = (
        site.in_transaction(name, bill))
    print(f"billing run: {processed} billed, {failed} failed, "
        f"{billed} determinants, {invoices} posted invoices in "
        f"{elapsed:.1f} s = {processed / elapsed:.1f} contracts/s")
    run = type('Run', (), {'processed': processed})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"stock Tryton: {stock_rate:.2f} invoices/s (create + post); "
        f"ratio {run.processed / elapsed / stock_rate:.1f}; peak memory "
        f"{peak:.0f} MB")
    if args.write:
        _write(args, backend.name, run.processed, elapsed, stock_rate, peak)


def _load(pool, company, n):
    Party = pool.get('party.party')
    SupplyPoint = pool.get('power.supply_point')
    Contract = pool.get('power.contract')
    Menu = pool.get('power.rate_menu')
    Usage = pool.get('power.usage.confirmed')
    menu, = Menu.search([('code', '=', 'tepco-juryo-b')])
    rng = random.Random(2016)
    for start in range(0, n, 1000):
        size = min(1000, n - start)
        parties = Party.create([{'name': f'需要家 {start + i:07d}',
                    'is_customer': True,
                    'addresses': [('create', [{}])]} for i in range(size)])
        points = SupplyPoint.create([{
                    'number': f'0300001111{start + i:012d}',
                    'address': '東京都千代田区内幸町1-1-3',
                    'reading_schedule': '05'} for i in range(size)])
        contracts = Contract.create([{
                    'company': company.id, 'customer': party.id,
                    'supply_point': point.id,
                    'start_date': dt.date(2024, 6, 1),
                    'versions': [('create', [{
                                    'start_date': dt.date(2024, 6, 1),
                                    'menu': menu.id,
                                    'capacity': D(rng.choice(
                                            [20, 30, 30, 40, 50, 60])),
                                    'holder_name': party.name}])]}
                for party, point in zip(parties, points)])
        Contract.activate(contracts)
        Usage.create([{'supply_point': point.id, 'start': START,
                    'end': READING, 'meter_number': f'M{point.id}',
                    'kwh': D(int(rng.gammavariate(3.0, 90.0))),
                    'received': dt.datetime(2025, 2, 11, 6)}
                for point in points])


def _stock(pool, company, n):
    """Stock Tryton's path on n of the same bills: ORM create with lines
    and taxes, then Invoice.post (report rendering not counted)."""
    Invoice = pool.get('account.invoice')
    Line = pool.get('account.invoice.line')
    Determinant = pool.get('power.billing.determinant')
    Journal = pool.get('account.journal')
    Configuration = pool.get('power.configuration')
    from trytond.transaction import Transaction
    journal, = Journal.search([('type', '=', 'revenue')], limit=1)
    tax = Configuration(1).consumption_tax
    determinants = Determinant.search([], limit=n)
    started = time.perf_counter()
    invoices = []
    for d in determinants:
        invoice = Invoice(type='out', company=company, party=d.customer,
            invoice_address=d.customer.addresses[0], journal=journal,
            account=d.customer.account_receivable_used,
            currency=company.currency, invoice_date=BILL_DAY,
            payment_term_date=d.due_date)
        invoice.lines = [Line(type='line', account=l.account, quantity=1,
                unit_price=l.unit_price, description=l.description,
                taxes=[tax], currency=company.currency, company=company)
            for l in d.invoice.lines]
        invoices.append(invoice)
    Invoice.save(invoices)
    with Transaction().set_context(_skip_warnings=True):
        Invoice.post(invoices)
    return len(invoices) / (time.perf_counter() - started)


def _write(args, backend_name, processed, elapsed, stock_rate, peak):
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
        capture_output=True, text=True, cwd=ROOT).stdout.strip()
    cpu = platform.processor() or platform.machine()
    text = (f"\n## Billing run (`bench/billing.py --contracts "
        f"{args.contracts}`, {backend_name})\n"
        f"{dt.date.today()}, commit {commit}, {os.cpu_count()} cores "
        f"{cpu}, Python {sys.version.split()[0]}\n\n"
        "| what | figure |\n|---|---|\n"
        f"| billing run, confirmed usage → determinants → posted invoices, "
        f"{processed} contracts | {elapsed:.1f} s, "
        f"**{processed / elapsed:.1f} contracts/s** |\n"
        f"| stock Tryton, ORM create + `Invoice.post`, {args.stock} of the "
        f"same invoices | {stock_rate:.2f} invoices/s |\n"
        f"| ratio | {processed / elapsed / stock_rate:.1f} |\n"
        f"| peak memory of the process | {peak:.0f} MB |\n")
    path = ROOT / 'docs' / 'benchmarks.md'
    path.write_text(path.read_text() + text)
    print(f"written to {path}")


if __name__ == '__main__':
    main()
