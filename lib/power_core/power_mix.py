"""The power source mix (電源構成) and CO₂ emission factor a retailer
discloses for a fiscal year, per menu or for all its sales, and the rules
of METI's guideline for retail sales (電力の小売営業に関する指針) that a
disclosure must follow (docs/power_mix.md):

- the shares of the sources add up to 100 %, and the period they were
  computed over (a fiscal year's result or plan) is stated;
- FIT electricity, power bought on the exchange (JEPX) and power of no
  known source each carry their explanation;
- a menu sold as renewable (再エネ) or CO₂-free uses non-fossil
  certificates (非化石証書) for all of its sales; "renewable" without the
  word 実質 only when every source is renewable, a mixed supply backed by
  tracked renewable certificates is "実質再エネ"; such a claim is shown
  on the plan of the current fiscal year (当年度計画値), not a past result.

A Mix is checked when it is made; `weighted` gives the retailer-wide mix
of the menus' mixes weighted by the kWh each sold."""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .errors import ValidationError

# the sources in the order of a disclosure, with their label on the bill
LABELS = {
    'hydro': '水力（3万kW以上）',
    'coal': '石炭火力',
    'lng': 'LNG火力',
    'oil': '石油火力',
    'nuclear': '原子力',
    'fit': 'FIT電気',
    'solar': '再エネ（太陽光）',
    'wind': '再エネ（風力）',
    'geothermal': '再エネ（地熱）',
    'biomass': '再エネ（バイオマス）',
    'small_hydro': '再エネ（水力3万kW未満）',
    'jepx': '卸電力取引所',
    'other': 'その他',
    }
SOURCES = list(LABELS)
# FIT electricity is renewable only with a certificate (its own value
# went to every payer of the surcharge): a renewable claim needs them
RENEWABLE = {'hydro', 'fit', 'solar', 'wind', 'geothermal', 'biomass',
    'small_hydro'}

CLAIMS = {
    '': "no environmental claim",
    'renewable': "再エネ100%",
    'effectively_renewable': "実質再エネ100%",
    'co2_free': "実質CO₂ゼロ",
    }
KINDS = {'result': '実績', 'plan': '計画'}

# the explanations retailers print under a mix, in the wording the
# industry uses after the guideline (docs/power_mix.md, sources)
NOTES = {
    'fit': "FIT電気：当社がこの電気を調達する費用の一部は、当社のお客さま以外の方も"
    "含め、電気をご利用のすべての皆様から集めた賦課金により賄われています。この電気の"
    "うち、非化石証書を使用していない部分は、再生可能エネルギーとしての価値やCO2"
    "ゼロエミッション電源としての価値は有さず、火力発電なども含めた全国平均の電気の"
    "CO2排出量を持った電気として扱われます。",
    'jepx': "卸電力取引所：この電気には、水力、火力、原子力、FIT電気、再生可能"
    "エネルギーなどが含まれます。",
    'other': "その他：他社から調達している電気で発電所が特定できないものなどが含まれます。",
    }
HUNDRED = Decimal(100)
ONE_DECIMAL = Decimal('0.1')


@dataclass(frozen=True)
class Mix:
    fiscal_year: int           # April to March, named by its April
    kind: str                  # a key of KINDS
    shares: tuple              # ((source code, percent), ...)
    adjusted_factor: Decimal   # 調整後排出係数, kg-CO₂/kWh
    basic_factor: Decimal | None = None   # 基礎排出係数, kg-CO₂/kWh
    certificate_share: Decimal = Decimal(0)   # % of sales under 非化石証書
    tracked: bool = False      # certificates with tracking (トラッキング付)
    claim: str = ''            # a key of CLAIMS
    menu: str = ''             # empty: all the retailer's sales
    source: str = ''           # where the retailer published it
    notes: tuple = field(default=())

    def __post_init__(self):
        where = f"power mix {self.menu or 'all sales'} FY{self.fiscal_year}"
        if self.kind not in KINDS:
            raise ValidationError(f"{where}: kind {self.kind!r} is none of "
                f"{', '.join(KINDS)}", self.kind)
        if self.claim not in CLAIMS:
            raise ValidationError(f"{where}: claim {self.claim!r} is none "
                f"of {', '.join(c for c in CLAIMS if c)}", self.claim)
        codes = [code for code, _ in self.shares]
        unknown = [c for c in codes if c not in LABELS]
        if unknown:
            raise ValidationError(f"{where}: unknown sources "
                f"{', '.join(unknown)}", unknown)
        if len(set(codes)) != len(codes):
            raise ValidationError(f"{where}: a source appears twice", codes)
        if any(Decimal(p) < 0 for _, p in self.shares):
            raise ValidationError(f"{where}: a share is negative",
                self.shares)
        total = sum((Decimal(p) for _, p in self.shares), Decimal(0))
        if total != HUNDRED:
            raise ValidationError(f"{where}: the shares add up to "
                f"{total} %, not 100 %", total)
        if self.adjusted_factor is None or self.adjusted_factor < 0:
            raise ValidationError(f"{where}: the adjusted CO₂ emission "
                "factor (調整後排出係数) is missing", self.adjusted_factor)
        if not Decimal(0) <= self.certificate_share <= HUNDRED:
            raise ValidationError(f"{where}: the certificate share "
                f"{self.certificate_share} % is not 0 to 100",
                self.certificate_share)
        if self.claim:
            self._check_claim(where)

    def _check_claim(self, where):
        label = CLAIMS[self.claim]
        if self.kind != 'plan':
            raise ValidationError(f"{where}: a {label} menu shows the plan "
                "of the current fiscal year (当年度計画値), not a past "
                "result", self.kind)
        if self.certificate_share != HUNDRED:
            raise ValidationError(f"{where}: {label} needs non-fossil "
                "certificates (非化石証書) for all sales, not "
                f"{self.certificate_share} %", self.certificate_share)
        if self.claim == 'co2_free':
            if self.adjusted_factor != 0:
                raise ValidationError(f"{where}: {label} needs an adjusted "
                    f"emission factor of 0, not {self.adjusted_factor}",
                    self.adjusted_factor)
            return
        if self.claim == 'renewable' and self.renewable_share != HUNDRED:
            raise ValidationError(f"{where}: {label} needs every source "
                f"renewable, not {self.renewable_share} %; a mixed supply "
                "with renewable certificates is 実質再エネ",
                self.renewable_share)
        if self.claim == 'effectively_renewable' and not self.tracked:
            raise ValidationError(f"{where}: {label} needs tracked "
                "renewable certificates (トラッキング付非化石証書)",
                self.tracked)

    @property
    def renewable_share(self):
        "The % of renewable sources (FIT electricity included)."
        return sum((Decimal(p) for code, p in self.shares
                if code in RENEWABLE), Decimal(0))

    @property
    def period(self):
        return f'{self.fiscal_year}年度{KINDS[self.kind]}'

    def lines(self):
        "[(label, percent to 0.1)] in the order of SOURCES, shares above 0."
        shares = dict(self.shares)
        return [(LABELS[code], Decimal(shares[code]).quantize(ONE_DECIMAL))
            for code in SOURCES if Decimal(shares.get(code, 0)) > 0]

    @property
    def factor(self):
        "The adjusted emission factor as printed: 3 decimals."
        return f'{Decimal(self.adjusted_factor):.3f}'

    def explanations(self):
        "The explanations the sources of the mix need, in order."
        shares = dict(self.shares)
        return [NOTES[code] for code in ('fit', 'jepx', 'other')
            if Decimal(shares.get(code, 0)) > 0]


def weighted(mixes):
    """The retailer-wide shares of [(Mix, kWh sold)]: each source's share
    weighted by the kWh of each menu, to one decimal, adjusted so that they
    add up to 100 % (the largest share takes the rounding)."""
    mixes = [(m, Decimal(kwh)) for m, kwh in mixes if Decimal(kwh) > 0]
    total = sum((kwh for _, kwh in mixes), Decimal(0))
    if not total:
        raise ValidationError("No kWh was sold under the menus of the "
            "power mix: there is nothing to weigh.", None)
    shares = {}
    for mix, kwh in mixes:
        for code, percent in mix.shares:
            shares[code] = shares.get(code, Decimal(0)) + (
                Decimal(percent) * kwh / total)
    rounded = {code: value.quantize(ONE_DECIMAL, ROUND_HALF_UP)
        for code, value in shares.items()}
    largest = max(rounded, key=lambda c: (rounded[c], c))
    rounded[largest] += HUNDRED - sum(rounded.values())
    factor = sum((m.adjusted_factor * kwh for m, kwh in mixes),
        Decimal(0)) / total
    return (tuple((code, rounded[code]) for code in SOURCES
            if code in rounded),
        factor.quantize(Decimal('0.001'), ROUND_HALF_UP))
