# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The bill notice (電気ご使用量・ご請求額のお知らせ) of a determinant.

Rendered on demand, never inside the billing run: the run posts invoices,
the notice is printed when staff, the print shop export or the portal asks
for it. The layout lives in power_core (HTML by Jinja2, PDF by WeasyPrint);
here the records are read set-wise into core Notices."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from power_core.calendar.reading import charge_month
from power_core.ids import supply_point as spid
from power_core.notice import (
    UNIT_BY_KIND, Month, Notice, NoticeLine, Retailer, render_html)
from sql import Null
from sql.aggregate import Sum

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.report import Report
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .power_mix import fiscal_year

HISTORY_MONTHS = 13


def notices(determinants):
    "The core Notices of determinants (records), in their order."
    pool = Pool()
    Configuration = pool.get('power.configuration')
    configuration = Configuration(1)
    history = _history(determinants)
    PowerMix = pool.get('power.power_mix')
    retailers, mixes = {}, {}
    result = []
    for d in determinants:
        if not d.invoice:
            raise UserError(gettext('power_billing.msg_notice_no_invoice',
                    determinant=d.rec_name))
        company = d.company
        if company.id not in retailers:
            retailers[company.id] = _retailer(company, configuration)
        invoice = d.invoice
        version = d.contract_version
        # the final bill: the forwarding address of the move-out
        address = (d.contract.final_address(d.end)
            or version.billing_address or invoice.invoice_address)
        kinds = {c.code: c.kind for v in d.menu.versions
            for c in v.components}
        lines = tuple(_line(l, kinds, version.capacity_unit)
            for l in d.lines)
        adjustments = tuple(NoticeLine(label=a.description,
                amount=Decimal(a.amount))
            for a in d.applied_adjustments)
        adjustments += _rounding(lines, adjustments, invoice.total_amount)
        point = d.supply_point
        key = (d.menu.id, fiscal_year(d.end))
        if key not in mixes:
            mixes[key] = PowerMix.shown(d.menu, d.end)
        result.append(Notice(
                retailer=retailers[company.id],
                customer_name=version.holder_name or d.customer.name,
                # the number customers know and register with, never the
                # party's internal code
                customer_number=d.customer.customer_number or '',
                contract_number=d.contract.number or '',
                supply_point_number=spid.format(point.number),
                supply_address=point.address or '',
                menu=d.menu.name,
                capacity=(f'{_plain(version.capacity)}'
                    f'{version.capacity_unit or ""}'),
                meter_number=point.meter_number or '',
                period_start=d.start, period_end=d.end, kwh=d.kwh,
                max_demand=d.max_demand,
                next_reading_date=(point.next_reading_date
                    if point.next_reading_date
                    and point.next_reading_date > d.end else None),
                lines=lines, adjustments=adjustments,
                total=int(invoice.total_amount), tax=int(invoice.tax_amount),
                due_date=d.due_date,
                issue_date=invoice.invoice_date or d.create_date.date(),
                invoice_number=invoice.number or '',
                billing_address=_one_line(address),
                postal_code=(address.postal_code or '') if address else '',
                estimated=d.kind == 'estimated',
                cancelled=d.state == 'cancelled',
                history=tuple(history.get(d.id, ())),
                metered_on_first=not point.reading_schedule,
                power_mix=mixes[key],
                message=configuration.notice_message or ''))
    return result


def _rounding(lines, adjustments, total):
    """The line that makes the charges add up to the invoice's total when
    the rating rounded each part of the period down to the yen (a period
    split by a contract change or a price change: each part's charge is
    rounded, the lines keep their sen), or nothing. Under a yen the lines
    add up as printed; a yen or more per line is not rounding, and the
    notice refuses it."""
    difference = Decimal(total) - sum(
        (Decimal(l.amount) for l in lines + adjustments), Decimal(0))
    if abs(difference) < 1 or abs(difference) >= max(len(lines), 1):
        return ()
    return (NoticeLine(label='1円未満の端数調整', amount=difference),)


def _retailer(company, configuration):
    party = company.party
    address = party.address_get()
    return Retailer(
        name=party.name,
        address=_one_line(address),
        contact=configuration.notice_contact or '',
        invoice_registration=configuration.invoice_registration or '',
        retailer_registration=configuration.retailer_registration or '')


def _history(determinants):
    """{determinant id: [Month]}: kWh and billed amount (adjustments
    included) by reading month over the 13 months up to each determinant,
    from the determinants of its contract that stand (a cancelled one is
    replaced by its re-bill)."""
    pool = Pool()
    Determinant = pool.get('power.billing.determinant')
    Adjustment = pool.get('power.billing.adjustment')
    table = Determinant.__table__()
    adjustment = Adjustment.__table__()
    cursor = Transaction().connection.cursor()
    wanted = defaultdict(list)
    for d in determinants:
        wanted[d.contract.id].append(d)
    rows = defaultdict(list)
    for contract_ids in map(list, grouped_slice(list(wanted), 1000)):
        earliest = min(d.end for c in contract_ids for d in wanted[c])
        adjusted = adjustment.select(adjustment.applied_in,
            Sum(adjustment.amount).as_('amount'),
            where=adjustment.applied_in != Null,
            group_by=[adjustment.applied_in])
        cursor.execute(*table.join(adjusted, 'LEFT',
                condition=adjusted.applied_in == table.id
                ).select(table.contract, table.end, table.kwh, table.total,
                adjusted.amount, table.invoice, table.state,
                where=table.contract.in_(contract_ids)
                & (table.state != 'cancelled')
                & (table.end >= _month_back(earliest))))
        for contract_id, end, kwh, total, extra, invoice, state in cursor:
            if isinstance(end, str):
                end = dt.date.fromisoformat(end)
            # a period corrected on a later bill (調整取消) keeps its old
            # invoice; its kWh are those of the correction
            kwh = Decimal(kwh or 0) if state == 'billed' else Decimal(0)
            amount = total + (extra or 0) if invoice else None
            rows[contract_id].append((end, kwh, amount))
    result = {}
    for contract_id, ds in wanted.items():
        metered_on_first = not ds[0].supply_point.reading_schedule
        for d in ds:
            first = _month_back(d.end)
            months = {}
            for end, kwh, amount in rows[contract_id]:
                if not first <= end <= d.end:
                    continue
                key = charge_month(end, metered_on_first)
                kwh0, amount0 = months.get(key, (Decimal(0), None))
                if amount is not None:
                    amount0 = (amount0 or 0) + amount
                months[key] = (kwh0 + kwh, amount0)
            result[d.id] = [Month(m, kwh, amount)
                for m, (kwh, amount) in sorted(months.items())]
    return result


def _month_back(date):
    "The first day of the month 12 months before date's month."
    year, month = divmod(date.year * 12 + date.month - 1
        - (HISTORY_MONTHS - 1), 12)
    return dt.date(year, month + 1, 1)


def _line(line, kinds, capacity_unit):
    """The notice line of a determinant line: quantity and unit as the
    customer reads them (a basic charge from a table by capacity has
    neither: its amount is the table's)."""
    kind = kinds.get(line.code, kinds.get(line.code.split('_')[0]))
    if kind == 'basic_table':
        return NoticeLine(line.label, line.amount)
    unit = (capacity_unit or '') if kind == 'basic_per_unit' else (
        UNIT_BY_KIND.get(kind, ''))
    return NoticeLine(line.label, line.amount, line.quantity, unit,
        line.unit_price)


def _plain(value):
    value = Decimal(value).normalize()
    return f'{value:f}'


def _one_line(address):
    """An address as written in Japan: prefecture, city and street run
    together (東京都渋谷区神南1-1-1; the postal code is printed on its own
    line), spaces kept only inside the street (a building's name); the
    country only when it is not Japan."""
    if not address:
        return ''
    street = ' '.join((address.street or '').split())
    place = ''.join(' '.join(p.split()) for p in (
            address.subdivision.name if address.subdivision else '',
            address.city or '') if p)
    if street.startswith(place) and place:
        # a street written whole (an application's one line) stays as is
        place = ''
    line = place + street
    if address.country and address.country.code != 'JP':
        line = f'{line} {address.country.name}'
    return line.strip()


class BillNotice(Report):
    "Bill Notice"
    __name__ = 'power.billing.notice'

    @classmethod
    def render(cls, report, report_context):
        return render_html(notices(report_context['records']))
