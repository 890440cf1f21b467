"""The synthetic retailer: N customers with 13 months of history, for the
benchmarks (PostgreSQL).

    .venv/bin/python bench/synth.py --customers 100000 [--seed-customers 1000]
        [--seed 2016] [--interval-days 40] [--database NAME] [--write]

How it is made, and why it is right:

1. **Seed** — the demo retailer built by the application's own code
   (`power-cis demo`'s builder: ORM, billing runs, collections) with
   `--seed-customers` customers spread evenly over the ten grid areas and at
   random over the 26 meter reading schedules, several menus, 30-minute
   profiles by season, weekday and household (`household_day`), 13 billed
   months, direct debit / card / payment slip collections with late payers,
   dunning and terminations. Deterministic from `--seed`. Kept as the
   database `synth_seed_<S>_<seed>` and reused as a template.
2. **Copy** — `CREATE DATABASE ... TEMPLATE` of the seed.
3. **Clone** — every row that belongs to a seed customer is copied
   ceil(N/S) - 1 times in SQL (`INSERT ... SELECT`, one statement per
   table, foreign key triggers off for the statement's duration): ids are
   shifted by a per-table offset, references to copied rows (foreign keys
   and `model,id` references) are shifted alike, numbers that must stay
   unique are rewritten keeping their format (a supply point keeps its area
   code and operator part; customer, contract, inquiry, application and
   switching numbers continue their sequence; e-mail addresses get the new
   customer number); invoice and move numbers are given again, gapless and
   by date, from their own strict sequences, whose next numbers follow.
   Which rows belong to a customer is found from the database's own
   foreign keys (`OWNERSHIP`); the copies of a batch (a bank statement, a
   payment group) hold the copies of its lines. The amounts are the
   seed's, as billed by the engine, so every copy is a bill the engine
   would have made. The 30-minute data of the copies is their last
   `--interval-days` days (the seed keeps its 13 months): 13 months of
   30-minute data of 100,000 customers is 40 million rows and is the
   subject of `bench/grid_import.py`, not of this generator.
4. **Check** — no reference points nowhere (every foreign key of a copied
   table, on the copies), every move balanced, numbers unique, and a sample
   of the copies of every model passes the ORM's own validation
   (`_validate`: required fields, selections, domains, digits and each
   model's checks).

The timing of each step goes to the console and, with --write, to
docs/benchmarks.md.
"""
import argparse
import math
import os
import sys
import time
from pathlib import Path

import _record

ROOT = Path(__file__).resolve().parents[1]
AREAS = ('01', '02', '03', '04', '05', '06', '07', '08', '09', '10')

# The tables of a customer's records, with the rules that find their rows
# (see `owned_rows`). Rows of every other table (masters, configuration,
# logs of exchanges and batch runs, users) are shared by the copies.
CLONED = [
    'party_party', 'party_address', 'party_contact_mechanism',
    'party_identifier', 'party_party_account', 'party_party_payment_term',
    'party_party_dunning_procedure', 'party_party_lang',
    'party_party_payment_direct_debit', 'party_party_reception_direct_debit',
    'party_party-party_category', 'bank_account', 'bank_account_number',
    'bank_account-party_party',
    'power_supply_point', 'power_supply_point_work', 'power_contract',
    'power_contract_version', 'power_application', 'power_switching_request',
    'power_inquiry', 'power_inquiry_response', 'power_payment_method',
    'power_payment_slip', 'power_point_grant',
    'power_usage_confirmed', 'power_usage_interval',
    'power_billing_determinant', 'power_billing_determinant_line',
    'power_billing_adjustment',
    'account_invoice', 'account_invoice_line', 'account_invoice_line-account_tax',
    'account_invoice_tax', 'account_invoice-account_move_line',
    'account_invoice-additional-account_move', 'account_invoice_payment_mean',
    'account_invoice_alternative_payee',
    'account_move', 'account_move_line', 'account_tax_line',
    'account_move_reconciliation', 'account_dunning',
    'account_payment', 'account_payment_group',
    'account_statement', 'account_statement_line', 'account_statement_origin',
    'power_payment_receipt', 'power_payment_receipt-account_invoice',
    ]
# A row of a cloned table belongs to a customer when one of its foreign
# keys points at a row that does (found from the catalogue), or, for these
# (table, column → parent), when a row that belongs to a customer points at
# it: the supply point of a contract, the move of an invoice, the batch of
# a payment or statement line.
REVERSE = [
    ('power_contract', 'supply_point'),
    ('account_invoice', 'move'), ('account_invoice', 'cancel_move'),
    ('account_move_line', 'move'), ('account_statement_line', 'move'),
    ('account_move_line', 'reconciliation'),
    ('account_payment', 'group'),
    ('account_statement_line', 'statement'),
    ('power_payment_receipt', 'statement'),
    ('bank_account-party_party', 'account'),
    ]
# foreign keys that never make a row a customer's
NOT_OWNING = {('party_party', 'replaced_by')}
# unique numbers: (table, column) → how a copy's value is made
# 'suffix': the trailing digits continue past the largest one
# 'supply_point': the 15 digits after area and operator part continue
# 'email': the local part becomes customer<new party id>
# 'copy': the copy's number is appended (a payment agent's key of a receipt)
RENUMBER = {
    ('party_party', 'code'): 'suffix',
    ('party_party', 'customer_number'): 'suffix',
    ('power_supply_point', 'number'): 'supply_point',
    ('power_contract', 'number'): 'suffix',
    ('power_application', 'number'): 'suffix',
    ('power_switching_request', 'number'): 'suffix',
    ('power_inquiry', 'number'): 'suffix',
    ('account_payment', 'number'): 'suffix',
    ('party_contact_mechanism', 'value'): 'email',
    ('account_invoice', 'number'): 'invoice',
    ('account_invoice', 'number_alnum'): 'invoice',
    ('account_invoice', 'number_digit'): 'invoice',
    ('account_move', 'number'): 'move',
    ('power_payment_receipt', 'partner_key'): 'copy',
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--customers', type=int, default=100000)
    parser.add_argument("--seed-customers", type=int, default=200)
    parser.add_argument('--seed', type=int, default=2016)
    parser.add_argument('--interval-days', type=int, default=40)
    parser.add_argument('--database')
    parser.add_argument('--write', action='store_true')
    args = parser.parse_args()
    uri = os.environ.get('TRYTOND_DATABASE__URI', '')
    if not uri.startswith('postgresql'):
        sys.exit("bench/synth.py loads PostgreSQL: set "
            "TRYTOND_DATABASE__URI=postgresql://root@127.0.0.1:5432/")
    # the seed's mail (confirmations, dunning letters) goes to the demo's
    # mail sink: set before trytond reads its configuration
    from power_cis_cli import main as cli
    cli._use_mail_sink()
    name = args.database or f'synth_{args.customers}'
    timings = {}
    started = time.perf_counter()
    seed = build_seed(args.seed_customers, args.seed, timings)
    with timed(timings, 'copy of the seed database'):
        copy_database(seed, name)
    copies = max(0, math.ceil(args.customers / args.seed_customers) - 1)
    counts = clone(name, copies, args.interval_days, timings)
    check(name, timings)
    total = time.perf_counter() - started
    for step, seconds in timings.items():
        print(f"  {step}: {seconds:.1f} s")
    print(f"database {name}: {counts['party_party']} parties, "
        f"{sum(counts.values())} rows in the copied tables, {total:.0f} s")
    if args.write:
        write(args, name, counts, timings, total)


def timed(timings, step):
    class Timer:
        def __enter__(self):
            self.started = time.perf_counter()
            print(f"{step} ...", flush=True)

        def __exit__(self, *exc):
            timings[step] = time.perf_counter() - self.started
    return Timer()


def build_seed(customers, seed, timings):
    "The seed database, built once by the demo's builder; its name."
    from power_cis_cli import site
    name = f'synth_seed_{customers}_{seed}'
    if site.database_exists(name) and _seed_complete(name):
        print(f"seed {name}: reused")
        return name
    from power_cis_cli import main as cli
    with timed(timings, f'seed: {customers} customers by the application'):
        cli.prepare_demo(name, customers, areas=AREAS)
        _mark_seed_complete(name)
    return name


def _psql(database, sql, *, fetch=False):
    import psycopg
    with psycopg.connect(_dsn(database), autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if fetch else None


def _dsn(database):
    from urllib.parse import urlparse
    uri = urlparse(os.environ['TRYTOND_DATABASE__URI'])
    return (f"host={uri.hostname or '127.0.0.1'} port={uri.port or 5432} "
        f"user={uri.username or os.environ.get('PGUSER', 'root')} "
        f"dbname={database}")


def _seed_complete(name):
    "whether the seed's build went to its end (marked by a comment)"
    return bool(_psql('postgres',
            "SELECT 1 FROM pg_shdescription d JOIN pg_database b "
            f"ON b.oid = d.objoid WHERE b.datname = '{name}' "
            "AND d.description = 'synth seed complete'", fetch=True))


def _mark_seed_complete(name):
    _psql('postgres', f"COMMENT ON DATABASE \"{name}\" IS "
        "'synth seed complete'")


def copy_database(seed, name):
    from power_cis_cli import site
    # a template must have no session: this process's own pool may still
    # hold some after building the seed
    _psql('postgres', "SELECT pg_terminate_backend(pid) FROM "
        f"pg_stat_activity WHERE datname = '{seed}' "
        "AND pid <> pg_backend_pid()", fetch=True)
    _psql('postgres', f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql('postgres', f'CREATE DATABASE "{name}" TEMPLATE "{seed}"')
    # the copy has the seed's modules: the same stamp
    stamp = site._stamp(seed)
    if stamp.exists():
        site._stamp(name).write_text(stamp.read_text())


# ---------------------------------------------------------------- clone


def clone(name, copies, interval_days, timings):
    import psycopg
    with psycopg.connect(_dsn(name)) as connection:
        cursor = connection.cursor()
        with timed(timings, 'which rows belong to customers'):
            tables = _existing(cursor, CLONED)
            keys = _foreign_keys(cursor, tables)
            references = _reference_columns(cursor, tables)
            _owned_rows(cursor, tables, keys)
            if interval_days:
                _limit_interval(cursor, interval_days)
            offsets = {t: _max_id(cursor, t) for t in tables}
        counts = {}
        with timed(timings, f'{copies} copies of every customer (SQL)'):
            cursor.execute("SET session_replication_role = replica")
            indexes = _drop_indexes(cursor, tables)
            for table in tables:
                table_started = time.perf_counter()
                counts[table] = _copy_table(cursor, table, copies, keys,
                    references, offsets)
                print(f"  {table}: {counts[table]} rows, "
                    f"{time.perf_counter() - table_started:.1f} s",
                    flush=True)
            cursor.execute("SET session_replication_role = origin")
        with timed(timings, f'{len(indexes)} indexes built again'):
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for definition in indexes:
                cursor.execute(definition)
        with timed(timings, 'id sequences'):
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', "
                    f"'id'), (SELECT max(id) FROM \"{table}\"))")
        with timed(timings, 'invoice and move sequences'):
            _sequences_strict(cursor)
        connection.commit()
    with timed(timings, 'ANALYZE'):
        _psql(name, 'ANALYZE')
    with timed(timings, 'numbering sequences (ORM)'):
        _sequences(name)
    return {t: _count(name, t) for t in tables}


def _existing(cursor, tables):
    cursor.execute("SELECT tablename FROM pg_tables "
        "WHERE schemaname = 'public'")
    present = {t for t, in cursor}
    return [t for t in tables if t in present]


def _foreign_keys(cursor, tables):
    "[(table, column, parent)] of single-column foreign keys among tables"
    cursor.execute("""
        SELECT c.conrelid::regclass::text, a.attname,
            c.confrelid::regclass::text
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid
            AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1""")
    wanted = set(tables)
    return [(t.strip('"'), col, p.strip('"')) for t, col, p in cursor
        if t.strip('"') in wanted and p.strip('"') in wanted]


def _reference_columns(cursor, tables):
    "{table: [(column, {model: table})]} of Tryton's 'model,id' columns"
    cursor.execute("SELECT model, name FROM ir_model_field "
        "WHERE ttype = 'reference'")
    by_table = {}
    models = _models(cursor)
    for model, field in cursor.fetchall():
        table = models.get(model)
        if table in tables:
            by_table.setdefault(table, []).append(field)
    targets = {m: t for m, t in models.items() if t in tables}
    return {t: [(f, targets) for f in fields] for t, fields in by_table.items()
        if all(_has_column(cursor, t, f) for f in fields)}


def _models(cursor):
    cursor.execute("SELECT name FROM ir_model")
    return {m: m.replace('.', '_') for m, in cursor.fetchall()}


def _has_column(cursor, table, column):
    cursor.execute("SELECT 1 FROM information_schema.columns WHERE "
        "table_name = %s AND column_name = %s", (table, column))
    return cursor.fetchone() is not None


def _owned_rows(cursor, tables, keys):
    """Temporary tables own_<n> with the ids of the rows that belong to the
    seed's customers: the parties with a contract, then every row whose
    foreign key points at an owned row, and the parents of REVERSE, until
    nothing changes."""
    for table in tables:
        cursor.execute(f'CREATE TEMP TABLE "own_{table}" '
            '(id integer PRIMARY KEY)')
    cursor.execute('INSERT INTO "own_party_party" SELECT DISTINCT customer '
        'FROM power_contract WHERE customer IS NOT NULL')
    rules = [(t, c, p, 'forward') for t, c, p in keys
        if (t, c) not in NOT_OWNING]
    parents = {(t, c): p for t, c, p in keys}
    rules += [(t, c, parents[(t, c)], 'reverse') for t, c in REVERSE
        if (t, c) in parents]
    changed = True
    while changed:
        changed = False
        for table, column, parent, way in rules:
            if way == 'forward':
                cursor.execute(
                    f'INSERT INTO "own_{table}" SELECT t.id FROM "{table}" t '
                    f'JOIN "own_{parent}" o ON o.id = t."{column}" '
                    'ON CONFLICT DO NOTHING')
            else:
                cursor.execute(
                    f'INSERT INTO "own_{parent}" SELECT DISTINCT t."{column}" '
                    f'FROM "{table}" t JOIN "own_{table}" o ON o.id = t.id '
                    f'WHERE t."{column}" IS NOT NULL ON CONFLICT DO NOTHING')
            changed |= cursor.rowcount > 0


def _limit_interval(cursor, days):
    "The copies get the last `days` days of 30-minute data."
    cursor.execute('DELETE FROM "own_power_usage_interval" o USING '
        'power_usage_interval i WHERE i.id = o.id AND i.date < '
        f'(SELECT max(date) FROM power_usage_interval) - {int(days)}')


def _max_id(cursor, table):
    cursor.execute(f'SELECT COALESCE(max(id), 0) FROM "{table}"')
    return cursor.fetchone()[0]


def _columns(cursor, table):
    cursor.execute("SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND table_schema = 'public' "
        "ORDER BY ordinal_position", (table,))
    return [c for c, in cursor.fetchall()]


def _copy_table(cursor, table, copies, keys, references, offsets):
    if not copies:
        return 0
    columns = _columns(cursor, table)
    joins, values = [], []
    fks = {c: p for t, c, p in keys if t == table}
    refs = dict(references.get(table, []))
    spans = {}
    for column in columns:
        if column == 'id':
            values.append(f't.id + k.n * {offsets[table]}')
        elif column in fks:
            parent = fks[column]
            alias = f'o_{len(joins)}'
            joins.append(f'LEFT JOIN "own_{parent}" {alias} '
                f'ON {alias}.id = t."{column}"')
            values.append(f'CASE WHEN {alias}.id IS NULL THEN t."{column}" '
                f'ELSE t."{column}" + k.n * {offsets[parent]} END')
        elif column in refs:
            values.append(_shift_reference(column, refs[column], offsets))
        elif (table, column) in RENUMBER:
            kind = RENUMBER[(table, column)]
            spans[column] = _span(cursor, table, column, kind)
            values.append(_renumbered(cursor, column, kind, spans[column],
                    offsets))
        else:
            values.append(f't."{column}"')
    names = ', '.join(f'"{c}"' for c in columns)
    cursor.execute(
        f'INSERT INTO "{table}" ({names}) SELECT {", ".join(values)} '
        f'FROM "{table}" t JOIN "own_{table}" own ON own.id = t.id '
        f'{" ".join(joins)} '
        f'CROSS JOIN generate_series(1, {int(copies)}) AS k(n)')
    return cursor.rowcount


def _drop_indexes(cursor, tables):
    """Drop the plain indexes of the tables (not those of a primary key or
    a unique constraint): building them once after the copies is several
    times faster than keeping them up to date row by row. Their
    definitions, to build them again."""
    cursor.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relname = ANY(%s) AND NOT i.indisprimary
            AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                WHERE k.conindid = i.indexrelid)""", (list(tables),))
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX {name}')
    return [definition for _, definition in indexes]


def _shift_reference(column, targets, offsets):
    "A 'model,id' value pointing at an owned row points at its copy."
    cases = ' '.join(
        f"WHEN split_part(t.\"{column}\", ',', 1) = '{model}' AND EXISTS "
        f"(SELECT 1 FROM \"own_{table}\" r WHERE r.id = "
        f"split_part(t.\"{column}\", ',', 2)::integer) THEN '{model},' || "
        f"(split_part(t.\"{column}\", ',', 2)::integer "
        f"+ k.n * {offsets[table]})::text"
        for model, table in targets.items())
    return (f"CASE WHEN t.\"{column}\" IS NULL OR t.\"{column}\" !~ ',\\d+$' "
        f"THEN t.\"{column}\" {cases} ELSE t.\"{column}\" END")


def _span(cursor, table, column, kind):
    "how far the copies' numbers must move: past the largest one"
    if kind == 'suffix':
        cursor.execute(f"SELECT COALESCE(max(substring(\"{column}\" "
            f"FROM '(\\d+)$')::bigint), 0) FROM \"{table}\"")
    elif kind == 'supply_point':
        cursor.execute(f"SELECT COALESCE(max(right(\"{column}\", 15)"
            f"::bigint), 0) FROM \"{table}\"")
    else:
        return 0
    return cursor.fetchone()[0]


def _renumbered(cursor, column, kind, span, offsets):
    value = f't."{column}"'
    if kind in ('invoice', 'move'):
        return _sequence_block(cursor, column, kind)
    if kind == 'suffix':
        digits = f"substring({value} FROM '(\\d+)$')"
        number = f"({digits}::bigint + k.n * {span})::text"
        # as wide as the original at least (lpad would cut a longer one)
        return (f"CASE WHEN {digits} IS NULL THEN {value} || '-' || k.n "
            f"ELSE regexp_replace({value}, '\\d+$', '') || lpad({number}, "
            f"greatest(length({digits}), length({number})), '0') END")
    if kind == 'supply_point':
        return (f"left({value}, 7) || lpad((right({value}, 15)::bigint "
            f"+ k.n * {span})::text, 15, '0')")
    if kind == 'copy':
        return f"{value} || ' copy ' || k.n"
    if kind == 'email':
        return (f"CASE WHEN t.type = 'email' THEN regexp_replace({value}, "
            f"'^[^@]*', 'customer' || (t.party + k.n * "
            f"{offsets['party_party']})::text) ELSE {value} END")
    raise ValueError(kind)


def _sequence_block(cursor, column, kind):
    """Invoice and move numbers of copy k: the original's number plus k
    times the numbers its strict sequence gave the seed, so each sequence
    stays gapless (copy k's numbers follow copy k-1's)."""
    if kind == 'invoice':
        suffix = "substring(t.number FROM '(\\d+)$')"
        cursor.execute("SELECT regexp_replace(number, '\\d+$', ''), "
            "max(substring(number FROM '(\\d+)$')::bigint), "
            "max(length(substring(number FROM '(\\d+)$'))) "
            "FROM account_invoice WHERE number ~ '\\d+$' GROUP BY 1")
        spans = cursor.fetchall()
        prefix = "regexp_replace(t.number, '\\d+$', '')"
        serial = (f"({suffix}::bigint + k.n * CASE {prefix} "
            + " ".join(f"WHEN '{p}' THEN {n}" for p, n, _ in spans)
            + " ELSE 0 END)::text")
        width = max((w for _, _, w in spans), default=8)
        number = (f"{prefix} || lpad({serial}, "
            f"greatest({width}, length({serial})), '0')")
        if column == 'number_alnum':
            number = f"regexp_replace({number}, '[\\W_]', '', 'g')"
        elif column == 'number_digit':
            # as invoicing._digits: the number's digits (the last 18)
            number = (f"right(regexp_replace({number}, '\\D', '', 'g'), "
                "18)::bigint")
        return (f"CASE WHEN t.number ~ '\\d+$' THEN {number} "
            f"ELSE t.\"{column}\" END")
    # moves: numbered without prefix by a sequence of their fiscal year
    cursor.execute("SELECT p.id, y.move_sequence FROM account_period p "
        "JOIN account_fiscalyear y ON y.id = p.fiscalyear")
    by_period = cursor.fetchall()
    cursor.execute("SELECT y.move_sequence, max(m.number::bigint) "
        "FROM account_move m JOIN account_period p ON p.id = m.period "
        "JOIN account_fiscalyear y ON y.id = p.fiscalyear "
        "WHERE m.number ~ '^\\d+$' GROUP BY 1")
    spans = dict(cursor.fetchall())
    cases = " ".join(f"WHEN {period} THEN {spans[sequence]}"
        for period, sequence in by_period if sequence in spans)
    return (f"CASE WHEN t.number ~ '^\\d+$' THEN (t.number::bigint + k.n * "
        f"CASE t.period {cases} ELSE 0 END)::text ELSE t.number END")


def _sequences_strict(cursor):
    "The invoice and move sequences continue after the copies' numbers."
    cursor.execute("""
        UPDATE ir_sequence_strict s SET number_next_internal = used.n + 1
        FROM (SELECT regexp_replace(number, '\\d+$', '') AS prefix,
                max(substring(number FROM '(\\d+)$')::bigint) AS n
            FROM account_invoice WHERE number ~ '\\d+$'
            GROUP BY 1) used
        WHERE s.prefix = used.prefix AND s.number_next_internal <= used.n""")
    cursor.execute("""
        UPDATE ir_sequence_strict s SET number_next_internal = used.n + 1
        FROM (SELECT y.move_sequence AS sequence,
                max(m.number::bigint) AS n
            FROM account_move m
            JOIN account_period p ON p.id = m.period
            JOIN account_fiscalyear y ON y.id = p.fiscalyear
            WHERE m.number ~ '^\\d+$' GROUP BY 1) used
        WHERE s.id = used.sequence AND s.number_next_internal <= used.n""")


def _sequences(name):
    """The numbering sequences (customer, contract, ...) continue after the
    copies' numbers: each sequence whose numbers are in a renumbered column
    is set past their largest."""
    from power_cis_cli import site
    site.configure_trytond()
    from trytond.pool import Pool
    pool = Pool(name)
    pool.init()

    def run(transaction):
        Sequence = pool.get('ir.sequence')
        cursor = transaction.connection.cursor()
        for sequence in Sequence.search([]):
            prefix = sequence.prefix or ''
            if '$' in prefix or sequence.type != 'incremental':
                continue
            pattern = f"^{prefix}\\d{{{sequence.padding or 1},}}$"
            largest = 0
            for table, column in RENUMBER:
                if RENUMBER[(table, column)] != 'suffix':
                    continue
                cursor.execute(f'SELECT max(substring("{column}" FROM '
                    f"'(\\d+)$')::bigint) FROM \"{table}\" "
                    f'WHERE "{column}" ~ %s', (pattern,))
                largest = max(largest, cursor.fetchone()[0] or 0)
            if largest >= sequence.number_next:
                Sequence.write([sequence], {'number_next': largest + 1})
    site.in_transaction(name, run)


def _count(name, table):
    return _psql(name, f'SELECT count(*) FROM "{table}"', fetch=True)[0][0]


# ---------------------------------------------------------------- check


def check(name, timings):
    with timed(timings, 'check: references, balance, uniqueness'):
        problems = _check_sql(name)
    with timed(timings, 'check: the ORM validates a sample of the copies'):
        problems += _check_orm(name)
    if problems:
        for problem in problems:
            print(f"  PROBLEM: {problem}")
        raise SystemExit(f"{name}: {len(problems)} problems")
    print("check: no problem found")


def _check_sql(name):
    import psycopg
    problems = []
    with psycopg.connect(_dsn(name)) as connection:
        cursor = connection.cursor()
        tables = _existing(cursor, CLONED)
        for table, column, parent in _foreign_keys(cursor, tables):
            cursor.execute(
                f'SELECT count(*) FROM "{table}" t LEFT JOIN "{parent}" p '
                f'ON p.id = t."{column}" WHERE t."{column}" IS NOT NULL '
                'AND p.id IS NULL')
            if (dangling := cursor.fetchone()[0]):
                problems.append(f'{table}.{column}: {dangling} rows point '
                    f'at no {parent}')
        cursor.execute("SELECT count(*) FROM (SELECT move FROM "
            "account_move_line GROUP BY move "
            "HAVING sum(debit) <> sum(credit)) unbalanced")
        if (unbalanced := cursor.fetchone()[0]):
            problems.append(f'{unbalanced} moves not balanced')
        for table, column in [('account_invoice', 'number'),
                ('power_contract', 'number'), ('power_inquiry', 'number'),
                ('party_party', 'code')]:
            cursor.execute(f'SELECT count(*) FROM (SELECT "{column}" FROM '
                f'"{table}" WHERE "{column}" IS NOT NULL GROUP BY 1 '
                'HAVING count(*) > 1) twice')
            if (twice := cursor.fetchone()[0]):
                problems.append(f'{table}.{column}: {twice} values twice')
    return problems


SAMPLED = ['party.party', 'party.address', 'power.supply_point',
    'power.contract', 'power.contract.version', 'power.payment.method',
    'power.usage.confirmed', 'power.billing.determinant', 'account.invoice',
    'account.move', 'account.move.line', 'account.payment',
    'account.statement', 'power.payment.slip', 'power.inquiry']


def _check_orm(name, sample=50):
    from power_cis_cli import site
    site.configure_trytond()
    from trytond.exceptions import UserError
    from trytond.pool import Pool
    pool = Pool(name)
    pool.init()
    problems = []

    def run(transaction):
        cursor = transaction.connection.cursor()
        for model in SAMPLED:
            Model = pool.get(model)
            table = Model._table
            # the last copies: the rows with the largest ids
            cursor.execute(f'SELECT id FROM "{table}" ORDER BY id DESC '
                f'LIMIT {sample}')
            records = Model.browse([i for i, in cursor])
            started = time.perf_counter()
            try:
                Model._validate(records)
            except UserError as error:
                problems.append(f'{model}: {error}')
            for record in records[:20]:
                record.rec_name  # reads through the ORM
            print(f"  {model}: {len(records)} validated in "
                f"{time.perf_counter() - started:.1f} s", flush=True)
    site.in_transaction(name, run, context={'company': 1})
    return problems


def write(args, name, counts, timings, total):
    main_tables = ['party_party', 'power_contract', 'power_usage_confirmed',
        'power_usage_interval', 'power_billing_determinant',
        'power_billing_determinant_line', 'account_invoice',
        'account_move_line', 'account_payment']
    text = (f"\n## Synthetic retailer (`bench/synth.py --customers "
        f"{args.customers} --seed-customers {args.seed_customers}`, "
        "postgresql)\n"
        f"{_record.stamp()}; database `{name}`\n\n"
        "| step | seconds |\n|---|---|\n")
    for step, seconds in timings.items():
        text += f"| {step} | {seconds:.0f} |\n"
    text += f"| **total** | **{total:.0f}** |\n\n| table | rows |\n|---|---|\n"
    for table in main_tables:
        if table in counts:
            text += f"| {table} | {counts[table]:,} |\n"
    _record.append(text)


if __name__ == '__main__':
    main()
