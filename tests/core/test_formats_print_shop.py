"""Print shop batches and acknowledgements, and the print shop simulator."""
import datetime as dt

import pytest

from power_core.formats import FormatError, print_shop
from power_sim.print_shop import PrintShop

ITEMS = [
    print_shop.Item('D0000000001', 'usage_notice', 'C0000001', '山田 太郎',
        '100-0011', '東京都千代田区内幸町1-1-3', 1, 1, 8174,
        dt.date(2025, 3, 12)),
    print_shop.Item('D0000000002', 'usage_notice', 'C0000002', '佐藤 花子',
        '', '東京都新宿区西新宿2-8-1', 2, 2, 12034, dt.date(2025, 3, 12)),
    ]
PDF = b'%PDF-1.7 three pages'


def test_batch_round_trip():
    items, pdf = print_shop.read_batch(print_shop.write_batch(ITEMS, PDF))
    assert (items, pdf) == (ITEMS, PDF)


def test_same_batch_same_bytes():
    "Dated by the batch's time, not the clock: a batch can be rebuilt."
    import io
    import time
    import zipfile
    when = dt.datetime(2025, 3, 1, 9, 30, 15)
    first = print_shop.write_batch(ITEMS, PDF, when)
    time.sleep(2.1)  # ZIP times have a resolution of two seconds
    assert print_shop.write_batch(ITEMS, PDF, when) == first
    assert {entry.date_time for entry in zipfile.ZipFile(
                io.BytesIO(first)).infolist()} == {(2025, 3, 1, 9, 30, 14)}
    assert print_shop.batch_difference(first, first) is None


def test_batch_difference_names_the_line_or_the_pdf():
    when = dt.datetime(2025, 3, 1, 9, 30)
    sent = print_shop.write_batch(ITEMS, PDF, when)
    renamed = [ITEMS[0], print_shop.Item(**{
                **ITEMS[1].__dict__, 'name': '佐藤 花'})]
    assert print_shop.batch_difference(sent, print_shop.write_batch(
            renamed, PDF, when)) == 'index.csv line 3 differs'
    assert print_shop.batch_difference(sent, print_shop.write_batch(
            ITEMS[:1], PDF, when)) == (
        'index.csv: 3 lines sent, 2 lines rebuilt')
    assert print_shop.batch_difference(sent, print_shop.write_batch(
            ITEMS, PDF + b' ', when)) == 'documents.pdf differs'
    assert print_shop.batch_difference(sent, print_shop.write_batch(
            ITEMS, PDF, dt.datetime(2025, 3, 2))) == (
        "the archives' entries differ (dates or order)")


def test_pages_must_follow_each_other():
    bad = [ITEMS[0], print_shop.Item(*[getattr(ITEMS[1], f)
                for f in print_shop.Item.__dataclass_fields__][:6], 3, 1)]
    with pytest.raises(FormatError, match='line 3: pages 3\\+1 do not follow'):
        print_shop.read_batch(print_shop.write_batch(bad, PDF), 'b.zip')


def test_unknown_kind_is_refused():
    with pytest.raises(FormatError, match='none of'):
        print_shop.write_batch([print_shop.Item('X', 'flyer', '', '', '',
                    '', 1, 1)], PDF)


def test_simulator_acknowledges_and_refuses_what_cannot_be_posted(tmp_path):
    outbox, inbox = tmp_path / 'outbox', tmp_path / 'inbox'
    outbox.mkdir()
    (outbox / 'NOTICE_1.zip').write_bytes(print_shop.write_batch(ITEMS, PDF))
    assert PrintShop(outbox, inbox).process() == ['ACK_NOTICE_1.csv']
    assert not list(outbox.iterdir())  # picked up
    ack = print_shop.read_ack((inbox / 'ACK_NOTICE_1.csv').read_bytes())
    assert ack.batch == 'NOTICE_1'
    assert ack.accepted == ('D0000000001',)
    assert ack.refused == (('D0000000002', '宛先不備（郵便番号なし）'),)


def test_acknowledgement_errors():
    with pytest.raises(FormatError, match='line 1: the header'):
        print_shop.read_ack(b'a,b\r\n', 'ack.csv')
    two = print_shop.write_ack(print_shop.Acknowledgement('A', ('1',), ()))
    two += 'B,2,OK,\r\n'.encode()
    with pytest.raises(FormatError, match='names 2'):
        print_shop.read_ack(two, 'ack.csv')
    bad = print_shop.write_ack(print_shop.Acknowledgement('A', ('1',), ()))
    with pytest.raises(FormatError, match="status 'MAYBE'"):
        print_shop.read_ack(bad.replace(b',OK,', b',MAYBE,'), 'ack.csv')
