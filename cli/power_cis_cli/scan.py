"""`power-cis scan-card-numbers`: look for full card numbers in every text
and binary column of a database, in its file store (the exchanged files'
contents), in every exchange endpoint's folders (inbox, outbox, archive,
error folder), in the mails kept by the local mail server and in log files
(only the payment agent's token and a masked number may ever be kept;
docs/reliability.md). Numbers are found however they are written (in
full-width digits, split by spaces, dots, slashes, underscores, no-break
spaces or line breaks), in text files, Shift_JIS files, ZIP archives and
mails (their decoded headers and parts, not their MIME boundaries, whose
random digits once passed for a card number)."""
import email
import email.policy
import io
import os
import zipfile
from pathlib import Path

from power_core.payments import card_number_spans, card_numbers_in

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


def scan_database(database, files=True):
    """[(where, masked number)] of the card numbers stored in database and,
    with files, in its file store and its endpoints' folders."""
    from trytond import backend
    from trytond.transaction import Transaction
    with Transaction().start(database, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        found = scan_cursor(cursor, backend.name)
        folders = data_folders(database, cursor) if files else []
    for folder in folders:
        found += scan_tree(folder)
    return found


def data_folders(database, cursor):
    """The folders where files of database are kept: its file store (the
    content of Binary fields such as the exchanges'), the folders of every
    exchange endpoint (configured, and the defaults under the EDI root)."""
    from trytond import config
    path = Path(config.get('database', 'path'))
    folders = [path / database]
    edi = Path(config.get('power_edi', 'root', default=str(path / 'edi')))
    folders.append(edi / database)
    try:
        cursor.execute('SELECT inbox, outbox, archive, error_folder '
            'FROM power_edi_endpoint')
        rows = list(cursor)
    except Exception:
        rows = []   # power_edi not installed
    for row in rows:
        folders += [Path(value) for value in row if value]
    unique = []
    for folder in folders:
        if folder not in unique:
            unique.append(folder)
    return unique


def _masked(card):
    return '*' * (len(card) - 4) + card[-4:]


def _decode(data):
    for encoding in ('utf-8-sig', 'cp932'):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode('utf-8', 'replace')


def scan_bytes(data, where):
    """[(where line N, masked number)] of the card numbers in the content
    of a file (text in UTF-8 or Shift_JIS, or a ZIP archive of them): a
    number split over two lines is found too."""
    if where.endswith('.eml'):
        return scan_mail(data, where)
    return _scan_content(data, where)


def _scan_content(data, where):
    "scan_bytes of what is not a mail: a ZIP archive or text."
    if data[:4] == b'PK\x03\x04':
        found = []
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.infolist():
                    if member.is_dir() or member.file_size > MAX_MEMBER:
                        continue
                    found += scan_bytes(archive.read(member),
                        f'{where}:{member.filename}')
            return found
        except Exception:  # a damaged archive (zlib.error, bad CRC, ...)
            pass   # read as bytes below
    return _scan_text(_decode(data), where)


def _scan_text(text, where):
    return [(f'{where} line {text.count(chr(10), 0, start) + 1}',
            _masked(digits))
        for start, _, digits in card_number_spans(text)]


def scan_mail(data, where):
    """scan_bytes of a mail as a reader sees it: each header decoded (a
    subject in base64 is read as its text) and each part's decoded
    content (base64 and quoted-printable bodies, attachments); the MIME
    boundaries and transfer encodings are not read."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except Exception:   # not a mail after all: read as bytes
        return _scan_content(data, where)
    found = []
    for number, part in enumerate(message.walk()):
        headers = '\n'.join(f'{name}: {value}'
            for name, value in part.items() if name.lower() not in {
                'content-type', 'content-transfer-encoding'})
        label = f'{where} part {number}'
        found += _scan_text(headers, f'{label} headers')
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b''
        found += scan_bytes(payload, f'{label} {part.get_filename() or ""}'
            .rstrip())
    return found


# the largest file or ZIP member read whole by the scan
MAX_MEMBER = 1024 ** 3


def scan_tree(folder):
    """[(where, masked number)] of the card numbers in every regular file
    under folder (symbolic links are not followed)."""
    folder = Path(folder)
    found = []
    if folder.is_symlink() or not folder.is_dir():
        return found
    for directory, subfolders, names in os.walk(folder):
        subfolders.sort()
        for name in sorted(names):
            found += scan_file(Path(directory, name))
    return found


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
    """[(where, masked number)] of the card numbers in a file (a log, an
    exchanged file); nothing for what is not a regular file."""
    path = Path(path)
    if path.is_symlink() or not path.is_file():
        return []
    if path.stat().st_size > MAX_MEMBER:
        # a large log: line by line
        found = []
        with open(path, encoding='utf-8', errors='replace') as file:
            for number, line in enumerate(file, 1):
                found += [(f'{path} line {number}', _masked(card))
                    for card in card_numbers_in(line)]
        return found
    try:
        data = path.read_bytes()
    except OSError:
        return []   # removed meanwhile, or not readable
    return scan_bytes(data, str(path))


def add_arguments(parser):
    parser.add_argument('--database', default=site.DEFAULT_DATABASE)
    parser.add_argument('--folder', action='append', type=Path, default=[],
        help="another folder to scan (all its files); the file store, the "
        "endpoints' folders and var/mail are scanned anyway")
    parser.add_argument('logs', nargs='*', type=Path,
        help="log files to scan as well")


def main(args):
    site.configure_trytond()
    found = scan_database(args.database)
    for folder in [site.root() / 'var' / 'mail', *args.folder]:
        found += scan_tree(folder)
    for log in args.logs:
        found += scan_file(log)
    for where, masked in found:
        print(f"card number {masked} in {where}")
    print(f"{len(found)} card numbers found in {args.database}, its file "
        "store and exchange folders"
        + (f" and {len(args.logs)} log files" if args.logs else ""))
    return 1 if found else 0
