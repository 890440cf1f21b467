"""A local mail server for the demo: it accepts what trytond sends (reply
mails, notices) on 127.0.0.1 and keeps each message as an .eml file in
var/mail/, so nothing leaves the machine and every mail can be read."""
import time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

HOST = '127.0.0.1'
PORT = 8025


class _Handler:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        stamp = time.strftime('%Y%m%d-%H%M%S')
        name = f'{stamp}-{abs(hash(message["Message-ID"])) % 10**8:08d}.eml'
        (self.folder / name).write_bytes(envelope.content)
        return '250 Message accepted for delivery'


def start(folder, host=HOST, port=PORT):
    "Start the sink in a thread; return its controller (call .stop())."
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_Handler(folder), hostname=host, port=port)
    controller.start()
    return controller


def uri(host=HOST, port=PORT):
    return f'smtp://{host}:{port}'


def serve_forever(folder, host=HOST, port=PORT):
    controller = start(folder, host, port)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
