"""Zengin direct-debit files and konbini barcodes and payment notices:
published layouts and check-digit vectors (docs/domain.md §5), round trips,
bad input."""
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from power_core.formats import FormatError, konbini, zengin

HEADER = zengin.Header('1234567890', 'ﾐﾗｲﾃﾞﾝﾘﾖｸ(ｶ', dt.date(2026, 12, 27),
    '0001', 'ﾐｽﾞﾎ', '001', 'ﾎﾝﾃﾝ')
DEBITS = [
    zengin.Debit('0005', '123', '1', '1234567', 'ﾔﾏﾀﾞ ﾀﾛｳ', 8174, 'C0000123',
        new_code='1', bank_name='ﾐﾂﾋﾞｼUFJ', branch_name='ｼﾝｼﾞﾕｸ'),
    zengin.Debit('9900', '019', '1', '7654321', 'ｻﾄｳ ﾊﾅｺ', 12034, 'C0000456'),
    ]


def test_request_layout_positions():
    data = zengin.encode(HEADER, DEBITS)
    lines = data.split(b'\r\n')
    assert lines[-1] == b'' and all(len(l) == 120 for l in lines[:-1])
    header, first, second, trailer, end = (l.decode('cp932')
        for l in lines[:-1])
    # header: type 1, 種別 91, JIS, biller code at 5, debit day MMDD at 55
    assert (header[0], header[1:3], header[3], header[4:14]) == (
        '1', '91', '0', '1234567890')
    assert header[54:58] == '1227' and header[58:62] == '0001'
    # data: bank at 2, account type at 43, number at 44, holder at 51,
    # amount at 81 (10, zero-filled), new code 91, customer number 92
    assert (first[1:5], first[42], first[43:50]) == ('0005', '1', '1234567')
    assert first[50:80].rstrip() == 'ﾔﾏﾀﾞ ﾀﾛｳ'
    assert first[80:90] == '0000008174' and first[90] == '1'
    assert first[91:111] == '000000000000C0000123' and first[111] == ' '
    # trailer: 2 records, 20,208 yen; results empty in a request
    assert trailer[:19] == '8000002000000020208'
    assert trailer[19:55] == '0' * 36 and end == '9' + ' ' * 119


def test_result_file_round_trip_and_totals():
    results = zengin.with_results(DEBITS, ['0', '1'])
    data = zengin.encode(HEADER, results, result=True)
    header, debits, trailer = zengin.decode(data, year=2026, result=True)
    assert header == HEADER
    assert [(d.customer_number, d.result, d.debited) for d in debits] == [
        ('C0000123', '0', True), ('C0000456', '1', False)]
    assert (trailer.debited_count, trailer.debited_amount,
        trailer.failed_count, trailer.failed_amount) == (1, 8174, 1, 12034)
    assert zengin.RESULTS[debits[1].result] == '資金不足'


def test_request_round_trip():
    header, debits, trailer = zengin.decode(zengin.encode(HEADER, DEBITS),
        year=2026, result=False)
    assert [d.holder for d in debits] == ['ﾔﾏﾀﾞ ﾀﾛｳ', 'ｻﾄｳ ﾊﾅｺ']
    assert (trailer.count, trailer.total) == (2, 20208)


def test_names_become_zengin_kana():
    assert zengin.zengin_kana('ヤマダ　タロウ') == 'ﾔﾏﾀﾞ ﾀﾛｳ'
    assert zengin.zengin_kana('きっぷ') == 'ｷﾂﾌﾟ'   # small kana made large
    assert zengin.zengin_kana('ｍｉｒａｉ') == 'MIRAI'
    with pytest.raises(FormatError, match='lacks'):
        zengin.zengin_kana('山田太郎', 'account holder')


def replace_at(data, record, position, text):
    lines = data.split(b'\r\n')
    line = bytearray(lines[record - 1])
    line[position - 1:position - 1 + len(text)] = text
    lines[record - 1] = bytes(line)
    return b'\r\n'.join(lines)


GOOD = zengin.encode(HEADER, zengin.with_results(DEBITS, ['0', '1']),
    result=True)


@pytest.mark.parametrize('data, message', [
    (GOOD[:-50], 'record 5: 72 bytes, expected 120'),
    (replace_at(GOOD, 2, 81, b'00000O8174'), "record 2: amount '00000O8174'"),
    (replace_at(GOOD, 2, 112, b'7'), "result code '7' (position 112)"),
    (replace_at(GOOD, 2, 43, b'3'), "account type '3' (position 43)"),
    (replace_at(GOOD, 4, 8, b'000000099999'),
        'the trailer counts 2 records of 99999 yen'),
    (replace_at(GOOD, 4, 20, b'000002'), "debited / failed totals"),
    (replace_at(GOOD, 1, 2, b'21'), "type code '21' is not 91"),
    (replace_at(GOOD, 2, 1, b'8'), 'record types'),
    (replace_at(GOOD, 2, 51, 'ﾔﾏﾀﾞ'.encode('cp932').replace(b'\xd4',
            b'\x81')), 'not Shift_JIS'),
    (GOOD.replace('ﾔﾏﾀﾞ'.encode('cp932'), 'ヤマ'.encode('cp932')),
        'record 2: holds full-width characters'),
    (replace_at(GOOD, 1, 55, b'1340'), "debit day '1340'"),
    (b'', 'a file has a header'),
    ])
def test_bad_zengin_files(data, message):
    with pytest.raises(FormatError) as info:
        zengin.decode(data, year=2026, name='result.txt', result=True)
    assert message in str(info.value)


def test_request_with_result_code_is_refused():
    with pytest.raises(FormatError, match="a request carries"):
        zengin.decode(GOOD, year=2026, result=False)


def test_records_without_line_ends():
    data = GOOD.replace(b'\r\n', b'')
    assert zengin.decode(data, year=2026)[2].count == 2


holders = st.text(alphabet='ｱｲｳｴｵｶｷｸｹｺﾞﾟ ABCXYZ0123', min_size=1, max_size=30)
debits = st.builds(zengin.Debit, bank_code=st.from_regex(r'[0-9]{4}',
        fullmatch=True), branch_code=st.from_regex(r'[0-9]{3}', fullmatch=True),
    account_type=st.sampled_from('1249'),
    account_number=st.from_regex(r'[0-9]{7}', fullmatch=True),
    holder=holders.map(str.strip).filter(bool),
    amount=st.integers(1, 9_999_999_999),
    customer_number=st.from_regex(r'[1-9A-Z][0-9A-Z]{0,19}', fullmatch=True),
    result=st.sampled_from(sorted(zengin.RESULTS)))


@settings(max_examples=60, deadline=None)
@given(st.lists(debits, max_size=8))
def test_zengin_decode_of_encode_is_identity(records):
    data = zengin.encode(HEADER, records, result=True)
    _, back, _ = zengin.decode(data, year=2026, result=True)
    assert [(d.account_number, d.holder, d.amount, d.customer_number,
            d.result) for d in back] == [(d.account_number, d.holder,
            d.amount, d.customer_number, d.result) for d in records]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_zengin_random_bytes_raise_only_format_errors(data):
    try:
        zengin.decode(data, year=2026)
    except FormatError:
        pass


# --- konbini ----------------------------------------------------------------

@pytest.mark.parametrize('digits', [
    '91' '912345' '0123456789012345678901' '010331' '0' '123000' '3',
    '91' '942386' '1789539178539356927301' '030731' '1' '031290' '3',
    ])
def test_published_check_digit_vectors(digits):
    assert konbini.check_digit(digits[:43]) == '3'
    assert konbini.Barcode.parse(digits).data() == digits


def test_barcode_fields():
    code = konbini.Barcode('912345', '202600000123', dt.date(2026, 12, 31),
        8174)
    data = code.data()
    assert len(data) == 44 and data.startswith('91912345202600000123')
    assert data[30:36] == '261231' and data[36] == '0'
    assert data[37:43] == '008174'
    parsed = konbini.Barcode.parse(data)
    assert (parsed.biller_code, parsed.due_date, parsed.amount,
        parsed.stamp, parsed.reissue) == ('912345', dt.date(2026, 12, 31),
        8174, False, 0)
    assert parsed.data() == data
    assert konbini.Barcode('912345', '1', dt.date(2026, 12, 31),
        50000).data()[36] == '1'  # a revenue stamp from 50,000 yen


@pytest.mark.parametrize('data, message', [
    ('91' '912345' '0123456789012345678901' '010331' '0' '123000' '4',
        'check digit 4 should be 3'),
    ('12345', 'is not 44 digits'),
    ('81' + '0' * 42, 'does not start with AI 91'),
    ])
def test_bad_barcodes(data, message):
    with pytest.raises(FormatError, match=message):
        konbini.Barcode.parse(data)


def test_amount_over_the_store_limit_is_refused():
    with pytest.raises(FormatError, match='300,000'):
        konbini.Barcode('912345', '1', dt.date(2026, 12, 31),
            300_001).data()


def test_payment_notice_round_trip_and_errors():
    code = konbini.Barcode('912345', '202600000123', dt.date(2026, 12, 31),
        8174)
    payment = konbini.Payment('final', dt.date(2026, 12, 20), code, 8174,
        '0001', '123456', dt.date(2026, 12, 25), 2)
    data = konbini.write_payments([payment], dt.date(2026, 12, 21))
    back, = konbini.read_payments(data, 'notice.csv')
    assert (back.kind, back.amount, back.barcode.data(), back.paid_on) == (
        'final', 8174, code.data(), dt.date(2026, 12, 20))
    bad = data.replace(b',8174,', b',8175,')
    with pytest.raises(FormatError, match='line 2: 金額 8175 differs'):
        konbini.read_payments(bad, 'notice.csv')
    twice = data + data.split(b'\r\n', 1)[1]
    with pytest.raises(FormatError, match='line 3: the same payment'):
        konbini.read_payments(twice, 'notice.csv')
    with pytest.raises(FormatError, match='line 1: the header'):
        konbini.read_payments(b'a,b\r\n', 'notice.csv')


def test_payment_key_and_time():
    "The payment's identity across notices: barcode, day, time and store"
    code = konbini.Barcode('912345', '202600000123', dt.date(2026, 12, 31),
        8174)
    payment = konbini.Payment('final', dt.date(2026, 12, 20), code, 8174,
        '0001', '123456', dt.date(2026, 12, 25), 2, '0931')
    data = konbini.write_payments([payment], dt.date(2026, 12, 21))
    back, = konbini.read_payments(data, 'notice.csv')
    assert back.paid_time == '0931'
    assert back.key == payment.key == (
        f'{code.data()} 20261220 0931 0001 123456')
    # another store or time of the same slip is another payment
    other = konbini.Payment('final', dt.date(2026, 12, 20), code, 8174,
        '0001', '123457', dt.date(2026, 12, 25), 3, '0931')
    assert other.key != payment.key
    for bad in [b'2400', b'0960', b'093', '０931'.encode('cp932')]:
        damaged = data.replace(b',0931,', b',' + bad + b',')
        with pytest.raises(FormatError, match='line 2: 収納時刻'):
            konbini.read_payments(damaged, 'notice.csv')
