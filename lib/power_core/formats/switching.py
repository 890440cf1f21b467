"""The switching hub's SOAP service (スイッチング支援システム, OCCTO): our
client through zeep and the codes of docs/domain.md §3.2.

The WSDL (`data/switching_hub.wsdl`) is ours (the official interface is
not public): one Submit operation for every application, keyed by the
hub's service id, and one Status operation (the "…20" 業務処理状況確認
services). Requests and replies are kept as XML for the exchange log.

Every reply is validated against the WSDL's schema on its raw XML before
zeep reads it (zeep would turn an EffectiveDate 2027-02-30 or a SmartMeter
"maybe" into None or False), then against the rules of its state (the
reference asked, a known state, the values each state needs): anything
else is a HubError naming the element and why, and nothing of the reply
is used."""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

from power_core.formats import FormatError

WSDL = Path(__file__).parent / 'data' / 'switching_hub.wsdl'
NAMESPACE = 'urn:power-cis:switching-hub:1'
# kind → (service id, application type 申込種別)
SERVICES = {
    'equipment_inquiry': ('IF_10110', None),
    'reconnection': ('IF_10410', '04'),
    'termination': ('IF_10510', '01'),
    'removal': ('IF_10510', '02'),
    'switch_in': ('IF_10610', '05'),
    'info_change': ('IF_10810', '07'),
    'ampere_change': ('IF_10910', '06'),
    'relay': ('IS_20110', None),
    }
# the status (業務処理状況確認) service of each service
STATUS_SERVICES = {service: service[:-2] + '20' for service, _ in
    SERVICES.values()}
STATUS_SERVICES['IS_20110'] = 'IS_20210'  # 廃止取次結果照会
STATUS_SERVICES['IF_10110'] = 'IF_10110'  # answered at once
UPDATE_FLAGS = {'register': '1', 'correct': '2', 'cancel': '3'}
STATES = ('processing', 'accepted', 'rejected', 'completed')
XS = 'http://www.w3.org/2001/XMLSchema'
SOAP_ENVELOPE = 'http://schemas.xmlsoap.org/soap/envelope/'
_SCHEMA = []


def schema():
    "The XML schema of the messages, read from the WSDL (once)."
    if not _SCHEMA:
        parser = etree.XMLParser(resolve_entities=False, no_network=True,
            load_dtd=False)
        wsdl = etree.parse(str(WSDL), parser)
        element = wsdl.find(f'.//{{{XS}}}schema')
        _SCHEMA.append(etree.XMLSchema(etree.fromstring(
                    etree.tostring(element), parser)))
    return _SCHEMA[0]


def check_reply(envelope, operation, name=''):
    """The reply element of a SOAP envelope (an lxml element) of
    operation, valid against the schema; HubError naming the element and
    the reason otherwise. A SOAP fault is left to zeep."""
    body = envelope.find(f'{{{SOAP_ENVELOPE}}}Body')
    if body is None or len(body) != 1:
        raise HubError("the reply has no SOAP body with one element", name)
    reply = body[0]
    if reply.tag == f'{{{SOAP_ENVELOPE}}}Fault':
        return reply
    expected = f'{{{NAMESPACE}}}{operation}Response'
    if reply.tag != expected:
        raise HubError(f"the reply is {etree.QName(reply).localname}, not "
            f"{operation}Response", name)
    document = etree.ElementTree(etree.fromstring(etree.tostring(reply)))
    validator = schema()
    if not validator.validate(document):
        error = validator.error_log.last_error
        raise HubError(f"the {operation}Response is invalid: "
            f"{_schema_message(error)}", name)
    return reply


def _schema_message(error):
    "libxml2's message, without the namespace in braces."
    message = error.message.replace(f'{{{NAMESPACE}}}', '')
    return f"{message} (line {error.line})" if error.line else message


@dataclass(frozen=True)
class Application:
    kind: str
    retailer_code: str
    number: str                 # our request number
    supply_point: str
    requested_date: dt.date = None
    meter_work: bool = False
    capacity: Decimal = None
    current_retailer: str = ''
    current_customer_number: str = ''
    holder_name: str = ''
    holder_name_kana: str = ''
    update: str = 'register'

    def message(self):
        "The Submit parameters."
        if self.kind not in SERVICES:
            raise FormatError(f"{self.kind!r} is not a switching hub "
                "service", self.number)
        service, application_type = SERVICES[self.kind]
        values = {
            'ServiceId': service, 'UpdateFlag': UPDATE_FLAGS[self.update],
            'ApplicationType': application_type,
            'RetailerCode': self.retailer_code,
            'ApplicationNumber': self.number,
            'SupplyPointNumber': self.supply_point,
            'RequestedDate': self.requested_date,
            'MeterWork': self.meter_work,
            'Capacity': self.capacity,
            'CurrentRetailer': self.current_retailer or None,
            'CurrentCustomerNumber': self.current_customer_number or None,
            'HolderName': self.holder_name or None,
            'HolderNameKana': self.holder_name_kana or None,
            }
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Receipt:
    received: bool
    reference: str = None
    error_code: str = None
    error_message: str = None


@dataclass(frozen=True)
class Status:
    reference: str
    state: str
    effective_date: dt.date = None
    reason_code: str = None
    reason_message: str = None
    meter_number: str = None
    smart_meter: bool = None
    next_reading_date: dt.date = None
    current_retailer: str = None


class HubError(FormatError):
    "The hub could not be reached or answered something unreadable."


def _required(reply, element, what, where):
    value = getattr(reply, element)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise HubError(f"{element} is missing: {what} needs it", where)


class _ReplyCheck:
    """A zeep plugin validating each reply's raw XML (check_reply) before
    zeep reads it."""

    def start(self, operation, name):
        self.operation, self.name = operation, name

    def ingress(self, envelope, http_headers, operation):
        check_reply(envelope, self.operation, self.name)
        return envelope, http_headers

    def egress(self, envelope, http_headers, operation, binding_options):
        return envelope, http_headers


class HubClient:
    """The switching hub at url, as retailer_code; mutual TLS with the
    client certificate and key when given. `exchanges` collects (name,
    request XML, reply XML) of every call for the log."""

    def __init__(self, url, retailer_code, certificate=None, key=None,
            timeout=20):
        import requests
        from zeep import Client, Settings
        from zeep.plugins import HistoryPlugin
        from zeep.transports import Transport
        session = requests.Session()
        if certificate:
            session.cert = (certificate, key) if key else certificate
        self.history = HistoryPlugin(maxlen=2)
        self.checker = _ReplyCheck()
        # no DTDs, no entities, no network fetches from replies
        settings = Settings(strict=True, forbid_dtd=True,
            forbid_entities=True, forbid_external=True)
        client = Client(str(WSDL), settings=settings,
            plugins=[self.history, self.checker],
            transport=Transport(session=session, timeout=timeout,
                operation_timeout=timeout))
        self.service = client.create_service(
            f'{{{NAMESPACE}}}SwitchingHubBinding', url)
        self.retailer_code = retailer_code
        self.exchanges = []

    def _call(self, name, operation, **values):
        from requests import RequestException
        from zeep.exceptions import Error as ZeepError
        self.checker.start(operation, name)
        try:
            reply = getattr(self.service, operation)(**values)
        except HubError:
            self._record(name)
            raise
        except (RequestException, ZeepError, etree.XMLSyntaxError,
                ValueError, TypeError) as error:
            self._record(name)
            raise HubError(f"the switching hub did not answer {operation} "
                f"properly: {error}", name) from None
        self._record(name)
        return reply

    def _record(self, name):
        sent = self.history.last_sent
        received = self.history.last_received
        self.exchanges.append((name,
                etree.tostring(sent['envelope']) if sent else b'',
                etree.tostring(received['envelope']) if received else b''))
        self.history._buffer.clear()

    def submit(self, application):
        "Send an application; the hub's receipt."
        name = application.number
        reply = self._call(name, 'Submit', **application.message())
        if reply.Received is True:
            _required(reply, 'HubReference', "a received application",
                name)
        elif reply.Received is False:
            _required(reply, 'ErrorCode', "a refused application", name)
        else:
            raise HubError(f"Received {reply.Received!r} is not a boolean",
                name)
        return Receipt(reply.Received, reply.HubReference,
            reply.ErrorCode, reply.ErrorMessage)

    def status(self, kind, reference, name=''):
        "The state of an application the hub received."
        service = STATUS_SERVICES[SERVICES[kind][0]]
        reply = self._call(name or reference, 'Status', ServiceId=service,
            RetailerCode=self.retailer_code, HubReference=reference)
        where = name or reference
        if reply.HubReference != reference:
            raise HubError(f"HubReference {reply.HubReference!r} is not "
                f"the reference asked about ({reference})", where)
        if reply.State not in STATES:
            raise HubError(f"the hub answered the unknown state "
                f"{reply.State!r}", where)
        if reply.State == 'rejected':
            _required(reply, 'ReasonCode', "a rejection", where)
        elif reply.State == 'completed' and service == 'IF_10110':
            for element in ('MeterNumber', 'SmartMeter'):
                _required(reply, element, "an answered equipment inquiry",
                    where)
        elif reply.State in {'accepted', 'completed'}:
            _required(reply, 'EffectiveDate', f"an application {reply.State}",
                where)
        return Status(reply.HubReference, reply.State, reply.EffectiveDate,
            reply.ReasonCode, reply.ReasonMessage, reply.MeterNumber,
            reply.SmartMeter, reply.NextReadingDate, reply.CurrentRetailer)
