"""The switching hub's SOAP service (スイッチング支援システム, OCCTO): our
client through zeep and the codes of DOMAIN_FACTS §3.2.

The WSDL (`data/switching_hub.wsdl`) is ours (the official interface is
not public): one Submit operation for every application, keyed by the
hub's service id, and one Status operation (the "…20" 業務処理状況確認
services). Requests and replies are kept as XML for the exchange log."""
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
        # no DTDs, no entities, no network fetches from replies
        settings = Settings(strict=True, forbid_dtd=True,
            forbid_entities=True, forbid_external=True)
        client = Client(str(WSDL), settings=settings, plugins=[self.history],
            transport=Transport(session=session, timeout=timeout,
                operation_timeout=timeout))
        self.service = client.create_service(
            f'{{{NAMESPACE}}}SwitchingHubBinding', url)
        self.retailer_code = retailer_code
        self.exchanges = []

    def _call(self, name, operation, **values):
        from requests import RequestException
        from zeep.exceptions import Error as ZeepError
        try:
            reply = getattr(self.service, operation)(**values)
        except (RequestException, ZeepError, etree.XMLSyntaxError) as error:
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
        reply = self._call(application.number, 'Submit',
            **application.message())
        return Receipt(bool(reply.Received), reply.HubReference,
            reply.ErrorCode, reply.ErrorMessage)

    def status(self, kind, reference, name=''):
        "The state of an application the hub received."
        service = STATUS_SERVICES[SERVICES[kind][0]]
        reply = self._call(name or reference, 'Status', ServiceId=service,
            RetailerCode=self.retailer_code, HubReference=reference)
        if reply.State not in STATES:
            raise HubError(f"the hub answered the unknown state "
                f"{reply.State!r}", reference)
        return Status(reply.HubReference, reply.State, reply.EffectiveDate,
            reply.ReasonCode, reply.ReasonMessage, reply.MeterNumber,
            reply.SmartMeter, reply.NextReadingDate, reply.CurrentRetailer)
