"""The grid operator's SBD-MSG usage files: golden files, round trips and
the bad input catalogue (each refused with where and why)."""
import datetime as dt
import io
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from power_core.formats import FormatError
from power_core.formats import grid
from power_core.usage import DayProfile

GOLDEN = Path(__file__).parent / 'golden'
DAY = dt.date(2026, 11, 25)


def read_all(data, name='test.xml'):
    header, records = grid.read(data, name)
    return header, list(records)


def golden(name):
    return (GOLDEN / name).read_bytes()


def test_daily_golden_file():
    header, days = read_all(golden('grid_daily.xml'))
    assert header == grid.Header('daily', '03001', 'A0999', date=DAY)
    assert [d.supply_point for d in days] == [
        f'030000111100000000000{i}' for i in range(1, 5)]
    first, second, third, fourth = (d.profile for d in days)
    # 12 × 0.3 + 12 × 1.2 + 12 × 0.5 + 12 × 2.0 = 48.0 kWh
    assert first.kwh == D('48.0')
    assert first.quality == 'M' * 46 + 'EE'
    assert second.tenths == tuple(range(48)) and second.kwh == D('112.8')
    # JP06405 = 1: not provided, every half hour missing
    assert third.quality == '-' * 48 and third.kwh == 0
    assert fourth.quality == 'M' * 46 + '--'


def test_indented_shift_jis_file_reads_the_same():
    "Indented, Shift_JIS, with the customer's name in each block."
    def content(name):
        return [(d.supply_point, d.profile)
            for d in read_all(golden(name))[1]]
    assert content('grid_daily_sjis.xml') == content('grid_daily.xml')


def test_confirmed_golden_file():
    header, readings = read_all(golden('grid_confirmed.xml'))
    assert (header.kind, header.month) == ('confirmed', dt.date(2026, 11, 1))
    first, change, rest = readings
    assert (first.kwh, first.max_demand, first.power_factor,
        first.next_reading_date, first.meter_number) == (
        D('259.6'), D('1.8'), D('95.0'), dt.date(2026, 12, 9), 'M100001')
    # a meter replacement splits the period between two meters
    assert (change.kind, change.end, rest.start, rest.meter_number) == (
        'meter_change', dt.date(2026, 10, 21), dt.date(2026, 10, 21),
        'M200002')


def test_meter_golden_file():
    header, changes = read_all(golden('grid_meter.xml'))
    assert header.kind == 'meter'
    assert changes == [grid.MeterChange('0300001111000000000002',
            dt.date(2026, 10, 21), 'M100002', 'M200002', '計器有効期限満了',
            line=changes[0].line)]


@pytest.mark.parametrize('name', [
        'grid_daily.xml', 'grid_confirmed.xml', 'grid_meter.xml'])
def test_round_trip_is_byte_identical(name):
    header, records = read_all(golden(name))
    out = io.BytesIO()
    grid.write(out, header, records)
    assert out.getvalue() == golden(name)


def test_zip_archive_holds_one_xml():
    header, records = read_all(golden('grid_daily.xml'))
    out = io.BytesIO()
    grid.write(out, header, records, zip_name='W41120.xml')
    assert read_all(out.getvalue(), 'W41120.zip')[1] == records
    two = io.BytesIO()
    with zipfile.ZipFile(two, 'w') as archive:
        archive.writestr('a.xml', golden('grid_daily.xml'))
        archive.writestr('b.xml', golden('grid_daily.xml'))
    with pytest.raises(FormatError, match='holds 2 files'):
        read_all(two.getvalue(), 'two.zip')
    with pytest.raises(FormatError, match='not a readable ZIP'):
        read_all(b'PK\x03\x04garbage', 'bad.zip')


def replace(old, new, name='grid_daily.xml', count=1):
    data = golden(name)
    assert old in data
    return data.replace(old, new, count)


@pytest.mark.parametrize('data, message', [
    (golden('grid_daily.xml')[:5000], 'not well-formed XML'),
    (b'', 'not well-formed XML'),
    (replace(b'<JP06219>5</JP06219>', b'<JP06219>49</JP06219>'),
        'line 2, supply point 0300001111000000000001: time code JP06219 '
        "'49' is not 1 to 48"),
    (replace(b'<JP06219>5</JP06219>', b'<JP06219>4</JP06219>'),
        'time code 4 appears twice'),
    (replace(b'<JP06424>0.3</JP06424>', b'<JP06424>0.35</JP06424>'),
        "slot 1: '0.35' is not a kWh value"),
    (replace(b'<JP06424>0.3</JP06424>', b'<JP06424>-0.3</JP06424>'),
        "'-0.3' is not a kWh value"),
    (replace(b'<JP06424>0.3</JP06424>',
            '<JP06424>０.３</JP06424>'.encode()),
        "'０.３' is not a kWh value in ASCII digits"),
    (replace(b'<JP06423>20261125</JP06423>', b'<JP06423>20261124</JP06423>'),
        'the day 2026-11-24 is not the file'),
    (replace(b'<JP06400>0300001111000000000002</JP06400>',
            b'<JP06400>0300001111000000000001</JP06400>'),
        'the supply point appears twice'),
    (replace(b'<JP06400>0300001111000000000002</JP06400>',
            b'<JP06400>1100001111000000000002</JP06400>'),
        'not a grid area code'),
    (replace(b'<JP06400>0300001111000000000002</JP06400>',
            b'<JP06400>03000011110000000002</JP06400>'),
        'it must have 22'),
    (replace(b'<JP00002>0120</JP00002>', b'<JP00002>9999</JP00002>'),
        "information type JP00002 '9999'"),
    (replace(b'<JP06116>20261125</JP06116>', b'<JP06116>20261331</JP06116>'),
        "JP06116 (target date) '20261331' is not a date"),
    (replace(b'<JPM00014><JP06219>48</JP06219><JP06424>4.7</JP06424>'
            b'</JPM00014>', b''), 'time codes 48 are missing'),
    (replace(b'<SBD-MSG>', b'<OTHER>').replace(b'</SBD-MSG>', b'</OTHER>'),
        'must be under SBD-MSG'),
    ])
def test_bad_daily_files_are_refused_with_where_and_why(data, message):
    with pytest.raises(FormatError) as info:
        read_all(data)
    assert message in str(info.value)


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / 'secret.txt'
    secret.write_text('0300001111000000000001')
    data = replace(b"<?xml version='1.0' encoding='UTF-8'?>",
        (f"<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE SBD-MSG ["
            f"<!ENTITY xxe SYSTEM 'file://{secret}'>]>").encode()).replace(
        b'<JP06400>0300001111000000000001</JP06400>',
        b'<JP06400>&xxe;</JP06400>')
    # the entity stays unresolved: the number is empty, not the secret
    with pytest.raises(FormatError,
            match="line 3: Supply point number '' must contain digits"):
        read_all(data)


def test_confirmed_errors():
    with pytest.raises(FormatError, match='not after the period start'):
        read_all(replace(b'<JP06448>20261110</JP06448>',
                b'<JP06448>20261010</JP06448>', 'grid_confirmed.xml'))
    with pytest.raises(FormatError, match="reading reason JP06450 '7'"):
        read_all(replace(b'<JP06450>1</JP06450>', b'<JP06450>7</JP06450>',
                'grid_confirmed.xml'))
    with pytest.raises(FormatError, match='usage JP06426 .* not a number'):
        read_all(replace(b'<JP06426>259.6</JP06426>',
                b'<JP06426>abc</JP06426>', 'grid_confirmed.xml'))
    with pytest.raises(FormatError, match="not in the file's month"):
        read_all(replace(b'<JP06401>202611</JP06401>',
                b'<JP06401>202612</JP06401>', 'grid_confirmed.xml'))


def test_errors_stop_before_the_first_record_is_used():
    "The iterator raises at the bad block; the caller applies nothing."
    data = replace(b'<JP06219>5</JP06219>', b'<JP06219>x</JP06219>',
        count=1).replace(b'<JP06400>0300001111000000000001</JP06400>',
        b'<JP06400>0300001111000000000001</JP06400>')
    header, records = grid.read(data, 'f.xml')
    with pytest.raises(FormatError):
        list(records)


profiles = st.lists(st.one_of(st.none(), st.integers(0, 99999)),
    min_size=48, max_size=48)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(profiles, st.sets(st.integers(1, 48))),
        max_size=6))
def test_decode_of_encode_is_identity(days):
    records = [grid.Day(f'0300001111{i:012d}', DayProfile.from_kwh(DAY,
                [None if v is None else D(v) / 10 for v in values],
                estimated=estimated))
        for i, (values, estimated) in enumerate(days)]
    out = io.BytesIO()
    grid.write(out, grid.Header('daily', '03001', 'A0999', date=DAY),
        records)
    _, back = read_all(out.getvalue())
    # a day with no value at all is sent as "not provided"
    assert [d.profile for d in back] == [d.profile for d in records]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_format_errors(data):
    try:
        read_all(data)
    except FormatError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 9800), st.binary(min_size=1, max_size=8))
def test_damaged_golden_file_raises_only_format_errors(position, junk):
    data = golden('grid_daily.xml')
    damaged = data[:position] + junk + data[position + len(junk):]
    try:
        read_all(damaged)
    except FormatError:
        pass


def test_a_late_estimated_flag_is_read_in_a_long_file():
    "Flags first seen deep in a long file (after many unflagged days)."
    plain = DayProfile.from_kwh(DAY, [D('0.2')] * 48)
    flagged = DayProfile.from_kwh(DAY, [D('0.2')] * 48, estimated=(30,))
    records = [grid.Day(f'0300001111{i:012d}', plain) for i in range(3000)]
    records.append(grid.Day('0300001111999999999999', flagged))
    out = io.BytesIO()
    grid.write(out, grid.Header('daily', '03001', 'A0999', date=DAY),
        records, zip_name='day.xml')
    days = read_all(out.getvalue(), 'day.zip')[1]
    assert days[-1].profile.quality == 'M' * 29 + 'E' + 'M' * 18
    assert {d.profile.quality for d in days[:-1]} == {'M' * 48}


def test_a_member_too_large_unzipped_is_refused(monkeypatch):
    "A zip bomb: the member's declared size is checked before reading"
    data = io.BytesIO()
    with zipfile.ZipFile(data, 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('day.xml', golden('grid_daily.xml'))
    monkeypatch.setattr(grid, 'MAX_XML', 1000)
    with pytest.raises(FormatError, match='more than 1000'):
        read_all(data.getvalue(), 'bomb.zip')


def _zipped(data, compression, name='W41120.xml'):
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', compression) as archive:
        archive.writestr(name, data)
    return bytearray(out.getvalue()), 30 + len(name)


@pytest.mark.parametrize('damage', ['deflate', 'crc', 'truncated'])
def test_damaged_zip_member_is_a_format_error(damage):
    "issue 21 item 6: zlib.error / BadZipFile escaped the reader"
    data = golden('grid_daily.xml')
    if damage == 'crc':
        # stored: the bytes read fine, the CRC at the end does not match
        archive, start = _zipped(data, zipfile.ZIP_STORED)
        at = start + len(data) // 2
        archive[at] = archive[at] ^ 0x01
    else:
        archive, start = _zipped(data, zipfile.ZIP_DEFLATED)
        if damage == 'deflate':
            for at in range(start + 10, start + 40):
                archive[at] = 0xff
        else:
            size = zipfile.ZipFile(io.BytesIO(bytes(archive))).infolist()[
                0].compress_size
            archive[start + size // 2:start + size] = b''
    with pytest.raises(FormatError) as raised:
        read_all(bytes(archive), 'W41120-bad.zip')
    message = str(raised.value)
    assert message.startswith('W41120-bad.zip: ')
    assert 'W41120.xml' in message
