"""The portal under load, short form (docs/reliability.md): 100 concurrent
members for a minute (logging in over the first 15 seconds) against the
browser tests' demo database (SQLite or PostgreSQL), served by a trytond
process of its own; no request may fail and the server may not grow by more than 64 MB
after the warm-up (30 s). The full form (5 minutes) is
`bench/portal.py --users 100 --duration 300 --check`."""
import os
import subprocess
import sys

import pytest

from conftest import ARTIFACTS, DATABASE, ROOT


@pytest.mark.load
def test_portal_under_load(demo_server):
    result = subprocess.run([sys.executable, str(ROOT / 'bench' / 'portal.py'),
            '--database', DATABASE, '--users', '100', '--duration', '60',
            '--warm-up', '30', '--check', '--max-growth', '64'],
        env={**os.environ, 'POWER_CIS_ROOT': str(ROOT)}, cwd=ROOT,
        capture_output=True, text=True, timeout=600)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / 'portal-load.log').write_text(result.stdout + result.stderr)
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:])
    assert 'check passed' in result.stdout
