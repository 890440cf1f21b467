"""A local switching hub (スイッチング支援システム) speaking our WSDL, for the
tests and the demo: `start()` serves it on 127.0.0.1 in a thread.

Its rules, so that every outcome can be shown:
- a supply point number ending in 9999 is refused at matching (the
  holder's name does not match: ReasonCode E1101); one ending in 8888 is
  refused because no work can be done on the requested day (E1203);
- an equipment inquiry is answered at once (completed) with the meter, a
  smart meter, the next reading day and the current retailer;
- any other application is accepted on the first status query (effective
  on the requested day) and completed on the next.
Malformed requests get a SOAP fault; invalid fields a receipt with an
error code, as a real hub would refuse them. `answers` makes it answer
what a faulty hub would: the values given (raw text, None to leave an
element out) replace those of its status replies about a reference, or of
every Submit reply under the key 'Submit'."""
import datetime as dt
import itertools
import threading

from lxml import etree

from power_core.formats.switching import NAMESPACE, SERVICES, STATUS_SERVICES
from power_core.ids import supply_point as spid
from power_sim import serve

SOAP = 'http://schemas.xmlsoap.org/soap/envelope/'
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True,
    load_dtd=False)
REJECTIONS = {
    '9999': ('E1101', '需要者名義が現小売電気事業者の登録と一致しません'),
    '8888': ('E1203', '指定日に計器工事ができません'),
    }


class SwitchingHub:
    "The hub's state: the applications it received, by reference."

    def __init__(self):
        self.applications = {}
        self.counter = itertools.count(1)
        self.lock = threading.Lock()
        # reference (or 'Submit') → {element: raw text or None}
        self.answers = {}

    # --- WSGI --------------------------------------------------------------
    def __call__(self, environ, start_response):
        try:
            length = int(environ.get('CONTENT_LENGTH') or 0)
            body = environ['wsgi.input'].read(length)
            envelope = etree.fromstring(body, _PARSER)
            request = envelope.find(f'{{{SOAP}}}Body')[0]
            name = etree.QName(request).localname
            values = {etree.QName(c).localname: (c.text or '').strip()
                for c in request}
            if name == 'Submit':
                reply = self.submit(values)
            elif name == 'Status':
                reply = self.status(values)
            else:
                raise ValueError(f"unknown operation {name}")
            status = '200 OK'
        except (etree.XMLSyntaxError, ValueError, TypeError, IndexError,
                KeyError) as error:
            reply = _fault(str(error))
            status = '500 Internal Server Error'
        data = etree.tostring(reply, xml_declaration=True, encoding='UTF-8')
        start_response(status, [('Content-Type', 'text/xml; charset=utf-8'),
                ('Content-Length', str(len(data)))])
        return [data]

    # --- operations -------------------------------------------------------
    def submit(self, values):
        service = values.get('ServiceId')
        error = None
        if service not in {s for s, _ in SERVICES.values()}:
            error = ('E0001', f'サービスID {service} は存在しません')
        elif not values.get('RetailerCode'):
            error = ('E0002', '小売電気事業者コードがありません')
        elif not spid.is_valid(values.get('SupplyPointNumber', '')):
            error = ('E0101', '供給地点特定番号が正しくありません')
        if error:
            return _response('SubmitResponse', **{'Received': 'false',
                    'ErrorCode': error[0], 'ErrorMessage': error[1],
                    **self.answers.get('Submit', {})})
        with self.lock:
            reference = f'SW{next(self.counter):010d}'
            self.applications[reference] = dict(values, polls=0)
        return _response('SubmitResponse', **{'Received': 'true',
                'HubReference': reference, **self.answers.get('Submit', {})})

    def status(self, values):
        reply = self._status(values)
        reply.update(self.answers.get(values.get('HubReference', ''), {}))
        return _response('StatusResponse', **reply)

    def _status(self, values):
        reference = values.get('HubReference', '')
        with self.lock:
            application = self.applications.get(reference)
            if application is None:
                raise ValueError(f"unknown reference {reference}")
            expected = STATUS_SERVICES[application['ServiceId']]
            if values.get('ServiceId') != expected:
                raise ValueError(f"status of {application['ServiceId']} is "
                    f"asked with {expected}")
            application['polls'] += 1
            polls = application['polls']
        number = application['SupplyPointNumber']
        requested = application.get('RequestedDate') or (
            dt.date.today() + dt.timedelta(days=8)).isoformat()
        rejection = REJECTIONS.get(number[-4:])
        if rejection and application['ServiceId'] != 'IF_10110':
            return dict(HubReference=reference,
                State='rejected', ReasonCode=rejection[0],
                ReasonMessage=rejection[1])
        if application['ServiceId'] == 'IF_10110':
            return dict(HubReference=reference,
                State='completed', MeterNumber=f'M{number[-8:]}',
                SmartMeter='true', NextReadingDate=requested,
                CurrentRetailer='A0001')
        state = 'accepted' if polls == 1 else 'completed'
        return dict(HubReference=reference,
            State=state, EffectiveDate=requested)


def _response(name, **values):
    envelope = etree.Element(f'{{{SOAP}}}Envelope', nsmap={'soap': SOAP})
    body = etree.SubElement(envelope, f'{{{SOAP}}}Body')
    reply = etree.SubElement(body, f'{{{NAMESPACE}}}{name}',
        nsmap={None: NAMESPACE})
    order = {'SubmitResponse': ['Received', 'HubReference', 'ErrorCode',
            'ErrorMessage'],
        'StatusResponse': ['HubReference', 'State', 'EffectiveDate',
            'ReasonCode', 'ReasonMessage', 'MeterNumber', 'SmartMeter',
            'NextReadingDate', 'CurrentRetailer']}[name]
    for key in order:
        if values.get(key) is not None:
            etree.SubElement(reply, f'{{{NAMESPACE}}}{key}').text = str(
                values[key])
    return envelope


def _fault(message):
    envelope = etree.Element(f'{{{SOAP}}}Envelope', nsmap={'soap': SOAP})
    body = etree.SubElement(envelope, f'{{{SOAP}}}Body')
    fault = etree.SubElement(body, f'{{{SOAP}}}Fault')
    etree.SubElement(fault, 'faultcode').text = 'soap:Client'
    etree.SubElement(fault, 'faultstring').text = message
    return envelope


def start(port=0):
    """Serve a new hub on 127.0.0.1:port (0: any free port) in a daemon
    thread; (hub, url, server) — server.shutdown() stops it."""
    hub = SwitchingHub()
    server = serve(hub, port)
    url = f'http://127.0.0.1:{server.server_port}/switching-hub'
    return hub, url, server
