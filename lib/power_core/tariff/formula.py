"""The formula language of rate menus.

Business users write the amount of a formula component as an expression over
named variables (kwh, capacity, days, results of earlier components, ...).
It is arithmetic on Decimal only: + - * /, comparisons, and/or/not,
``a if cond else b``, and the functions below. Anything else (attributes,
subscripts, lambdas, comprehensions, unknown names, strings) is refused when
the formula is checked, with the column of the offending part, so a menu
can never hold a formula that fails or escapes at billing time.

The evaluation itself is done by simpleeval on the checked tree, with every
number literal turned into a Decimal first (as Tryton's own move templates
do), so 0.1 + 0.2 is exactly 0.3.

>>> f = Formula('max(kwh - 120, 0) * 36.40')
>>> f.evaluate({'kwh': Decimal('250')})
Decimal('4732.00')
>>> Formula('round_down(kwh * 29.8)').evaluate({'kwh': Decimal(7)})
Decimal('208')
>>> Formula('kwh.real').check({'kwh'})
Traceback (most recent call last):
    ...
power_core.errors.FormulaError: ...
"""
import ast
import io
import tokenize
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from simpleeval import SimpleEval

from power_core.errors import FormulaError

MAX_LENGTH = 2000


def _quantum(places):
    return Decimal(1).scaleb(-int(places))


def round_down(value, places=0):
    "Round toward zero (切り捨て) to `places` decimals."
    return Decimal(value).quantize(_quantum(places), rounding=ROUND_DOWN)


def round_half_up(value, places=0):
    "Round half away from zero (四捨五入) to `places` decimals."
    return Decimal(value).quantize(_quantum(places), rounding=ROUND_HALF_UP)


def round_up(value, places=0):
    "Round away from zero (切り上げ) to `places` decimals."
    value = Decimal(value)
    rounding = ROUND_CEILING if value >= 0 else ROUND_FLOOR
    return value.quantize(_quantum(places), rounding=rounding)


def if_(condition, then, otherwise):
    "IF(condition, then, otherwise)."
    return then if condition else otherwise


FUNCTIONS = {
    'min': min,
    'max': max,
    'abs': abs,
    'round_down': round_down,
    'round_half_up': round_half_up,
    'round_up': round_up,
    'IF': if_,
    }
_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
    ast.IfExp, ast.Call, ast.Name, ast.Load, ast.Constant,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd, ast.Not,
    ast.And, ast.Or, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    )


def _decimal_literals(source):
    "Rewrite every number literal of source as D('literal')."
    result = []
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for toknum, tokval, *_ in tokens:
        if toknum == tokenize.NUMBER:
            result.extend([
                    (tokenize.NAME, 'D'), (tokenize.OP, '('),
                    (tokenize.STRING, repr(tokval)), (tokenize.OP, ')')])
        else:
            result.append((toknum, tokval))
    return tokenize.untokenize(result)


class Formula:
    "A checked expression of the formula language."

    def __init__(self, source):
        if not isinstance(source, str) or not source.strip():
            raise FormulaError("The formula is empty.", source, position=1)
        if len(source) > MAX_LENGTH:
            raise FormulaError(
                f"The formula is longer than {MAX_LENGTH} characters.",
                source, position=MAX_LENGTH + 1)
        self.source = source.strip()
        try:
            self.tree = ast.parse(self.source, mode='eval')
        except SyntaxError as e:
            raise FormulaError(
                f"Syntax error at column {e.offset}: {e.msg}.",
                source, position=e.offset) from e
        self._check_nodes()

    def _error(self, node, message):
        position = getattr(node, 'col_offset', 0) + 1
        return FormulaError(
            f"{message} (column {position}).", self.source, position=position)

    def _check_nodes(self):
        for node in ast.walk(self.tree):
            if not isinstance(node, _ALLOWED):
                raise self._error(node, f"{type(node).__name__} is not "
                    "allowed in a formula: use numbers, variables, "
                    "+ - * /, comparisons, and/or/not, IF() and "
                    + ', '.join(sorted(FUNCTIONS)))
            if isinstance(node, ast.Constant) and (
                    isinstance(node.value, bool)
                    or not isinstance(node.value, (int, float))):
                raise self._error(node, f"{node.value!r} is not a number")
            if isinstance(node, ast.Call):
                if (not isinstance(node.func, ast.Name)
                        or node.func.id not in FUNCTIONS):
                    raise self._error(node, "Only these functions can be "
                        "called: " + ', '.join(sorted(FUNCTIONS)))
                if node.keywords:
                    raise self._error(node, "Functions take no keyword "
                        "arguments")

    @property
    def names(self):
        "The variable names the formula uses."
        return {n.id for n in ast.walk(self.tree)
            if isinstance(n, ast.Name) and n.id not in FUNCTIONS}

    def check(self, names):
        "Refuse a formula that uses a variable not in names."
        for node in ast.walk(self.tree):
            if (isinstance(node, ast.Name) and node.id not in FUNCTIONS
                    and node.id not in names):
                raise self._error(node, f"Unknown variable {node.id!r}; "
                    "known: " + ', '.join(sorted(names)))
        return self

    def evaluate(self, values):
        "The Decimal value of the formula for values (name: Decimal)."
        missing = self.names - set(values)
        if missing:
            raise FormulaError(
                f"No value for {', '.join(sorted(missing))}.", self.source)
        evaluator = SimpleEval(
            functions={**FUNCTIONS, 'D': Decimal},
            names={k: Decimal(v) if isinstance(v, (int, str)) else v
                for k, v in values.items()})
        try:
            result = evaluator.eval(_decimal_literals(self.source))
        except ZeroDivisionError as e:
            raise FormulaError("Division by zero.", self.source) from e
        except ArithmeticError as e:
            raise FormulaError(f"Arithmetic error: {e}.", self.source) from e
        if isinstance(result, bool):
            return Decimal(int(result))
        if not isinstance(result, Decimal):
            raise FormulaError(
                f"The formula gives {result!r}, not a number.", self.source)
        return result
