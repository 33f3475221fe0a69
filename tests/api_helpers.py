"""Helpers shared by the API client tests (``test_api_*.py``).

The ``server`` and ``api`` fixtures live in ``conftest.py``; here are the client
factory, the recording clock and the page-file parser they all use.
"""

import itertools

from marketplace_connectors.core import parsers
from marketplace_connectors.core.records import Line, PayoutInfo


class Clock:
    """A clock that only sleeping moves: waits are recorded, never slept."""

    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 6))
        self.now += seconds


def never_waits():
    """A clock 1000 s further on at each reading: the rate limit never waits."""
    return itertools.count(0, 1000).__next__


def make_client(client_class, api, credentials, **kwargs):
    """``(client, slept)``: a ``client_class`` of the fake ``api``, sleeps recorded.

    With a ``Clock`` as ``clock`` the client sleeps on it, and ``slept`` is its record;
    otherwise the waits are appended to ``slept``, never slept.
    """
    clock = kwargs.get("clock")
    if isinstance(clock, Clock):
        slept, sleep = clock.slept, clock.sleep
    else:
        slept = []
        sleep = slept.append
    kwargs.setdefault("base_url", api.url)
    client = client_class(
        credentials,
        timeout=(2, 2),
        sleep=sleep,
        rng=lambda: 0.5,
        **kwargs,
    )
    return client, slept


def parse_page(file, platform):
    """``(payouts, lines, others)`` of a page file ``(name, content, format_code)``.

    The file must be detected as its own format for ``platform``; it is then read by
    that format's real parser.
    """
    name, content, format_code = file
    detected = parsers.detect(content[:65536], name, platform=platform)
    assert detected.FORMAT == format_code
    records = list(parsers.get(format_code).parse(content, name))
    payouts = [r for r in records if isinstance(r, PayoutInfo)]
    lines = [r for r in records if isinstance(r, Line)]
    others = [r for r in records if not isinstance(r, (PayoutInfo, Line))]
    return payouts, lines, others
