"""Thirteen billed months for the demo: realistic 30-minute usage (seasons,
weekdays, the household's morning and evening peaks), confirmed usage per
meter reading consistent with it, and a billing run after each month's
readings, as the daily run would have done.

Fuel cost adjustment prices are published month by month; for demo months
the data pack lacks, a synthetic price is created (marked in the log and in
its source) so that the demo can bill, and usage months after the pack's
last subsidy round are declared without one; a real retailer imports the
published notices instead.
"""
import datetime as dt
import math
import random
from decimal import Decimal as D

from power_sim.grid import household_day

DEMO_SOURCE = 'demo: synthetic, not a published value'


def demo_usage(company_id, months=13, today=None, seed=2016, log=print):
    """Store 30-minute usage of the last `months` months of every active or
    terminated demo contract; return the confirmed usage by reading month,
    to bill month by month with `bill_demo_month` (empty when the demo is
    billed already)."""
    from power_core.calendar.business import BusinessCalendar
    from power_core.calendar.reading import next_reading_day

    from trytond.pool import Pool
    pool = Pool()
    Contract = pool.get('power.contract')
    Determinant = pool.get('power.billing.determinant')
    Interval = pool.get('power.usage.interval')
    if Determinant.search([], limit=1):
        return {}
    today = today or dt.date.today()
    calendar = BusinessCalendar()
    rng = random.Random(seed)
    first = _add_months(today.replace(day=1), -months)
    contracts = Contract.search([
            ('company', '=', company_id),
            ('state', 'in', ['active', 'terminating', 'terminated'])],
        order=[('id', 'ASC')])
    _fuel_for_demo(pool, first, today, log)
    _subsidy_for_demo(pool, first, today, log)

    readings = {}   # month → [usage values]
    days = []
    for contract in contracts:
        point = contract.supply_point
        level = float(contract.versions[0].capacity) / 30 * rng.uniform(
            0.6, 1.3)
        start = next_reading_day(point.reading_schedule, first, calendar)
        end_of_supply = (contract.end_date + dt.timedelta(days=1)
            if contract.end_date else None)

        def household_days(start, stop, rng):
            "The point's days [start, stop), appended to days."
            profiles = []
            while start < stop:
                profiles.append(household_day(start, level, rng))
                start += dt.timedelta(days=1)
            days.extend((point.id, profile) for profile in profiles)
            return profiles
        while True:
            end = next_reading_day(point.reading_schedule,
                start + dt.timedelta(days=20), calendar)
            if end > today - dt.timedelta(days=2):
                # the open period: its days up to yesterday, as the grid
                # operator sends them the next day (no reading yet), from
                # their own random source (the billed months stay as they
                # were)
                household_days(max(start, contract.start_date),
                    min(today, end_of_supply or today),
                    random.Random(f'{seed}-{point.id}'))
                break
            period_start = max(start, contract.start_date)
            final = end_of_supply is not None and end_of_supply <= end
            period_end = end_of_supply if final else end
            if period_start < period_end:
                tenths = sum(profile.total_tenths for profile in
                    household_days(period_start, period_end, rng))
                readings.setdefault(end.replace(day=1), []).append({
                        'supply_point': point.id,
                        'meter_number': point.meter_number,
                        'start': period_start, 'end': period_end,
                        'kind': 'final' if final else 'reading',
                        'kwh': D(tenths) / 10,
                        'next_reading_date': None if final else
                        next_reading_day(point.reading_schedule,
                            end + dt.timedelta(days=20), calendar),
                        'source': 'demo',
                        })
            if final:
                break
            start = end
    for index in range(0, len(days), 5000):
        Interval.receive(days[index:index + 5000], source='demo')
    log(f'demo usage: {len(days)} days of 30-minute data')
    return readings


def bill_demo_month(month, readings, today=None, log=print):
    """Receive a month's confirmed usage and run the billing at the month's
    end (both idempotent, so a restarted transaction does no harm); the
    number billed."""
    from trytond.pool import Pool
    pool = Pool()
    Usage = pool.get('power.usage.confirmed')
    BatchRun = pool.get('power.batch.run')
    today = today or dt.date.today()
    Usage.receive(readings)
    run_day = min(_add_months(month, 1) - dt.timedelta(days=1),
        today - dt.timedelta(days=1))
    run = BatchRun.run_billing(run_day)
    if run.failed:
        log(f'billing run {run_day}: {run.failed} failed, e.g. '
            f'{run.errors[0].message}')
    return run.processed


def _add_months(date, months):
    month = date.month - 1 + months
    return date.replace(year=date.year + month // 12, month=month % 12 + 1)


def _months(first, last):
    "The first days of the months from first to last, both included."
    month = first
    while month <= last:
        yield month
        month = _add_months(month, 1)


def _fuel_for_demo(pool, first, today, log):
    "Synthetic fuel cost adjustment prices for the demo months lacking one."
    Fuel = pool.get('power.regulated.fuel')
    GridArea = pool.get('power.grid_area')
    # the areas of the demo's supply points (Tokyo; all ten for bench/synth)
    areas = GridArea.search([('code', 'in', _point_areas(pool) or ['03'])],
        order=[('code', 'ASC'), ('id', 'ASC')])
    known = {(f.area.id, f.menu_type, f.charge_month) for f in Fuel.search([
                ('area', 'in', [a.id for a in areas]),
                ('voltage', '=', 'low')])}
    rows = []
    for month in _months(first, _add_months(today.replace(day=1), 1)):
        for area in areas:
            # each area its own level, the same seasonal swing
            price = D(str(round(-2.0 + 0.1 * (int(area.code) - 3)
                        + 1.5 * math.sin(month.month / 12 * 6.283), 2)))
            for menu_type in ('regulated', 'free'):
                if (area.id, menu_type, month) not in known:
                    rows.append({'area': area.id, 'voltage': 'low',
                            'menu_type': menu_type, 'charge_month': month,
                            'price': price, 'source': DEMO_SOURCE})
    Fuel.create(rows)
    if rows:
        log(f'demo fuel cost adjustment: {len(rows)} synthetic prices '
            '(months TEPCO has not published in the data pack)')


def _subsidy_for_demo(pool, first, today, log):
    """The demo's usage months the data pack does not declare a subsidy
    for (after its last published round) are declared without one, marked
    as the demo's: a real retailer imports the published table."""
    Subsidy = pool.get('power.regulated.subsidy')
    known = {(s.customer_class, s.usage_month) for s in Subsidy.search([])}
    rows = [{'customer_class': customer_class, 'usage_month': month,
            'discount': D(0), 'source': DEMO_SOURCE}
        for month in _months(first, today.replace(day=1))
        for customer_class in ('low', 'high')
        if (customer_class, month) not in known]
    Subsidy.create(rows)
    if rows:
        log(f'demo subsidy: {len(rows)} usage months declared without a '
            'programme (after the data pack\'s last published round)')


def _point_areas(pool):
    "The grid area codes of the supply points."
    from trytond.transaction import Transaction
    point = pool.get('power.supply_point').__table__()
    area = pool.get('power.grid_area').__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*point.join(area, condition=point.area == area.id
            ).select(area.code, group_by=[area.code]))
    return [code for code, in cursor]


def demo_exchanges(company_id, today=None, seed=48, log=print):
    """The grid operator's simulator drops yesterday's 30-minute file for
    every demo supply point with a contract, and a meter replacement, into
    the grid endpoint's inbox, which is then polled as the scheduled action
    does: the exchange log shows both, applied. Skipped when done."""
    from power_core.formats.grid import MeterChange
    from power_sim.grid import GridOperator

    from trytond.pool import Pool
    pool = Pool()
    Endpoint = pool.get('power.edi.endpoint')
    Exchange = pool.get('power.edi.exchange')
    Contract = pool.get('power.contract')
    endpoint, = Endpoint.search([('code', '=', 'grid')])
    today = today or dt.date.today()
    day = today - dt.timedelta(days=1)
    if Exchange.search([('endpoint', '=', endpoint.id)], limit=1):
        return
    rng = random.Random(seed)
    contracts = Contract.search([('company', '=', company_id),
            ('state', 'in', ['active', 'terminating'])],
        order=[('id', 'ASC')])
    points = [(c.supply_point.number,
            float(c.versions[-1].capacity) / 30 * rng.uniform(0.6, 1.3))
        for c in contracts]
    simulator = GridOperator(endpoint.folder('inbox'),
        sender=endpoint.partner_code or '03001')
    simulator.daily(day, simulator.households(day, points, rng))
    point = contracts[0].supply_point if contracts else None
    if point and point.meter_number:
        simulator.meter_changes(day, [MeterChange(point.number, day,
                    point.meter_number, f'{point.meter_number}R',
                    '計器有効期限満了による取替')])
    Endpoint.poll([endpoint])
    for exchange in Exchange.search([('endpoint', '=', endpoint.id)]):
        log(f'demo exchange: {exchange.name} {exchange.kind} '
            f'{exchange.state}, {exchange.records} records')


def demo_hub(company_id, url, log=print):
    """With the switching hub simulator at url: an equipment inquiry and a
    switch-in are sent to it and followed until the hub completes them, as
    the scheduled polling does; the exchange log shows every call.
    Skipped when done."""
    from trytond.pool import Pool
    pool = Pool()
    Endpoint = pool.get('power.edi.endpoint')
    Exchange = pool.get('power.edi.exchange')
    Request = pool.get('power.switching.request')
    Contract = pool.get('power.contract')
    endpoint, = Endpoint.search([('code', '=', 'occto')])
    if endpoint.url != url:
        endpoint.url = url
        endpoint.save()
    if Exchange.search([('endpoint', '=', endpoint.id)], limit=1):
        return
    contract, = Contract.search([('company', '=', company_id),
            ('state', '=', 'active')], order=[('id', 'DESC')], limit=1)
    point = contract.supply_point
    requests = Request.create([{
                'company': company_id, 'kind': 'equipment_inquiry',
                'supply_point': point.id,
                'requested_date': dt.date.today() + dt.timedelta(days=10)},
            {'company': company_id, 'kind': 'info_change',
                'supply_point': point.id, 'contract': contract.id,
                'requested_date': dt.date.today() + dt.timedelta(days=10)}])
    Request.send(requests)
    for _ in range(2):
        endpoint.query_hub(requests=requests)
    for request in Request.browse(requests):
        log(f'demo switching hub: {request.rec_name} {request.kind} '
            f'{request.state} (hub reference {request.hub_reference})')


def demo_print(company_id, today=None, log=print):
    """One customer in ten gets paper notices; last month's notices go to
    the print shop in a batch (in the outbox once committed). Returns the
    print endpoint's (outbox, inbox) when a batch was sent, for the print
    shop simulator; None when done before."""
    from trytond.pool import Pool
    pool = Pool()
    Endpoint = pool.get('power.edi.endpoint')
    Exchange = pool.get('power.edi.exchange')
    Party = pool.get('party.party')
    endpoint, = Endpoint.search([('code', '=', 'print')])
    if Exchange.search([('endpoint', '=', endpoint.id)], limit=1):
        return None
    today = today or dt.date.today()
    parties = Party.search([('billing_determinants', '!=', None)],
        order=[('id', 'ASC')])
    Party.write([p for p in parties if p.id % 10], {'paper_notice': False})
    exchange = endpoint.send_notice_batch(
        since=today - dt.timedelta(days=35))
    if not exchange:
        return None
    log(f'demo print shop: sent {exchange.name} ({exchange.message})')
    return str(endpoint.folder('outbox')), str(endpoint.folder('inbox'))


def demo_plan(log=print):
    """Today's supply plan goes to power procurement (in the outbox once
    committed); the endpoint's (outbox, inbox) for the partner's simulator,
    or None when sent before."""
    from trytond.pool import Pool
    pool = Pool()
    Endpoint = pool.get('power.edi.endpoint')
    Exchange = pool.get('power.edi.exchange')
    endpoint, = Endpoint.search([('code', '=', 'procurement')])
    if Exchange.search([('endpoint', '=', endpoint.id)], limit=1):
        return None
    exchange = endpoint.send_supply_plan()
    log(f'demo procurement: sent {exchange.name} ({exchange.message})')
    return str(endpoint.folder('outbox')), str(endpoint.folder('inbox'))


def demo_acknowledged(code, log=print):
    "Poll an endpoint's inbox (acknowledgements) and log its exchanges."
    from trytond.pool import Pool
    pool = Pool()
    Endpoint = pool.get('power.edi.endpoint')
    Exchange = pool.get('power.edi.exchange')
    endpoint, = Endpoint.search([('code', '=', code)])
    Endpoint.poll([endpoint])
    for record in Exchange.search([('endpoint', '=', endpoint.id)]):
        log(f'demo {code}: {record.name} {record.kind} {record.state}')
