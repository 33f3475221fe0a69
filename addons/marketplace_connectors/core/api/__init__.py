"""Marketplace API clients: the Adapter of the connector vocabulary.

Each platform client turns one *page* of a platform stream (payouts, orders, open
financial events) into files that ``marketplace.channel.import_files`` already knows,
plus the cursor to store once that page is committed. Clients are pure Python plus
``requests``: the HTTP session is injected, so tests point them at a real loopback
server; timeouts, retries and rate limits live in ``base.ApiClient``.
"""

from .base import (  # noqa: F401
    ApiClient,
    ApiError,
    AuthError,
    Page,
    RateLimiter,
    RetryableApiError,
)

CLIENTS = {}


def register(platform):
    """Class decorator: the client of ``platform`` (a ``marketplace.channel`` key)."""

    def wrap(cls):
        CLIENTS[platform] = cls
        cls.PLATFORM = platform
        return cls

    return wrap


def client_class(platform):
    """The client class of ``platform``; ``KeyError`` when it has no API client."""
    return CLIENTS[platform]


# The platform clients register themselves on import.
from . import amazon, ebay, mirakl, shopify, stripe  # noqa: E402, F401
