"""The power procurement partner (電源調達先): picks up our supply plans from
the outbox and acknowledges each in our inbox (NG with the reason when the
plan does not read)."""
import os
from pathlib import Path

from power_core.formats import FormatError
from power_core.formats import procurement


class Procurement:

    def __init__(self, outbox, inbox):
        self.outbox, self.inbox = Path(outbox), Path(inbox)
        self.plans = {}   # file name → rows received

    def process(self):
        written = []
        for path in sorted(self.outbox.glob('PLAN_*.csv')):
            try:
                self.plans[path.name] = procurement.read_plan(
                    path.read_bytes(), path.name)
                ack = procurement.write_ack(path.name, 'OK')
            except FormatError as error:
                ack = procurement.write_ack(path.name, 'NG', error.reason)
            self.inbox.mkdir(parents=True, exist_ok=True)
            name = f'ACK_{path.name}'
            temporary = self.inbox / f'.{name}.part'
            temporary.write_bytes(ack)
            os.replace(temporary, self.inbox / name)
            path.unlink()
            written.append(name)
        return written
