"""Payments and collections without Tryton: matching a receipt to the open
bills of a customer, late interest (延滞利息), direct-debit dates, the
termination date of a termination warning, and the masks of card and bank
account numbers.

Money is whole yen (int): JPY has no minor unit."""
import calendar as _calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from stdnum import luhn

from power_core.errors import ValidationError

# docs/domain.md §5.4: 10 % a year from the day after the due date, waived
# when paid within 10 days after it
INTEREST_RATE = Decimal('0.10')
INTEREST_GRACE_DAYS = 10
# the retail guidelines: the termination notice about 15 days before
MIN_NOTICE_DAYS = 15

MATCHED = 'matched'            # customer, bill and amount agree
PARTIAL = 'partial'            # less than the bill: applied, rest open
OVERPAID = 'overpaid'          # more than the bill: the rest is a credit
UNALLOCATED = 'unallocated'    # customer known, no open bill to apply to
UNMATCHED = 'unmatched'        # customer unknown: held in suspense
OUTCOMES = (MATCHED, PARTIAL, OVERPAID, UNALLOCATED, UNMATCHED)


class PaymentError(ValidationError):
    "A payment value that breaks its rules."


@dataclass(frozen=True)
class OpenBill:
    "A bill with money still to pay."
    key: object            # the caller's id of the bill
    due: int               # yen still to pay (> 0)
    due_date: dt.date
    reference: str = ''    # the number printed on the bill


@dataclass
class Match:
    outcome: str
    allocations: list = field(default_factory=list)   # [(key, yen)]
    surplus: int = 0       # left after the allocations: a credit

    @property
    def allocated(self):
        return sum(a for _, a in self.allocations)

    @property
    def needs_review(self):
        "A clerk should look at it (the work queue)."
        return self.outcome != MATCHED


def match_receipt(amount, bills, reference=None, known_customer=True):
    """How a receipt of amount yen pays the open bills of its customer.

    With a reference (the bill the payer named, e.g. from a barcode or a
    debit request), the money goes to that bill; a reference to no open
    bill counts as none. Without one, the bill whose due amount equals the
    receipt, else all bills when the receipt pays exactly all of them
    (oldest first); anything else is kept as a credit for a clerk to
    allocate. Less than the bill is a partial payment, more an
    overpayment whose surplus stays a credit of the customer."""
    if amount <= 0:
        raise PaymentError(f"a receipt of {amount} yen is not a payment",
            amount)
    if not known_customer:
        return Match(UNMATCHED, [], amount)
    bills = sorted(bills, key=lambda b: (b.due_date, str(b.key)))
    chosen = None
    if reference is not None:
        chosen = [b for b in bills
            if reference in {b.key, b.reference} and b.due > 0]
        chosen = chosen[:1] or None
    if chosen is None:
        exact = [b for b in bills if b.due == amount]
        if exact:
            chosen = exact[:1]
        elif bills and sum(b.due for b in bills) == amount:
            chosen = bills
    if not chosen:
        return Match(UNALLOCATED, [], amount)
    allocations, left = [], amount
    for bill in chosen:
        part = min(bill.due, left)
        if part:
            allocations.append((bill.key, part))
        left -= part
    due = sum(b.due for b in chosen)
    if amount == due:
        outcome = MATCHED
    elif amount < due:
        outcome = PARTIAL
    else:
        outcome = OVERPAID
    return Match(outcome, allocations, left)


def match_statement(amount, bills):
    """How a receipt naming a statement (一括請求書) pays the open bills
    listed on it: all of them, oldest first, up to the amount; less is a
    partial payment, more an overpayment whose surplus stays a credit of
    the customer. A statement with nothing left to pay takes nothing.

    >>> b = [OpenBill(1, 500, dt.date(2026, 6, 30), 'A'),
    ...     OpenBill(2, 300, dt.date(2026, 6, 30), 'B')]
    >>> match_statement(800, b).outcome, match_statement(600, b).allocations
    ('matched', [(1, 500), (2, 100)])
    """
    if amount <= 0:
        raise PaymentError(f"a receipt of {amount} yen is not a payment",
            amount)
    bills = [b for b in bills if b.due > 0]
    if not bills:
        return Match(UNALLOCATED, [], amount)
    allocations, left = apply_credit(amount, bills)
    due = sum(b.due for b in bills)
    outcome = (MATCHED if amount == due
        else PARTIAL if amount < due else OVERPAID)
    return Match(outcome, allocations, left)


def apply_credit(credit, bills):
    """[(key, yen)] a credit of the customer pays of its open bills, oldest
    first, and what is left of it."""
    allocations = []
    for bill in sorted(bills, key=lambda b: (b.due_date, str(b.key))):
        if credit <= 0:
            break
        part = min(bill.due, credit)
        if part > 0:
            allocations.append((bill.key, part))
            credit -= part
    return allocations, credit


def late_interest(base, due_date, paid_on, rate=INTEREST_RATE,
        grace_days=INTEREST_GRACE_DAYS):
    """Late interest in whole yen (rounded down) on base yen paid on paid_on
    for a bill due on due_date: rate a year (365 days, leap years too) for
    each day after the due date, none when paid within grace_days after
    it (docs/domain.md §5.4)."""
    if base < 0:
        raise PaymentError(f"interest base {base} is negative", base)
    days = (paid_on - due_date).days
    if days <= grace_days or base == 0:
        return 0
    interest = Decimal(base) * Decimal(rate) * days / 365
    return int(interest.quantize(Decimal(1), rounding=ROUND_DOWN))


def overdue_days(due_date, on):
    return max((on - due_date).days, 0)


def termination_date(warned_on, notice_days=MIN_NOTICE_DAYS):
    """The termination date a warning sent on warned_on announces: at least
    MIN_NOTICE_DAYS later (METI's retail guidelines)."""
    if notice_days < MIN_NOTICE_DAYS:
        raise PaymentError(f"a termination needs {MIN_NOTICE_DAYS} days' "
            f"notice, not {notice_days}", notice_days)
    return warned_on + dt.timedelta(days=notice_days)


def parse_debit_days(text):
    """The days of the month direct debits are made ("5,15,25"), sorted;
    each 1-28 or 31 for the month's last day."""
    days = []
    for part in (text or '').replace(' ', '').split(','):
        if not part:
            continue
        if not part.isdigit() or not (1 <= int(part) <= 28 or part == '31'):
            raise PaymentError(f"debit day {part!r} is not 1-28 or 31 "
                "(the last day)", text)
        days.append(int(part))
    if not days:
        raise PaymentError("no debit day given", text)
    return sorted(set(days))


def _day(year, month, day):
    return dt.date(year, month,
        min(day, _calendar.monthrange(year, month)[1]))


def debit_date(due_date, days, calendar=None):
    """The debit date of a bill due on due_date: the last debit day of the
    month on or before the due date (the previous month's last one when
    none is), moved to the next banking day when banks are closed."""
    candidates = [_day(due_date.year, due_date.month, d) for d in days]
    before = [d for d in candidates if d <= due_date]
    if before:
        date = before[-1]
    else:
        previous = due_date.replace(day=1) - dt.timedelta(days=1)
        date = _day(previous.year, previous.month, days[-1])
    if calendar is not None:
        date = calendar.next_business_day(date)
    return date


# -- card and account numbers ------------------------------------------
# what people and systems put between the digits of a card number, as
# written in skeleton(): a space (also a tab, a no-break or an ideographic
# space), a hyphen or dash (also ー), a dot, a slash, an underscore, a line
# break
_SEPARATOR_CLASS = r' \-./_\n'
_SPACES = {'\t', '\u00a0', '\u2007', '\u202f', '\u3000'}
_DASHES = {'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015',
    '\u2212', '\u30fc', '\uff70', '\ufe63', '\uff0d'}
_LINE_BREAKS = {'\r', '\n', '\v', '\f', '\x85', '\u2028', '\u2029'}
_DIGIT_RUN = re.compile(r'[0-9](?:[%s]{0,3}[0-9]){12,}' % _SEPARATOR_CLASS)
_MASKED = re.compile(r'^(\d{0,6})[*Xx●•\- ]{4,}(\d{4})$')


class _Skeleton(dict):
    "The character skeleton() writes for each character, found once."

    def __missing__(self, code):
        char = chr(code)
        if char in _LINE_BREAKS:
            value = '\n'
        elif char in _SPACES:
            value = ' '
        elif char in _DASHES:
            value = '-'
        elif char.isascii():
            value = char
        elif (digit := unicodedata.decimal(char, None)) is not None:
            value = str(digit)
        else:
            normal = unicodedata.normalize('NFKC', char)
            value = normal if len(normal) == 1 else char
        self[code] = value
        return value


_SKELETON = _Skeleton()


def skeleton(text):
    """text with one character for each of its own (positions agree): any
    decimal digit as its ASCII digit (full-width ４, Arabic-Indic, ...),
    every space as ' ', every dash as '-', every line break as '\\n', and
    other characters as NFKC makes them when that is one character (a
    full-width ／ is '/', Ｘ is 'X'), so card numbers are found however
    they are written."""
    return text.translate(_SKELETON)


def find_card_number(text):
    """The first run of 13-19 digits in text (separated or not by spaces,
    hyphens, dots, slashes, underscores or line breaks, in any width) that
    passes the Luhn check: a full card number, which must never be stored;
    None when there is none."""
    for run in _DIGIT_RUN.findall(skeleton(text or '')):
        digits = re.sub(r'[^0-9]', '', run)
        if 13 <= len(digits) <= 19 and luhn.is_valid(digits):
            return digits
    return None


# a card number as systems and people write it: 13-19 digits in a row, or
# in groups of 4 (Amex 4-6-5) split by a separator (one to three of space,
# hyphen, dot, slash, underscore, line break: "4242 4242", "4242 - 4242",
# "4242\r\n4242"), not part of a longer or dotted number (a mail's
# Message-ID holds 19 random digits) nor of a word of ASCII letters and
# digits (a SHA-256 in hex, a token, base64); Japanese text around it is no
# boundary to it. Matched on skeleton(text): full-width digits and spaces,
# no-break spaces and dashes count as theirs.
_SEP = r'[%s]{1,3}' % _SEPARATOR_CLASS
_WRITTEN_CARD = re.compile(
    r'(?<![0-9A-Za-z-])(?<![0-9]\.)'
    r'(?:[0-9]{13,19}|[0-9]{4}%(s)s[0-9]{4}%(s)s[0-9]{4}%(s)s[0-9]{1,7}'
    r'|[0-9]{4}%(s)s[0-9]{6}%(s)s[0-9]{5})(?![0-9A-Za-z-]|\.[0-9])'
    % {'s': _SEP})
# issuer prefixes (IIN) of the brands accepted in Japan: Visa, Mastercard,
# JCB, American Express, Diners Club, Discover
_ISSUER = re.compile(r'4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|35(?:2[89]|[3-8]\d)'
    r'|3[47]|3(?:0[0-5]|[68])|6(?:011|5)')


def card_number_spans(text):
    """[(start, end, digits)] of every full card number written in text:
    where it is (positions in text) and its digits."""
    found = []
    for match in _WRITTEN_CARD.finditer(skeleton(text or '')):
        digits = re.sub(r'[^0-9]', '', match.group())
        if (13 <= len(digits) <= 19 and _ISSUER.match(digits)
                and luhn.is_valid(digits)):
            found.append((match.start(), match.end(), digits))
    return found


def card_numbers_in(text):
    """Every full card number written in text (a log, a stored value, a
    file): a run of 13-19 digits, grouped or not, in any width and with
    any of the separators above, with a card brand's prefix and a valid
    Luhn check digit. Stricter than find_card_number (which refuses any
    Luhn-valid run, as input) so that a scan of a whole database does not
    stop at dates, amounts and supply point numbers."""
    return [digits for _, _, digits in card_number_spans(text)]


def mask_card_numbers(text):
    """(text with every full card number of card_numbers_in masked, how
    many): each digit but the last four becomes '*', the separators stay,
    so that the masked text keeps its length and its layout."""
    spans = card_number_spans(text)
    if not spans:
        return text, 0
    chars = list(text)
    shape = skeleton(text)
    for start, end, digits in spans:
        keep = 4
        for index in range(end - 1, start - 1, -1):
            if '0' <= shape[index] <= '9':
                if keep:
                    keep -= 1
                else:
                    chars[index] = '*'
    return ''.join(chars), len(spans)


def mask_card_numbers_in_data(data):
    """(data with its card numbers masked, the line numbers where they
    were) of the bytes of a file: read as UTF-8 (or Shift_JIS), masked,
    written back in the same encoding (the other bytes unchanged); data as
    it is and [] when it is neither (a ZIP archive, an image)."""
    for encoding in ('utf-8', 'cp932'):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        spans = card_number_spans(text)
        if not spans:
            return data, []
        masked, _ = mask_card_numbers(text)
        lines = sorted({text.count('\n', 0, start) + 1
                for start, _, _ in spans})
        return masked.encode(encoding), lines
    return data, []


def check_masked_card(masked):
    """masked as stored: at most the first six and the last four digits
    visible, the rest masked. Refuses a full card number."""
    value = (masked or '').strip()
    if find_card_number(value):
        raise PaymentError("a full card number may not be stored, only the "
            "payment agent's token and the masked number", '')
    if not _MASKED.match(value):
        raise PaymentError(f"{value!r} is not a masked card number "
            "(************1234)", value)
    return value


def mask_account(number):
    "A bank account number with only its last three digits shown."
    number = (number or '').strip()
    if len(number) <= 3:
        return '*' * len(number)
    return '*' * (len(number) - 3) + number[-3:]


def bank_account_number(number):
    "A 7-digit Zengin account number (zero-filled on the left)."
    value = (number or '').strip()
    if not value.isdigit() or not 1 <= len(value) <= 7:
        raise PaymentError(f"account number {value!r} is not 1 to 7 digits",
            value)
    return value.zfill(7)
