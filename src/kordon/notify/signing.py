"""HMAC-SHA256 signatures of webhook requests (docs/integrations.md).

The sender signs ``timestamp + "." + body`` with the shared secret and sends
``X-Kordon-Timestamp`` (POSIX seconds, an integer) and ``X-Kordon-Signature``
(``sha256=`` and the lowercase hex digest). A receiver recomputes the digest, compares it
in constant time and refuses timestamps far from its own clock (replays).
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Kordon-Timestamp"
SIGNATURE_HEADER = "X-Kordon-Signature"
SCHEME = "sha256="


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Kordon-Signature`` value for ``body`` sent at ``timestamp``."""
    message = timestamp.encode("ascii") + b"." + body
    return SCHEME + hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify(secret: bytes, timestamp: str, body: bytes, header: str) -> bool:
    """True when ``header`` is the signature of ``body`` at ``timestamp`` (receiver side)."""
    return hmac.compare_digest(signature(secret, timestamp, body), header)
