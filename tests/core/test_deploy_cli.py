"""The production helpers of the power-cis command that need no database:
the admin password file (two databases made at once once removed each
other's: a benchmark's creation stopped at trytond-admin's prompt), the
secret's checks and what counts as a local simulator."""
import os
import stat

import pytest

from power_cis_cli import deploy, site


def test_password_files_are_separate_and_private(tmp_path, monkeypatch):
    monkeypatch.setenv('POWER_CIS_ROOT', str(tmp_path))
    with site.password_file('first-secret') as first, \
            site.password_file('second-secret') as second:
        assert first != second
        assert first.read_text() == 'first-secret\n'
        assert second.read_text() == 'second-secret\n'
        assert stat.S_IMODE(os.stat(first).st_mode) == 0o600
    assert not first.exists() and not second.exists()


def test_admin_password_secret(tmp_path):
    with pytest.raises(deploy.DeployError, match='no admin password'):
        deploy.read_password(None)
    with pytest.raises(deploy.DeployError, match='cannot read'):
        deploy.read_password(tmp_path / 'missing')
    short = tmp_path / 'short'
    short.write_text('abc\n')
    with pytest.raises(deploy.DeployError, match='shorter than 8'):
        deploy.read_password(short)
    good = tmp_path / 'good'
    good.write_text('a long secret\nignored\n')
    assert deploy.read_password(good) == 'a long secret'


@pytest.mark.parametrize('url, local', [
    ('smtp://127.0.0.1:8025', True),
    ('http://localhost:8091', True),
    ('http://[::1]:8000/hub', True),
    ('', True),
    ('smtp+tls://user:pw@smtp.example.jp:587', False),
    ('https://tokens.card-agent.example.jp', False),
    ('https://10.0.0.5/hub', False),
    ])
def test_loopback(url, local):
    assert deploy.is_loopback(url) is local


def test_secrets_masked_and_senders_checked():
    assert deploy.mask('smtp+tls://cis:s3cret@smtp.example.jp:587') == \
        'smtp+tls://cis:***@smtp.example.jp:587'
    assert deploy.mask('https://hub.example.jp/ws') == \
        'https://hub.example.jp/ws'
    assert deploy.sender_problem('でんき小売 <info@denki.example.jp>') is None
    assert deploy.sender_problem('root') == "not a mail address"
    assert deploy.sender_problem('root@localhost') == "a local address"
    assert deploy.sender_problem(None) == "not a mail address"
