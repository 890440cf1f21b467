# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Japan and its 47 prefectures (都道府県) as Tryton's country and
subdivisions, loaded when power_cis is activated or updated
(power_core.address: ISO 3166-2:JP from pycountry, the names as written in
Japanese). An existing Japan or prefecture (by its code) is kept; one
missing is created, so an update after a demo or an import by Tryton's
trytond_import_countries changes nothing."""
from trytond.pool import Pool, PoolMeta

from power_core.address import prefectures


def ensure_japan():
    "Japan and its prefectures; return Japan."
    pool = Pool()
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    japan = Country.search([('code', '=', 'JP')], limit=1)
    if japan:
        japan, = japan
    else:
        japan, = Country.create([{'name': 'Japan', 'code': 'JP',
                    'code3': 'JPN', 'code_numeric': '392'}])
    existing = {s.code for s in Subdivision.search([
                ('country', '=', japan.id)])}
    Subdivision.create([{
                'country': japan.id, 'code': prefecture.code,
                'name': prefecture.name, 'type': 'prefecture',
                } for prefecture in prefectures()
            if prefecture.code not in existing])
    return japan


class Subdivision(metaclass=PoolMeta):
    __name__ = 'country.subdivision'

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        if module_name == 'power_cis':
            ensure_japan()
