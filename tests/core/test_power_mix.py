"""The power source mix and the guideline's rules for a disclosure
(power_core.power_mix, docs/power_mix.md)."""
from decimal import Decimal as D

import pytest

from power_core.errors import ValidationError
from power_core.power_mix import Mix, weighted

RESIDUAL = (('lng', D('35.0')), ('coal', D('25.0')), ('fit', D('10.0')),
    ('jepx', D('25.0')), ('other', D('5.0')))


def mix(**values):
    return Mix(**{'fiscal_year': 2024, 'kind': 'result', 'shares': RESIDUAL,
            'adjusted_factor': D('0.452'), **values})


def test_a_result_with_its_explanations():
    m = mix()
    assert m.period == '2024年度実績'
    assert m.lines() == [('石炭火力', D(25)), ('LNG火力', D(35)),
        ('FIT電気', D(10)), ('卸電力取引所', D(25)), ('その他', D(5))]
    notes = m.explanations()
    assert [n.split('：')[0] for n in notes] == ['FIT電気', '卸電力取引所',
        'その他']
    assert '賦課金' in notes[0]


@pytest.mark.parametrize('values, message', [
    ({'shares': (('lng', D(60)), ('coal', D(39.9)))}, 'not 100 %'),
    ({'shares': (('lng', D(100)), ('lng', D(0)))}, 'twice'),
    ({'shares': (('gas', D(100)),)}, 'unknown sources gas'),
    ({'shares': (('lng', D(101)), ('coal', D(-1)))}, 'negative'),
    ({'adjusted_factor': None}, '調整後排出係数'),
    ({'kind': 'forecast'}, 'kind'),
    ({'claim': 'green'}, 'claim'),
    ({'certificate_share': D(101)}, '0 to 100'),
    ])
def test_refused(values, message):
    with pytest.raises(ValidationError, match=message):
        mix(**values)


def test_renewable_claims():
    solar = (('solar', D(70)), ('fit', D(30)))
    # a renewable menu shows this year's plan, with certificates for all
    with pytest.raises(ValidationError, match='当年度計画値'):
        mix(shares=solar, certificate_share=D(100), claim='renewable')
    with pytest.raises(ValidationError, match='非化石証書'):
        mix(kind='plan', shares=solar, certificate_share=D(80),
            claim='renewable')
    assert mix(kind='plan', shares=solar, certificate_share=D(100),
        claim='renewable').renewable_share == D(100)
    # a mixed supply with certificates is 実質再エネ, with tracking
    with pytest.raises(ValidationError, match='実質再エネ'):
        mix(kind='plan', certificate_share=D(100), claim='renewable')
    with pytest.raises(ValidationError, match='トラッキング'):
        mix(kind='plan', certificate_share=D(100),
            claim='effectively_renewable')
    mix(kind='plan', certificate_share=D(100), tracked=True,
        claim='effectively_renewable')
    with pytest.raises(ValidationError, match='factor of 0'):
        mix(kind='plan', certificate_share=D(100), claim='co2_free')
    mix(kind='plan', certificate_share=D(100), claim='co2_free',
        adjusted_factor=D(0))


def test_weighted_by_kwh_sold():
    green = mix(kind='plan', shares=(('solar', D(100)),),
        certificate_share=D(100), claim='renewable', adjusted_factor=D(0))
    shares, factor = weighted([(mix(), 3000), (green, 1000), (green, 0)])
    # 3/4 of the residual mix and 1/4 solar, by hand: 18.75, 26.25, 7.5,
    # 25, 18.75, 3.75 round to 100.2 %; the largest (LNG) gives back 0.2
    assert dict(shares) == {'coal': D('18.8'), 'lng': D('26.1'),
        'fit': D('7.5'), 'solar': D('25.0'), 'jepx': D('18.8'),
        'other': D('3.8')}
    assert sum(dict(shares).values()) == 100
    assert factor == D('0.339')
    with pytest.raises(ValidationError, match='No kWh'):
        weighted([(green, 0)])


def test_staff_labels_cover_every_source():
    "The staff selection (English, translated) names every source of the core"
    import ast
    from pathlib import Path
    from power_core.power_mix import SOURCES
    tree = ast.parse((Path(__file__).parents[2] / 'addons' / 'power_billing'
            / 'power_mix.py').read_text())
    staff = next(ast.literal_eval(node.value) for node in tree.body
        if isinstance(node, ast.Assign)
        and getattr(node.targets[0], 'id', None) == 'SOURCES')
    assert [code for code, _ in staff] == SOURCES
