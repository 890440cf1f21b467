# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Switching requests through the switching hub's SOAP service.

*Send* on a request submits it to the hub when an active SOAP endpoint of
the partner OCCTO exists (without one, sending stays a manual step, as
before); the hub's reference is kept on the request. Polling the endpoint
(scheduled, or *Poll Now*) asks the hub for the state of every request in
progress and moves it on: accepted with its effective date, rejected with
the hub's reason (a rejection reason master record per hub code), or
completed with its results, which power_cis applies to the contract or the
supply point. Every call is in the exchange log, request and reply.

A reply is used only when all of it is valid: its XML against the
schema and the rules of its state (power_core.formats.switching), and its
state against the request's (a request accepted is not back in
processing; a completed switch needs its effective date). Otherwise the
reply is logged as failed with the element and the reason, and nothing of
it is applied; so is a reply whose application fails (each request under
a savepoint of its own)."""
import hashlib
import logging

from power_core.errors import PowerCoreError
from power_core.formats.switching import Application, HubClient, HubError
from power_core.payments import mask_card_numbers_in_data

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.modules.power_cis.common import now
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .edi import RETRIED, core_detail, reason_of

logger = logging.getLogger(__name__)


class Endpoint(metaclass=PoolMeta):
    __name__ = 'power.edi.endpoint'

    @classmethod
    def hub(cls):
        "The active switching hub endpoint, or None."
        endpoints = cls.search([('partner', '=', 'occto'),
                ('transport', '=', 'soap')], limit=1)
        return endpoints[0] if endpoints else None

    def hub_client(self):
        return HubClient(self.url, self.own_code or '',
            certificate=self.client_certificate or None,
            key=self.client_key or None)

    def receive_inbox(self, run=None):
        if self.partner == 'occto' and self.transport == 'soap':
            return self.query_hub(run)
        return super().receive_inbox(run)

    def submit_requests(self, requests):
        "Submit sent requests to the hub; (submitted, failed) counts."
        client = self.hub_client()
        submitted = failed = 0
        for request in requests:
            version = (max(request.contract.versions,
                    key=lambda v: v.start_date)
                if request.contract and request.contract.versions else None)
            application = Application(
                kind=request.kind, retailer_code=self.own_code or '',
                number=request.number or str(request.id),
                supply_point=request.supply_point.number,
                requested_date=request.requested_date,
                meter_work=bool(request.meter_work),
                capacity=request.capacity,
                current_retailer=request.current_retailer or '',
                current_customer_number=(
                    request.current_customer_number or ''),
                holder_name=(version.holder_name if version else '') or '',
                holder_name_kana=(
                    version.holder_name_kana if version else '') or '')
            try:
                receipt = client.submit(application)
            except HubError as error:
                self._log_calls(client, 'occto_submit',
                    error=_hub_error(error, request.number or request.id))
                request.rejection_message = None
                failed += 1
                continue
            self._log_calls(client, 'occto_submit')
            if receipt.received:
                request.hub_reference = receipt.reference
                request.save()
                submitted += 1
            else:
                _reject(request, receipt.error_code, receipt.error_message)
                failed += 1
        return submitted, failed

    def query_hub(self, run=None, requests=None):
        """Ask the hub for the state of every request in progress (or of
        requests) and move each on; (answered, failed) counts."""
        pool = Pool()
        Request = pool.get('power.switching.request')
        client = self.hub_client()
        done = failed = 0
        domain = [('state', 'in', ['sent', 'accepted']),
            ('hub_reference', '!=', None)]
        if requests is not None:
            domain.append(('id', 'in', [r.id for r in requests]))
        requests = Request.search(domain, order=[('id', 'ASC')])
        for request in requests:
            try:
                status = client.status(request.kind, request.hub_reference,
                    request.number)
            except HubError as error:
                error = _hub_error(error, request.number or request.id)
                self._log_calls(client, 'occto_status', error=error)
                if run:
                    run.add_error(str(request), error)
                failed += 1
                continue
            error = _status_problem(request, status)
            if error is None:
                error = _apply_isolated(request, status)
            self._log_calls(client, 'occto_status', error=error)
            if error:
                if run:
                    run.add_error(str(request), error)
                failed += 1
            else:
                done += 1
        return done, failed

    def _log_calls(self, client, kind, error=None):
        "The calls of client as exchanges: the request out, the reply in."
        Exchange = Pool().get('power.edi.exchange')
        values = []
        moment = now()
        for name, sent, received in client.exchanges:
            for direction, data in (('out', sent), ('in', received)):
                if not data:
                    continue
                checksum = hashlib.sha256(data).hexdigest()
                # never a full card number in the file store
                data, _ = mask_card_numbers_in_data(data)
                values.append({
                        'endpoint': self.id, 'partner': self.partner,
                        'direction': direction, 'kind': kind,
                        'name': f'{name}-{kind}-{direction}.xml',
                        'content': data, 'size': len(data),
                        'checksum': checksum, 'business_key': name,
                        'received': moment, 'processed': moment,
                        'state': ('sent' if direction == 'out' else
                            'failed' if error else 'applied'),
                        'error': error if direction == 'in' else None,
                        })
            if error and not received:
                values.append({
                        'endpoint': self.id, 'partner': self.partner,
                        'direction': 'in', 'kind': kind,
                        'name': f'{name}-{kind}-in.xml', 'size': 0,
                        'business_key': name, 'received': moment,
                        'processed': moment, 'state': 'failed',
                        'error': error})
        client.exchanges.clear()
        Exchange.create(values)


def _reject(request, code, message):
    pool = Pool()
    Request = pool.get('power.switching.request')
    Reason = pool.get('power.switching.rejection.reason')
    code = code or 'HUB'
    reasons = Reason.search([('code', '=', code)], limit=1)
    if reasons:
        reason, = reasons
    else:
        reason, = Reason.create([{'code': code,
                    'name': message or gettext('power_edi.msg_hub_rejected'),
                    'description': gettext('power_edi.msg_hub_reason')}])
    request.rejection_reason = reason
    request.rejection_message = message
    request.save()
    with Transaction().set_context(_check_access=False):
        Request.reject([request])


def _hub_error(error, request):
    """The message of the core's HubError about request (its number): the
    core's detail (the element, the reason) kept as a value."""
    where, reason = core_detail(error)
    return gettext('power_edi.msg_hub_error', request=where or request,
        reason=reason)


def _status_problem(request, status):
    """Why the hub's status cannot move request on (its state makes no
    sense after the request's), or None."""
    where = {'request': request.number or request.id,
        'reference': status.reference}
    if status.state == 'processing' and request.state == 'accepted':
        return gettext('power_edi.msg_hub_processing_again', **where)
    if status.state in {'accepted', 'completed'} and (
            request.kind != 'equipment_inquiry'
            and not (status.effective_date or request.effective_date)):
        return gettext('power_edi.msg_hub_effective_date_missing',
            state=status.state, **where)
    return None


def _apply_isolated(request, status):
    """Apply status to request under a savepoint; the reason it failed
    (all it did rolled back), or None."""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute('SAVEPOINT power_edi_status')
    try:
        _apply_status(request, status)
    except RETRIED:
        raise
    except Exception as exception:
        cursor.execute('ROLLBACK TO SAVEPOINT power_edi_status')
        transaction.cache.clear()
        reason = reason_of(exception)
        if not isinstance(exception, (PowerCoreError, UserError)):
            logger.exception("status of %s not applied", request.id)
        return gettext('power_edi.msg_hub_status_not_applied',
            request=request.number or request.id,
            reference=status.reference, reason=reason)
    cursor.execute('RELEASE SAVEPOINT power_edi_status')
    return None


def _apply_status(request, status):
    Request = Pool().get('power.switching.request')
    with Transaction().set_context(_check_access=False):
        if status.state == 'rejected':
            _reject(request, status.reason_code, status.reason_message)
            return
        if status.state == 'processing':
            return
        if status.effective_date:
            request.effective_date = status.effective_date
        if status.state in {'accepted', 'completed'} and (
                request.state == 'sent'):
            request.save()
            Request.accept([request])
        if status.state == 'completed':
            request.result_meter_number = status.meter_number
            request.result_smart_meter = status.smart_meter
            request.result_next_reading_date = status.next_reading_date
            request.result_current_retailer = status.current_retailer
            request.save()
            Request.complete([request])


class Request(metaclass=PoolMeta):
    __name__ = 'power.switching.request'

    @classmethod
    def send(cls, requests):
        super().send(requests)
        Endpoint = Pool().get('power.edi.endpoint')
        # whoever may send a request has it transmitted as the system does:
        # the operator reads no endpoint and writes no exchange record
        with Transaction().set_context(_check_access=False):
            endpoint = Endpoint.hub()
            if endpoint:
                endpoint.submit_requests(cls.browse(requests))
