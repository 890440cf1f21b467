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
import random
import resource
import subprocess
import time
from decimal import Decimal as D
from pathlib import Path

import _record
from _database import new_database

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
    parser.add_argument('--database',
        help="bill the next month of this synthetic retailer "
        "(bench/synth.py) instead of loading contracts")
    parser.add_argument('--only', type=int, metavar='N',
        help="with --database: bill only the first N due contracts (by id; "
        "the late estimates are not issued), to tell the cost of the "
        "database's size from that of the run's length")
    parser.add_argument('--profile', action='store_true',
        help="print where the billing run spends its time")
    parser.add_argument('--workers', type=int, nargs='*', default=[],
        help="then bill one more month with each number of trytond-worker "
        "processes (PostgreSQL), e.g. --workers 1 2 4; with --database, "
        "the same next month each time, on a copy of the database")
    args = parser.parse_args()

    from power_cis_cli import site
    site.configure_trytond()
    from trytond import backend
    from trytond.pool import Pool

    global BILL_DAY
    name = args.database or f'bench_billing_{args.contracts}'
    reuse = bool(args.database) or (
        args.reuse and site.database_exists(name))
    if not reuse:
        new_database(name)

    pool = Pool(name)
    pool.init()
    from trytond.modules.company.tests import set_company
    from trytond.modules.power_billing.tests.tools import billing_company

    if not reuse:
        started = time.perf_counter()

        def load(transaction):
            with billing_company(years=(2024, 2025)) as company:
                _load(pool, company, args.contracts)
                return company.id
        company_id = site.in_transaction(name, load)
        print(f"loaded {args.contracts} contracts: "
            f"{time.perf_counter() - started:.0f} s")
    else:
        company_id = site.in_transaction(name, lambda t: pool.get(
                'company.company').search([], limit=1)[0].id)
    Company = pool.get('company.company')
    if args.database:
        BILL_DAY, args.contracts = site.in_transaction(name, _next_month)
        print(f"{name}: {args.contracts} contracts due on {BILL_DAY}")

    # a strict sequence must be locked when the transaction starts: Tryton
    # restarts a transaction that asks later. A rolled-back rehearsal on
    # one contract learns the locks, so the measured run is not restarted
    # (and its work not done several times over).
    extras = {}

    def rehearse(transaction):
        with set_company(Company(company_id)):
            Determinant = pool.get('power.billing.determinant')
            contract_ids = Determinant.due_contracts()[:1]
            pool.get('power.batch.run').run_billing(BILL_DAY,
                contracts=contract_ids)
            if args.stock:
                _stock(pool, Company(company_id), 1)
            transaction.rollback()
    site.in_transaction(name, rehearse, extras=extras)

    def bill(transaction):
        with set_company(Company(company_id)):
            BatchRun = pool.get('power.batch.run')
            Determinant = pool.get('power.billing.determinant')
            Invoice = pool.get('account.invoice')
            from trytond.modules.power_billing.engine import TIMINGS
            only = (sorted(Determinant.due_contracts())[:args.only]
                if args.only else None)
            TIMINGS.clear()
            started = time.perf_counter()
            if args.profile:
                import cProfile
                import pstats
                profile = cProfile.Profile()
                run = profile.runcall(BatchRun.run_billing, BILL_DAY,
                    contracts=only)
                profile.dump_stats(ROOT / 'var' / 'billing.prof')
                pstats.Stats(profile).sort_stats('tottime').print_stats(30)
                print(f"the whole profile: {ROOT / 'var' / 'billing.prof'} "
                    "(python -m pstats)")
            else:
                run = BatchRun.run_billing(BILL_DAY, contracts=only)
            elapsed = time.perf_counter() - started
            counts = (run.processed, run.failed, Determinant.search_count([]),
                Invoice.search_count([('state', '=', 'posted')]))
            split = dict(TIMINGS)
            split['other (run, queries, transaction)'] = elapsed - sum(
                split.values())
            stock_rate = (_stock(pool, Company(company_id), args.stock)
                if args.stock else None)
            transaction.rollback()
            return counts, elapsed, stock_rate, split
    (processed, failed, billed, invoices), elapsed, stock_rate, split = (
        site.in_transaction(name, bill, extras=extras))
    for step, seconds in sorted(split.items(), key=lambda i: -i[1]):
        print(f"  {step}: {seconds:.1f} s ({seconds / elapsed:.0%})")
    print(f"billing run: {processed} billed, {failed} failed, "
        f"{billed} determinants, {invoices} posted invoices in "
        f"{elapsed:.1f} s = {processed / elapsed:.1f} contracts/s")
    run = type('Run', (), {'processed': processed})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if stock_rate:
        print(f"stock Tryton: {stock_rate:.2f} invoices/s (create + post); "
            f"ratio {run.processed / elapsed / stock_rate:.1f}")
    print(f"peak memory {peak:.0f} MB")
    scaling = []
    for month, workers in enumerate(args.workers):
        if args.database:
            rate = _with_workers_on_copy(name, workers)
        else:
            rate = _with_workers(pool, name, company_id, month, workers)
        print(f"{workers} trytond-worker process(es): {rate:.1f} contracts/s")
        scaling.append((workers, rate))
    if args.write:
        _write(args, backend.name, run.processed, elapsed, stock_rate, peak,
            split, scaling)


def _with_workers(pool, name, company_id, month, workers):
    """Bill the next month of every contract through the task queue with
    `workers` trytond-worker processes; contracts per second from the push
    to the run's end."""
    from power_cis_cli import site

    from trytond.modules.company.tests import set_company
    Company = pool.get('company.company')
    start = _months(READING, month - 1) if month else START
    end = _months(READING, month)

    def prepare(transaction):
        with set_company(Company(company_id)):
            if month:
                Usage = pool.get('power.usage.confirmed')
                Usage.create([{'supply_point': u.supply_point.id,
                            'start': start, 'end': end,
                            'meter_number': u.meter_number,
                            'kwh': u.kwh, 'received': dt.datetime.now()}
                        for u in Usage.search([('end', '=', start)])])
            _fuel(pool, end)
    site.in_transaction(name, prepare)
    return _through_queue(pool, name, company_id,
        end + dt.timedelta(days=2), workers)[0]


def _with_workers_on_copy(name, workers):
    """Bill the next month of the synthetic retailer `name` through the
    task queue with `workers` trytond-worker processes, on a copy of the
    database made for it and dropped after (the workers commit, so each
    count needs the same month unbilled); contracts per second."""
    from power_cis_cli import site
    from synth import _psql, copy_database

    from trytond import backend
    from trytond.pool import Pool
    copy = f'{name}_workers'
    # the template may have no other connection: close this process's
    backend.Database(name).close()
    started = time.perf_counter()
    copy_database(name, copy)
    print(f"{copy}: copied in {time.perf_counter() - started:.0f} s")
    try:
        pool = Pool(copy)
        pool.init()
        bill_day, due = site.in_transaction(copy, _next_month)
        company_id = site.in_transaction(copy, lambda t: pool.get(
                'company.company').search([], limit=1)[0].id)
        rate, total = _through_queue(pool, copy, company_id, bill_day,
            workers)
        print(f"  {total} of {due} contracts due billed through the queue")
        print(f"  {site.in_transaction(copy, _check_numbers)}")
        return rate
    finally:
        backend.Database(copy).close()
        _psql('postgres', f'DROP DATABASE IF EXISTS "{copy}"')
        site._stamp(copy).unlink(missing_ok=True)


def _check_numbers(transaction):
    """After workers billed: every posted invoice numbered, no number twice,
    each invoice sequence (by prefix) without a gap; a sentence, or an
    exception."""
    cursor = transaction.connection.cursor()
    cursor.execute("SELECT count(*) FROM account_invoice "
        "WHERE state IN ('posted', 'paid') AND number IS NULL")
    unnumbered, = cursor.fetchone()
    cursor.execute("""
        SELECT regexp_replace(number, '\\d+$', '') AS prefix, count(*),
            count(DISTINCT number),
            max(substring(number FROM '(\\d+)$')::bigint)
            - min(substring(number FROM '(\\d+)$')::bigint) + 1
        FROM account_invoice WHERE number IS NOT NULL GROUP BY 1""")
    sequences = cursor.fetchall()
    wrong = [s for s in sequences if not s[1] == s[2] == s[3]]
    if unnumbered or wrong:
        raise RuntimeError(f"{unnumbered} posted invoices without a number; "
            f"sequences with a gap or a number twice: {wrong}")
    return (f"invoice numbers: all posted invoices numbered, "
        f"{len(sequences)} sequences without gap or double "
        f"({sum(s[1] for s in sequences)} numbers)")


def _through_queue(pool, name, company_id, bill_day, workers):
    """Run the billing of bill_day through the task queue with `workers`
    trytond-worker processes, after a warm-up of a chunk per worker:
    (contracts per second from the push to the run's end, contracts)."""
    from power_cis_cli import site

    from trytond import config
    from trytond.modules.company.tests import set_company
    Company = pool.get('company.company')
    log = open(ROOT / 'var' / f'bench-worker-{workers}.log', 'w')
    # a worker only works when the queue is configured for workers; the
    # later configuration file overrides trytond.conf
    worker_conf = ROOT / 'var' / 'bench-worker.conf'
    worker_conf.write_text('[queue]\nworker = True\n')
    process = subprocess.Popen([str(ROOT / '.venv' / 'bin' / 'trytond-worker'),
            '-c', str(ROOT / 'trytond.conf'), str(worker_conf),
            '-d', name, '-n', str(workers), '-v'],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        time.sleep(3)  # the workers connect and listen

        def push(contracts=None):
            "Queue the run's chunks: (run id, contracts)."
            def queue(transaction):
                with set_company(Company(company_id)):
                    config.set('queue', 'worker', 'True')
                    try:
                        run = pool.get('power.batch.run').run_billing(
                            bill_day, contracts=contracts)
                    finally:
                        config.set('queue', 'worker', 'False')
                    return run.id, run.total
            return site.in_transaction(name, queue)

        def wait(run_id):
            while True:
                state = site.in_transaction(name, lambda t: pool.get(
                        'power.batch.run')(run_id).state)
                if state != 'running':
                    return
                if process.poll() is not None:
                    raise RuntimeError(
                        f"trytond-worker stopped; see {log.name}")
                time.sleep(0.2)

        # warm-up: a chunk for each worker first, so that every worker
        # process has started and loaded the modules before the timing
        from trytond.modules.power_billing.billing import chunk_size
        due = site.in_transaction(name, lambda t: sorted(pool.get(
                    'power.billing.determinant').due_contracts()))
        wait(push(due[:workers * chunk_size()])[0])
        started = time.perf_counter()
        run_id, total = push()
        wait(run_id)
        elapsed = time.perf_counter() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
        process.wait()
        log.close()
    return total / elapsed, total


def _next_month(transaction):
    """The next reading of every supply point of a synthetic retailer,
    written in SQL (the run is rolled back, so this stays until the next
    --database run replaces it): the same kWh a period later, and for the
    time-of-use contracts the 30-minute days of the period, those of 35
    days before. (the billing day, the number of contracts due)"""
    cursor = transaction.connection.cursor()
    cursor.execute("DELETE FROM power_usage_interval WHERE source = 'bench'")
    cursor.execute("DELETE FROM power_usage_confirmed WHERE source = 'bench'")
    cursor.execute("""
        INSERT INTO power_usage_confirmed (supply_point, meter_number,
            start, "end", kind, kwh, next_reading_date, received, source,
            create_uid, create_date)
        SELECT u.supply_point, u.meter_number, u."end", u.next_reading_date,
            'reading', u.kwh, u.next_reading_date + 30, now(), 'bench', 0,
            now()
        FROM power_usage_confirmed u
        JOIN power_contract c ON c.supply_point = u.supply_point
            AND c.state = 'active'
        WHERE u.superseded IS NULL AND u.kind = 'reading'
            AND u.next_reading_date IS NOT NULL
            AND u."end" = (SELECT max(l."end") FROM power_usage_confirmed l
                WHERE l.supply_point = u.supply_point
                    AND l.superseded IS NULL)""")
    due = cursor.rowcount
    cursor.execute("""
        INSERT INTO power_usage_interval (supply_point, date, "values",
            quality, kwh, received, source, create_uid, create_date)
        SELECT i.supply_point, d.day::date, i."values", i.quality, i.kwh,
            now(), 'bench', 0, now()
        FROM power_usage_confirmed u
        CROSS JOIN LATERAL generate_series(u.start, u."end" - 1,
            interval '1 day') AS d(day)
        JOIN power_usage_interval i ON i.supply_point = u.supply_point
            AND i.date = d.day::date - 35 AND i.superseded IS NULL
        WHERE u.source = 'bench'
            AND NOT EXISTS (SELECT 1 FROM power_usage_interval x
                WHERE x.supply_point = u.supply_point
                    AND x.date = d.day::date AND x.superseded IS NULL)""")
    cursor.execute("SELECT max(\"end\") FROM power_usage_confirmed "
        "WHERE source = 'bench'")
    last, = cursor.fetchone()
    from trytond.pool import Pool
    _fuel_all(Pool(), last)
    transaction.commit()
    return last + dt.timedelta(days=1), due


def _fuel_all(pool, end):
    "Fuel prices of every area for the bench's charge months."
    Fuel = pool.get('power.regulated.fuel')
    GridArea = pool.get('power.grid_area')
    for area in GridArea.search([]):
        for month in (end.replace(day=1), _months(end.replace(day=1), 1)):
            for menu_type in ('regulated', 'free'):
                if not Fuel.search([('area', '=', area.id),
                            ('menu_type', '=', menu_type),
                            ('charge_month', '=', month)]):
                    Fuel.create([{'area': area.id, 'menu_type': menu_type,
                                'charge_month': month,
                                'price': D('-2.00'),
                                'source': 'bench: synthetic'}])


def _months(date, months):
    month = date.month - 1 + months
    return date.replace(year=date.year + month // 12, month=month % 12 + 1)


def _fuel(pool, end):
    "A fuel price for the bench's later charge months (not published)."
    Fuel = pool.get('power.regulated.fuel')
    GridArea = pool.get('power.grid_area')
    area, = GridArea.search([('code', '=', '03')])
    charge_month = end.replace(day=1)
    if not Fuel.search([('area', '=', area.id),
                ('menu_type', '=', 'regulated'),
                ('charge_month', '=', charge_month)]):
        Fuel.create([{'area': area.id, 'menu_type': 'regulated',
                    'charge_month': charge_month, 'price': D('-5.00'),
                    'source': 'bench: synthetic'}])


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


def _write(args, backend_name, processed, elapsed, stock_rate, peak, split,
        scaling):
    source = (f"--database {args.database}" if args.database
        else f"--contracts {args.contracts}")
    if args.only:
        source += f" --only {args.only}"
    if args.database and not args.stock:
        source += " --stock 0"
    if args.workers:
        source += " --workers " + " ".join(map(str, args.workers))
    text = (f"\n## Billing run (`bench/billing.py {source}`, {backend_name})\n"
        f"{_record.stamp()}\n\n"
        "| what | figure |\n|---|---|\n"
        f"| billing run, confirmed usage → determinants → posted invoices, "
        f"{processed} contracts | {elapsed:.1f} s, "
        f"**{processed / elapsed:.1f} contracts/s** |\n"
        + (f"| stock Tryton, ORM create + `Invoice.post`, {args.stock} of "
            f"the same invoices | {stock_rate:.2f} invoices/s |\n"
            f"| ratio | {processed / elapsed / stock_rate:.1f} |\n"
            if stock_rate else '')
        + f"| peak memory of the process | {peak:.0f} MB |\n")
    text += "\nWhere the run's time goes (one process):\n\n"
    text += "| step | seconds | share |\n|---|---|---|\n"
    for step, seconds in sorted(split.items(), key=lambda i: -i[1]):
        text += f"| {step} | {seconds:.1f} | {seconds / elapsed:.0%} |\n"
    if scaling:
        text += (("\nThe same next month through the task queue, each "
                "count on a fresh copy of the database (`--workers`)"
                if args.database else "\nThe next months through the task "
                "queue (`--workers`)")
            + ", from the push to the run's end:\n\n"
            "| trytond-worker processes | contracts/s |\n|---|---|\n")
        for workers, rate in scaling:
            text += f"| {workers} | {rate:.1f} |\n"

    _record.append(text)


if __name__ == '__main__':
    main()
