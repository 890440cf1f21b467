"""`power-cis scan-card-numbers`: look for full card numbers in every text
and binary column of a database and in log files (only the payment agent's
token and a masked number may ever be kept; docs/reliability.md)."""
from pathlib import Path

from power_core.payments import card_numbers_in

from . import site

TEXT_TYPES = ('character varying', 'text', 'bytea', 'json', 'jsonb')


def _columns(cursor, backend_name):
    "[(table, column)] of every text or binary column."
    if backend_name == 'postgresql':
        cursor.execute("SELECT table_name, column_name "
            "FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND data_type = ANY(%s) "
            "ORDER BY table_name, column_name", (list(TEXT_TYPES),))
        return list(cursor)
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
        "ORDER BY name")
    columns = []
    for table, in list(cursor):
        cursor.execute(f'PRAGMA table_info("{table}")')
        columns += [(table, c[1]) for c in cursor
            if any(t in (c[2] or '').upper()
                for t in ('CHAR', 'TEXT', 'BLOB', 'JSON'))]
    return columns


def _text(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode('utf-8', 'replace')
    return str(value)


def scan_database(database):
    """[(where, masked number)] of the card numbers stored in database."""
    from trytond import backend
    from trytond.transaction import Transaction
    with Transaction().start(database, 0, readonly=True) as transaction:
        return scan_cursor(transaction.connection.cursor(), backend.name)


def scan_cursor(cursor, backend_name):
    "scan_database on a cursor of a database of backend_name."
    found = []
    for table, column in _columns(cursor, backend_name):
        cursor.execute(f'SELECT "{column}" FROM "{table}" '
            f'WHERE "{column}" IS NOT NULL')
        for number, (value,) in enumerate(cursor.fetchall(), 1):
            for card in card_numbers_in(_text(value)):
                found.append((f'{table}.{column} row {number}',
                        '*' * (len(card) - 4) + card[-4:]))
    return found


def scan_file(path):
    "[(where, masked number)] of the card numbers in a text file."
    found = []
    with open(path, encoding='utf-8', errors='replace') as file:
        for number, line in enumerate(file, 1):
            for card in card_numbers_in(line):
                found.append((f'{path} line {number}',
                        '*' * (len(card) - 4) + card[-4:]))
    return found


def add_arguments(parser):
    parser.add_argument('--database', default=site.DEFAULT_DATABASE)
    parser.add_argument('logs', nargs='*', type=Path,
        help="log files to scan as well")


def main(args):
    site.configure_trytond()
    found = scan_database(args.database)
    for log in args.logs:
        found += scan_file(log)
    for where, masked in found:
        print(f"card number {masked} in {where}")
    print(f"{len(found)} card numbers found in {args.database}"
        + (f" and {len(args.logs)} log files" if args.logs else ""))
    return 1 if found else 0
