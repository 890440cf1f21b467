# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Exchanges with the grid operator through drop folders, with its
simulator: applied, applied once, quarantined with nothing applied."""
import datetime as dt
import io
import random
import tempfile
import unittest
import zipfile
from decimal import Decimal as D
from pathlib import Path
from unittest.mock import patch

from power_core.formats import grid as codec
from power_sim.grid import GridOperator, household_day

from trytond.modules.power_billing.tests.tools import with_billing_company
from trytond.modules.power_cis.tests.tools import (
    create_contract, create_supply_point)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .. import grid as grid_module
from ..edi import FileMoves

DAY = dt.date(2025, 1, 20)
NUMBERS = [f'03000011112222333{i:05d}' for i in range(1, 4)]


class GridExchangeTestCase(unittest.TestCase):
    "Grid operator files through the inbox"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_edi')

    def setUp(self):
        super().setUp()
        self.folder = Path(tempfile.mkdtemp(prefix='power-edi-'))

    def endpoint(self, **values):
        Endpoint = Pool().get('power.edi.endpoint')
        endpoint, = Endpoint.create([{
                    'name': 'Grid', 'code': 'grid-test', 'partner': 'grid',
                    'inbox': str(self.folder / 'inbox'),
                    'archive': str(self.folder / 'archive'),
                    'error_folder': str(self.folder / 'error'),
                    'outbox': str(self.folder / 'outbox'), **values}])
        return endpoint

    def daily_file(self, seed):
        """The grid operator's file of a day of the first supply point in
        the inbox: (the simulator, the file)."""
        simulator = GridOperator(self.folder / 'inbox')
        return simulator, simulator.daily(DAY, [(NUMBERS[0],
                    household_day(DAY, 1.0, random.Random(seed)))])

    def poll(self, endpoint):
        "Poll, then commit the file moves as a commit would."
        Endpoint = Pool().get('power.edi.endpoint')
        Endpoint.poll([endpoint])
        Transaction().join(FileMoves()).tpc_finish(Transaction())

    def exchanges(self):
        Exchange = Pool().get('power.edi.exchange')
        return Exchange.search([], order=[('id', 'ASC')])

    def files(self, folder):
        return sorted(p.name for p in (self.folder / folder).iterdir()
            if not p.name.startswith('.'))

    @with_transaction()
    def test_daily_file_applied_and_archived(self):
        "A daily 30-minute file: stored per supply point and day, archived"
        IntervalDay = Pool().get('power.usage.interval')
        points = [create_supply_point(n) for n in NUMBERS[:2]]
        endpoint = self.endpoint(partner_code='03001')
        rng = random.Random(1)
        days = [(n, household_day(DAY, 1.0, rng)) for n in NUMBERS]
        path = GridOperator(self.folder / 'inbox').daily(DAY, days)

        self.poll(endpoint)
        exchange, = self.exchanges()
        self.assertEqual((exchange.state, exchange.kind, exchange.records,
                exchange.applied_records), ('applied', 'grid_daily', 3, 2))
        self.assertEqual(exchange.business_key, '03001 daily 2025-01-20')
        self.assertIn(NUMBERS[2], exchange.message)  # not ours: skipped
        self.assertEqual(exchange.content, path.read_bytes()
            if path.exists() else exchange.content)
        stored = IntervalDay.search([('date', '=', DAY)])
        self.assertEqual({d.supply_point for d in stored}, set(points))
        by_point = {d.supply_point.number: d.profile() for d in stored}
        self.assertEqual(by_point[NUMBERS[0]], days[0][1])
        self.assertEqual({d.source for d in stored}, {exchange.rec_name})
        self.assertEqual(self.files('archive'), [path.name])
        self.assertEqual(self.files('inbox'), [])
        BatchRun = Pool().get('power.batch.run')
        run, = BatchRun.search([('name', 'like', 'Inbox%')])
        self.assertEqual((run.state, run.processed, run.failed),
            ('done', 1, 0))

    @with_transaction()
    def test_same_file_twice_is_applied_once(self):
        "The same file arriving twice applies nothing the second time"
        IntervalDay = Pool().get('power.usage.interval')
        create_supply_point(NUMBERS[0])
        endpoint = self.endpoint()
        simulator, path = self.daily_file(2)
        data = path.read_bytes()
        self.poll(endpoint)
        (self.folder / 'inbox' / 'again.zip').write_bytes(data)
        self.poll(endpoint)
        first, second = self.exchanges()
        self.assertEqual((first.state, second.state),
            ('applied', 'duplicate'))
        self.assertEqual(second.duplicate_of, first)
        self.assertEqual(len(IntervalDay.search([])), 1)
        self.assertEqual(self.files('archive'), sorted([path.name,
                    'again.zip']))
        # a re-sent day with the same values under another checksum (a
        # new header date) stores nothing new either
        simulator.daily(DAY, [(NUMBERS[0], IntervalDay.search([])[0]
                    .profile())])
        self.poll(endpoint)
        third = self.exchanges()[-1]
        self.assertEqual((third.state, third.applied_records,
                third.unchanged_records), ('applied', 0, 1))

    @with_transaction()
    def test_default_folders_belong_to_the_database(self):
        "Two databases on one server never share an endpoint's folders"
        from trytond import config

        from trytond.modules.power_edi.edi import edi_root
        endpoint = self.endpoint(inbox=None, outbox=None, archive=None,
            error_folder=None)
        get = config.get
        with patch.object(config, 'get', side_effect=lambda section, name,
                **kwargs: str(self.folder) if (section, name) == (
                    'power_edi', 'root') else get(section, name, **kwargs)):
            self.assertEqual(edi_root(), self.folder)
            database = Transaction().database.name
            self.assertEqual(endpoint.folder('inbox'),
                self.folder / database / 'grid-test' / 'inbox')
            self.assertEqual(endpoint.folder('error'),
                self.folder / database / 'grid-test' / 'error')

    @with_transaction()
    def test_file_taken_while_polling(self):
        "A file taken from the inbox after the listing is skipped, not fatal"
        Exchange = Pool().get('power.edi.exchange')
        create_supply_point(NUMBERS[0])
        endpoint = self.endpoint()
        _, first = self.daily_file(3)
        taken = first.with_name('W_taken.zip')
        taken.write_bytes(b'taken by another poll')
        receive = Exchange.receive_data

        def another_poll_takes(endpoint, name, data, **kwargs):
            taken.unlink(missing_ok=True)
            return receive(endpoint, name, data, **kwargs)
        with patch.object(Exchange, 'receive_data',
                side_effect=another_poll_takes):
            self.poll(endpoint)
        exchange, = self.exchanges()
        self.assertEqual((exchange.name, exchange.state),
            (first.name, 'applied'))
        self.assertEqual(self.files('inbox'), [])

    @with_transaction()
    def test_corrupted_file_is_quarantined_with_nothing_applied(self):
        "A bad block after good ones: nothing applied, file in error folder"
        IntervalDay = Pool().get('power.usage.interval')
        for number in NUMBERS:
            create_supply_point(number)
        endpoint = self.endpoint()
        rng = random.Random(3)
        path = GridOperator(self.folder / 'inbox').daily(DAY,
            [(n, household_day(DAY, 1.0, rng)) for n in NUMBERS])
        # the last supply point's slot 7 gets two decimals
        header, records = codec.read(path.read_bytes())
        records = list(records)
        path.unlink()
        bad = (self.folder / 'inbox' / 'W41120-bad.xml')
        with open(bad, 'wb') as stream:
            codec.write(stream, header, records)
        text = bad.read_bytes()
        cut = text.rindex(b'<JP06219>7</JP06219><JP06424>')
        start = cut + len(b'<JP06219>7</JP06219><JP06424>')
        end = text.index(b'<', start)
        bad.write_bytes(text[:start] + b'0.25' + text[end:])
        # batches of one: the first two supply points are written before
        # the bad one is read, and must be rolled back
        with patch.object(grid_module, 'BATCH', 1):
            self.poll(endpoint)
        exchange, = self.exchanges()
        self.assertEqual(exchange.state, 'failed')
        self.assertIn(f'supply point {NUMBERS[2]}: slot 7', exchange.error)
        self.assertIn('line', exchange.error)
        self.assertEqual(IntervalDay.search([]), [])
        self.assertEqual(self.files('error'), ['W41120-bad.xml'])
        BatchRun = Pool().get('power.batch.run')
        run, = BatchRun.search([('name', 'like', 'Inbox%')])
        self.assertEqual((run.state, run.failed), ('partial', 1))
        self.assertIn('slot 7', run.errors[0].message)

    @with_transaction()
    def test_file_from_another_grid_operator_is_refused(self):
        "A file whose sender is not the endpoint's grid operator"
        create_supply_point(NUMBERS[0])
        endpoint = self.endpoint(partner_code='06001')
        GridOperator(self.folder / 'inbox', sender='03001').daily(DAY, [
                (NUMBERS[0], household_day(DAY, 1.0, random.Random(4)))])
        self.poll(endpoint)
        exchange, = self.exchanges()
        self.assertEqual(exchange.state, 'failed')
        self.assertIn('sender 03001', exchange.error)
        # once the endpoint is corrected, the file kept is applied
        Exchange = Pool().get('power.edi.exchange')
        endpoint.partner_code = '03001'
        endpoint.save()
        Exchange.retry([exchange])
        self.assertEqual((exchange.state, exchange.applied_records),
            ('applied', 1))

    def damaged_zip(self, name, damage):
        """A daily file in the inbox whose ZIP member is damaged: its
        deflate data ('deflate') or its CRC ('crc')."""
        made = GridOperator(self.folder / 'made').daily(DAY, [(NUMBERS[0],
                    household_day(DAY, 1.0, random.Random(9)))])
        header, records = codec.read(made.read_bytes())
        records = list(records)
        made.unlink()
        xml = io.BytesIO()
        codec.write(xml, header, records)
        out = io.BytesIO()
        member = name.replace('.zip', '.xml')
        with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED if damage == 'crc'
                else zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(member, xml.getvalue())
        data = bytearray(out.getvalue())
        start = 30 + len(member)
        if damage == 'crc':
            data[start + 500] ^= 0x01
        else:
            data[start + 10:start + 40] = b'\xff' * 30
        path = self.folder / 'inbox' / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(bytes(data))
        return path

    @with_transaction()
    def test_damaged_zip_fails_alone_and_the_poll_goes_on(self):
        "A ZIP with damaged deflate data or a bad CRC: that file alone fails"
        IntervalDay = Pool().get('power.usage.interval')
        create_supply_point(NUMBERS[0])
        endpoint = self.endpoint()
        self.damaged_zip('W41120-a-deflate.zip', 'deflate')
        self.damaged_zip('W41120-b-crc.zip', 'crc')
        _, good = self.daily_file(10)
        self.poll(endpoint)
        exchanges = {e.name: e for e in self.exchanges()}
        self.assertEqual(exchanges[good.name].state, 'applied')
        self.assertEqual(len(IntervalDay.search([])), 1)
        for name in ('W41120-a-deflate.zip', 'W41120-b-crc.zip'):
            exchange = exchanges[name]
            self.assertEqual(exchange.state, 'failed', name)
            self.assertIn(name, exchange.error)
            self.assertIn('ZIP archive', exchange.error)
        self.assertIn('CRC', exchanges['W41120-b-crc.zip'].error)
        self.assertEqual(self.files('error'), ['W41120-a-deflate.zip',
                'W41120-b-crc.zip'])
        self.assertEqual(self.files('archive'), [good.name])
        # the next poll is not blocked
        _, later = self.daily_file(11)
        self.poll(endpoint)
        self.assertEqual(self.exchanges()[-1].state, 'applied')
        self.assertEqual(self.files('inbox'), [])

    @with_transaction()
    def test_any_error_of_one_file_fails_it_alone(self):
        "An unexpected exception in one file: logged, kept, others applied"
        Exchange = Pool().get('power.edi.exchange')
        IntervalDay = Pool().get('power.usage.interval')
        SupplyPoint = Pool().get('power.supply_point')
        create_supply_point(NUMBERS[0])
        endpoint = self.endpoint()
        simulator, first = self.daily_file(12)
        broken = first.with_name('W41120-0-broken.zip')
        first.rename(broken)
        received = first.with_name('W41120-1-received.zip')
        simulator.daily(DAY, [(NUMBERS[0], household_day(DAY, 1.0,
                        random.Random(13)))]).rename(received)
        _, good = self.daily_file(14)
        apply_grid = Exchange.apply_grid
        receive_file = Exchange.receive_file

        def apply_fails(self, data):
            if self.name == broken.name:
                create_supply_point(NUMBERS[2])
                raise RuntimeError("something unexpected")
            return apply_grid(self, data)

        def receive_fails(endpoint, path, data):
            if path.name == received.name:
                raise KeyError('lost')
            return receive_file(endpoint, path, data)
        with patch.object(Exchange, 'apply_grid', apply_fails), \
                patch.object(Exchange, 'receive_file',
                    side_effect=receive_fails):
            self.poll(endpoint)
        exchanges = {e.name: e for e in self.exchanges()}
        self.assertEqual(exchanges[good.name].state, 'applied')
        self.assertEqual(exchanges[broken.name].state, 'failed')
        self.assertIn('RuntimeError: something unexpected',
            exchanges[broken.name].error)
        self.assertEqual(exchanges[received.name].state, 'failed')
        self.assertIn(received.name, exchanges[received.name].error)
        self.assertIn('KeyError', exchanges[received.name].error)
        # what the failed file wrote before its error is rolled back
        self.assertEqual([p.number for p in SupplyPoint.search([])],
            [NUMBERS[0]])
        self.assertEqual([d.date for d in IntervalDay.search([])], [DAY])
        self.assertEqual(self.files('error'), [broken.name, received.name])
        self.assertEqual(self.files('archive'), [good.name])

    @with_transaction()
    def test_file_addressed_to_another_retailer_is_refused(self):
        "The receiver JP06112 must be our retailer code"
        IntervalDay = Pool().get('power.usage.interval')
        create_supply_point(NUMBERS[0])
        endpoint = self.endpoint(own_code='A0999')
        GridOperator(self.folder / 'inbox', receiver='A0123').daily(DAY, [
                (NUMBERS[0], household_day(DAY, 1.0, random.Random(15)))])
        self.poll(endpoint)
        exchange, = self.exchanges()
        self.assertEqual(exchange.state, 'failed')
        self.assertIn('receiver JP06112 A0123 is not us (A0999)',
            exchange.error)
        self.assertEqual(IntervalDay.search([]), [])
        # without a code on the endpoint: our code at the switching hub
        endpoint.own_code = None
        endpoint.save()
        GridOperator(self.folder / 'inbox', receiver='A0999').daily(DAY, [
                (NUMBERS[0], household_day(DAY, 1.0, random.Random(16)))])
        GridOperator(self.folder / 'inbox', receiver='A0124').meter_changes(
            DAY, [codec.MeterChange(NUMBERS[0], DAY, 'M1', 'M2')])
        self.poll(endpoint)
        states = sorted(e.state for e in self.exchanges()[1:])
        self.assertEqual(states, ['applied', 'failed'])
        self.assertEqual(len(IntervalDay.search([])), 1)

    @with_transaction()
    def test_symbolic_link_in_inbox_is_not_followed(self):
        "A link or a folder in the inbox: not read, logged, moved as it is"
        IntervalDay = Pool().get('power.usage.interval')
        create_supply_point(NUMBERS[0])
        endpoint = self.endpoint()
        outside = self.folder / 'outside'
        outside.mkdir()
        target = GridOperator(outside).daily(DAY, [(NUMBERS[0],
                    household_day(DAY, 1.0, random.Random(17)))])
        inbox = self.folder / 'inbox'
        inbox.mkdir(exist_ok=True)
        (inbox / 'W41120-link.zip').symlink_to(target)
        (inbox / 'W41120-folder').mkdir()
        self.poll(endpoint)
        folder, link = self.exchanges()
        for exchange, what in ((link, 'a symbolic link'),
                (folder, 'a folder')):
            self.assertEqual(exchange.state, 'failed')
            self.assertIn(what, exchange.error)
            self.assertIsNone(exchange.content)
            self.assertEqual(exchange.size, 0)
        self.assertEqual(IntervalDay.search([]), [])
        self.assertTrue((self.folder / 'error' / 'W41120-link.zip')
            .is_symlink())
        self.assertTrue(target.is_file())
        self.assertEqual(self.files('inbox'), [])
        self.assertEqual(self.files('error'), ['W41120-folder',
                'W41120-link.zip'])

    @with_transaction()
    def test_meter_replacement_file(self):
        "A meter replacement: the work on the supply point, its new meter"
        point = create_supply_point(NUMBERS[0], meter_number='M1')
        endpoint = self.endpoint()
        GridOperator(self.folder / 'inbox').meter_changes(DAY, [
                codec.MeterChange(NUMBERS[0], DAY, 'M1', 'M2',
                    '計器有効期限満了')])
        self.poll(endpoint)
        self.poll(endpoint)
        exchange, = self.exchanges()
        self.assertEqual(exchange.state, 'applied')
        work, = point.works
        self.assertEqual((work.kind, work.date, work.old_meter_number,
                work.new_meter_number), ('meter_replacement', DAY, 'M1',
                'M2'))
        self.assertEqual(point.meter_number, 'M2')

    @with_transaction()
    @with_billing_company
    def test_confirmed_usage_file_is_billed(self, company):
        "Confirmed usage arrives: stored, and its contract billed at once"
        pool = Pool()
        Menu = pool.get('power.rate_menu')
        Party = pool.get('party.party')
        Contract = pool.get('power.contract')
        Determinant = pool.get('power.billing.determinant')
        point = create_supply_point(NUMBERS[0])
        customer, = Party.create([{'name': '山田 太郎',
                    'addresses': [('create', [{}])]}])
        menu, = Menu.search([('code', '=', 'tepco-juryo-b')])
        contract = create_contract(company, point, menu,
            start=dt.date(2024, 6, 1), customer=customer)
        Contract.activate([contract])
        endpoint = self.endpoint()
        GridOperator(self.folder / 'inbox').confirmed(
            dt.date(2025, 2, 1), [codec.Confirmed(NUMBERS[0],
                    dt.date(2025, 1, 10), dt.date(2025, 2, 10), D('259.6'),
                    'M1', next_reading_date=dt.date(2025, 3, 11))])
        self.poll(endpoint)
        exchange, = self.exchanges()
        self.assertEqual((exchange.state, exchange.kind),
            ('applied', 'grid_confirmed'))
        self.assertIn('Billing', exchange.message)
        determinant, = Determinant.search([('contract', '=', contract.id)])
        # as in power_billing's normal month: 260 kWh → 8,174 yen
        self.assertEqual((determinant.kwh, determinant.total),
            (D(260), 8174))
        usage, = determinant.usages
        self.assertEqual(usage.source, exchange.rec_name)


class PrintShopTestCase(unittest.TestCase):
    "Bill notices to the print shop and its acknowledgement"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_edi')

    def print_endpoint(self, folder):
        "The print shop's endpoint on folders under folder."
        Endpoint = Pool().get('power.edi.endpoint')
        endpoint, = Endpoint.search([('partner', '=', 'print')])
        endpoint.inbox = str(folder / 'inbox')
        endpoint.outbox = str(folder / 'outbox')
        endpoint.archive = str(folder / 'archive')
        endpoint.error_folder = str(folder / 'error')
        endpoint.save()
        return endpoint

    @with_transaction()
    @with_billing_company
    def test_notice_batch_and_acknowledgement(self, company):
        "A batch of paper notices, acknowledged; a refused one goes again"
        from power_core.formats import print_shop
        from power_sim.print_shop import PrintShop
        pool = Pool()
        Menu = pool.get('power.rate_menu')
        Party = pool.get('party.party')
        Contract = pool.get('power.contract')
        Usage = pool.get('power.usage.confirmed')
        Determinant = pool.get('power.billing.determinant')
        Endpoint = pool.get('power.edi.endpoint')
        Exchange = pool.get('power.edi.exchange')
        BatchRun = pool.get('power.batch.run')
        folder = Path(tempfile.mkdtemp(prefix='power-print-'))
        menu, = Menu.search([('code', '=', 'tepco-juryo-b')])
        contracts = []
        for i, (postal, paper) in enumerate(
                [('100-0011', True), ('', True), ('100-0012', False)]):
            point = create_supply_point(NUMBERS[i])
            customer, = Party.create([{'name': f'需要家 {i}',
                        'paper_notice': paper,
                        'addresses': [('create', [{'postal_code': postal,
                                        'street': '内幸町1-1-3'}])]}])
            contract = create_contract(company, point, menu,
                start=dt.date(2024, 6, 1), customer=customer)
            contracts.append(contract)
            Usage.receive([{'supply_point': point.id,
                        'start': dt.date(2025, 1, 10),
                        'end': dt.date(2025, 2, 10), 'kwh': D(260),
                        'meter_number': 'M1'}])
        Contract.activate(contracts)
        BatchRun.run_billing(dt.date(2025, 2, 12))
        endpoint = self.print_endpoint(folder)

        Endpoint.send_print([endpoint])
        Transaction().join(FileMoves()).tpc_finish(Transaction())
        batch, = Exchange.search([('kind', '=', 'print_usage_notice')])
        self.assertEqual(batch.state, 'sent')
        items, pdf = print_shop.read_batch(
            (folder / 'outbox' / batch.name).read_bytes())
        # the customer who chose no paper is not in the batch
        self.assertEqual([i.name for i in items], ['需要家 0', '需要家 1'])
        self.assertEqual([i.first_page for i in items], [1, 2])
        self.assertEqual(items[0].amount, 8174)
        self.assertTrue(pdf.startswith(b'%PDF'))
        # nothing left to print: a second send makes no batch
        Endpoint.send_print([endpoint])
        self.assertEqual(len(Exchange.search(
                    [('kind', '=', 'print_usage_notice')])), 1)

        PrintShop(folder / 'outbox', folder / 'inbox').process()
        Endpoint.poll([endpoint])
        # (the contracts' post-contract documents went in a batch of their
        # own, acknowledged too)
        ack, = Exchange.search([('kind', '=', 'print_ack'),
                ('business_key', '=', batch.name[:-len('.zip')])])
        self.assertEqual((ack.state, ack.records, ack.applied_records),
            ('applied', 2, 1))
        self.assertIn('宛先不備', ack.message)
        self.assertEqual(Exchange(batch.id).state, 'acknowledged')
        first, second, third = [Determinant.search(
                [('contract', '=', c.id)])[0] for c in contracts]
        self.assertEqual((first.print_exchange, second.print_exchange,
                third.print_exchange), (Exchange(batch.id), None, None))

        # built again a month later from the database, as at the time in
        # its name: the same bytes (the index names the refused notice too)
        batch = Exchange(batch.id)
        with patch.object(pool.get('ir.date'), 'today',
                return_value=dt.date.today() + dt.timedelta(days=30)):
            Exchange.rebuild([batch])
        self.assertIn('identical', batch.rebuilt)
        # the first customer's postal code corrected since: her line differs
        pool.get('party.address').write(list(contracts[0].customer.addresses),
            {'postal_code': '100-0013'})
        Exchange.rebuild([batch])
        self.assertIn('index.csv line 2 differs', batch.rebuilt)


    @with_transaction()
    @with_billing_company
    def test_statement_batch(self, company):
        """A payer's statement goes to the print shop as archived; its
        sites' notices only when the payer asked for them"""
        from power_core.formats import print_shop
        from power_sim.print_shop import PrintShop
        pool = Pool()
        Menu = pool.get('power.rate_menu')
        Party = pool.get('party.party')
        Contract = pool.get('power.contract')
        Usage = pool.get('power.usage.confirmed')
        Endpoint = pool.get('power.edi.endpoint')
        Exchange = pool.get('power.edi.exchange')
        Payer = pool.get('power.billing.payer')
        Statement = pool.get('power.billing.statement')
        Document = pool.get('power.billing.document')
        BatchRun = pool.get('power.batch.run')
        folder = Path(tempfile.mkdtemp(prefix='power-print-'))
        menu, = Menu.search([('code', '=', 'tepco-juryo-b')])
        customer, = Party.create([{'name': '株式会社さくら商事',
                    'addresses': [('create', [{'postal_code': '105-0011',
                                    'street': '芝公園1-2-3'}])]}])
        payer, = Payer.create([{'name': '本社一括', 'party': customer.id,
                    'start_month': dt.date(2025, 2, 1)}])
        contracts = []
        for i in range(2):
            point = create_supply_point(NUMBERS[i])
            contracts.append(create_contract(company, point, menu,
                    start=dt.date(2024, 6, 1), customer=customer,
                    payer=payer.id))
            Usage.receive([{'supply_point': point.id,
                        'start': dt.date(2025, 1, 10),
                        'end': dt.date(2025, 2, 10), 'kwh': D(260 + i),
                        'meter_number': 'M1'}])
        Contract.activate(contracts)
        BatchRun.run_billing(dt.date(2025, 2, 12))
        statement, = Statement.consolidate([payer], dt.date(2025, 2, 1),
            date=dt.date(2025, 3, 1))
        endpoint = self.print_endpoint(folder)

        Endpoint.send_print([endpoint])
        Transaction().join(FileMoves()).tpc_finish(Transaction())
        # no per-site notice: the payer did not ask for them
        self.assertEqual(Exchange.search(
                [('kind', '=', 'print_usage_notice')]), [])
        batch, = Exchange.search([('kind', '=', 'print_statement')])
        items, pdf = print_shop.read_batch(
            (folder / 'outbox' / batch.name).read_bytes())
        item, = items
        self.assertEqual((item.document_id, item.kind, item.amount,
                item.due_date, item.postal_code),
            (f'T{statement.id:010d}', 'statement', statement.total,
                dt.date(2025, 3, 31), '105-0011'))
        document, = Document.search([('statement', '=', statement.id)])
        self.assertEqual(item.pages, len(__import__('pypdf').PdfReader(
                    io.BytesIO(document.data)).pages))
        self.assertEqual(Statement(statement.id).print_exchange, batch)
        # the shop acknowledges it; built again: the same bytes
        PrintShop(folder / 'outbox', folder / 'inbox').process()
        Endpoint.poll([endpoint])
        self.assertEqual(Exchange(batch.id).state, 'acknowledged')
        batch = Exchange(batch.id)
        Exchange.rebuild([batch])
        self.assertIn('identical', batch.rebuilt)
        # asked for: the sites' notices go too
        payer.site_notices = True
        payer.save()
        Endpoint.send_print([endpoint])
        Transaction().join(FileMoves()).tpc_finish(Transaction())
        notices, = Exchange.search([('kind', '=', 'print_usage_notice')])
        items, _ = print_shop.read_batch(
            (folder / 'outbox' / notices.name).read_bytes())
        self.assertEqual(len(items), 2)


class ProcurementTestCase(unittest.TestCase):
    "The supply plan to power procurement"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_edi')

    @with_transaction()
    def test_supply_plan_and_acknowledgement(self):
        "A week's plan by area, acknowledged by the partner's simulator"
        from power_core.formats import procurement
        from power_sim.procurement import Procurement

        from trytond.modules.company.tests import create_company, set_company
        from trytond.modules.power_cis.tests.tools import create_menu
        pool = Pool()
        Contract = pool.get('power.contract')
        Endpoint = pool.get('power.edi.endpoint')
        Exchange = pool.get('power.edi.exchange')
        folder = Path(tempfile.mkdtemp(prefix='power-plan-'))
        company = create_company()
        with set_company(company):
            menu = create_menu()
            today = dt.date(2026, 12, 1)
            active = create_contract(company, create_supply_point(NUMBERS[0]),
                menu, start=dt.date(2025, 4, 1), capacity=30)
            starting = create_contract(company,
                create_supply_point(NUMBERS[1]), menu,
                start=today + dt.timedelta(days=2), capacity=40)
            Contract.activate([active])
            Contract.write([starting], {'state': 'applying'})
            endpoint, = Endpoint.search([('partner', '=', 'procurement')])
            endpoint.outbox = str(folder / 'outbox')
            endpoint.inbox = str(folder / 'inbox')
            endpoint.archive = str(folder / 'archive')
            endpoint.error_folder = str(folder / 'error')
            endpoint.save()
            Endpoint.send_plan([endpoint], today)
            Transaction().join(FileMoves()).tpc_finish(Transaction())
            plan, = Exchange.search([('kind', '=', 'procurement_plan')])
            rows = procurement.read_plan(
                (folder / 'outbox' / plan.name).read_bytes())
            by_day = {r.date: r for r in rows if r.area == '03'}
            self.assertEqual(len(by_day), 8)
            self.assertEqual((by_day[today].contracts,
                    by_day[today].capacity_kva), (1, D('3.0')))
            third = by_day[today + dt.timedelta(days=2)]
            self.assertEqual((third.contracts, third.capacity_kva,
                    third.starting), (2, D('7.0'), 1))
            # built again from the database: the same bytes
            Exchange.rebuild([plan])
            self.assertIn('identical', plan.rebuilt)

            Procurement(folder / 'outbox', folder / 'inbox').process()
            Endpoint.poll([endpoint])
            ack, = Exchange.search([('kind', '=', 'procurement_ack')])
            self.assertEqual(ack.state, 'applied')
            self.assertEqual(Exchange(plan.id).state, 'acknowledged')
