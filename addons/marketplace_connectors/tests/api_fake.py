"""A real HTTP server on 127.0.0.1 serving scripted answers, for the API clients' tests.

    with FakeApi() as api:
        api.add("GET", "/v1/payouts", Reply(200, {"data": []}))
        client = SomeClient(base_url=api.url, ...)

Each route holds a list of answers served in turn (the last one repeats); an answer is a
``Reply`` or a callable ``(request) -> Reply`` for pagination. Every request is logged
in ``api.log`` as a ``Seen`` (method, path, query, headers, body) so tests assert what
the client sent. Nothing here reaches beyond the loopback interface.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: object = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (client timeouts)

    def payload(self):
        if isinstance(self.body, bytes):
            return self.body, self.headers.get(
                "Content-Type", "application/octet-stream"
            )
        if isinstance(self.body, str):
            return self.body.encode(), self.headers.get("Content-Type", "text/plain")
        return json.dumps(self.body).encode(), "application/json"


@dataclass
class Seen:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    abandoned: bool = False  # the client left before the answer

    def arg(self, name, default=None):
        """The first value of query parameter ``name``."""
        return self.query.get(name, [default])[0]


class FakeApi:
    def __init__(self):
        self.routes = {}
        self.log = []
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    # ---- scripting

    def add(self, method, path, *answers):
        """Answers of ``method path``, served in turn; the last one repeats."""
        self.routes[(method.upper(), path)] = list(answers)
        return self

    def seen(self, path=None, method=None):
        """Logged requests, optionally only those of ``path`` / ``method``."""
        return [
            s
            for s in self.log
            if (path is None or s.path == path)
            and (method is None or s.method == method)
        ]

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # ---- server

    def __enter__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def handle_any(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    dict(self.headers.items()),
                    body,
                )
                with fake.lock:
                    fake.log.append(seen)
                    answers = fake.routes.get((self.command, parts.path))
                    if answers:
                        answer = answers.pop(0) if len(answers) > 1 else answers[0]
                    else:
                        answer = Reply(404, {"error": f"no route {parts.path}"})
                reply = answer(seen) if callable(answer) else answer
                if reply.delay:
                    time.sleep(reply.delay)
                data, content_type = reply.payload()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        if name.lower() != "content-type":
                            self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    seen.abandoned = True  # the client timed out and left

            do_GET = do_POST = do_PUT = do_DELETE = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
        return False
