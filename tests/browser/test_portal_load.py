"""The portal under load, short form (docs/reliability.md): 100 concurrent
members for a minute (logging in over the first 15 seconds) against the
browser tests' demo database (SQLite or PostgreSQL), served by a trytond
process of its own; no request may fail and the server may not grow by more than 64 MB
after the warm-up (30 s). The full form (5 minutes) is
`bench/portal.py --users 100 --duration 300 --check`.

It runs on PostgreSQL, the production backend, and enforces the bound
there. On SQLite (the demo's backend, not made for this load) it is
skipped: there the memory bound is a known open defect (a server started
right after the database's modules were updated or created, as the
browser tests' database always is, can grow steadily under this load:
docs/reliability.md, "Not proven yet"), so the run only ever ended as an
expected failure, and it cost the CI two minutes. `bench/portal.py
--check` still runs it on SQLite on demand."""
import os
import re
import subprocess
import sys

import pytest

from conftest import ARTIFACTS, DATABASE, ROOT


@pytest.mark.load
def test_portal_under_load(demo_server):
    if not os.environ.get('TRYTOND_DATABASE__URI', '').startswith(
            'postgresql'):
        pytest.skip("the load test runs on PostgreSQL (SQLite's known "
            "memory growth after a module update, docs/reliability.md)")
    result = subprocess.run([sys.executable, str(ROOT / 'bench' / 'portal.py'),
            '--database', DATABASE, '--users', '100', '--duration', '60',
            '--warm-up', '30', '--check', '--max-growth', '64'],
        env={**os.environ, 'POWER_CIS_ROOT': str(ROOT)}, cwd=ROOT,
        capture_output=True, text=True, timeout=600)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / 'portal-load.log').write_text(result.stdout + result.stderr)
    problems = re.findall(r'^CHECK FAILED: .*$', result.stdout, re.M)
    assert result.returncode == 0, '\n'.join(problems) + (
        result.stdout[-3000:] + result.stderr[-3000:])
    assert 'check passed' in result.stdout
