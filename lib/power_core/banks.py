"""The Zengin bank and branch master (全銀協 金融機関・店舗コード) as the
zengin-code package ships it (offline; republished on PyPI as the master
changes, pinned in constraints.txt), and kana search over it.

Names are kept as the master writes them; the kana as Zengin files write
them (half-width katakana), so a direct debit file is built from the
branch record as it is.

    >>> bank = next(b for b in master(['0001']))
    >>> bank.code, bank.name, bank.name_kana
    ('0001', 'みずほ', 'ﾐｽﾞﾎ')
    >>> branch = next(b for b in bank.branches if b.code == '001')
    >>> branch.name, branch.name_kana
    ('東京営業部', 'ﾄｳｷﾖｳ')
    >>> half_width_kana('みずほ') == half_width_kana('ミズホ') == 'ﾐｽﾞﾎ'
    True
"""
from dataclasses import dataclass

import jaconv


@dataclass(frozen=True)
class Branch:
    code: str
    name: str
    name_kana: str


@dataclass(frozen=True)
class Bank:
    code: str
    name: str
    name_kana: str
    branches: tuple


def half_width_kana(text):
    "Katakana or hiragana as the half-width katakana of Zengin files."
    return jaconv.z2h(jaconv.hira2kata(text or ''), kana=True, ascii=False,
        digit=False)


def master(codes=None):
    """The banks of the master (those of codes only, when given), each with
    its branches, in code order. An unknown code raises KeyError naming it."""
    import zengin_code
    banks = zengin_code.Bank.all
    if codes is None:
        codes = sorted(banks)
    for code in codes:
        if code not in banks:
            raise KeyError(f"bank code {code} is not in the Zengin master "
                f"(zengin-code {version()})")
        bank = banks[code]
        yield Bank(code=bank.code, name=bank.name,
            name_kana=half_width_kana(bank.kana),
            branches=tuple(Branch(code=b.code, name=b.name,
                    name_kana=half_width_kana(b.kana))
                for _, b in sorted(bank.branches.items())))


def version():
    "The zengin-code release, which dates the master (1.1.0.YYYYMMDD)."
    from importlib.metadata import version as package_version
    return package_version('zengin-code')
