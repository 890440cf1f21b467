"""The print shop (印刷代行) as seen from the retailer: it picks up the
batches from our outbox, checks them and answers each with an
acknowledgement in our inbox. Its rule: a document without a postal code
cannot be posted (NG 宛先不備); the others are accepted."""
import os
from pathlib import Path

from power_core.formats import FormatError
from power_core.formats import print_shop


class PrintShop:

    def __init__(self, outbox, inbox):
        self.outbox, self.inbox = Path(outbox), Path(inbox)

    def process(self):
        "Pick up every batch; the names of the acknowledgements written."
        written = []
        for path in sorted(self.outbox.glob('*.zip')):
            batch = path.stem
            try:
                items, _ = print_shop.read_batch(path.read_bytes(), path.name)
            except FormatError as error:
                ack = print_shop.Acknowledgement(batch, (),
                    (('*', error.reason),))
            else:
                ack = print_shop.Acknowledgement(batch,
                    tuple(i.document_id for i in items if i.postal_code),
                    tuple((i.document_id, '宛先不備（郵便番号なし）')
                        for i in items if not i.postal_code))
            self.inbox.mkdir(parents=True, exist_ok=True)
            name = f'ACK_{batch}.csv'
            temporary = self.inbox / f'.{name}.part'
            temporary.write_bytes(print_shop.write_ack(ack))
            os.replace(temporary, self.inbox / name)
            path.unlink()  # picked up
            written.append(name)
        return written
