"""Benchmark of the 17 BI reports and of a streamed export of 1,000,000 rows
(PostgreSQL, on the synthetic retailer of bench/synth.py).

    .venv/bin/python bench/bi.py [--database synth_100000] [--rows 1000000]
        [--write]

For each report, with the filters staff use most (the last month for the
histories, as of today for the lists, the last month for report 8's 13
months): the time until its query answers (the first row), the time to
write all its rows as XLSX (streamed, xlsxwriter's constant memory), the
number of rows and the process's memory growth. Then report 6 (every
determinant line) over as many months back as it takes to pass --rows rows,
written to XLSX: the memory must not grow with the rows. The report output
history is not written (the run is rolled back).
"""
import argparse
import datetime as dt
import os
import time
from pathlib import Path

import _record

ROOT = Path(__file__).resolve().parents[1]


def rss_mb():
    with open('/proc/self/statm') as statm:
        return int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def peak_mb():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--database', default='synth_100000')
    parser.add_argument('--rows', type=int, default=1000000)
    parser.add_argument('--write', action='store_true')
    args = parser.parse_args()

    from power_cis_cli import site
    site.configure_trytond()
    from trytond.pool import Pool
    pool = Pool(args.database)
    pool.init()

    def run(transaction):
        from trytond.modules.power_bi import bi
        from power_core.tables import write_xlsx
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT count(*) FROM party_party p WHERE EXISTS '
            '(SELECT 1 FROM power_contract c WHERE c.customer = p.id)')
        customers, = cursor.fetchone()
        cursor.execute('SELECT max(invoice_date) FROM account_invoice')
        last, = cursor.fetchone()
        month = last.replace(day=1)
        results = []
        for number, report in sorted(bi.REPORTS.items()):
            if 'month' in report.filters:
                filters = bi.Filters(month=month)
            elif report.filters:
                # from the last billed month to today (the inquiries and
                # print files of the seed are dated the day it was built)
                filters = bi.Filters(date_from=month,
                    date_to=max(last, dt.date.today()))
            else:
                filters = bi.Filters()
            before = rss_mb()
            started = time.perf_counter()
            table = report.build(filters)
            rows = iter(table.rows)
            first = next(rows, None)
            answered = time.perf_counter() - started
            counted = _Counted(rows, first)
            table.rows = counted
            data = write_xlsx([table])
            total = time.perf_counter() - started
            results.append((number, report.title, str(filters_text(filters)),
                    counted.n, answered, total, len(data),
                    rss_mb() - before))
            print(f"{number:2d} {report.title}: {counted.n} rows, first "
                f"row {answered:.2f} s, XLSX {total:.2f} s "
                f"({len(data) / 2**20:.1f} MB)", flush=True)
        from trytond.modules.power_bi.kpi import refresh_all
        started = time.perf_counter()
        refresh_all()
        kpi = time.perf_counter() - started
        print(f"KPI dashboard refreshed in {kpi:.1f} s", flush=True)
        big = _big_export(bi, write_xlsx, last, args.rows)
        transaction.rollback()
        return customers, month, results, big, kpi

    customers, month, results, big, kpi = site.in_transaction(
        args.database, run, context={'company': 1})
    if args.write:
        write(args, customers, month, results, big, kpi)


def filters_text(filters):
    if filters.month:
        return f'13 months to {filters.month:%Y-%m}'
    if filters.date_from:
        return f'{filters.date_from} – {filters.date_to}'
    return 'as of today'


class _Counted:
    "The rows of a table (the first already read), counted as they go."

    def __init__(self, rows, first):
        self.rows, self.first, self.n = rows, first, 0

    def __iter__(self):
        if self.first is not None:
            self.n += 1
            yield self.first
        for row in self.rows:
            self.n += 1
            yield row


def _big_export(bi, write_xlsx, last, wanted):
    """Report 6 over enough months back to pass `wanted` rows: (rows,
    seconds, MB of XLSX, memory before, peak during)."""
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    cursor.execute('SELECT d."end", count(*) FROM '
        'power_billing_determinant_line l JOIN power_billing_determinant d '
        'ON d.id = l.determinant GROUP BY 1 ORDER BY 1 DESC')
    total, start = 0, last
    for day, count in cursor.fetchall():
        total += count
        start = day
        if total >= wanted:
            break
    report = bi.REPORTS[6]
    filters = bi.Filters(date_from=start, date_to=last)
    before, peak_before = rss_mb(), peak_mb()
    started = time.perf_counter()
    table = report.build(filters)
    counted = _Counted(iter(table.rows), None)
    table.rows = counted
    data = write_xlsx([table])
    seconds = time.perf_counter() - started
    print(f"report 6, {start} – {last}: {counted.n} rows in {seconds:.0f} s "
        f"= {counted.n / seconds:,.0f} rows/s, XLSX "
        f"{len(data) / 2**20:.0f} MB, memory {before:.0f} MB before, "
        f"peak {peak_mb():.0f} MB (peak before {peak_before:.0f} MB)",
        flush=True)
    return counted.n, seconds, len(data), before, peak_mb(), start


def write(args, customers, month, results, big, kpi):
    text = (f"\n## BI reports (`bench/bi.py --database {args.database}`, "
        "postgresql)\n"
        f"{_record.stamp()}; {customers:,} customers "
        "(bench/synth.py), filters: from the first day of the last billed "
        f"month ({month:%Y-%m}) to today for the histories, today for the "
        "lists, the 13 months to the last billed month for report 8.\n\n"
        "| report | filters | rows | first row s | XLSX written s | "
        "XLSX MB |\n|---|---|---|---|---|---|\n")
    for number, title, filters, rows, answered, total, size, _ in results:
        text += (f"| {number}. {title} | {filters} | {rows:,} | "
            f"{answered:.2f} | {total:.2f} | {size / 2**20:.1f} |\n")
    rows, seconds, size, before, peak, start = big
    text += (f"\nReport 6 from {start} to the last bill: **{rows:,} rows** "
        f"written to XLSX in {seconds:.0f} s ({rows / seconds:,.0f} rows/s, "
        f"{size / 2**20:.0f} MB); the process held {before:.0f} MB before "
        f"and peaked at {peak:.0f} MB.\n"
        f"\nThe KPI dashboard's refresh (25 months and the snapshots, the "
        f"daily scheduled action): {kpi:.1f} s.\n")
    _record.append(text)


if __name__ == '__main__':
    main()
