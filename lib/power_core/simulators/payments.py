"""The payment partners: a bank that answers Zengin direct-debit requests,
a card payment agent that answers billing requests and runs the monthly
refresh (洗替), and a konbini collection agent that reports store
payments. Each picks up our files from the outbox and writes its answer
in our inbox, through the same codecs as the CIS.

Outcomes are chosen by the caller (for tests and the demo): a result code
per customer number for the bank, a decline code per token for the card
agent; everything else succeeds."""
import datetime as dt
from pathlib import Path

from power_core.formats import card, konbini, registration, zengin
from power_core.simulators import drop


def _registrations(outbox, inbox, kind, refusal):
    """Answer the registration checks in outbox: refused (with the code
    refusal gives) or accepted."""
    written = []
    for path in sorted(Path(outbox).glob('REG_*.csv')):
        checks = registration.read_checks(path.read_bytes(), kind, path.name)
        results = []
        for check in checks:
            code = refusal(check)
            results.append(registration.Result(check.customer_number,
                    'ng' if code else 'ok', code or '',
                    '登録できません' if code else ''))
        written.append(drop(inbox, path.name.replace('REG_', 'REG_RESULT_'),
                registration.write_results(results)))
        path.unlink()
    return written


class Bank:
    "A bank collecting by direct debit (口座振替)."

    def __init__(self, outbox, inbox, failures=None):
        self.outbox, self.inbox = Path(outbox), Path(inbox)
        self.failures = dict(failures or {})   # customer number → code
        self.requests = {}

    def process(self):
        written = _registrations(self.outbox, self.inbox, 'bank',
            lambda c: self.failures.get(c.customer_number.lstrip('0')))
        for path in sorted(self.outbox.glob('ZENGIN_*.txt')):
            header, debits, _ = zengin.decode(path.read_bytes(),
                name=path.name, result=False)
            self.requests[path.name] = debits
            results = [self.failures.get(d.customer_number, '0')
                for d in debits]
            data = zengin.encode(header, zengin.with_results(debits,
                    results), result=True)
            written.append(drop(self.inbox,
                    path.name.replace('ZENGIN_', 'ZENGIN_RESULT_'), data))
            path.unlink()
        return written


class CardAgent:
    "A card payment agent (決済代行)."

    def __init__(self, outbox, inbox, declines=None, today=None):
        self.outbox, self.inbox = Path(outbox), Path(inbox)
        self.declines = dict(declines or {})    # token → code
        self.today = today or dt.date.today()
        self.tokens = {}                         # token → customer number

    def process(self):
        written = _registrations(self.outbox, self.inbox, 'card',
            lambda c: self.declines.get(c.token))
        for path in sorted(self.outbox.glob('CARD_REQ_*.csv')):
            charges = card.read_request(path.read_bytes(), path.name)
            results = []
            for n, c in enumerate(charges, 1):
                self.tokens[c.token] = c.customer_number
                code = self.declines.get(c.token)
                results.append(card.Charge(c.request_id, c.customer_number,
                        c.token, c.amount, c.invoice,
                        status='declined' if code else 'approved',
                        code=code or '',
                        authorization='' if code else f'{n:06d}',
                        processed=self.today))
            written.append(drop(self.inbox,
                    path.name.replace('CARD_REQ_', 'CARD_RES_'),
                    card.write_result(results)))
            path.unlink()
        return written

    def refresh(self, month, invalid=(), renewed=None):
        """The monthly refresh of the cards it knows: tokens in invalid
        have lapsed, renewed maps tokens to their new expiry YYYYMM."""
        renewed = renewed or {}
        rows = []
        for token, customer in sorted(self.tokens.items()):
            if token in invalid:
                rows.append(card.Refresh(token, customer, 'invalid',
                        code='G12'))
            elif token in renewed:
                rows.append(card.Refresh(token, customer, 'renewed',
                        renewed[token]))
            else:
                rows.append(card.Refresh(token, customer, 'valid'))
        return drop(self.inbox, f'CARD_REFRESH_{month}.csv',
            card.write_refresh(rows))


class KonbiniAgent:
    "A convenience-store collection agent (収納代行)."

    def __init__(self, inbox):
        self.inbox = Path(inbox)

    def notice(self, barcodes, paid_on, kind='final', name=None):
        """A payment notice for barcode data strings paid on paid_on;
        transferred to the retailer three days later."""
        payments = [konbini.Payment(kind, paid_on,
                konbini.Barcode.parse(b), konbini.Barcode.parse(b).amount,
                '0001', f'{n:06d}', paid_on + dt.timedelta(days=3), n)
            for n, b in enumerate(barcodes, 1)]
        name = name or f'KONBINI_{paid_on:%Y%m%d}.csv'
        return drop(self.inbox, name,
            konbini.write_payments(payments, paid_on))
