"""What the whole browser session left behind: no full card number in the
demo database or in the server's log, although the portal test typed one
into the card agent's form (docs/reliability.md)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ARTIFACTS, DATABASE, ROOT


@pytest.mark.last
def test_no_card_number_in_the_database_or_the_log(demo_server):
    power_cis = str(Path(sys.executable).parent / 'power-cis')
    result = subprocess.run([power_cis, 'scan-card-numbers', '--database',
            DATABASE, str(ARTIFACTS / 'demo-server.log')],
        env={**os.environ, 'POWER_CIS_ROOT': str(ROOT)}, cwd=ROOT,
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '0 card numbers found' in result.stdout
