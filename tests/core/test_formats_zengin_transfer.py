"""Zengin credit transfer files (総合振込, 種別コード 21): layout, round trip
and refusals."""
import datetime as dt

import pytest

from power_core.formats import FormatError
from power_core.formats.zengin_transfer import (
    Header, Transfer, decode, encode)

HEADER = Header('1234567890', 'ﾃﾞﾝｷｺｳﾘ(ｶ', dt.date(2027, 1, 29), '0001',
    'ﾐｽﾞﾎ', '001', 'ﾄｳｷﾖｳ', '1', '7654321')


def transfers():
    return [Transfer('0005', '123', '1', '0012345', 'ﾔﾏﾀﾞ ﾀﾛｳ', 2456,
            customer_code1='123456', customer_code2='88', new_code='1',
            bank_name='ﾐﾂﾋﾞｼUFJ', branch_name='ｼﾝｼﾞﾕｸ'),
        Transfer('9900', '019', '1', '1000001', 'ｽｽﾞｷ ﾊﾅｺ', 980)]


def test_layout_and_round_trip():
    data = encode(HEADER, transfers())
    lines = data.split(b'\r\n')
    assert [len(l) for l in lines[:-1]] == [120] * 5 and lines[-1] == b''
    head = lines[0].decode('cp932')
    assert head[:4] == '1210' and head[4:14] == '1234567890'
    assert head[54:58] == '0129' and head[95:103] == '17654321'
    first = lines[1].decode('cp932')
    assert first[1:5] == '0005' and first[42:50] == '10012345'
    assert first[80:90] == '0000002456' and first[90] == '1'
    assert first[91:101] == '0000123456' and first[111] == '7'
    assert lines[3].decode('cp932')[:19] == '8000002000000003436'
    header, read, trailer = decode(data, year=2027)
    assert header == HEADER
    assert [(t.payee, t.amount, t.customer_code1, t.customer_code2)
        for t in read] == [('ﾔﾏﾀﾞ ﾀﾛｳ', 2456, '123456', '88'),
            ('ｽｽﾞｷ ﾊﾅｺ', 980, '', '')]
    assert (trailer.count, trailer.total) == (2, 3436)


def test_refusals():
    with pytest.raises(FormatError, match='at least one transfer'):
        encode(HEADER, [])
    bad = transfers()[:1]
    with pytest.raises(FormatError, match='amount 0'):
        encode(HEADER, [bad[0].__class__(**{**bad[0].__dict__,
                    'amount': 0})])
    with pytest.raises(FormatError, match='Zengin character set'):
        encode(HEADER, [bad[0].__class__(**{**bad[0].__dict__,
                    'payee': '山田太郎'})])
    with pytest.raises(FormatError, match='customer code 1'):
        encode(HEADER, [bad[0].__class__(**{**bad[0].__dict__,
                    'customer_code1': '12345678901'})])
    data = encode(HEADER, transfers())
    # a total that does not match the records
    tampered = data.replace(b'8000002000000003436', b'8000002000000003437')
    with pytest.raises(FormatError, match='trailer says 2 transfers of '
            '3437'):
        decode(tampered, year=2027, name='SOGO.txt')
    with pytest.raises(FormatError, match='not 21'):
        decode(data.replace(b'1210', b'1910', 1), year=2027)
    with pytest.raises(FormatError, match='not 120'):
        decode(data[:50] + data[51:], year=2027)
