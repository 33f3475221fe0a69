"""Deterministic keys: the same source line always gets the same external key.

The database holds ``UNIQUE(channel_id, external_key)`` on transactions, so importing a
file twice, or two files that overlap, creates each line once.
"""

import hashlib

_SEP = "\x1f"


def external_key(*parts):
    """A readable key from a source's own ids: ``external_key("txn_1", "fee")``.

    >>> external_key("shopify", 123, "fee")
    'shopify:123:fee'
    """
    return ":".join(str(part) for part in parts)


def content_key(prefix, values, occurrence):
    """A key for sources whose lines carry no id of their own (Amazon V2, CSV).

    It hashes the line's values and adds ``occurrence``, the number of identical lines
    already seen in the same payout, so two identical fee rows stay two transactions
    while re-importing the same file or a reordered copy gives the same keys.

    >>> content_key("amz:123", ["Order", "-1,00"], 0)
    'amz:123:396877face4e6d3f7115:0'
    """
    digest = hashlib.sha1(_SEP.join(values).encode("utf-8")).hexdigest()[:20]
    return f"{prefix}:{digest}:{occurrence}"


def payload_checksum(content):
    """SHA-256 of a file's bytes: the import batch's identity."""
    return hashlib.sha256(content).hexdigest()
