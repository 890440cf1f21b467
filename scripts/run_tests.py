#!/usr/bin/env python3
"""Run every test tier and print one closing line 'N passed, N failed, N skipped'.

Tiers: core (pytest: tests/core and the power_core doctests), modules (each
add-on's ModuleTestCase and proteus scenarios with unittest, one process per
module as upstream Tryton does, --jobs of them at a time), browser (pytest +
Playwright + Debian chromium; beside the module processes with
--browser-beside). The database backend is SQLite unless TRYTOND_DATABASE__URI is set.

    scripts/run_tests.py [--tier core|modules|browser ...] [--module NAME ...]
        [--jobs N] [--browser-all] [--browser-beside]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / '.venv' / 'bin' / 'python')
MODULES = ['power_cis', 'power_billing', 'power_edi', 'power_portal', 'power_bi']
TIERS = ['core', 'modules', 'browser']
# the browser tests run on each backend (None: all of tests/browser but
# those ignored there); --browser-all runs every one on any backend
BROWSER_TESTS = {'postgresql': ['test_deploy.py']}
BROWSER_IGNORED = {'sqlite': ['test_deploy.py']}
# those that start no demo server
NO_DEMO = {'test_deploy.py'}
# the relative duration of each add-on's tests, to start the longest first
WEIGHT = {'power_billing': 5, 'power_edi': 3, 'power_bi': 2,
    'power_cis': 2, 'power_portal': 1}


def backend_name():
    uri = os.environ.get('TRYTOND_DATABASE__URI', 'sqlite://')
    return uri.split(':', 1)[0]


_output = threading.Lock()


def run(title, cmd, env):
    """Run cmd; print its output in one piece when it ends (runs may be
    parallel); (exit status, output)."""
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with _output:
        print(f'\n===== {title}: {" ".join(cmd[1:])}', flush=True)
        sys.stdout.write(proc.stdout)
        print(f'----- {title}: exit {proc.returncode} '
            f'in {time.monotonic() - start:.0f}s', flush=True)
    return proc.returncode, proc.stdout


def database_cache(backend):
    """The folder of Tryton's test database cache (activated modules) for
    the add-ons' current files: trytond does not notice that the code
    changed, so a cache made from other files is never reused."""
    from power_cis_cli.site import modules_digest
    digest = modules_digest()
    base = ROOT / 'var' / 'test-cache' / backend
    cache = base / digest[:16]
    if base.exists():
        for old in base.iterdir():
            if old != cache:
                shutil.rmtree(old, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def pytest_counts(output):
    counts = {'passed': 0, 'failed': 0, 'skipped': 0}
    tail = output.strip().splitlines()[-1:] or ['']
    for number, word in re.findall(r'(\d+) (\w+)', tail[0]):
        if word in ('passed', 'skipped'):
            counts[word] += int(number)
        elif word in ('failed', 'error', 'errors'):
            counts['failed'] += int(number)
    return counts


def unittest_counts(output):
    ran = re.findall(r'^Ran (\d+) tests?', output, re.M)
    total = int(ran[-1]) if ran else 0
    failed = skipped = 0
    status = re.findall(r'^(OK|FAILED)(?: \((.*)\))?$', output, re.M)
    if status:
        for key, value in re.findall(r'(\w+)=(\d+)', status[-1][1] or ''):
            if key in ('failures', 'errors', 'unexpected_successes'):
                failed += int(value)
            elif key == 'skipped':
                skipped += int(value)
    return {'passed': total - failed - skipped, 'failed': failed,
        'skipped': skipped}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--tier', action='append', choices=TIERS)
    parser.add_argument('--module', action='append', choices=MODULES)
    parser.add_argument('--jobs', type=int,
        help="module test processes at a time (default: 2 on PostgreSQL "
        "with two cores or more, 1 on SQLite)")
    parser.add_argument('--browser-all', action='store_true',
        help="every browser test on this backend (by default the UI tests "
        "run on SQLite, the production start and backup on PostgreSQL)")
    parser.add_argument('--browser-beside', action='store_true',
        help="run the browser tier beside the module tier")
    args = parser.parse_args()
    tiers = args.tier or TIERS
    modules = args.module or MODULES

    backend = backend_name()
    if args.jobs is None:
        # SQLite's in-memory test database has one connection: a job's own
        # transaction (a failed run recorded, a log kept) commits the
        # test's work with it, and under the load of a second process a
        # class once found the company of an earlier test (seen again with
        # two processes); each PostgreSQL test database is its own
        args.jobs = 1 if backend == 'sqlite' else min(2, os.cpu_count() or 1)
    env = dict(os.environ)
    env.setdefault('DB_CACHE', str(database_cache(backend)))
    env.setdefault('TRYTOND_DATABASE__PATH', str(ROOT / 'var' / 'db'))
    env['PYTHONUNBUFFERED'] = '1'
    print(f'database backend: {backend}', flush=True)

    totals = {'passed': 0, 'failed': 0, 'skipped': 0}
    failures = []

    def add(title, returncode, counts):
        for key in totals:
            totals[key] += counts[key]
        if returncode != 0 or counts['failed']:
            failures.append(title)
            if not counts['failed']:
                totals['failed'] += 1  # a crash that counted nothing

    if 'core' in tiers:
        code, out = run('core', [PYTHON, '-m', 'pytest', '-q',
                'tests/core', 'lib/power_core', 'lib/power_sim'], env)
        add('core', code, pytest_counts(out))
    benv = dict(env)
    benv.setdefault('POWER_BROWSER_DATABASE', f'power_browser_{os.getpid()}')
    browser_tests = BROWSER_TESTS.get(backend) if not args.browser_all \
        else None
    # the UI (web client, portal pages) is the same code on both backends
    # and runs once, on SQLite; on PostgreSQL the browser tier runs what
    # depends on the backend (the production start, the backup restored),
    # the module tier covers the data layer (README, "The tests")
    needs_demo = browser_tests is None or any(
        t not in NO_DEMO for t in browser_tests)
    prepared = None
    if ('browser' in tiers and 'modules' in tiers and needs_demo
            and not args.browser_beside):
        # the browser tier's demo database (13 months billed, about three
        # minutes) is prepared beside the module tests: no browser runs
        # then, only the demo's own command (`power-cis demo --no-server`)
        prepared = _prepare_browser_database(benv)

    def run_browser():
        try:
            if prepared is not None:
                code, out = prepared.result()
                if code != 0:
                    return code, f'preparing the demo database failed:\n{out}'
                benv['POWER_BROWSER_PREPARED'] = '1'
            selection = ['tests/browser'] if browser_tests is None else [
                f'tests/browser/{t}' for t in browser_tests]
            ignored = [f'--ignore=tests/browser/{t}'
                for t in BROWSER_IGNORED.get(backend, ())
                if browser_tests is None and not args.browser_all]
            return run('browser', [PYTHON, '-m', 'pytest', '-q',
                    '-p', 'no:cacheprovider', '--rootdir', 'tests/browser',
                    '--durations', '5', *ignored, *selection], benv)
        finally:
            _drop_browser_database(benv)

    # --browser-beside: the browser tests run while the module processes
    # do (their own demo database and server). Off by default: under that
    # load Chromium's date inputs once lost keys in the rate menu test.
    browser = None
    if 'browser' in tiers and 'modules' in tiers and args.browser_beside:
        browser = ThreadPoolExecutor(max_workers=1)
        browser_result = browser.submit(run_browser)
    if 'modules' in tiers:
        def run_module(module):
            tests = sorted(
                f'trytond.modules.{module}.tests.{p.stem}'
                for p in (ROOT / 'addons' / module / 'tests').glob('test_*.py'))
            menv = dict(env)
            menv['DB_CACHE'] = str(Path(env['DB_CACHE']) / module)
            if backend != 'sqlite':
                menv.setdefault('DB_NAME', f'test_{module}_{os.getpid()}')
            return run(f'module {module}',
                [PYTHON, '-m', 'unittest', *tests], menv)
        # one process per add-on, --jobs at a time (each has its own
        # database and its own cache file: they share nothing), the
        # longest first
        ordered = sorted(modules, key=lambda m: -WEIGHT.get(m, 0))
        with ThreadPoolExecutor(max_workers=args.jobs) as executor:
            results = dict(zip(ordered, executor.map(run_module, ordered)))
        for module in modules:
            code, out = results[module]
            add(f'module {module}', code, unittest_counts(out))
    if browser is not None:
        code, out = browser_result.result()
        browser.shutdown()
        add('browser', code, pytest_counts(out))
    elif 'browser' in tiers:
        code, out = run_browser()
        add('browser', code, pytest_counts(out))

    print()
    if failures:
        print('failed tiers: ' + ', '.join(failures))
    print(f"{totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['skipped']} skipped", flush=True)
    return 1 if failures else 0


def _prepare_browser_database(env):
    """Start preparing the browser tier's demo database in the background
    (the simulators' ports chosen here, the same the server gets later);
    a future of (exit status, output)."""
    import socket
    for name in ('POWER_MAIL_PORT', 'POWER_HUB_PORT', 'POWER_CARD_PORT'):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            env.setdefault(name, str(s.getsockname()[1]))
    _drop_browser_database(env)
    power_cis = str(ROOT / '.venv' / 'bin' / 'power-cis')
    # the demo's log goes where the browser tests read it (the server's
    # own output is added to it later)
    artifacts = ROOT / 'tests' / 'artifacts'
    artifacts.mkdir(parents=True, exist_ok=True)
    log_path = artifacts / 'demo-server.log'

    def prepare():
        start = time.monotonic()
        with open(log_path, 'w') as log:
            code = subprocess.call([power_cis, 'demo', '--no-server',
                    '--database', env['POWER_BROWSER_DATABASE'],
                    '--customers', '50'], cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT,
                env={**env, 'POWER_CIS_ROOT': str(ROOT)})
        with _output:
            print(f'\n----- browser demo database: exit {code} in '
                f'{time.monotonic() - start:.0f}s ({log_path})', flush=True)
        return code, log_path.read_text(encoding='utf-8')[-5000:]
    executor = ThreadPoolExecutor(max_workers=1)
    future = executor.submit(prepare)
    executor.shutdown(wait=False)
    return future


def _drop_browser_database(env):
    "The browser tests make a demo database of their own; remove it."
    name = env['POWER_BROWSER_DATABASE']
    if backend_name() == 'sqlite':
        for suffix in ('', '-wal', '-shm'):
            Path(env['TRYTOND_DATABASE__PATH'], f'{name}.sqlite{suffix}'
                ).unlink(missing_ok=True)
    else:
        subprocess.run(['dropdb', '--if-exists', '-h', '127.0.0.1', name],
            env=env, capture_output=True)


if __name__ == '__main__':
    sys.exit(main())
