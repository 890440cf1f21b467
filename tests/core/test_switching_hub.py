"""Our switching hub client (zeep, our WSDL) against the local simulator."""
import datetime as dt
from decimal import Decimal as D

import pytest

from power_core.formats.switching import Application, HubClient, HubError
from power_sim import switching_hub


@pytest.fixture(scope='module')
def hub():
    hub, url, server = switching_hub.start()
    yield hub, url
    server.shutdown()


def client(url):
    return HubClient(url, 'A0999')


def test_switch_in_is_accepted_then_completed(hub):
    _, url = hub
    hub_client = client(url)
    receipt = hub_client.submit(Application('switch_in', 'A0999', 'SW001',
            '0300001111222233334444', dt.date(2026, 12, 10),
            current_retailer='A0001', current_customer_number='123456',
            holder_name='山田 太郎', holder_name_kana='ﾔﾏﾀﾞ ﾀﾛｳ'))
    assert receipt.received and receipt.reference.startswith('SW')
    first = hub_client.status('switch_in', receipt.reference)
    second = hub_client.status('switch_in', receipt.reference)
    assert (first.state, first.effective_date) == ('accepted',
        dt.date(2026, 12, 10))
    assert second.state == 'completed'
    # every call is kept as XML for the exchange log
    name, sent, received = hub_client.exchanges[0]
    assert b'IF_10610' in sent and b'<ns0:ApplicationType>05' in sent
    assert b'HubReference' in received


def test_rejection_carries_its_reason(hub):
    _, url = hub
    hub_client = client(url)
    receipt = hub_client.submit(Application('switch_in', 'A0999', 'SW002',
            '0300001111222233339999', dt.date(2026, 12, 10)))
    status = hub_client.status('switch_in', receipt.reference)
    assert (status.state, status.reason_code) == ('rejected', 'E1101')
    assert '一致しません' in status.reason_message


def test_equipment_inquiry_answers_at_once(hub):
    _, url = hub
    hub_client = client(url)
    receipt = hub_client.submit(Application('equipment_inquiry', 'A0999',
            'SW003', '0300001111222233335555', dt.date(2026, 12, 10)))
    status = hub_client.status('equipment_inquiry', receipt.reference)
    assert (status.state, status.meter_number, status.smart_meter,
        status.current_retailer) == ('completed', 'M33335555', True, 'A0001')


def test_ampere_change_sends_its_capacity(hub):
    hub_state, url = hub
    hub_client = client(url)
    receipt = hub_client.submit(Application('ampere_change', 'A0999',
            'SW004', '0300001111222233336666', dt.date(2026, 12, 10),
            capacity=D(40)))
    assert hub_state.applications[receipt.reference]['Capacity'] == '40'


def test_invalid_request_gets_an_error_receipt(hub):
    _, url = hub
    receipt = client(url).submit(Application('switch_in', 'A0999', 'SW005',
            '1100001111222233334444'))
    assert (receipt.received, receipt.error_code) == (False, 'E0101')


def test_unknown_reference_is_a_hub_error(hub):
    _, url = hub
    with pytest.raises(HubError, match='did not answer Status'):
        client(url).status('switch_in', 'SW9999999999')


def test_unreachable_hub_is_a_hub_error():
    with pytest.raises(HubError):
        HubClient('http://127.0.0.1:9/switching-hub', 'A0999',
            timeout=2).submit(Application('switch_in', 'A0999', 'X',
                '0300001111222233334444'))


# issue 21 item 7: zeep turned an impossible date or a boolean "maybe"
# into None / False and the reply was used
@pytest.mark.parametrize('answer, message', [
    ({'State': 'completed', 'EffectiveDate': '2027-02-30'},
        "EffectiveDate"),
    ({'State': 'accepted', 'EffectiveDate': '2026-13-01'}, "EffectiveDate"),
    ({'State': 'accepted', 'EffectiveDate': '20261210'}, "EffectiveDate"),
    ({'State': 'done'}, "unknown state 'done'"),
    ({'State': 'accepted', 'EffectiveDate': None},
        "EffectiveDate is missing"),
    ({'State': 'rejected', 'EffectiveDate': None},
        "ReasonCode is missing"),
    ({'State': None}, "State"),
    ({'HubReference': 'SW9999999999'}, "not the reference asked about"),
    ({'NextReadingDate': 'soon'}, "NextReadingDate"),
    ])
def test_invalid_status_reply_is_refused(hub, answer, message):
    simulator, url = hub
    hub_client = client(url)
    receipt = hub_client.submit(Application('switch_in', 'A0999', 'SW010',
            '0300001111222233334444', dt.date(2026, 12, 10)))
    simulator.answers[receipt.reference] = answer
    with pytest.raises(HubError) as raised:
        hub_client.status('switch_in', receipt.reference, 'SW010')
    assert message in str(raised.value)
    assert str(raised.value).startswith('SW010: ')
    # the raw reply is kept for the log all the same
    assert hub_client.exchanges[-1][2]


@pytest.mark.parametrize('smart_meter', ['maybe', '', 'yes'])
def test_equipment_inquiry_with_an_invalid_boolean_is_refused(hub,
        smart_meter):
    simulator, url = hub
    hub_client = client(url)
    receipt = hub_client.submit(Application('equipment_inquiry', 'A0999',
            'SW011', '0300001111222233335555', dt.date(2026, 12, 10)))
    simulator.answers[receipt.reference] = {'SmartMeter': smart_meter}
    with pytest.raises(HubError) as raised:
        hub_client.status('equipment_inquiry', receipt.reference)
    assert 'SmartMeter' in str(raised.value)
    simulator.answers[receipt.reference] = {'SmartMeter': None}
    with pytest.raises(HubError, match='SmartMeter is missing'):
        hub_client.status('equipment_inquiry', receipt.reference)


@pytest.mark.parametrize('answer, message', [
    ({'Received': 'maybe'}, 'Received'),
    ({'HubReference': None}, 'HubReference is missing'),
    ])
def test_invalid_submit_reply_is_refused(hub, answer, message):
    simulator, url = hub
    simulator.answers['Submit'] = answer
    try:
        with pytest.raises(HubError, match=message):
            client(url).submit(Application('switch_in', 'A0999', 'SW012',
                    '0300001111222233334444', dt.date(2026, 12, 10)))
    finally:
        del simulator.answers['Submit']
