# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Plain SQL reads that may go to a PostgreSQL read replica.

trytond 8.0 connects to one database server. The BI reports and the
portal's busiest pages (usage, bills) are plain SQL reads that tolerate the
few seconds a streaming replica lags behind, so they read through
`read_cursor()`: on the server of `[database] replica_uri` (or
TRYTOND_DATABASE__REPLICA_URI, e.g. postgresql://tryton@replica:5432/) when
it is set and the database is PostgreSQL, else on the transaction's own
connection. The replica connection is one per thread and database, read
only, each statement its own snapshot (autocommit); it is opened again
when the server closed it.

Reads that must see the transaction's own writes (anything before a write,
the staff screens) stay on the transaction's connection."""
import threading

from trytond import backend
from trytond import config
from trytond.transaction import Transaction

_local = threading.local()


def replica_uri():
    "The configured replica's URI, or None."
    return config.get('database', 'replica_uri', default=None) or None


def read_cursor():
    """A cursor for a read that may lag: on the replica when one is
    configured (PostgreSQL), else on the transaction's connection."""
    transaction = Transaction()
    uri = replica_uri()
    if not uri or backend.name != 'postgresql':
        return transaction.connection.cursor()
    return _connection(uri, transaction.database.name).cursor()


def close():
    "Close this thread's replica connections."
    for connection in getattr(_local, 'connections', {}).values():
        connection.close()
    _local.connections = {}


def _connection(uri, database):
    import psycopg
    key = (uri, database)
    connections = getattr(_local, 'connections', None)
    if connections is None:
        connections = _local.connections = {}
    connection = connections.get(key)
    if connection is None or connection.closed or connection.broken:
        from urllib.parse import urlsplit, urlunsplit
        parts = urlsplit(uri)
        connection = psycopg.connect(
            urlunsplit(parts._replace(path='/' + database)),
            autocommit=True, options='-c default_transaction_read_only=on')
        connections[key] = connection
    return connection


def stream(query, size=2000):
    """The rows of a python-sql query, `size` at a time, read where
    read_cursor() reads. On PostgreSQL through a server-side cursor, so the
    memory does not grow with the rows (a plain cursor receives the whole
    result at once); SQLite's cursors step through the rows anyway."""
    transaction = Transaction()
    if backend.name != 'postgresql':
        cursor = transaction.connection.cursor()
        cursor.execute(*query)
        yield from _batches(cursor, size)
        return
    name = f'power_stream_{id(query):x}'
    uri = replica_uri()
    if uri:
        connection = _connection(uri, transaction.database.name)
        with connection.transaction():
            with connection.cursor(name=name) as cursor:
                cursor.itersize = size
                cursor.execute(*query)
                yield from _batches(cursor, size)
    else:
        connection = transaction.connection
        cursor = connection.cursor(name=name)
        try:
            cursor.itersize = size
            cursor.execute(*query)
            yield from _batches(cursor, size)
        finally:
            cursor.close()


def _batches(cursor, size):
    while True:
        rows = cursor.fetchmany(size)
        if not rows:
            break
        yield from rows
