"""Evidence: an append-only, tamper-evident ledger (RFC 6962 Merkle tree) and export bundles.

Import the concrete modules (``kordon.evidence.ledger``, ``kordon.evidence.bundle``...);
this package does no work at import time.
"""
