"""The payment partners: a bank that answers Zengin direct-debit requests,
a card payment agent that answers billing requests and runs the monthly
refresh (洗替), and a konbini collection agent that reports store
payments. Each picks up our files from the outbox and writes its answer
in our inbox, through the same codecs as the CIS.

Outcomes are chosen by the caller (for tests and the demo): a result code
per customer number for the bank, a decline code per token for the card
agent; everything else succeeds."""
import datetime as dt
import json
import secrets
from pathlib import Path

from power_core.formats import card, konbini, registration, zengin
from power_sim import drop, serve


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


class TokenService:
    """The card agent's tokenisation endpoint (a WSGI application): the
    customer's browser posts the card number here, never to the retailer,
    and gets back a token and the masked number for the retailer's form.

    POST /tokens {"number": "4242 4242 4242 4242", "expiry": "12/29"} →
    201 {"token": "tok_…", "masked": "************4242", "expiry": "202912"};
    400 {"message": …} for a number failing the Luhn check or a bad expiry.
    Cross-origin requests are allowed, as a real agent's script does.

    GET /tokens/<token> (the retailer's server checking a token its form
    received) → 200 {"token": …, "masked": …, "expiry": …} for a token this
    agent issued, 404 {"message": "unknown token"} for any other."""

    def __init__(self, today=None):
        self.today = today or dt.date.today()
        self.cards = {}                          # token → (masked, expiry)

    def tokenize(self, number, expiry):
        "(token, masked, YYYYMM) or raise ValueError with the reason."
        from stdnum import luhn
        digits = ''.join(c for c in str(number) if c.isdigit())
        if not 13 <= len(digits) <= 19 or not luhn.is_valid(digits):
            raise ValueError('card number is not valid')
        parts = str(expiry).replace(' ', '').split('/')
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise ValueError('expiry must be MM/YY')
        month, year = int(parts[0]), 2000 + int(parts[1][-2:])
        if not 1 <= month <= 12 or (year, month) < (
                self.today.year, self.today.month):
            raise ValueError('card has expired')
        token = f'tok_{secrets.token_hex(12)}'
        masked = '*' * (len(digits) - 4) + digits[-4:]
        self.cards[token] = (masked, f'{year}{month:02d}')
        return token, masked, f'{year}{month:02d}'

    def lookup(self, token):
        "The card of a token this agent issued (a dict), or None."
        card = self.cards.get(str(token))
        if card is None:
            return None
        return {'token': token, 'masked': card[0], 'expiry': card[1]}

    def __call__(self, environ, start_response):
        headers = [('Access-Control-Allow-Origin', '*'),
            ('Access-Control-Allow-Methods', 'GET, POST, OPTIONS'),
            ('Access-Control-Allow-Headers', 'Content-Type'),
            ('Content-Type', 'application/json')]
        method = environ['REQUEST_METHOD']
        if method == 'OPTIONS':
            start_response('204 No Content', headers)
            return [b'']
        path = environ.get('PATH_INFO') or ''
        if method == 'GET' and path.startswith('/tokens/'):
            card = self.lookup(path[len('/tokens/'):])
            if card is None:
                start_response('404 Not Found', headers)
                return [b'{"message": "unknown token"}']
            start_response('200 OK', headers)
            return [json.dumps(card).encode()]
        if method != 'POST' or path != '/tokens':
            start_response('404 Not Found', headers)
            return [b'{"message": "not found"}']
        try:
            size = min(int(environ.get('CONTENT_LENGTH') or 0), 4096)
            body = json.loads(environ['wsgi.input'].read(size) or b'{}')
            token, masked, expiry = self.tokenize(
                body.get('number', ''), body.get('expiry', ''))
        except (ValueError, AttributeError) as error:
            start_response('400 Bad Request', headers)
            return [json.dumps({'message': str(error)}).encode()]
        start_response('201 Created', headers)
        return [json.dumps({'token': token, 'masked': masked,
                    'expiry': expiry}).encode()]


def start_tokens(port=0):
    """Serve a TokenService on 127.0.0.1:port (0: any free port) in a
    daemon thread; (service, url, server)."""
    service = TokenService()
    server = serve(service, port)
    return service, f'http://127.0.0.1:{server.server_port}', server
