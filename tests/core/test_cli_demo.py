"""power-cis demo refuses a customer count it cannot build, before it
touches any database (it used to fail after a minute with an IndexError
while creating the applications of 20 customers)."""
import pytest

from power_cis_cli import main as cli


@pytest.mark.parametrize('count', ['20', '0', '-5', 'many'])
def test_too_few_customers_refused_at_once(count, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(['demo', '--database', 'never_created', '--customers',
                count, '--no-server'])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert '--customers' in err
    assert ('at least 50 customers' in err) or ('not a whole number' in err)


def test_prepare_demo_checks_too():
    with pytest.raises(Exception, match='at least 50 customers'):
        cli.prepare_demo('never_created', 10)


def test_enough_customers_accepted():
    assert cli.demo_customers('50') == 50
    assert cli.demo_customers('200') == 200
