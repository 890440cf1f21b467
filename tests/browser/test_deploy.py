"""The production start (docs/deployment.md) on a database of its own:
`power-cis init` without a terminal, run twice, and mending an admin left
without a password; the web served by gunicorn answering the health check
and the admin's login; the staff interface in Japanese from the stock
modules' translations we ship; on PostgreSQL the backup service's dump
restored into a new database."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = 'deploy-secret-2026'


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _backend():
    uri = os.environ.get('TRYTOND_DATABASE__URI', '')
    return 'postgresql' if uri.startswith('postgresql') else 'sqlite'


def _sql(database, query):
    if _backend() == 'sqlite':
        import sqlite3
        path = Path(os.environ.get('TRYTOND_DATABASE__PATH',
                ROOT / 'var' / 'db')) / f'{database}.sqlite'
        with sqlite3.connect(path) as connection:
            return connection.execute(query).fetchall()
    out = subprocess.run(['psql', '-h', '127.0.0.1', '-At', '-d', database,
            '-c', query], capture_output=True, text=True, check=True).stdout
    return [tuple(line.split('|')) for line in out.splitlines()]


def _drop(database):
    if _backend() == 'sqlite':
        for suffix in ('', '-wal', '-shm'):
            Path(os.environ.get('TRYTOND_DATABASE__PATH', ROOT / 'var' / 'db'),
                f'{database}.sqlite{suffix}').unlink(missing_ok=True)
    else:
        subprocess.run(['dropdb', '--if-exists', '-h', '127.0.0.1', database],
            capture_output=True)


def _init(database, *args):
    return subprocess.run([str(BIN / 'power-cis'), 'init', '--database',
            database, *args], stdin=subprocess.DEVNULL, capture_output=True,
        text=True, cwd=ROOT, env={**os.environ, 'POWER_CIS_ROOT': str(ROOT)},
        timeout=900)


def _rpc(base, database, method, params, session=None):
    headers = {'Content-Type': 'application/json'}
    if session:
        import base64
        headers['Authorization'] = 'Session ' + base64.b64encode(
            session.encode()).decode()
    request = urllib.request.Request(f'{base}/{database}/rpc/', headers=headers,
        data=json.dumps({'id': 1, 'method': method,
                'params': params}).encode())
    try:
        return json.loads(urllib.request.urlopen(request, timeout=60).read())
    except urllib.error.HTTPError as error:
        return {'error': error.code}


@pytest.fixture(scope='module')
def database(tmp_path_factory):
    name = f'power_deploy_{os.getpid()}'
    _drop(name)
    folder = tmp_path_factory.mktemp('deploy')
    secret = folder / 'admin_password'
    secret.write_text(PASSWORD + '\n')
    yield name, secret
    _drop(name)


def test_init_without_terminal(database):
    name, secret = database
    refused = _init(name)
    assert refused.returncode == 2
    assert 'no admin password' in refused.stderr

    created = _init(name, '--admin-password-file', str(secret))
    assert created.returncode == 0, created.stderr[-3000:]
    assert 'creating database' in created.stdout

    # a restart with the same add-ons: nothing to update, no password asked
    again = _init(name)
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'up to date' in again.stdout

    # an earlier start stopped at trytond-admin's password prompt: the
    # admin exists without a password; init gives it the secret's
    _sql(name, "UPDATE res_user SET password_hash = NULL "
        "WHERE login = 'admin'")
    without = _init(name)
    assert without.returncode == 2 and 'no admin password' in without.stderr
    mended = _init(name, '--admin-password-file', str(secret))
    assert mended.returncode == 0, mended.stderr[-3000:]
    assert 'admin had no password' in mended.stdout


def test_stock_modules_in_japanese(database):
    name, _ = database
    by_module = dict(_sql(name, "SELECT module, COUNT(*) FROM "
            "ir_translation WHERE lang = 'ja' GROUP BY module"))
    for module in ('ir', 'res', 'party', 'company', 'country', 'account',
            'account_invoice', 'account_payment', 'account_dunning'):
        assert int(by_module.get(module, 0)) > 30, module
    menu, = _sql(name, "SELECT t.value FROM ir_translation t JOIN "
        "ir_model_data d ON d.db_id = t.res_id AND d.model = 'ir.ui.menu' "
        "WHERE t.lang = 'ja' AND t.name = 'ir.ui.menu,name' "
        "AND d.module = 'party' AND d.fs_id = 'menu_party_form'")
    assert menu[0] == '取引先'


def test_served_by_gunicorn(database):
    name, _ = database
    port = _free_port()
    env = {**os.environ, 'POWER_CIS_ROOT': str(ROOT),
        'TRYTOND_CONFIG': str(ROOT / 'trytond.conf'),
        'TRYTOND_DATABASE_NAMES': name, 'WEB_CONCURRENCY': '2'}
    env.setdefault('TRYTOND_DATABASE__PATH', str(ROOT / 'var' / 'db'))
    server = subprocess.Popen([str(BIN / 'gunicorn'), '-c',
            str(ROOT / 'docker' / 'gunicorn.conf.py'),
            '--bind', f'127.0.0.1:{port}', 'trytond.application:app'],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    base = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                answer = urllib.request.urlopen(f'{base}/{name}/health',
                    timeout=10)
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, "gunicorn stopped"
                assert time.monotonic() < deadline, "no answer in 120 s"
                time.sleep(0.5)
        assert answer.status == 200
        assert json.loads(answer.read())['status'] == 'ok'
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f'{base}/no_such_database/health',
                timeout=10)
        assert missing.value.code == 404

        login = _rpc(base, name, 'common.db.login',
            ['admin', {'password': PASSWORD}, 'ja'])
        user_id, token = login['result'][:2]
        wrong = _rpc(base, name, 'common.db.login',
            ['admin', {'password': 'wrong'}, 'ja'])
        assert wrong.get('error') and not wrong.get('result')
        # the web client is served by the same processes
        assert urllib.request.urlopen(f'{base}/', timeout=10).status == 200
        # and the staff read the stock modules' labels in Japanese
        session = f'admin:{user_id}:{token}'
        fields = _rpc(base, name, 'model.party.party.fields_get',
            [['name', 'addresses'], {'language': 'ja'}], session)['result']
        assert fields['name']['string'] == '名称'
        assert fields['addresses']['string'] == '住所'
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.mark.skipif(_backend() != 'postgresql',
    reason="pg_dump and pg_restore are PostgreSQL's")
def test_backup_restored(database, tmp_path):
    name, _ = database
    if not shutil.which('pg_dump'):
        pytest.fail("pg_dump is missing: install postgresql-client")
    restored = f'{name}_restored'
    _drop(restored)
    env = {**os.environ, 'PGHOST': '127.0.0.1', 'PGDATABASE': name,
        'BACKUP_DIR': str(tmp_path)}
    try:
        dumped = subprocess.run([str(ROOT / 'docker' / 'backup.sh'), '--once'],
            env=env, capture_output=True, text=True)
        assert dumped.returncode == 0, dumped.stderr
        dump, = tmp_path.glob(f'{name}-*.dump')
        assert not list(tmp_path.glob('*.partial'))
        done = subprocess.run([str(ROOT / 'docker' / 'restore.sh'),
                str(dump), restored], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        again = subprocess.run([str(ROOT / 'docker' / 'restore.sh'),
                str(dump), restored], env=env, capture_output=True, text=True)
        assert again.returncode == 1 and 'exists' in again.stderr
        for query in ("SELECT COUNT(*) FROM ir_translation",
                "SELECT COUNT(*) FROM ir_module WHERE state = 'activated'",
                "SELECT password_hash FROM res_user WHERE login = 'admin'"):
            assert _sql(restored, query) == _sql(name, query), query
    finally:
        _drop(restored)
