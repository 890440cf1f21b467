"""The benchmarks' own databases: made anew on the configured backend."""
import time


def new_database(name):
    """Create the database name (dropped first if an earlier run left it)
    with the five add-ons activated; the seconds it took."""
    from power_cis_cli import site
    from trytond import backend
    from trytond.transaction import Transaction
    if site.database_exists(name):
        print(f"dropping the earlier {name}")
        with Transaction().start(None, 0, close=True, autocommit=True) as t:
            backend.Database(name).drop(t.connection, name)
        site._stamp(name).unlink(missing_ok=True)
    started = time.perf_counter()
    site.create_database(name, 'admin', 'admin@example.com')
    elapsed = time.perf_counter() - started
    print(f"database {name} on {backend.name}: {elapsed:.0f} s")
    return elapsed
