"""The production stack as docker-compose.yml and the Dockerfile define it
(issue 24): no engine runs here, so its definition is checked: a one-shot
init service with the admin password from a secret, web containers that
only serve through gunicorn and start after init succeeded, a health check
that reaches the database, a daily backup, and an image that runs as a
user without test tools. tests/browser/test_deploy.py runs the same
commands (init, gunicorn, health, backup and restore) on this machine."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / 'docker-compose.yml').read_text())
SERVICES = COMPOSE['services']
TRYTOND = ['trytond', 'trytond-cron', 'trytond-worker']


def command(service):
    value = SERVICES[service]['command']
    return value if isinstance(value, str) else ' '.join(value)


def test_init_creates_or_updates_with_the_secret_and_checks_settings():
    init = command('init')
    assert 'power-cis init' in init
    assert '--admin-password-file /run/secrets/admin_password' in init
    assert 'power-cis check-config' in init and '--production' in init
    assert SERVICES['init']['secrets'] == ['admin_password']
    assert SERVICES['init']['restart'] == 'no'
    assert COMPOSE['secrets']['admin_password']['file'] == (
        'docker/secrets/admin_password')


def test_web_cron_and_worker_start_after_init_and_never_update():
    for name in TRYTOND + ['backup']:
        depends = SERVICES[name]['depends_on']
        assert depends['init'] == {
            'condition': 'service_completed_successfully'}, name
        assert depends['postgres'] == {'condition': 'service_healthy'}, name
    for name in TRYTOND:
        words = command(name).split()
        assert '-u' not in words and '--update' not in words, name
        assert 'trytond-admin' not in words, name


def test_web_served_by_gunicorn_with_a_database_health_check():
    assert command('trytond').startswith(
        'gunicorn -c /srv/power-cis/docker/gunicorn.conf.py '
        'trytond.application:app')
    check = ' '.join(SERVICES['trytond']['healthcheck']['test'])
    assert '/power/health' in check
    assert (ROOT / 'docker' / 'gunicorn.conf.py').exists()


def test_settings_logging_and_backups():
    for name in TRYTOND + ['init']:
        assert SERVICES[name]['env_file'] == ['docker/production.env']
        assert 'logs:/var/log/trytond' in SERVICES[name]['volumes']
    assert (ROOT / 'docker' / 'production.env.example').exists()
    logging_conf = (ROOT / 'docker' / 'logging.conf').read_text()
    assert 'TimedRotatingFileHandler' in logging_conf
    assert "'midnight'" in logging_conf or 'midnight' in logging_conf
    backup = SERVICES['backup']
    assert backup['command'] == ['sh', '/backup.sh']
    assert 'backups:/backups' in backup['volumes']
    assert (ROOT / 'docker' / 'restore.sh').exists()


def test_image_runs_as_tryton_without_test_tools():
    dockerfile = (ROOT / 'Dockerfile').read_text()
    # the build stage installs with --production, which leaves out
    # requirements-test.txt (pytest, Playwright)
    assert './scripts/setup.sh --production' in dockerfile
    setup = (ROOT / 'scripts' / 'setup.sh').read_text()
    assert '--production) want_tests=0 ;;' in setup
    assert '[ "$want_tests" = 1 ] && requirements+=(-r requirements-test.txt)' in setup
    # the runtime stage: no Node.js, its own user, gunicorn
    final = dockerfile.split('\nFROM ')[-1]
    assert 'USER tryton' in final
    assert 'nodejs' not in final and 'npm' not in final
    assert 'trytond.application:app' in final
