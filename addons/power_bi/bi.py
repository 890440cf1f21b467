# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The BI tool's operational reports (表1 BIツールの機能一覧), numbered as in
the original (docs/requirements.md §2.2.7): each is one SQL query
(python-sql, so it runs on PostgreSQL and SQLite alike) whose rows stream
into a power_core Table, written as XLSX in constant memory or as PDF.
Reports 9 and 13 are the collection reports of power_billing.

Times are shown in Japan time (JST; Tryton stores naive UTC) and the date
filters of timestamps are Japan days; a selection shows its label in the
language of the export's context (fields_get)."""
import datetime as dt
from dataclasses import dataclass, field

from sql import Literal, Null
from sql.aggregate import Count, Max, Min
from sql.conditionals import Coalesce
from sql.operators import Concat

from power_core.tables import Column, Table

from trytond.modules.power_cis import replica
from trytond.pool import Pool
from trytond.tools import timezone as tz
from trytond.transaction import Transaction

FETCH = 2000
TIMEZONE = 'Asia/Tokyo'


@dataclass(frozen=True)
class Filters:
    date_from: dt.date = None
    date_to: dt.date = None
    month: dt.date = None          # the last month of report 8

    def between(self, column, timestamp=False):
        """The condition of column within the dates: a date column, or a
        timestamp (naive UTC) column within the Japan days."""
        bound = _utc if timestamp else (lambda date: date)
        condition = Literal(True)
        if self.date_from:
            condition &= column >= bound(self.date_from)
        if self.date_to:
            condition &= column < bound(self.date_to + dt.timedelta(days=1))
        return condition


@dataclass(frozen=True)
class Report:
    number: int
    code: str
    title: str
    build: object                  # build(filters) → Table
    personal: bool = True
    filters: tuple = ('date_from', 'date_to')
    notes: str = field(default='', compare=False)


REPORTS = {}


def report(number, code, title, personal=True,
        filters=('date_from', 'date_to')):
    def decorator(func):
        REPORTS[number] = Report(number, code, title, func, personal,
            filters)
        return func
    return decorator


def stream(query):
    """The rows of query, fetched a few thousand at a time through a
    server-side cursor, on the read replica when one is configured
    (power_cis.replica)."""
    return replica.stream(query, FETCH)


def _date(value):
    if isinstance(value, str):
        return (dt.datetime.fromisoformat(value) if len(value) > 10
            else dt.date.fromisoformat(value))
    return value


def _utc(date):
    "The naive UTC timestamp at which date begins in Japan."
    return dt.datetime.combine(date, dt.time(), tz.get_tzinfo(TIMEZONE)
        ).astimezone(tz.UTC).replace(tzinfo=None)


def _time(value):
    "A timestamp as Tryton stores it (naive UTC) in Japan time, naive."
    value = _date(value)
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=tz.UTC).astimezone(
            tz.get_tzinfo(TIMEZONE)).replace(tzinfo=None)
    return value


def _when(key, header):
    "The column of a time, in Japan time."
    return Column(key, f'{header}（JST）', 'datetime')


def _tables(*names):
    pool = Pool()
    return [pool.get(n).__table__() for n in names]


def _labels(model, field_name):
    """{value: label} of a selection field, the labels in the language of
    the transaction (Japanese for a Japanese user's export)."""
    Model = Pool().get(model)
    return dict(Model.fields_get([field_name])[field_name]['selection'])


# --- CRM ---------------------------------------------------------------

INQUIRY_COLUMNS = [
    Column('number', '受付番号'), _when('received', '受付日時'),
    Column('channel', 'チャネル'), Column('category', '分類'),
    Column('customer_number', '顧客番号'), Column('customer', '顧客名'),
    Column('subject', '件名'), Column('state', '状態'),
    Column('responses', '対応回数', 'int', total=True),
    _when('last_response', '最終対応日時')]


def _inquiries(filters, with_address=False):
    inquiry, response, party, category = _tables('power.inquiry',
        'power.inquiry.response', 'party.party', 'power.inquiry.category')
    answers = response.select(response.inquiry,
        Count(response.id).as_('count'), Max(response.date).as_('last'),
        group_by=[response.inquiry])
    query = inquiry.join(answers, 'LEFT',
        condition=answers.inquiry == inquiry.id
        ).join(party, 'LEFT', condition=inquiry.customer == party.id
        ).join(category, 'LEFT', condition=inquiry.category == category.id)
    columns = [inquiry.number, inquiry.received_at, inquiry.channel,
        category.name, party.customer_number, party.name, inquiry.subject,
        inquiry.state, Coalesce(answers.count, 0), answers.last]
    if with_address:
        address, subdivision = _tables('party.address', 'country.subdivision')
        first = address.select(address.party, Min(address.id).as_('id'),
            group_by=[address.party])
        query = query.join(first, 'LEFT', condition=first.party == party.id
            ).join(address, 'LEFT', condition=address.id == first.id
            ).join(subdivision, 'LEFT',
                condition=address.subdivision == subdivision.id)
        columns += [address.postal_code, subdivision.name, address.city,
            address.street_unstructured, inquiry.contact]
    channels = _labels('power.inquiry', 'channel')
    states = _labels('power.inquiry', 'state')
    for row in stream(query.select(*columns,
                where=filters.between(inquiry.received_at, timestamp=True),
                order_by=[inquiry.received_at, inquiry.id])):
        row = list(row)
        row[1] = _time(row[1])
        row[2] = channels.get(row[2], row[2])
        row[7] = states.get(row[7], row[7])
        row[9] = _time(row[9])
        if with_address:
            row = row[:10] + [' '.join(p for p in row[10:14] if p), row[14]]
        yield row


@report(1, 'inquiries', '問合せ一覧（対応回数・最終対応日）')
def inquiries(filters):
    return Table('問合せ一覧', INQUIRY_COLUMNS, _inquiries(filters))


@report(2, 'inquiries_bpo', '問合せ一覧（住所付き・BPO向け）')
def inquiries_bpo(filters):
    return Table('問合せ一覧（BPO）', INQUIRY_COLUMNS + [
            Column('address', '住所'), Column('contact', '連絡先')],
        _inquiries(filters, with_address=True))


# --- customers and contracts -----------------------------------------

@report(3, 'contracts', '顧客・契約一覧', filters=('date_to',))
def contracts(filters):
    contract, version, party, point, menu, address, mechanism = _tables(
        'power.contract', 'power.contract.version', 'party.party',
        'power.supply_point', 'power.rate_menu', 'party.address',
        'party.contact_mechanism')
    as_of = filters.date_to or dt.date.today()
    earlier, = _tables('power.contract.version')
    inner = earlier.select(Max(earlier.start_date),
        where=(earlier.contract == contract.id)
        & (earlier.start_date <= as_of))
    first = address.select(address.party, Min(address.id).as_('id'),
        group_by=[address.party])
    email = mechanism.select(mechanism.party,
        Min(mechanism.value).as_('value'),
        where=mechanism.type == 'email', group_by=[mechanism.party])
    query = contract.join(party, condition=contract.customer == party.id
        ).join(point, condition=contract.supply_point == point.id
        ).join(version, 'LEFT', condition=(version.contract == contract.id)
            & (version.start_date == inner)
        ).join(menu, 'LEFT', condition=version.menu == menu.id
        ).join(first, 'LEFT', condition=first.party == party.id
        ).join(address, 'LEFT', condition=address.id == first.id
        ).join(email, 'LEFT', condition=email.party == party.id)
    states = _labels('power.contract', 'state')

    def rows():
        for row in stream(query.select(party.customer_number, party.name,
                    party.name_kana, address.postal_code,
                    address.street_unstructured,
                    email.value, contract.number, point.number, menu.name,
                    version.capacity, contract.start_date, contract.end_date,
                    contract.state,
                    order_by=[party.customer_number, contract.number])):
            row = list(row)
            row[10], row[11] = _date(row[10]), _date(row[11])
            row[12] = states.get(row[12], row[12])
            yield row
    return Table('顧客・契約一覧', [
            Column('customer_number', '顧客番号'), Column('name', '氏名'),
            Column('kana', 'カナ'), Column('postal_code', '郵便番号'),
            Column('street', '住所'), Column('email', 'メール'),
            Column('contract', '契約番号'), Column('point', '供給地点特定番号'),
            Column('menu', '料金メニュー'), Column('capacity', '契約容量', 'kwh'),
            Column('start', '開始日', 'date'), Column('end', '終了日', 'date'),
            Column('state', '状態')], rows(), subtitle=f'{as_of} 現在')


# --- billing and receipts ------------------------------------------------

@report(4, 'billing', '請求履歴（取消を含む）')
def billing(filters):
    det, contract, party, invoice = _tables('power.billing.determinant',
        'power.contract', 'party.party', 'account.invoice')
    states = _labels('power.billing.determinant', 'state')
    kinds = _labels('power.billing.determinant', 'kind')
    query = det.join(contract, condition=det.contract == contract.id
        ).join(party, condition=det.customer == party.id
        ).join(invoice, 'LEFT', condition=det.invoice == invoice.id
        ).select(contract.number, party.customer_number, party.name,
            det.start, det.end, det.revision, det.kind, det.kwh, det.total,
            det.tax, det.due_date, invoice.number, det.state,
            where=filters.between(det.end),
            order_by=[det.end, contract.number, det.revision])

    def rows():
        for row in stream(query):
            row = list(row)
            for i in (3, 4, 10):
                row[i] = _date(row[i])
            row[6] = kinds.get(row[6], row[6])
            row[12] = states.get(row[12], row[12])
            yield row
    return Table('請求履歴', [Column('contract', '契約番号'),
            Column('customer_number', '顧客番号'), Column('name', '氏名'),
            Column('start', '期間開始', 'date'), Column('end', '期間終了', 'date'),
            Column('revision', '版', 'int'), Column('kind', '区分'),
            Column('kwh', '使用量(kWh)', 'kwh', total=True),
            Column('total', '請求額', 'yen', total=True),
            Column('tax', '消費税', 'yen', total=True),
            Column('due', '支払期日', 'date'), Column('invoice', '請求書番号'),
            Column('state', '状態')], rows())


@report(5, 'receipts', '入金履歴（取消を含む）')
def receipts(filters):
    receipt, party, statement = _tables('power.payment.receipt',
        'party.party', 'account.statement')
    channels = _labels('power.payment.receipt', 'channel')
    outcomes = _labels('power.payment.receipt', 'outcome')
    query = receipt.join(party, 'LEFT', condition=receipt.party == party.id
        ).join(statement, 'LEFT', condition=receipt.statement == statement.id
        ).select(receipt.id, receipt.date, receipt.channel,
            receipt.customer_number, party.name, receipt.reference,
            receipt.amount, receipt.allocated, receipt.credit,
            receipt.outcome, statement.state,
            where=filters.between(receipt.date),
            order_by=[receipt.date, receipt.id])

    def rows():
        for row in stream(query):
            row = list(row)
            row[1] = _date(row[1])
            row[2] = channels.get(row[2], row[2])
            row[9] = outcomes.get(row[9], row[9])
            row[10] = '取消' if row[10] == 'cancelled' else '有効'
            yield row
    return Table('入金履歴', [Column('id', '入金ID', 'int'),
            Column('date', '入金日', 'date'), Column('channel', '経路'),
            Column('customer_number', '顧客番号'), Column('name', '氏名'),
            Column('reference', '参照'),
            Column('amount', '入金額', 'yen', total=True),
            Column('allocated', '消込額', 'yen', total=True),
            Column('credit', '預り', 'yen', total=True),
            Column('outcome', '結果'), Column('cancelled', '取消')], rows())


@report(6, 'determinants', '調定結果明細（使用量・各行）')
def determinants(filters):
    det, line, contract = _tables('power.billing.determinant',
        'power.billing.determinant.line', 'power.contract')
    query = det.join(line, condition=line.determinant == det.id
        ).join(contract, condition=det.contract == contract.id
        ).select(contract.number, det.start, det.end, det.revision, det.kwh,
            det.total, line.sequence, line.code, line.label, line.quantity,
            line.unit_price, line.amount,
            where=filters.between(det.end),
            # by contract (the index on contract and period end): the
            # first rows come before the whole range is read and sorted
            order_by=[det.contract, det.end, det.revision, line.sequence,
                line.id])

    def rows():
        for row in stream(query):
            row = list(row)
            row[1], row[2] = _date(row[1]), _date(row[2])
            yield row
    return Table('調定結果明細', [Column('contract', '契約番号'),
            Column('start', '期間開始', 'date'), Column('end', '期間終了', 'date'),
            Column('revision', '版', 'int'), Column('kwh', '使用量(kWh)', 'kwh'),
            Column('total', '請求額', 'yen'), Column('sequence', '行', 'int'),
            Column('code', 'コード'), Column('label', '項目'),
            Column('quantity', '数量', 'kwh'), Column('unit_price', '単価', 'kwh'),
            Column('amount', '金額', 'kwh', total=True)], rows())


@report(7, 'reconciliations', '入金と請求の消込（取消を除く）')
def reconciliations(filters):
    rel, receipt, invoice, party, statement = _tables(
        'power.payment.receipt-account.invoice', 'power.payment.receipt',
        'account.invoice', 'party.party', 'account.statement')
    channels = _labels('power.payment.receipt', 'channel')
    query = rel.join(receipt, condition=rel.receipt == receipt.id
        ).join(invoice, condition=rel.invoice == invoice.id
        ).join(party, condition=invoice.party == party.id
        ).join(statement, 'LEFT', condition=receipt.statement == statement.id
        ).select(receipt.id, receipt.date, receipt.channel, receipt.amount,
            party.customer_number, party.name, invoice.number,
            invoice.invoice_date, invoice.total_amount_cache, invoice.state,
            where=filters.between(receipt.date)
            & (invoice.state != 'cancelled')
            & ((statement.id == Null) | (statement.state != 'cancelled')),
            order_by=[receipt.date, receipt.id, invoice.id])
    states = _labels('account.invoice', 'state')

    def rows():
        for row in stream(query):
            row = list(row)
            row[1], row[7] = _date(row[1]), _date(row[7])
            row[2] = channels.get(row[2], row[2])
            row[9] = states.get(row[9], row[9])
            yield row
    return Table('入金消込', [Column('receipt', '入金ID', 'int'),
            Column('date', '入金日', 'date'), Column('channel', '経路'),
            Column('amount', '入金額', 'yen'),
            Column('customer_number', '顧客番号'), Column('name', '氏名'),
            Column('invoice', '請求書番号'), Column('invoice_date', '請求日', 'date'),
            Column('invoice_total', '請求額', 'yen'),
            Column('invoice_state', '請求書の状態')], rows())


def _months_back(month, count):
    month = month.replace(day=1)
    result = []
    for i in range(count - 1, -1, -1):
        year, m = divmod(month.year * 12 + month.month - 1 - i, 12)
        result.append(dt.date(year, m + 1, 1))
    return result


@report(8, 'thirteen_months', '契約別 13か月の請求額・使用量', filters=('month',))
def thirteen_months(filters):
    det, contract, party = _tables('power.billing.determinant',
        'power.contract', 'party.party')
    month = (filters.month or dt.date.today()).replace(day=1)
    months = _months_back(month, 13)
    end = (month + dt.timedelta(days=32)).replace(day=1)
    query = det.join(contract, condition=det.contract == contract.id
        ).join(party, condition=det.customer == party.id
        ).select(contract.id, contract.number, party.customer_number,
            party.name, det.end, det.kwh, det.total,
            where=(det.state != 'cancelled') & (det.end >= months[0])
            & (det.end < end),
            # by contract id, the order of the index on contract and period
            # end: the first rows come before the 13 months are read
            order_by=[det.contract, det.end])
    index = {m: i for i, m in enumerate(months)}

    def rows():
        current, values = None, None
        for contract_id, number, customer, name, end_, kwh, total in stream(
                query):
            if current != contract_id:
                if values:
                    yield values
                current = contract_id
                values = [number, customer, name] + [None] * 26
            i = index[_date(end_).replace(day=1)]
            values[3 + 2 * i] = (values[3 + 2 * i] or 0) + int(kwh)
            values[4 + 2 * i] = (values[4 + 2 * i] or 0) + total
        if values:
            yield values
    columns = [Column('contract', '契約番号'), Column('customer_number', '顧客番号'),
        Column('name', '氏名')]
    for m in months:
        columns += [Column(f'kwh_{m:%Y%m}', f'{m:%Y/%m} kWh', 'int', True),
            Column(f'yen_{m:%Y%m}', f'{m:%Y/%m} 円', 'yen', True)]
    return Table('13か月の請求額・使用量', columns, rows(),
        subtitle=f'{months[0]:%Y/%m}〜{month:%Y/%m}')


# --- collections ---------------------------------------------------------

@report(9, 'collection_agency', '債権回収委託リスト', filters=('date_to',))
def collection_agency(filters):
    from trytond.modules.power_billing.collection_report import (
        collection_agency as build)
    return build(filters.date_to or dt.date.today())


def _invalid_methods(kind, filters):
    method, party = _tables('power.payment.method', 'party.party')
    query = method.join(party, condition=method.party == party.id).select(
        party.customer_number, party.name, method.card_masked,
        method.card_expiry, method.account_number, method.status_note,
        Coalesce(method.write_date, method.create_date),
        where=(method.kind == kind) & (method.state == 'invalid')
        & filters.between(Coalesce(method.write_date, method.create_date),
            timestamp=True),
        # an expression, not the column: with the column a server-side
        # cursor walks the whole index of customer numbers for a few rows
        order_by=[Concat(party.customer_number, '')])
    from power_core.payments import mask_account
    for row in stream(query):
        row = list(row)
        row[4] = mask_account(row[4]) if row[4] else None
        row[6] = _time(row[6])
        yield row


_METHOD_COLUMNS = [Column('customer_number', '顧客番号'), Column('name', '氏名'),
    Column('card', 'カード番号（マスク）'), Column('expiry', '有効期限'),
    Column('account', '口座番号（マスク）'), Column('note', '理由'),
    _when('changed', '無効になった日時')]


@report(10, 'invalid_cards', '洗替で無効になったカード')
def invalid_cards(filters):
    return Table('無効カード', _METHOD_COLUMNS,
        _invalid_methods('card', filters))


@report(11, 'invalid_registrations', '口座振替の登録チェック不成立')
def invalid_registrations(filters):
    return Table('口座登録不成立', _METHOD_COLUMNS,
        _invalid_methods('bank', filters))


@report(12, 'contract_count', '契約件数（廃止以外・システム利用料の基礎）',
    personal=False, filters=('date_to',))
def contract_count(filters):
    contract, = _tables('power.contract')
    as_of = filters.date_to or dt.date.today()
    states = _labels('power.contract', 'state')
    query = contract.select(contract.state, Count(contract.id),
        where=(contract.state.in_(['draft', 'applying', 'active',
                    'terminating']))
        | ((contract.state == 'terminated') & (contract.end_date > as_of)),
        group_by=[contract.state], order_by=[contract.state])
    return Table('契約件数', [Column('state', '状態'),
            Column('count', '件数', 'int', total=True)],
        [(states.get(s, s), n) for s, n in stream(query)],
        subtitle=f'{as_of} 現在')


@report(13, 'dunning_targets', '督促対象一覧', filters=('date_to',))
def dunning_targets(filters):
    from trytond.modules.power_billing.collection_report import (
        dunning_targets as build)
    return build(filters.date_to or dt.date.today())


# --- portal and print shop -------------------------------------------------

@report(15, 'portal_status', 'ポータル会員登録状況（問合せ対応用）',
    filters=())
def portal_status(filters):
    party, user, contract = _tables('party.party', 'web.user',
        'power.contract')
    customers = contract.select(contract.customer.as_('party'),
        where=contract.state.in_(['applying', 'active', 'terminating']),
        group_by=[contract.customer])
    query = customers.join(party, condition=customers.party == party.id
        ).join(user, 'LEFT', condition=user.party == party.id
        ).select(party.customer_number, party.name, user.email,
            user.email_valid, user.create_date, user.active,
            order_by=[party.customer_number])

    def rows():
        for number, name, email, valid, created, active in stream(query):
            status = ('未登録' if not email else '停止' if not active
                else '登録済み' if valid else 'メール確認待ち')
            yield [number, name, email, status, _time(created)]
    return Table('ポータル登録状況', [Column('customer_number', '顧客番号'),
            Column('name', '氏名'), Column('email', '登録メール'),
            Column('status', '登録状況'), _when('registered', '登録日時')],
        rows())


def _print_exchanges(filters, contract_related):
    exchange, = _tables('power.edi.exchange')
    condition = (exchange.partner == 'print') & (exchange.direction == 'out')
    kind = exchange.kind == 'print_conclusion_notice'
    condition &= kind if contract_related else ~kind
    states = _labels('power.edi.exchange', 'state')
    query = exchange.select(exchange.number, exchange.received,
        exchange.kind, exchange.name, exchange.records, exchange.size,
        exchange.state, exchange.checksum,
        where=condition & filters.between(exchange.received, timestamp=True),
        order_by=[exchange.received, exchange.id])
    kinds = {'print_usage_notice': '電気ご使用量のお知らせ',
        'print_payment_slip': '払込票', 'print_dunning_letter': '督促状等',
        'print_conclusion_notice': '契約締結後交付書面',
        'print_statement': '一括請求書'}
    for row in stream(query):
        row = list(row)
        row[1] = _time(row[1])
        row[2] = kinds.get(row[2], row[2])
        row[6] = states.get(row[6], row[6])
        yield row


_PRINT_COLUMNS = [Column('number', '連携番号'), _when('sent', '作成日時'),
    Column('kind', '種類'), Column('file', 'ファイル名'),
    Column('records', '件数', 'int', total=True), Column('size', 'バイト数', 'int'),
    Column('state', '状態'), Column('checksum', 'SHA-256')]


@report(16, 'print_other', '印刷会社への送付データ（契約関連以外）',
    personal=False)
def print_other(filters):
    return Table('印刷送付（契約関連以外）', _PRINT_COLUMNS,
        _print_exchanges(filters, False))


@report(17, 'print_contract', '印刷会社への送付データ（契約関連）',
    personal=False)
def print_contract(filters):
    return Table('印刷送付（契約関連）', _PRINT_COLUMNS,
        _print_exchanges(filters, True))


# --- dunning update file (14) ------------------------------------------

DUNNING_COLUMNS = [Column('id', '督促ID', 'int'),
    Column('customer_number', '顧客番号'), Column('name', '氏名'),
    Column('invoice', '請求書番号'), Column('due', '支払期日', 'date'),
    Column('amount', '未収額', 'yen', total=True), Column('level', '督促段階'),
    Column('state', '状態'), Column('termination', '解約予定日', 'date'),
    Column('blocked', '保留（はい／いいえ）')]
YES, NO = 'はい', 'いいえ'


class UpdateError(ValueError):
    "A dunning update file refused, with where and why."


@report(14, 'dunning_update', '督促対象更新ファイル（編集して取込み）',
    filters=())
def dunning_update(filters):
    dunning, line, party, level, move, invoice = _tables('account.dunning',
        'account.move.line', 'party.party', 'account.dunning.level',
        'account.move', 'account.invoice')
    states = _labels('account.dunning', 'state')
    actions = _labels('account.dunning.level', 'power_action')
    query = dunning.join(line, condition=dunning.line == line.id
        ).join(party, condition=line.party == party.id
        ).join(level, condition=dunning.level == level.id
        ).join(move, condition=line.move == move.id
        ).join(invoice, 'LEFT', condition=invoice.move == move.id
        ).select(dunning.id, party.customer_number, party.name,
            invoice.number, line.maturity_date, line.debit - line.credit,
            level.power_action, dunning.state, dunning.termination_date,
            dunning.blocked,
            # the active dunnings: their line is not paid yet
            where=line.reconciliation == Null,
            order_by=[party.customer_number, dunning.id])

    def rows():
        for row in stream(query):
            row = list(row)
            row[4], row[8] = _date(row[4]), _date(row[8])
            row[6] = actions.get(row[6], row[6])
            row[7] = states.get(row[7], row[7])
            row[9] = YES if row[9] else NO
            yield row
    return Table('督促対象更新', DUNNING_COLUMNS, rows())


def read_dunning_update(data):
    """{dunning id: blocked} from an edited dunning update file (XLSX).
    Refuses the whole file, saying where, when its header is not ours, an
    id is not a number or appears twice, or the blocked column is not
    はい / いいえ."""
    import io
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError,
            ValueError) as error:
        raise UpdateError(f"not an XLSX file: {error}") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers = [c.header for c in DUNNING_COLUMNS]
    header = None
    for number, row in enumerate(rows, 1):
        if row and row[0] == headers[0]:
            header = number
            break
    if header is None or list(row[:len(headers)]) != headers:
        raise UpdateError("the header row is not the one of the dunning "
            f"update file ({', '.join(headers)})")
    changes = {}
    for number, row in enumerate(rows, header + 1):
        if not row or all(v in (None, '') for v in row):
            continue
        if row[0] == '合計':
            break
        try:
            key = int(row[0])
        except (TypeError, ValueError):
            raise UpdateError(f"row {number}: 督促ID {row[0]!r} is not a "
                "number") from None
        if key in changes:
            raise UpdateError(f"row {number}: 督促ID {key} appears twice")
        value = str(row[9] or '').strip()
        if value not in {YES, NO}:
            raise UpdateError(f"row {number}: 保留 must be {YES} or {NO}, "
                f"not {value!r}")
        changes[key] = value == YES
    return changes


def apply_dunning_update(changes):
    """Set blocked on the dunnings of changes; all or nothing. Returns the
    number changed."""
    Dunning = Pool().get('account.dunning')
    dunnings = Dunning.browse(list(changes))
    with Transaction().set_context(active_test=False):
        known = {d.id for d in Dunning.search(
                [('id', 'in', list(changes))])}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise UpdateError(f"督促ID {unknown[0]} does not exist"
            + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ''))
    to_block = [d for d in dunnings if changes[d.id] and not d.blocked]
    to_release = [d for d in dunnings if not changes[d.id] and d.blocked]
    if to_block:
        Dunning.write(to_block, {'blocked': True})
    if to_release:
        Dunning.write(to_release, {'blocked': False})
    return len(to_block) + len(to_release)
