"""The supply plan for power procurement and its simulator."""
import datetime as dt
from decimal import Decimal as D

import pytest

from power_core.formats import FormatError, procurement
from power_sim.procurement import Procurement

DAY = dt.date(2026, 12, 1)


def test_plan_counts_starts_ends_and_capacity_changes():
    contracts = [
        # 30 A → 3.0 kVA, raised to 40 A (4.0 kVA) from the 3rd
        ('03', dt.date(2025, 4, 1), None,
            [(dt.date(2025, 4, 1), D('3.0')), (DAY.replace(day=3), D('4.0'))]),
        # switches in on the 2nd
        ('03', DAY.replace(day=2), None, [(DAY.replace(day=2), D('6.0'))]),
        # last day supplied the 1st: gone from the 2nd
        ('06', dt.date(2024, 1, 1), DAY, [(dt.date(2024, 1, 1), D('8.0'))]),
        ]
    rows = procurement.plan(contracts, DAY, 3)
    table = {(r.date.day, r.area): (r.contracts, r.capacity_kva, r.starting,
            r.ending) for r in rows}
    assert table[(1, '03')] == (1, D('3.0'), 0, 0)
    assert table[(2, '03')] == (2, D('9.0'), 1, 0)
    assert table[(3, '03')] == (2, D('10.0'), 0, 0)
    assert table[(1, '06')] == (1, D('8.0'), 0, 0)
    assert table[(2, '06')] == (0, D('0'), 0, 1)


def test_capacity_in_kva():
    assert procurement.capacity_kva(30, 'A') == D('3')
    assert procurement.capacity_kva(D('6'), 'kVA') == D('6')


def test_round_trip_and_errors():
    rows = [procurement.PlanRow(DAY, '03', 2, D('9.0'), 1, 0)]
    assert procurement.read_plan(procurement.write_plan(rows)) == rows
    data = procurement.write_plan(rows)
    with pytest.raises(FormatError, match="line 2: area '11'"):
        procurement.read_plan(data.replace(b',03,', b',11,'), 'p.csv')
    with pytest.raises(FormatError, match='appears twice'):
        procurement.read_plan(data + data.split(b'\r\n', 1)[1], 'p.csv')
    with pytest.raises(FormatError, match="'-2' is not a whole number"):
        procurement.read_plan(data.replace(b',2,', b',-2,'), 'p.csv')


def test_simulator_acknowledges(tmp_path):
    outbox, inbox = tmp_path / 'out', tmp_path / 'in'
    outbox.mkdir()
    rows = [procurement.PlanRow(DAY, '03', 2, D('9.0'))]
    (outbox / 'PLAN_20261201.csv').write_bytes(procurement.write_plan(rows))
    (outbox / 'PLAN_20261202.csv').write_bytes(b'nonsense')
    partner = Procurement(outbox, inbox)
    assert partner.process() == ['ACK_PLAN_20261201.csv',
        'ACK_PLAN_20261202.csv']
    assert partner.plans['PLAN_20261201.csv'] == rows
    assert procurement.read_ack((inbox / 'ACK_PLAN_20261201.csv')
        .read_bytes()) == ('PLAN_20261201.csv', 'OK', '')
    file, status, message = procurement.read_ack(
        (inbox / 'ACK_PLAN_20261202.csv').read_bytes())
    assert status == 'NG' and 'header' in message
