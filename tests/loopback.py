"""A twin served over real loopback HTTP on a thread, for tests that drive the CLI by URL.

with serving(Twin.generate(1)) as url:   # "http://127.0.0.1:PORT/v2"
    CliRunner().invoke(cli, ["snapshot", "--api-url", url, ...])
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(twin: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, twin.wsgi(), WSGIServer, _Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v2"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
