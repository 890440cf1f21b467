# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Write tests/core/golden/tariff_vectors.json: bills computed with plain
arithmetic from the published tariffs (no rating engine), each with its
arithmetic and source, to be read and checked by hand; the 日割 cases are
written out by hand below. Run: python3 tools/golden_vectors.py"""
import json
from pathlib import Path
from decimal import ROUND_DOWN, Decimal as D

def down(x, q='0.01'): return x.quantize(D(q), rounding=ROUND_DOWN)

B24 = {'basic': {10:'311.75',15:'467.63',20:'623.50',30:'935.25',40:'1247.00',50:'1558.75',60:'1870.50'},
       'tiers': [(120,'29.80'),(300,'36.40'),(None,'40.49')]}
vectors = []
def tiered(kwh, tiers):
    lines=[]; lower=0; amt=D(0)
    for upper, price in tiers:
        top = kwh if upper is None else min(kwh, upper)
        q = max(top-lower, 0)
        if q:
            lines.append(f'{q} × {price}'); amt += q*D(price)
        if upper is not None: lower = max(lower, upper)
    return amt, lines

def add(name, menu, area, capacity, kwh, start, end, fuel, subsidy, renewable, basic, tiers, source, extra=None, half=True):
    e, lines = tiered(kwh, tiers)
    fuel_amt = D(fuel)*kwh; sub_amt = -D(subsidy)*kwh
    b = D(basic)
    if kwh == 0 and half: b = down(b/2)
    main = b + e + fuel_amt + sub_amt
    total = int(main.to_integral_value(rounding=ROUND_DOWN)) + int((D(renewable)*kwh).to_integral_value(rounding=ROUND_DOWN))
    arith = (f"basic {b}" + (" (half: no usage)" if kwh == 0 and half else "") + "; energy " + (' + '.join(lines) or '0') + f" = {e}; fuel {fuel} × {kwh} = {fuel_amt}; subsidy −{subsidy} × {kwh} = {sub_amt}; "
             f"{main} → {int(main.to_integral_value(rounding=ROUND_DOWN))}; surcharge floor({renewable} × {kwh}) = {int((D(renewable)*kwh).to_integral_value(rounding=ROUND_DOWN))}")
    v = {'name': name, 'menu': menu, 'area': area, 'capacity': str(capacity), 'kwh': str(kwh),
         'period_start': start, 'period_end': end, 'expected_total': total,
         'arithmetic': arith, 'source': source}
    if extra: v.update(extra)
    vectors.append(v)

SRC_B = ('TEPCO EP 従量電灯B 2024-04-01 prices (docs/domain.md §1.1); fuel cost adjustment 2025-02 −6.50 (TEPCO notice), '
         'subsidy of January 2025 usage 2.50 (enecho), surcharge FY2024 3.49 (METI); data pack values, no override')
for kwh in (0, 1, 119, 120, 121, 299, 300, 301, 500):
    add(f'B 30A {kwh} kWh, 2025-01-10 to 02-10', 'tepco-juryo-b', '03', 30, kwh, '2025-01-10', '2025-02-10',
        '-6.50', '2.50', '3.49', B24['basic'][30], B24['tiers'], SRC_B)
for cap in (10, 15, 20, 40, 50, 60):
    add(f'B {cap}A 260 kWh, 2025-01-10 to 02-10', 'tepco-juryo-b', '03', cap, 260, '2025-01-10', '2025-02-10',
        '-6.50', '2.50', '3.49', B24['basic'][cap], B24['tiers'], SRC_B)
SRC_B9 = ('TEPCO EP 従量電灯B 2024-04-01 prices; fuel cost adjustment 2025-09 −7.50 (regulated = free below the cap, '
          'data pack [D]), subsidy of August 2025 usage 2.40 (enecho), surcharge FY2025 3.98 (METI)')
for kwh in (0, 1, 119, 120, 121, 299, 300, 301, 450, 1000):
    add(f'B 40A {kwh} kWh, 2025-08-20 to 09-19', 'tepco-juryo-b', '03', 40, kwh, '2025-08-20', '2025-09-19',
        '-7.50', '2.40', '3.98', B24['basic'][40], B24['tiers'], SRC_B9)
SRC_C = 'TEPCO EP 従量電灯C 311.75 yen per kVA from 2024-04-01 (docs/domain.md §1.1); 2025-02 regulated values of the data pack'
for kva, kwh in ((6, 0), (6, 120), (6, 300), (8, 121), (10, 301), (12, 299), (20, 900), (49, 2000)):
    add(f'C {kva}kVA {kwh} kWh, 2025-01-10 to 02-10', 'tepco-juryo-c', '03', kva, kwh, '2025-01-10', '2025-02-10',
        '-6.50', '2.50', '3.49', str(D('311.75')*kva), B24['tiers'], SRC_C)
SRC_A = ('Kansai Electric 従量電灯A from 2024-04-01 (kepco.jp/d-ryokin2024): minimum 522.58 for the first 15 kWh, 20.21 / 25.61 / 28.59; '
         'fuel and subsidy as given (Kansai\'s regulated value is not in the pack), surcharge FY2024 3.49')
for kwh in (0, 15, 16, 120, 121, 300, 301):
    add(f'Kansai A {kwh} kWh, 2025-01-10 to 02-10', 'kepco-juryo-a', '06', 30, kwh, '2025-01-10', '2025-02-10',
        '-1.00', '2.50', '3.49', '522.58', [(15, '0'), (120, '20.21'), (300, '25.61'), (None, '28.59')], SRC_A,
        {'fuel_adjustment': '-1.00'}, half=False)

for kwh in (1, 14, 299, 500):
    add(f'Kansai A {kwh} kWh, 2025-01-10 to 02-10', 'kepco-juryo-a', '06', 30, kwh, '2025-01-10', '2025-02-10',
        '-1.00', '2.50', '3.49', '522.58', [(15, '0'), (120, '20.21'), (300, '25.61'), (None, '28.59')], SRC_A,
        {'fuel_adjustment': '-1.00'}, half=False)
SRC_P = ('TEPCO EP 低圧電力 from 2024-04-01 (tepco.co.jp/ep/private/plan/old02.html): 1,155.84 yen per kW, その他季 25.57; '
         'a period without summer days; fuel −2.00 given, subsidy of January 2025 usage 2.50, surcharge FY2024 3.49')
for kw, kwh in ((5, 0), (5, 800), (10, 1200), (20, 3000), (49, 9000), (1, 1)):
    add(f'低圧電力 {kw}kW {kwh} kWh, 2025-01-10 to 02-10', 'tepco-teiatsu', '03', kw, kwh, '2025-01-10', '2025-02-10',
        '-2.00', '2.50', '3.49', str(D('1155.84') * kw), [(None, '25.57')], SRC_P, {'fuel_adjustment': '-2.00'})
# market-linked at a flat area price: basic of the table + kWh × (p ÷ 0.939 + 3.00) × 1.1, rounded down to the sen
SRC_M = ('market-demo (demonstration prices: TEPCO B basic charges, 6.1 % losses, 3.00 margin, 10 % tax) at one JEPX area price '
         'for every half hour; subsidy of January 2025 usage 2.50, surcharge FY2024 3.49')
for cap, kwh, p in ((30, 300, '8.50'), (30, 0, '8.50'), (40, 450, '15.00'), (50, 120, '25.00'), (60, 1000, '11.11')):
    basic = D({30: '935.25', 40: '1247.00', 50: '1558.75', 60: '1870.50'}[cap])
    if kwh == 0: basic = down(basic / 2)
    unit = (D(p) / D('0.939') + 3) * D('1.1')
    energy = down(unit * kwh)
    main = basic + energy - D('2.50') * kwh
    total = int(main.to_integral_value(rounding=ROUND_DOWN)) + int((D('3.49') * kwh).to_integral_value(rounding=ROUND_DOWN))
    vectors.append({'name': f'market-demo {cap}A {kwh} kWh at {p}', 'menu': 'market-demo', 'area': '03',
        'capacity': str(cap), 'kwh': str(kwh), 'period_start': '2025-01-10', 'period_end': '2025-02-10',
        'market_price': p, 'expected_total': total,
        'arithmetic': f'basic {basic}; unit ({p} ÷ 0.939 + 3.00) × 1.1 = {unit:.6f}…; energy {kwh} × unit = {energy}; subsidy −2.50 × {kwh}; {main} → {int(main)}; surcharge floor(3.49 × {kwh})',
        'source': SRC_M})
ZERO = {'fuel_adjustment': '0', 'subsidy': '0', 'renewable_surcharge': '0'}
CLAUSE = 'the 日割計算 clause (docs/rating.md): part days ÷ 検針期間の日数, or ÷ 暦日数 without a previous reading or in an irregular period'
vectors += [
 {'name': 'B 30A 350 kWh across the 2024-04-01 price change (12/30 + 18/30)', 'menu': 'tepco-juryo-b', 'area': '03',
  'capacity': '30', 'kwh': '350', 'period_start': '2024-03-20', 'period_end': '2024-04-19', **ZERO,
  'expected_total': 13095, 'source': 'TEPCO EP 従量電灯B 2023-06-01 and 2024-04-01 prices; ' + CLAUSE,
  'arithmetic': '885.72 × 0.4 = 354.28 + 48 × 30.00 + 72 × 36.60 + 20 × 40.69; 935.25 × 0.6 = 561.15 + 72 × 29.80 + 108 × 36.40 + 30 × 40.49; 13,095.93 → 13,095'},
 {'name': 'B 30A → 40A on 2025-03-25 in a 30-day period', 'menu': 'tepco-juryo-b', 'area': '03',
  'terms': [['30', '2024-01-01'], ['40', '2025-03-25']],
  'capacity': '30', 'kwh': '300', 'period_start': '2025-03-10', 'period_end': '2025-04-09', **ZERO,
  'expected_total': 11218, 'source': 'TEPCO EP 従量電灯B 2024-04-01; ' + CLAUSE,
  'arithmetic': '15/30 each: 467.62 + 60 × 29.80 + 90 × 36.40 = 5,531.62 → 5,531; 623.50 + 5,064.00 = 5,687.50 → 5,687'},
 {'name': 'B 30A move-in three days after a reading (28/31)', 'menu': 'tepco-juryo-b', 'area': '03',
  'terms': [['30', '2025-01-13']], 'supply_start': '2025-01-13', 'calendar_days': True,
  'capacity': '30', 'kwh': '200', 'period_start': '2025-01-13', 'period_end': '2025-02-10', **ZERO,
  'expected_total': 7411, 'source': 'TEPCO EP 従量電灯B 2024-04-01; ' + CLAUSE,
  'arithmetic': '935.25 × 28/31 = 844.74; tiers 108 / 271: 108 × 29.80 + 92 × 36.40; 7,411.94 → 7,411'},
 {'name': 'B 30A move-out: 16 days of a 30-day reading period', 'menu': 'tepco-juryo-b', 'area': '03',
  'terms': [['30', '2024-01-01']], 'supply_end': '2025-02-26', 'reading_end': '2025-03-12',
  'capacity': '30', 'kwh': '100', 'period_start': '2025-02-10', 'period_end': '2025-02-26', **ZERO,
  'expected_total': 3716, 'source': 'TEPCO EP 従量電灯B 2024-04-01; ' + CLAUSE,
  'arithmetic': '935.25 × 16/30 = 498.80; tiers 64 / 160: 64 × 29.80 + 36 × 36.40; 3,716.40 → 3,716'},
 {'name': 'B 30A 500 kWh in a 40-day period (reading day moved: 40/30)', 'menu': 'tepco-juryo-b', 'area': '03',
  'capacity': '30', 'kwh': '500', 'period_start': '2025-04-10', 'period_end': '2025-05-20', **ZERO,
  'expected_total': 18800, 'source': 'TEPCO EP 従量電灯B 2024-04-01; ' + CLAUSE,
  'arithmetic': '935.25 × 40/30 = 1,247.00; tiers 160 / 400: 160 × 29.80 + 240 × 36.40 + 100 × 40.49 = 17,553.00; 18,800.00'},
 {'name': 'Kansai A 200 kWh in 15 of 30 days (widths 8 / 53 / 90)', 'menu': 'kepco-juryo-a', 'area': '06',
  'capacity': '30', 'kwh': '200', 'period_start': '2025-04-16', 'period_end': '2025-05-01', **ZERO,
  'expected_total': 5038, 'source': SRC_A + '; Kansai pro-rates tier widths (ENEOS FAQ 7094)',
  'arithmetic': '522.58 × 1/2 = 261.29; 53 × 20.21 + 90 × 25.61 + 49 × 28.59 = 4,776.94; 5,038.23 → 5,038'},
]

Path(__file__).parents[1].joinpath('tests', 'core', 'golden', 'tariff_vectors.json').write_text(
    json.dumps(vectors, ensure_ascii=False, indent=1) + '\n', encoding='utf-8')
print(len(vectors), 'vectors')
