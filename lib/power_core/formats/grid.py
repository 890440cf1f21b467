"""Grid operator (一般送配電事業者) usage files in the SBD-MSG XML layout
(docs/domain.md §4.2; layout and assumptions in docs/formats/grid-operator.md).

Three kinds, each a ZIP archive holding one XML file (or the bare XML):

- daily 30-minute usage (低圧日毎30分電力量): one `JPM00010` block per
  supply point with a `JPM00013` day group of 48 `JPM00014` slots;
- monthly confirmed usage (月間確定使用量): one block per supply point and
  meter reading;
- meter replacements (計量器交換): one block per replacement.

Reading streams (lxml iterparse, elements cleared as they are read), so
memory does not grow with the file; entity resolution and network access
are disabled. Every error names the XML line and the supply point."""
import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from power_core.errors import PowerCoreError
from power_core.formats import FormatError
from power_core.ids import supply_point as spid
from power_core.usage import ESTIMATED, MEASURED, MISSING, SLOTS, DayProfile

ROOT, GROUP, TERM = 'SBD-MSG', 'JPMGRP', 'JPTRM'
INFO_DAILY, INFO_CONFIRMED, INFO_METER = '0120', '0220', '0230'
KINDS = {INFO_DAILY: 'daily', INFO_CONFIRMED: 'confirmed',
    INFO_METER: 'meter'}
# 計量理由 of a confirmed reading (assumed codes, see the layout document)
READING_KINDS = {'1': 'reading', '2': 'meter_change', '3': 'final'}
READING_CODES = {v: k for k, v in READING_KINDS.items()}
# refuse a decompressed member larger than 16 GiB (a zip bomb); a day of a
# million supply points is 3.2 GB
MAX_XML = 16 * 1024 ** 3


@dataclass(frozen=True)
class Header:
    kind: str          # daily | confirmed | meter
    sender: str        # JP06110, the grid operator's code
    receiver: str      # JP06112, our code
    date: dt.date = None     # JP06116, the day of a daily file
    month: dt.date = None    # JP06401, the month of a confirmed file


@dataclass(frozen=True)
class Day:
    "One supply point's 30-minute day (the 48 values and their quality)."
    supply_point: str
    profile: DayProfile
    line: int = 0


@dataclass(frozen=True)
class Confirmed:
    "One meter reading's confirmed usage (確定使用量) of [start, end)."
    supply_point: str
    start: dt.date
    end: dt.date
    kwh: Decimal
    meter_number: str = ''
    kind: str = 'reading'
    max_demand: Decimal = None
    power_factor: Decimal = None
    next_reading_date: dt.date = None
    line: int = 0


@dataclass(frozen=True)
class MeterChange:
    "A meter replacement (計器取替) at a supply point."
    supply_point: str
    date: dt.date
    old_meter: str
    new_meter: str
    reason: str = ''
    line: int = 0


def open_xml(data, name=''):
    """A binary stream of the XML in data (bytes or a binary file): the one
    member of a ZIP archive, or the data itself."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    head = stream.read(4)
    stream.seek(0)
    if head != b'PK\x03\x04':
        return stream
    try:
        archive = zipfile.ZipFile(stream)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exception:
        raise FormatError(f"not a readable ZIP archive ({exception})",
            name) from None
    if len(members) != 1:
        raise FormatError(f"the ZIP archive holds {len(members)} files, "
            "expected one XML file", name)
    if members[0].file_size > MAX_XML:
        raise FormatError(f"{members[0].filename} is "
            f"{members[0].file_size} bytes, more than {MAX_XML}", name)
    try:
        return _Member(archive.open(members[0]), members[0].filename, name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as exception:
        raise FormatError(f"{members[0].filename} in the ZIP archive cannot "
            f"be opened ({exception})", name) from None


class _Member:
    """A ZIP member being read: damaged deflate data, a bad CRC or a
    truncated member (zlib.error, BadZipFile, EOFError) is a FormatError
    that names the file and the member."""

    def __init__(self, stream, member, name):
        self.stream, self.member, self.name = stream, member, name

    def read(self, size=-1):
        try:
            return self.stream.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError,
                ValueError) as error:
            raise FormatError(f"{self.member} in the ZIP archive is damaged "
                f"({type(error).__name__}: {error})", self.name) from None


def read(data, name=''):
    """(Header, iterator of Day | Confirmed | MeterChange) of a file (bytes
    or a binary stream, ZIP or XML). The iterator raises FormatError at the
    first record that breaks the layout; nothing may be applied before it
    is exhausted without error."""
    stream = _Scanner(open_xml(data, name))
    events = _events(stream, name)
    header, first = _header(events, name)
    if header.kind == 'daily':
        return header, _days(_blocks(events, first, name), header, name,
            stream)
    parse = {'confirmed': _confirmed, 'meter': _meter_changes}[header.kind]
    return header, parse(_blocks(events, first, name), header, name)


class _Scanner:
    """A stream that notes whether a quality flag (status=) went by: the
    parser reads ahead of the blocks it hands out, so a day whose flags
    are still unseen has none, and its flags need not be looked for."""
    MARK = b'status='

    def __init__(self, stream):
        self.stream = stream
        self.flagged = False
        self._tail = b''

    def read(self, size=-1):
        data = self.stream.read(size)
        if not self.flagged and data:
            self.flagged = self.MARK in self._tail + data
            self._tail = data[-len(self.MARK):]
        return data


HEADER_TAGS = ('JP00002', 'JP06110', 'JP06112', 'JP06116', 'JP06401')


def _events(stream, name):
    """End events of the header elements, the supply point blocks and the
    root only: the elements inside a block are read from the block, so
    Python sees one event per block, not one per value."""
    parser = etree.iterparse(stream, events=('end',),
        tag=HEADER_TAGS + ('JPM00010', ROOT),
        resolve_entities=False, no_network=True, load_dtd=False,
        huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        for _, element in parser:
            yield element
    except etree.XMLSyntaxError as exception:
        raise FormatError(f"not well-formed XML: {exception.msg}",
            f"{name} line {exception.lineno}" if name
            else f"line {exception.lineno}") from None


def _where(name, element, supply_point=None):
    where = f"line {element.sourceline}"
    if supply_point:
        where += f", supply point {supply_point}"
    return f"{name} {where}" if name else where


def _check_path(element, name):
    "The element must be a child of SBD-MSG/JPMGRP/JPTRM."
    path = []
    parent = element.getparent()
    while parent is not None:
        path.append(parent.tag)
        parent = parent.getparent()
    path.reverse()
    if path != [ROOT, GROUP, TERM]:
        raise FormatError(f"{element.tag} must be under {ROOT}/{GROUP}/"
            f"{TERM}, found under {'/'.join(path) or 'nothing'}",
            _where(name, element))


def _header(events, name):
    """(Header, the first JPM00010 block or None): the file up to its
    first supply point block."""
    values, first = {}, None
    for element in events:
        if element.tag == 'JPM00010':
            first = element
            break
        if element.tag == ROOT:
            break  # a file without supply point blocks
        _check_path(element, name)
        values[element.tag] = (element.text or '').strip()
    else:
        raise FormatError(f"no {ROOT} document", name)
    root = (first if first is not None else element).getroottree().getroot()
    if root.tag != ROOT:
        raise FormatError(f"the root element is {root.tag}, not {ROOT}",
            name)
    if first is not None:
        _check_path(first, name)
    info = values.get('JP00002', '')
    if info not in KINDS:
        raise FormatError(f"information type JP00002 {info!r} is none of "
            f"{', '.join(sorted(KINDS))}", name)
    kind = KINDS[info]
    for code in ('JP06110', 'JP06112'):
        if not values.get(code):
            raise FormatError(f"the header has no {code} (sender / "
                "receiver code)", name)
    date = month = None
    if kind == 'daily':
        date = _date(values.get('JP06116', ''), 'JP06116 (target date)',
            name)
    elif kind == 'confirmed':
        text = values.get('JP06401', '')
        month = _date(text + '01' if len(text) == 6 else text,
            'JP06401 (target month)', name)
    elif values.get('JP06116'):
        date = _date(values['JP06116'], 'JP06116 (file date)', name)
    return Header(kind, values['JP06110'], values['JP06112'], date,
        month), first


def _blocks(events, first, name):
    """Each JPM00010 block, complete, then freed with what precedes it."""
    if first is None:
        return
    block = first
    while True:
        if block.getparent() is None or block.getparent().tag != TERM:
            raise FormatError("a JPM00010 block outside JPTRM or inside "
                "another block", _where(name, block))
        yield block
        parent = block.getparent()
        block.clear(keep_tail=False)
        while block.getprevious() is not None:
            del parent[0]
        for element in events:
            if element.tag == 'JPM00010':
                block = element
                break
            if element.tag != ROOT:
                raise FormatError(f"{element.tag} after the first supply "
                    "point block", _where(name, element))
        else:
            return


def _date(text, what, where):
    try:
        if len(text) != 8 or not (text.isascii() and text.isdigit()):
            raise ValueError
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise FormatError(f"{what} {text!r} is not a date YYYYMMDD",
            where) from None


def _decimal(text, what, where, required=True):
    text = (text or '').strip()
    if not text:
        if required:
            raise FormatError(f"{what} is missing", where)
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise FormatError(f"{what} {text!r} is not a number", where)
    if value < 0:
        raise FormatError(f"{what} {text!r} is negative", where)
    return value


def _supply_point(block, name):
    number = (block.findtext('JP06400') or '').strip()
    try:
        return spid.validate(number)
    except PowerCoreError as exception:
        raise FormatError(exception.reason, _where(name, block)) from None


def _provided(block, name, number):
    flag = (block.findtext('JP06405') or '0').strip()
    if flag not in {'0', '1', '2', '3', '9'}:
        raise FormatError(f"availability flag JP06405 {flag!r} is not a "
            "code", _where(name, block, number))
    return flag == '0'


CODES = [str(code) for code in range(1, SLOTS + 1)]
# the 48 values of a well-formed day joined by spaces: kWh, one decimal
_VALUES = re.compile(r'(?:[0-9]+(?:\.[0-9])? ){%d}' % SLOTS)
_VALUE = re.compile(r'[0-9]+(?:\.[0-9])?')


def _days(blocks, header, name, stream=None):
    seen = set()
    day_text = f'{header.date:%Y%m%d}'
    for block in blocks:
        number = _supply_point(block, name)
        if number in seen:
            raise FormatError("the supply point appears twice",
                _where(name, block, number))
        seen.add(number)
        if not _provided(block, name, number):
            # no data this day: every half hour missing
            yield Day(number, DayProfile(header.date, (0,) * SLOTS,
                    MISSING * SLOTS), block.sourceline)
            continue
        flagged = stream is None or stream.flagged
        profile = (_fast_day(block, header.date, day_text, flagged)
            or _careful_day(block, header, name, number))
        yield Day(number, profile, block.sourceline)


# the time codes of the slots flagged estimated; any other flag is odd
_ESTIMATED = etree.XPath('JPM00014[JP06424/@status="E"]/JP06219/text()')
_ODD_FLAG = etree.XPath('boolean(JPM00014/JP06424[@status!="E"])')


def _fast_day(block, date, day_text, flagged=True):
    """The day of a block laid out as usual (the day, then the 48 slots in
    order, each with its time code and a value), or None to read it
    carefully. Most blocks are usual: this reads one with a few C-level
    calls instead of a Python step per value."""
    group = block[-1] if len(block) else None
    if (group is None or group.tag != 'JPM00013'
            or block.find('JPM00013') is not group):
        return None  # no day group, or more than one
    if (len(group) != SLOTS + 1 or group[0].tag != 'JP06423'
            or group[0].text != day_text):
        return None
    texts = list(group.itertext('JP06219', 'JP06424', with_tail=False))
    if len(texts) != 2 * SLOTS or texts[0::2] != CODES:
        return None
    values = texts[1::2]
    joined = ' '.join(values) + ' '
    if not _VALUES.fullmatch(joined):
        return None
    if joined.count('.') == SLOTS:
        tenths = tuple(map(int, joined.replace('.', '').split()))
    else:
        tenths = tuple(int(t.replace('.', '')) if '.' in t else int(t) * 10
            for t in values)
    quality = MEASURED * SLOTS
    estimated = _ESTIMATED(group) if flagged else None
    if estimated:
        if _ODD_FLAG(group):
            return None
        flagged = {int(code) - 1 for code in estimated}
        quality = ''.join(ESTIMATED if i in flagged else MEASURED
            for i in range(SLOTS))
    return DayProfile(date, tenths, quality)


def _careful_day(block, header, name, number):
    "The day of a block read element by element, naming what is wrong."
    where = _where(name, block, number)
    groups = block.findall('JPM00013')
    if len(groups) != 1:
        raise FormatError(f"{len(groups)} day groups JPM00013, "
            "expected one", where)
    group, = groups
    date = _date((group.findtext('JP06423') or '').strip(),
        'JP06423 (day)', where)
    if date != header.date:
        raise FormatError(f"the day {date} is not the file's day "
            f"{header.date}", where)
    tenths = [0] * SLOTS
    quality = [MISSING] * SLOTS
    filled = [False] * SLOTS
    for slot in group.iterfind('JPM00014'):
        code = (slot.findtext('JP06219') or '').strip()
        if not (code.isascii() and code.isdigit()
                and 1 <= int(code) <= SLOTS):
            raise FormatError(f"time code JP06219 {code!r} is not 1 to "
                f"{SLOTS}", _where(name, slot, number))
        index = int(code) - 1
        if filled[index]:
            raise FormatError(f"time code {code} appears twice",
                _where(name, slot, number))
        filled[index] = True
        value = slot.find('JP06424')
        text = (value.text or '').strip() if value is not None else ''
        if not text:
            continue  # missing half hour
        if not _VALUE.fullmatch(text):
            raise FormatError(f"slot {code}: {text!r} is not a kWh "
                "value in ASCII digits with at most one decimal",
                _where(name, slot, number))
        tenths[index] = int(text.replace('.', '')) if '.' in text else (
            int(text) * 10)
        status = value.get('status')
        if status not in (None, 'E'):
            raise FormatError(f"slot {code}: status {status!r} is not E",
                _where(name, slot, number))
        quality[index] = ESTIMATED if status == 'E' else MEASURED
    if not all(filled):
        missing = [str(i + 1) for i, f in enumerate(filled) if not f]
        raise FormatError(f"time codes {', '.join(missing[:5])}"
            f"{'…' if len(missing) > 5 else ''} are missing", where)
    return DayProfile(header.date, tuple(tenths), ''.join(quality))


def _confirmed(blocks, header, name):
    seen = set()
    for block in blocks:
        number = _supply_point(block, name)
        where = _where(name, block, number)
        if not _provided(block, name, number):
            continue
        start = _date((block.findtext('JP06447') or '').strip(),
            'JP06447 (period start)', where)
        end = _date((block.findtext('JP06448') or '').strip(),
            'JP06448 (reading day)', where)
        if end <= start:
            raise FormatError(f"the reading day {end} is not after the "
                f"period start {start}", where)
        reason = (block.findtext('JP06450') or '1').strip()
        if reason not in READING_KINDS:
            raise FormatError(f"reading reason JP06450 {reason!r} is none "
                f"of {', '.join(READING_KINDS)}", where)
        # a replacement closes part of the period on its own day
        if (header.month and READING_KINDS[reason] != 'meter_change'
                and end.replace(day=1) != header.month):
            raise FormatError(f"the reading day {end} is not in the file's "
                f"month {header.month:%Y-%m}", where)
        meter = (block.findtext('JP06449') or '').strip()
        key = (number, meter, start, end)
        if key in seen:
            raise FormatError("the same reading appears twice", where)
        seen.add(key)
        kwh = _decimal(block.findtext('JP06426'), 'usage JP06426', where)
        if kwh * 10 != (kwh * 10).to_integral_value():
            raise FormatError(f"usage {kwh} has more than one decimal",
                where)
        next_text = (block.findtext('JP06446') or '').strip()
        yield Confirmed(number, start, end, kwh, meter,
            READING_KINDS[reason],
            max_demand=_decimal(block.findtext('JP06445'),
                'maximum demand JP06445', where, required=False),
            power_factor=_decimal(block.findtext('JP06406'),
                'power factor JP06406', where, required=False),
            next_reading_date=(_date(next_text, 'JP06446 (next reading)',
                    where) if next_text else None),
            line=block.sourceline)


def _meter_changes(blocks, header, name):
    seen = set()
    for block in blocks:
        number = _supply_point(block, name)
        where = _where(name, block, number)
        date = _date((block.findtext('JP06451') or '').strip(),
            'JP06451 (replacement day)', where)
        old = (block.findtext('JP06452') or '').strip()
        new = (block.findtext('JP06453') or '').strip()
        if not old or not new or old == new:
            raise FormatError(f"old meter {old!r} and new meter {new!r} "
                "must both be given and differ", where)
        if (number, date) in seen:
            raise FormatError("the replacement appears twice", where)
        seen.add((number, date))
        yield MeterChange(number, date, old, new,
            (block.findtext('JP06454') or '').strip(), block.sourceline)


# --- writing (the simulator of the grid operator, golden files) ----------

def write(stream, header, records, zip_name=None):
    """Write header and records (Day | Confirmed | MeterChange) as the
    XML of the layout to a binary stream, zipped as zip_name if given.
    Streams: records may be a generator."""
    if zip_name:
        with zipfile.ZipFile(stream, 'w', zipfile.ZIP_DEFLATED) as archive:
            with archive.open(zip_name, 'w', force_zip64=True) as member:
                _write_xml(member, header, records)
        return
    _write_xml(stream, header, records)


def _write_xml(stream, header, records):
    info = {v: k for k, v in KINDS.items()}[header.kind]
    with etree.xmlfile(stream, encoding='UTF-8') as xf:
        xf.write_declaration()
        with xf.element(ROOT), xf.element(GROUP), xf.element(TERM):
            _leaf(xf, 'JP00002', info)
            _leaf(xf, 'JP06110', header.sender)
            _leaf(xf, 'JP06112', header.receiver)
            if header.kind == 'daily':
                _leaf(xf, 'JP06116', f'{header.date:%Y%m%d}')
            elif header.kind == 'confirmed':
                _leaf(xf, 'JP06401', f'{header.month:%Y%m}')
            elif header.date:
                _leaf(xf, 'JP06116', f'{header.date:%Y%m%d}')
            for record in records:
                xf.write(_block(record))


def _leaf(xf, tag, text):
    with xf.element(tag):
        xf.write(text)


def _sub(parent, tag, text):
    element = etree.SubElement(parent, tag)
    element.text = text
    return element


def _block(record):
    block = etree.Element('JPM00010')
    _sub(block, 'JP06400', record.supply_point)
    if isinstance(record, Day):
        profile = record.profile
        if set(profile.quality) == {MISSING}:
            _sub(block, 'JP06405', '1')
            return block
        _sub(block, 'JP06405', '0')
        group = etree.SubElement(block, 'JPM00013')
        _sub(group, 'JP06423', f'{profile.date:%Y%m%d}')
        for code, (tenths, quality) in enumerate(
                zip(profile.tenths, profile.quality), 1):
            slot = etree.SubElement(group, 'JPM00014')
            _sub(slot, 'JP06219', str(code))
            value = _sub(slot, 'JP06424', '' if quality == MISSING
                else f'{tenths // 10}.{tenths % 10}')
            if quality == ESTIMATED:
                value.set('status', 'E')
    elif isinstance(record, Confirmed):
        _sub(block, 'JP06405', '0')
        _sub(block, 'JP06447', f'{record.start:%Y%m%d}')
        _sub(block, 'JP06448', f'{record.end:%Y%m%d}')
        _sub(block, 'JP06449', record.meter_number)
        _sub(block, 'JP06450', READING_CODES[record.kind])
        _sub(block, 'JP06426', str(record.kwh))
        if record.power_factor is not None:
            _sub(block, 'JP06406', str(record.power_factor))
        if record.max_demand is not None:
            _sub(block, 'JP06445', str(record.max_demand))
        if record.next_reading_date:
            _sub(block, 'JP06446', f'{record.next_reading_date:%Y%m%d}')
    else:
        _sub(block, 'JP06451', f'{record.date:%Y%m%d}')
        _sub(block, 'JP06452', record.old_meter)
        _sub(block, 'JP06453', record.new_meter)
        if record.reason:
            _sub(block, 'JP06454', record.reason)
    return block


def file_name(header, sequence=1):
    """The archive name in the TSO download service's pattern (W41120… for
    low-voltage past days, W51220… for confirmed usage)."""
    if header.kind == 'daily':
        return f'W41120{header.date:%Y%m%d}0000{sequence:04d}.zip'
    if header.kind == 'confirmed':
        return f'W51220{header.month:%Y%m}01{sequence:04d}.zip'
    return f'W51230{header.date:%Y%m%d}{sequence:04d}.zip'
