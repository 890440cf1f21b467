"""Local simulators of the partners we cannot reach: each speaks the
partner's format (through the same codecs) so that tests, benchmarks and
the demo run the full round trip."""
import os
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server


def drop(folder, name, data):
    """Write a file into folder the way a transfer product does: complete
    or not at all (a hidden temporary name, then renamed); its name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f'.{name}.part'
    temporary.write_bytes(data)
    os.replace(temporary, folder / name)
    return name


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def serve(application, port=0):
    """Serve a WSGI application on 127.0.0.1:port (0: any free port) in a
    daemon thread, without request logs; the server (shutdown() stops it)."""
    server = make_server('127.0.0.1', port, application,
        handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
