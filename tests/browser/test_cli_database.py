"""power-cis simulate --database rates with the menus and regulated values
stored in a database (the browser tests' demo database)."""
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DATABASE, ROOT


def test_simulate_with_database_menus(demo_server):
    result = subprocess.run([
            str(Path(sys.executable).parent / 'power-cis'), 'simulate',
            '--database', DATABASE, '--menu', 'tepco-juryo-b',
            '--capacity', '30A', '--kwh', '260',
            '--period-start', '2025-01-10', '--period-end', '2025-02-10'],
        capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, 'POWER_CIS_ROOT': str(ROOT)})
    assert result.returncode == 0, result.stderr
    bill = json.loads(result.stdout)
    # the demo imported the data pack: the same bill as the shipped menu
    # (hand-computed in tests/core/test_rating.py)
    assert bill['total'] == 8174
    assert bill['version'] == '2024-04-01'
