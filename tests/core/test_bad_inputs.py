"""The bad input catalogue of the partners' CSV files (card agent, konbini
collection agent, point programme, print shop, power procurement,
registration checks): every reader refuses every kind of damage with a
FormatError that says where, and reads back what its writer wrote.

The grid operator's XML and the Zengin files have their own catalogues in
test_formats_grid.py and test_formats_payments.py; docs/reliability.md
lists them all."""
import datetime as dt
import io
import zipfile
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from power_core import formats
from power_core.formats import (
    FormatError, card, konbini, points, print_shop, procurement,
    registration)

DAY = dt.date(2026, 11, 27)
BARCODE = konbini.Barcode('912345', '000000000000000012345', DAY, 8174)
PDF = b'%PDF-1.4\n%%EOF\n'


def _batch_index(data):
    "The index.csv of a print shop batch."
    return zipfile.ZipFile(io.BytesIO(data)).read(print_shop.INDEX)


def _batch(index):
    "A print shop batch with index.csv replaced by index."
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as archive:
        archive.writestr(print_shop.INDEX, index)
        archive.writestr(print_shop.DOCUMENT, PDF)
    return out.getvalue()


# name: (reader of bytes, a good file as its writer writes it, whether the
# layout is UTF-8 only); each good file has two data lines with a number
# in each and Japanese text where the layout has free text
FILES = {
    'card result': (card.read_result, card.write_result([
                card.Charge('R1', 'C0000123', 'tok_1', 8174, 'INV1',
                    'approved', '', 'A1', DAY),
                card.Charge('R2', 'C0000456', 'tok_2', 12034, 'INV2',
                    'declined', 'G54', '', DAY)]), True),
    'card refresh': (card.read_refresh, card.write_refresh([
                card.Refresh('tok_1', 'C0000123', 'renewed', '202912',
                    '************4242'),
                card.Refresh('tok_2', 'C0000456', 'invalid', '202701', '',
                    'G56')]), True),
    'konbini notice': (konbini.read_payments, konbini.write_payments([
                konbini.Payment('final', DAY, BARCODE, 8174, '0001', '1001',
                    DAY + dt.timedelta(days=5), 0),
                konbini.Payment('preliminary', DAY, BARCODE, 8174, '0002',
                    '2002', DAY + dt.timedelta(days=5), 0)], DAY), False),
    'point members': (points.read_members, points.write_members([
                points.Member('C0000123', '12345678', 'valid'),
                points.Member('C0000456', '87654321', 'invalid',
                    '会員番号なし')], result=True), True),
    'point grants': (points.read_grants, points.write_grants([
                points.Grant('G1', 'C0000123', '12345678', 'INV1', 8174, 40,
                    'granted'),
                points.Grant('G2', 'C0000456', '87654321', 'INV2', 12034,
                    60, 'refused', '退会済み')], result=True), True),
    'print shop batch': (lambda data, name='': print_shop.read_batch(
            _batch(data), name), _batch_index(print_shop.write_batch([
                    print_shop.Item('D1', 'usage_notice', 'C0000123',
                        '山田 太郎', '100-0001', '東京都千代田区千代田1-1', 1,
                        2, 8174, DAY),
                    print_shop.Item('D2', 'dunning_letter', 'C0000456',
                        '佐藤 花子', '530-0001', '大阪府大阪市北区梅田1-1', 3,
                        1, 12034, DAY)], PDF)), False),
    'print shop acknowledgement': (print_shop.read_ack, print_shop.write_ack(
            print_shop.Acknowledgement('B1', ('D1',),
                (('D2', '宛先不明 2'),))), False),
    'procurement plan': (procurement.read_plan, procurement.write_plan([
                procurement.PlanRow(DAY, '03', 2, D('9.0'), 1, 0),
                procurement.PlanRow(DAY, '06', 1, D('4.0'), 0, 1)]), True),
    'bank registration check': (
        lambda data, name='': registration.read_checks(data, 'bank', name),
        registration.write_checks([
                registration.Check('C0000123', '', '0005', '123', '1',
                    '1234567', 'ﾔﾏﾀﾞ ﾀﾛｳ'),
                registration.Check('C0000456', '', '0009', '456', '2',
                    '7654321', 'ｻﾄｳ ﾊﾅｺ')], 'bank'), True),
    'registration results': (registration.read_results,
        registration.write_results([
                registration.Result('C0000123', 'ok'),
                registration.Result('C0000456', 'ng', 'E1',
                    '口座名義相違 1')]), True),
    }


def _lines(data):
    return data.split(b'\r\n')


def _text(data):
    "The file as text, as its reader would decode it."
    try:
        return data.decode('utf-8-sig')
    except UnicodeDecodeError:
        return data.decode('cp932')


def truncated(data):
    "Cut in the middle of the last line, before its last separator."
    lines = _lines(data.rstrip(b'\r\n'))
    lines[-1] = lines[-1][:lines[-1].rindex(b',')]
    return b'\r\n'.join(lines)


def full_width_digits(data):
    "The digits of the first data line written full-width (ＯＣＲ, Excel)."
    text = _text(data)
    lines = text.split('\r\n')
    lines[1] = lines[1].translate(str.maketrans('0123456789',
            '０１２３４５６７８９'))
    return '\r\n'.join(lines).encode('utf-8')


def shift_jis(data):
    "The same text in Shift_JIS, for a layout that is UTF-8 only."
    return _text(data).encode('cp932')


def duplicate_line(data):
    lines = _lines(data.rstrip(b'\r\n'))
    return b'\r\n'.join(lines + [lines[1]]) + b'\r\n'


def extra_column(data):
    lines = _lines(data)
    lines[2] += b',x'
    return b'\r\n'.join(lines)


def other_header(data):
    lines = _lines(data)
    lines[0] = lines[0].replace(b',', b';', 1)
    return b'\r\n'.join(lines)


def control_character(data):
    lines = _lines(data)
    lines[1] = lines[1].replace(b',', b'\x00,', 1)
    return b'\r\n'.join(lines)


def lone_carriage_return(data):
    lines = _lines(data)
    lines[1] = lines[1].replace(b',', b',"\r"x', 1)
    return b'\r\n'.join(lines)


def oversized_field(data):
    "One value of a megabyte (the csv module's limit is 128 KB)."
    lines = _lines(data)
    lines[1] = lines[1].replace(b',', b',' + b'9' * 2**20, 1)
    return b'\r\n'.join(lines)


def empty(data):
    return b''


def not_text(data):
    return b'\x89PNG\r\n\x1a\n' + bytes(range(256))


DAMAGE = [truncated, full_width_digits, shift_jis, duplicate_line,
    extra_column, other_header, control_character, lone_carriage_return,
    oversized_field, empty, not_text]


@pytest.mark.parametrize('name', FILES)
def test_good_file_reads(name):
    reader, data, _ = FILES[name]
    assert reader(data, 'good.csv')


@pytest.mark.parametrize('damage', DAMAGE, ids=lambda d: d.__name__)
@pytest.mark.parametrize('name', FILES)
def test_damaged_file_is_refused_with_where(name, damage):
    reader, data, utf8_only = FILES[name]
    if damage is shift_jis and (not utf8_only or data.isascii()):
        pytest.skip("the layout takes Shift_JIS, or the file is ASCII (the "
            "same bytes in both)")
    with pytest.raises(FormatError) as info:
        reader(damage(data), 'in.csv')
    assert 'in.csv' in str(info.value)


def test_a_file_over_the_size_limit_is_refused(monkeypatch):
    reader, data, _ = FILES['card result']
    monkeypatch.setattr(formats, 'MAX_CSV', len(data) - 1)
    with pytest.raises(FormatError, match='more than the'):
        reader(data, 'big.csv')


@pytest.mark.parametrize('name', FILES)
@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_format_errors(name, data):
    reader, good, _ = FILES[name]
    for candidate in (data, _lines(good)[0] + b'\r\n' + data):
        try:
            reader(candidate, 'random.csv')
        except FormatError:
            pass


@pytest.mark.parametrize('name', FILES)
@settings(max_examples=60, deadline=None)
@given(st.integers(0, 400), st.binary(min_size=1, max_size=6))
def test_damaged_good_file_raises_only_format_errors(name, position, junk):
    reader, good, _ = FILES[name]
    position %= len(good)
    try:
        reader(good[:position] + junk + good[position + len(junk):],
            'damaged.csv')
    except FormatError:
        pass


# --- decode(encode(x)) == x ------------------------------------------------

ids = st.from_regex(r'[A-Z][0-9A-Z]{0,11}', fullmatch=True)
japanese = st.text(alphabet='あいう山田太郎ｱｲｳ ,"ー-1', max_size=12).map(
    str.strip)
days = st.dates(dt.date(2016, 4, 1), dt.date(2099, 12, 31))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.builds(card.Charge, request_id=ids, customer_number=ids,
            token=ids, amount=st.integers(1, 10**7), invoice=ids,
            status=st.sampled_from(card.STATUSES), code=st.just('G12'),
            authorization=ids, processed=days),
        unique_by=lambda c: c.request_id, max_size=6))
def test_card_results_round_trip(charges):
    back = card.read_result(card.write_result(charges))
    assert [c.__class__(**{**c.__dict__, 'line': 0}) for c in back] == charges


@settings(max_examples=60, deadline=None)
@given(st.lists(st.builds(points.Grant, grant_id=ids, customer_number=ids,
            member_id=st.from_regex(r'[0-9]{8,16}', fullmatch=True),
            invoice=ids, amount=st.integers(0, 10**7),
            points=st.integers(0, 10**5),
            status=st.sampled_from(points.GRANT_STATUSES), reason=japanese),
        unique_by=lambda g: g.grant_id, max_size=6))
def test_point_grants_round_trip(grants):
    back = points.read_grants(points.write_grants(grants, result=True))
    assert [g.__class__(**{**g.__dict__, 'line': 0}) for g in back] == grants


@settings(max_examples=60, deadline=None)
@given(st.lists(st.builds(konbini.Barcode,
            biller_code=st.from_regex(r'[0-9]{6}', fullmatch=True),
            key=st.from_regex(r'[0-9]{21}', fullmatch=True),
            due_date=st.dates(dt.date(2000, 1, 1), dt.date(2068, 12, 31)),
            amount=st.integers(1, konbini.MAX_AMOUNT),
            reissue=st.integers(0, 9)), max_size=6),
    days)
def test_konbini_notice_round_trip(barcodes, paid):
    payments = [konbini.Payment('final', paid, b, b.amount, '0001', f'{n}',
            paid, 0) for n, b in enumerate(barcodes)]
    back = konbini.read_payments(konbini.write_payments(payments, paid))
    assert [(p.barcode.data(), p.amount, p.paid_on) for p in back] == [
        (p.barcode.data(), p.amount, p.paid_on) for p in payments]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(days, st.sampled_from(
                ['01', '02', '03', '04', '05', '06', '07', '08', '09',
                    '10'])),
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**7),
            st.integers(0, 100), st.integers(0, 100)), max_size=6))
def test_procurement_plan_round_trip(values):
    rows = [procurement.PlanRow(day, area, n, D(kva) / 10, s, e)
        for (day, area), (n, kva, s, e) in sorted(values.items())]
    assert procurement.read_plan(procurement.write_plan(rows)) == rows


@settings(max_examples=60, deadline=None)
@given(st.lists(st.builds(print_shop.Item, document_id=ids,
            kind=st.sampled_from(sorted(print_shop.KINDS)),
            customer_number=ids, name=japanese,
            postal_code=st.from_regex(r'[0-9]{3}-[0-9]{4}', fullmatch=True),
            address=japanese, first_page=st.just(0),
            pages=st.integers(1, 4),
            amount=st.none() | st.integers(0, 10**7),
            due_date=st.none() | days),
        unique_by=lambda i: i.document_id, max_size=6))
def test_print_shop_batch_round_trip(items):
    page, numbered = 1, []
    for item in items:
        numbered.append(print_shop.Item(**{**item.__dict__,
                    'first_page': page}))
        page += item.pages
    assert print_shop.read_batch(print_shop.write_batch(numbered, PDF)) == (
        numbered, PDF)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_as_a_rate_menu_workbook(data):
    from power_core.errors import PowerCoreError
    from power_core.tariff.excel import import_xlsx
    for candidate in (data, b'PK\x03\x04' + data):
        try:
            import_xlsx(candidate)
        except PowerCoreError:
            pass
