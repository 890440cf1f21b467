# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The letters of collections as core Letters: payment slips (払込票) and
the letters of dunning levels (督促状, 解約予告通知, 解約通知). The print
shop connector (power_edi) sends them in batches."""
import datetime as dt

from power_core.letters import Letter, render_html
from power_core.notice import jdate

from trytond.pool import Pool
from trytond.report import Report

from .notice import _one_line, _retailer

DUNNING_KINDS = {
    'reminder': 'dunning_letter',
    'warning': 'termination_warning',
    'terminate': 'termination_notice',
    }


def _addressee(party, invoice=None):
    address = (invoice.invoice_address if invoice and invoice.invoice_address
        else party.address_get())
    return dict(customer_name=party.name,
        customer_number=party.customer_number or '',
        postal_code=(address.postal_code or '') if address else '',
        address=_one_line(address))


def slip_letters(slips, date=None):
    "The payment slip letters of slips, dated date (default today)."
    pool = Pool()
    configuration = pool.get('power.configuration')(1)
    today = date or pool.get('ir.date').today()
    letters = []
    for slip in slips:
        invoice = slip.invoice
        retailer = _retailer(invoice.company, configuration)
        reissued = ('再発行分です。口座振替またはカードでのお支払いができ'
            'なかったため、払込票をお送りします。') if slip.reissue else None
        letters.append(Letter('payment_slip', f'S{slip.id:010d}', retailer,
                date=today, paragraphs=tuple(filter(None, [
                        'いつも電気をご利用いただきありがとうございます。'
                        '下記の電気料金を、お支払期限までにコンビニエンス'
                        'ストアでお支払いください。', reissued])),
                rows=(('ご請求書番号', invoice.number or ''),
                    ('ご請求内容', invoice.description or '電気料金'),
                    ('お支払期限', jdate(slip.due_date))),
                amount=slip.amount, due_date=slip.due_date,
                barcode=slip.barcode, **_addressee(slip.party, invoice)))
    return letters


class SlipLetter(Report):
    """Payment Slip (払込票): the konbini slip with its barcode, printed
    from the slip form as the print shop prints it (a void slip is printed
    too, for the record; its letter says nothing else)."""
    __name__ = 'power.payment.slip.letter'

    @classmethod
    def render(cls, report, report_context):
        return render_html(slip_letters(report_context['records']))


def dunning_letters(dunnings, date=None):
    """The letters of dunnings, dated by their dunning, else date or today;
    the dunnings of the bills of one payer's statement (一括請求) get one
    letter for the statement's whole amount due."""
    pool = Pool()
    Dunning = pool.get('account.dunning')
    configuration = pool.get('power.configuration')(1)
    letters = []
    for dunning, _ in Dunning.one_per_letter(list(dunnings)):
        if dunning is None:
            continue
        kind = DUNNING_KINDS[dunning.level.power_action]
        invoice = dunning.invoice
        party = dunning.line.party
        retailer = _retailer(dunning.company, configuration)
        statement = dunning.statement
        if statement:
            rows = [('ご請求書番号', f'{statement.number}（一括請求）'),
                ('対象地点数', f'{statement.site_count}地点'),
                ('当初のお支払期限', jdate(statement.due_date))]
        else:
            rows = [('ご請求書番号', invoice.number if invoice else ''),
                ('当初のお支払期限', jdate(dunning.maturity_date))]
        if kind == 'dunning_letter':
            paragraphs = ('お支払期限を過ぎても、下記の電気料金のお支払いが'
                '確認できておりません。至急お支払いくださいますようお願い'
                'いたします。', 'お支払期限の翌日から10日を過ぎてのお支払い'
                'には、延滞利息（年10%）を次回の料金に加算させていただき'
                'ます。', '本状と行き違いにお支払いいただいた場合は、ご容赦'
                'ください。')
        elif kind == 'termination_warning':
            rows.append(('解約予定日', jdate(dunning.termination_date)))
            paragraphs = ('再三のお願いにもかかわらず、電気料金のお支払いが'
                '確認できておりません。', '解約予定日までにお支払いが確認で'
                'きない場合、電気需給約款に基づき、解約予定日をもって電気需給'
                '契約を解約させていただきます。解約後は電気の供給が停止される'
                'ことがありますので、新たな小売電気事業者とのご契約が必要と'
                'なります。', 'お支払いが確認でき次第、解約の手続きは中止'
                'いたします。')
        else:
            rows.append(('解約日', jdate(dunning.termination_date)))
            paragraphs = ('電気料金のお支払いが確認できなかったため、解約'
                '予告通知でお知らせしたとおり、電気需給契約を解約いたしました'
                '。', '未払いの料金は引き続きお支払いください。お支払いが'
                'ない場合、債権回収会社に回収を委託することがあります。')
        letters.append(Letter(kind, f'L{dunning.id:010d}', retailer,
                date=dunning.date or date or pool.get('ir.date').today(),
                paragraphs=paragraphs, rows=tuple(rows),
                amount=dunning.amount_due, due_date=dunning.termination_date,
                **_addressee(party, invoice)))
    return letters


def conclusion_letters(contracts, date=None):
    """The post-contract documents (契約締結後交付書面) of contracts, dated
    date (default today): the terms of the contract and the text of the
    post-contract document in force on its start date."""
    pool = Pool()
    configuration = pool.get('power.configuration')(1)
    Document = pool.get('power.explanation.document')
    today = date or pool.get('ir.date').today()
    from power_core.ids import supply_point as spid
    letters = []
    for contract in contracts:
        version = contract.version_at(contract.start_date) or (
            contract.versions[0] if contract.versions else None)
        document = Document.current('post', contract.start_date or today)
        retailer = _retailer(contract.company, configuration)
        point = contract.supply_point
        rows = [('契約番号', contract.number or ''),
            ('ご契約者', (version.holder_name if version else '')
                or contract.customer.name),
            ('供給地点特定番号', spid.format(point.number)),
            ('需要場所', point.address or ''),
            ('供給開始予定日', jdate(contract.start_date)),
            ('料金メニュー', version.menu.name if version else ''),
            ('契約容量', f'{version.capacity.normalize():f}'
                f'{version.capacity_unit or ""}' if version else ''),
            ('契約締結日', jdate((contract.create_date or dt.datetime.now())
                    .date())),
            ('小売電気事業者登録番号', retailer.retailer_registration)]
        paragraphs = ['このたびは電気需給契約をお申し込みいただき、ありがとう'
            'ございます。電気事業法第2条の14に基づき、ご契約の内容を'
            'お知らせします。']
        if document:
            paragraphs += [p.strip() for p in document.content.split('\n')
                if p.strip()]
            paragraphs.append(f'（{document.name} {document.version}）')
        letters.append(Letter('conclusion_notice', f'C{contract.id:010d}',
                retailer, date=today, paragraphs=tuple(paragraphs),
                rows=tuple(rows), **_addressee(contract.customer)))
    return letters
