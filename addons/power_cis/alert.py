# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Failures reach people (docs/deployment.md "Alerts").

A batch job that fails or ends with failed records (a billing run with
contracts set aside, an inbox poll that refused a partner's file, ...)
sends one mail to the users of the group responsible for the job (the
job's own, else *Alert Group* of the configuration, else Power
Administration) and, when ``[power_cis] alert_webhook`` is set, posts the
same text as JSON to that address (Slack, Teams or any chat's incoming
webhook). Both go only when the transaction that recorded the failure
commits, and a webhook that does not answer is logged, never raised: an
alert never stops or rolls back the job that caused it.
"""
import json
import logging
import urllib.request

from trytond import config
from trytond.pool import Pool
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)

DEFAULT_GROUP = ('power_cis', 'group_power_admin')
STATE_TEXT = {
    'partial': "ended with failures",
    'failed': "failed",
    }
WEBHOOK_TIMEOUT = 5


def webhook_url():
    return config.get('power_cis', 'alert_webhook', default=None) or None


def responsible_group(run):
    "The group a run's failures go to."
    pool = Pool()
    if run.responsible:
        return run.responsible
    Configuration = pool.get('power.configuration')
    group = Configuration(1).alert_group
    if group:
        return group
    ModelData = pool.get('ir.model.data')
    Group = pool.get('res.group')
    return Group(ModelData.get_id(*DEFAULT_GROUP))


def recipients(group):
    "The mail addresses of the group's active users."
    User = Pool().get('res.user')
    users = User.search([
            ('groups', '=', group.id),
            ('email', '!=', None),
            ])
    return sorted({u.email for u in users if u.email})


def message(run):
    "(subject, text) of a run's alert."
    errors = list(run.errors[:20]) if run.errors else []
    subject = (f"[Power CIS] {run.name} {STATE_TEXT.get(run.state, run.state)}"
        f" ({run.failed or 0} failed, {run.processed or 0} done)")
    lines = [subject[len('[Power CIS] '):], '',
        f"Started: {run.started}", f"Ended: {run.ended}"]
    if run.message:
        lines += ['', run.message.strip()[-2000:]]
    if errors:
        lines += ['', "Failures:"]
        for error in errors:
            record = error.record.rec_name if error.record else '-'
            lines.append(f"- {record}: {error.message}")
        if len(run.errors) > len(errors):
            lines.append(f"... and {len(run.errors) - len(errors)} more "
                "(Administration > Batch Runs)")
    return subject, '\n'.join(lines)


def send(run):
    """Send the alert of run (state 'partial' or 'failed') with the
    transaction in progress: mail through ir.email, the webhook after the
    commit. Return the addresses mailed."""
    if run.state not in STATE_TEXT:
        return []
    pool = Pool()
    Email = pool.get('ir.email')
    group = responsible_group(run)
    to = recipients(group)
    subject, text = message(run)
    if to:
        import html
        Email.send(to=','.join(to), subject=subject,
            body=html.escape(text).replace('\n', '<br/>'),
            record=[run.__name__, run.id])
    else:
        logger.warning("no one to mail the alert of %s to: the group %s "
            "has no user with an email", run.name, group.name)
    if url := webhook_url():
        payload = {
            'text': f"{subject}\n{text}",
            'job': run.name, 'state': run.state,
            'failed': run.failed or 0,
            'processed': run.processed or 0,
            'group': group.name,
            }
        manager = WebhookDataManager(url, payload)
        joined = Transaction().join(manager)
        if joined is not manager:
            joined.put(payload)
    return to


class WebhookDataManager:
    """Posts its JSON documents once, when the transaction commits (as
    trytond.sendmail's SMTPDataManager sends mail); a rollback drops them."""

    def __init__(self, url, payload):
        self.url = url
        self.queue = [payload]

    def __eq__(self, other):
        # one manager per transaction and address: later alerts join it
        return isinstance(other, WebhookDataManager) and self.url == other.url

    def __hash__(self):
        return hash(self.url)

    def put(self, payload):
        self.queue.append(payload)

    def abort(self, trans):
        self.queue = []

    def tpc_begin(self, trans):
        pass

    def commit(self, trans):
        pass

    def tpc_vote(self, trans):
        pass

    def tpc_finish(self, trans):
        queue, self.queue = self.queue, []
        for payload in queue:
            post(self.url, payload)

    def tpc_abort(self, trans):
        self.queue = []


def post(url, payload):
    "POST payload as JSON; log (never raise) a failure."
    request = urllib.request.Request(url,
        data=json.dumps(payload, ensure_ascii=False).encode('utf-8'),
        headers={'Content-Type': 'application/json; charset=utf-8'})
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as answer:
            answer.read(1024)
    except Exception:
        logger.exception("alert webhook %s did not take the alert %r", url,
            payload.get('job'))
