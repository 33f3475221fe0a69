"""Webhook signatures, checked on the raw body before anything else.

Three schemes (``SCHEMES``), chosen by the channel's platform (``scheme_of``):

- ``shopify``: ``X-Shopify-Hmac-Sha256`` = Base64(HMAC-SHA256(secret, body));
- ``stripe``: ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`` where each ``v1``
  may be hex(HMAC-SHA256(secret, "<t>." + body)); accepted if any ``v1`` matches and
  ``|now - t| <= tolerance`` (300 s); ``v0`` ignored;
- ``hmac`` (Mirakl and any other platform): ``X-Signature: sha256=<hex>`` (or the bare
  hex) of HMAC-SHA256(secret, "<X-Timestamp>." + body), ``X-Timestamp`` in unix
  seconds within the tolerance, so that an old delivery cannot be replayed.

Comparisons are constant-time (``hmac.compare_digest``). A failed check raises
``SignatureError`` with ``reason`` ``missing``, ``invalid`` or ``expired``; replays
(a signature already accepted once) are recognized by the caller from
``signature_digest``, which it stores with the event.
"""

import base64
import hashlib
import hmac
import json

DEFAULT_TOLERANCE = 300


class SignatureError(Exception):
    """The delivery is not signed by the platform: reject it (HTTP 401)."""

    def __init__(self, reason, message):
        self.reason = reason
        super().__init__(message)


def _header(headers, name):
    """Header ``name`` from any mapping, case-insensitively."""
    value = headers.get(name)
    if value is None:
        lower = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lower), None)
    return value.strip() if isinstance(value, str) else value


def _mac(secret, message):
    return hmac.new(secret.encode(), message, hashlib.sha256)


def verify_shopify(body, headers, secret, now=None, tolerance=DEFAULT_TOLERANCE):
    """Shopify: Base64 HMAC-SHA256 of the raw body.

    >>> body = b'{"id": 1}'
    >>> sig = base64.b64encode(_mac("s3cret", body).digest()).decode()
    >>> verify_shopify(body, {"X-Shopify-Hmac-Sha256": sig}, "s3cret")
    >>> verify_shopify(body, {"X-Shopify-Hmac-Sha256": sig}, "other")
    Traceback (most recent call last):
    ...
    marketplace_connectors.core.api.webhooks.SignatureError: signature does not match
    """
    received = _header(headers, "X-Shopify-Hmac-Sha256")
    if not received:
        raise SignatureError("missing", "no X-Shopify-Hmac-Sha256 header")
    expected = base64.b64encode(_mac(secret, body).digest()).decode()
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise SignatureError("invalid", "signature does not match")


def verify_stripe(body, headers, secret, now, tolerance=DEFAULT_TOLERANCE):
    """Stripe: ``t=`` timestamp and one or more ``v1=`` HMACs of ``"<t>." + body``."""
    received = _header(headers, "Stripe-Signature")
    if not received:
        raise SignatureError("missing", "no Stripe-Signature header")
    timestamp, candidates = None, []
    for item in received.split(","):
        key, _sep, value = item.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if not timestamp or not timestamp.isdigit() or not candidates:
        raise SignatureError("invalid", "malformed Stripe-Signature header")
    expected = _mac(secret, timestamp.encode() + b"." + body).hexdigest().encode()
    if not any(hmac.compare_digest(expected, c.encode()) for c in candidates):
        raise SignatureError("invalid", "signature does not match")
    if abs(now - int(timestamp)) > tolerance:
        raise SignatureError("expired", "signature timestamp outside the tolerance")


def verify_hmac(body, headers, secret, now, tolerance=DEFAULT_TOLERANCE):
    """Generic: ``X-Signature`` hex HMAC of ``"<X-Timestamp>." + body``.

    >>> body, t = b'{"id": "e1"}', "1795435200"
    >>> sig = "sha256=" + _mac("k", t.encode() + b"." + body).hexdigest()
    >>> verify_hmac(body, {"X-Signature": sig, "X-Timestamp": t}, "k", 1795435260)
    >>> verify_hmac(body, {"X-Signature": sig, "X-Timestamp": t}, "k", 1795436000)
    Traceback (most recent call last):
    ...
    marketplace_connectors.core.api.webhooks.SignatureError: signature timestamp ...
    """
    received = _header(headers, "X-Signature")
    timestamp = _header(headers, "X-Timestamp")
    if not received or not timestamp:
        raise SignatureError("missing", "no X-Signature / X-Timestamp header")
    if not timestamp.isdigit():
        raise SignatureError("invalid", "malformed X-Timestamp header")
    received = received.removeprefix("sha256=")
    expected = _mac(secret, timestamp.encode() + b"." + body).hexdigest()
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise SignatureError("invalid", "signature does not match")
    if abs(now - int(timestamp)) > tolerance:
        raise SignatureError(
            "expired", "signature timestamp outside the tolerance window"
        )


SCHEMES = {"shopify": verify_shopify, "stripe": verify_stripe, "hmac": verify_hmac}
SIGNATURE_HEADERS = {
    "shopify": "X-Shopify-Hmac-Sha256",
    "stripe": "Stripe-Signature",
    "hmac": "X-Signature",
}


def scheme_of(platform):
    """The signature scheme of a channel platform.

    >>> scheme_of("stripe"), scheme_of("mirakl")
    ('stripe', 'hmac')
    """
    return platform if platform in ("shopify", "stripe") else "hmac"


def verify(scheme, body, headers, secret, now, tolerance=DEFAULT_TOLERANCE):
    """Check ``body`` against ``headers`` with ``scheme``; raise ``SignatureError``."""
    if not secret:
        raise SignatureError("missing", "the channel has no webhook secret")
    SCHEMES[scheme](body, headers, secret, now, tolerance)


def signature_digest(scheme, headers):
    """SHA-256 of the signature header: the same signed delivery twice is a replay."""
    value = _header(headers, SIGNATURE_HEADERS[scheme]) or ""
    if scheme == "hmac":
        value = f"{_header(headers, 'X-Timestamp')}:{value}"
    return hashlib.sha256(value.encode()).hexdigest()


def envelope(scheme, body, headers):
    """``(event_id, topic)`` of a verified delivery, read from headers or the body's
    top-level ``id`` / ``type``; the body's SHA-256 when the platform names no id.

    >>> envelope("stripe", b'{"id": "evt_1", "type": "payout.paid"}', {})
    ('evt_1', 'payout.paid')
    >>> envelope("shopify", b"{}", {"X-Shopify-Webhook-Id": "w-9",
    ...                             "X-Shopify-Topic": "orders/create"})
    ('w-9', 'orders/create')
    """
    if scheme == "shopify":
        event_id = _header(headers, "X-Shopify-Webhook-Id")
        topic = _header(headers, "X-Shopify-Topic")
    else:
        event_id = _header(headers, "X-Event-Id")
        topic = _header(headers, "X-Event-Type")
        if not event_id or not topic:
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if isinstance(data, dict):
                event_id = event_id or data.get("id")
                topic = topic or data.get("type") or data.get("event_type")
    event_id = str(event_id) if event_id else hashlib.sha256(body).hexdigest()
    return event_id[:255], (str(topic)[:128] if topic else "")
