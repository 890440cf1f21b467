"""Text normalisation for Japanese input.

Staff and customers type digits and letters in full width (全角) as often as
in half width (半角); jaconv converts between the two and between kana scripts.
"""
import unicodedata

import jaconv

# what people type between the groups of a number: hyphens and dashes of
# every width, the minus sign and the long vowel mark an IME gives for "-"
DASHES = frozenset('-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc'
    '\uff0d\uff70')


def normalize_digits(value: str) -> str:
    "Return value with full-width ASCII turned half-width and separators removed."
    value = jaconv.z2h(value, kana=False, ascii=True, digit=True)
    for sep in (' ', '-', '\u3000', '\u2010', '\u2212', '\u30fc', '\uff0d'):
        value = value.replace(sep, '')
    return value


def normalize_code(value: str) -> str:
    """Return an identifier (customer number, supply point number) as stored:
    NFKC (full-width letters and digits become half width), without any
    space (also no-break, ideographic, tabs) or dash between its groups, in
    upper case.

    >>> normalize_code(' ｃ０００\u3000０００\u00a0００４－ ')
    'C000000004'
    """
    value = unicodedata.normalize('NFKC', str(value or ''))
    return ''.join(c for c in value
        if not c.isspace() and c not in DASHES).upper()


def search_key(value: str) -> str:
    """Return a key to compare names regardless of width and kana script.

    Full-width ASCII becomes half width, half-width kana becomes full width,
    hiragana becomes katakana, and spaces are removed, so that
    'ﾔﾏﾀﾞ ﾀﾛｳ', 'やまだ　たろう' and 'ヤマダタロウ' compare equal.

    >>> search_key('ﾔﾏﾀﾞ ﾀﾛｳ') == search_key('やまだ　たろう') == 'ヤマダタロウ'
    True
    """
    value = jaconv.z2h(value, kana=False, ascii=True, digit=True)
    value = jaconv.h2z(value, kana=True, ascii=False, digit=False)
    value = jaconv.hira2kata(value)
    return ''.join(value.split()).replace('\u3000', '').lower()
