"""`power-cis scan-card-numbers` on files: the file store and the exchange
folders hold the files partners sent (issue 21 item 5: a refused card
agent file kept its card numbers there and the scan found none)."""
import io
import zipfile

import pytest

from power_cis_cli.scan import scan_bytes, scan_file, scan_tree

PAN = '4242424242424242'
# as in test_payments (import-mode=importlib: test modules do not import
# each other)
SEPARATORS = {
    'space': ' ', 'hyphen': '-', 'dot': '.', 'slash': '/', 'underscore': '_',
    'no-break space': '\u00a0', 'newline': '\n', 'CRLF': '\r\n',
    'tab': '\t', 'ideographic space': '\u3000', 'full-width hyphen': '－',
    'katakana dash': 'ー', 'spaced slash': ' / ',
    }


@pytest.mark.parametrize('separator', list(SEPARATORS.values()),
    ids=list(SEPARATORS))
def test_scan_finds_a_card_number_in_a_file_with_any_separator(tmp_path,
        separator):
    written = separator.join(PAN[i:i + 4] for i in range(0, 16, 4))
    folder = tmp_path / 'error'
    folder.mkdir()
    (folder / 'CARD_RESULT_1.csv').write_bytes(
        f'request_id,token\r\n1,ok\r\n2,{written}\r\n'.encode('utf-8'))
    (folder / 'clean.csv').write_bytes(b'request_id,token\r\n1,tok_1\r\n')
    found = scan_tree(tmp_path)
    assert found == [(f'{folder / "CARD_RESULT_1.csv"} line 3',
            '************4242')]


def test_scan_reads_full_width_shift_jis_zip_and_subfolders(tmp_path):
    store = tmp_path / 'db' / 'ab' / 'cd'
    store.mkdir(parents=True)
    # a file store entry: no extension, Shift_JIS, full-width digits
    (store / 'abcd-1234').write_bytes(
        'カード ４１１１　１１１１　１１１１　１１１１'.encode('cp932'))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, 'w', zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr('inner.xml', f'<x>{PAN}</x>')
    (tmp_path / 'W41120.zip').write_bytes(archive.getvalue())
    found = sorted(m for _, m in scan_tree(tmp_path))
    assert found == ['************1111', '************4242']
    assert any(w.endswith('W41120.zip:inner.xml line 1')
        for w, _ in scan_tree(tmp_path))


def test_scan_does_not_follow_symbolic_links(tmp_path):
    outside = tmp_path / 'outside.txt'
    outside.write_text(PAN)
    inbox = tmp_path / 'inbox'
    inbox.mkdir()
    (inbox / 'link.csv').symlink_to(outside)
    assert scan_tree(inbox) == []
    assert scan_file(inbox / 'link.csv') == []
    assert scan_file(outside) == [(f'{outside} line 1', '************4242')]


def test_scan_of_a_damaged_archive_reads_its_bytes():
    data = b'PK\x03\x04 not an archive 4242 4242 4242 4242'
    assert scan_bytes(data, 'x.zip') == [('x.zip line 1', '************4242')]


def test_scan_reads_mails_decoded_and_not_their_boundaries(tmp_path):
    "A mail: its base64 body and encoded subject are read, its MIME boundary's digits are not a card number"
    from email.message import EmailMessage
    from power_core.payments import card_numbers_in
    boundary = '=' * 15 + '4005189650155724370' + '=='
    # the boundary Python's email chose once: its digits pass the Luhn check
    assert card_numbers_in(boundary)
    clean = EmailMessage()
    clean['Subject'] = '【でんき】お問合せへのご回答'
    clean.set_content('ご回答いたします。', charset='utf-8', cte='base64')
    clean.add_alternative('<p>ご回答いたします。</p>', subtype='html',
        charset='utf-8', cte='base64')
    clean.set_boundary(boundary)
    (tmp_path / 'clean.eml').write_bytes(bytes(clean))
    assert boundary.encode() in (tmp_path / 'clean.eml').read_bytes()
    assert scan_file(tmp_path / 'clean.eml') == []
    leaked = EmailMessage()
    leaked['Subject'] = 'カード 4242 4242 4242 4242'
    leaked.set_content('番号は５５５５−５５５５−５５５５−４４４４です',
        charset='utf-8', cte='base64')
    (tmp_path / 'leaked.eml').write_bytes(bytes(leaked))
    # neither number is in the file as written
    assert b'4444' not in (tmp_path / 'leaked.eml').read_bytes()
    found = sorted(masked for _, masked in scan_file(tmp_path / 'leaked.eml'))
    assert found == ['************4242', '************4444']
