"""Ed25519 keys of a site: the ledger signer and offline verifiers."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from kordon.evidence.errors import KeyFileError

logger = logging.getLogger(__name__)

KEY_FILE = Path("keys") / "ledger_ed25519.pem"
"""Where the site's ledger signing key lives, relative to the data directory."""


def key_id_of(public_raw: bytes) -> str:
    """Key id: lower-case hex SHA-256 of the 32-byte raw Ed25519 public key."""
    return hashlib.sha256(public_raw).hexdigest()


def fingerprint(key_id: str) -> str:
    """A key id for people to compare: upper-case hex in groups of four."""
    text = key_id.upper()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


class Verifier:
    """An Ed25519 public key that checks signatures."""

    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self._key = public_key
        self._raw = public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @classmethod
    def from_pem(cls, pem: bytes) -> Verifier:
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyFileError(f"not a PEM public key: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFileError(f"expected an Ed25519 public key, got {type(key).__name__}")
        return cls(key)

    @classmethod
    def from_raw(cls, raw: bytes) -> Verifier:
        if len(raw) != 32:
            raise KeyFileError(f"a raw Ed25519 public key is 32 bytes, got {len(raw)}")
        return cls(Ed25519PublicKey.from_public_bytes(raw))

    @property
    def raw(self) -> bytes:
        return self._raw

    @property
    def key_id(self) -> str:
        return key_id_of(self._raw)

    def fingerprint(self) -> str:
        return fingerprint(self.key_id)

    def public_pem(self) -> bytes:
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self._key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


class Signer:
    """The site's Ed25519 signing key. ``Signer(key)`` is cheap; loading is explicit."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self._verifier = Verifier(private_key.public_key())

    @classmethod
    def generate(cls) -> Signer:
        """A new random key held only in memory (tests, or before :meth:`save`)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path) -> Signer:
        """Load a PEM private key; refuse a file that group or others can read or write."""
        try:
            mode = path.stat().st_mode
            data = path.read_bytes()
        except OSError as exc:
            raise KeyFileError(f"cannot read signing key {path}: {exc.strerror}") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(
                f"signing key {path} has mode {stat.S_IMODE(mode):04o}; "
                "it must be readable by its owner only (chmod 600)"
            )
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyFileError(f"{path} is not an unencrypted PEM private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyFileError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
        return cls(key)

    @classmethod
    def load_or_create(cls, data_dir: Path) -> Signer:
        """Load ``<data_dir>/keys/ledger_ed25519.pem``, creating it (mode 0600) if absent."""
        path = data_dir / KEY_FILE
        if not path.exists():
            cls.generate().save(path)
        return cls.load(path)

    def save(self, path: Path) -> None:
        """Write the key atomically with mode 0600; never overwrite an existing key.

        The key goes to a temporary file that is then hard-linked into place, so a reader
        never sees half a key and two processes racing to create it end up with one key.
        """
        pem = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, pem)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)
            except FileExistsError:
                logger.info("signing key %s was created concurrently; keeping that one", path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            _fsync_dir(path.parent)
        except OSError as exc:
            raise KeyFileError(f"cannot write signing key {path}: {exc.strerror}") from exc
        logger.info("created ledger signing key %s (%s)", path, self.verifier.fingerprint())

    @property
    def verifier(self) -> Verifier:
        return self._verifier

    @property
    def key_id(self) -> str:
        return self._verifier.key_id

    def public_pem(self) -> bytes:
        return self._verifier.public_pem()

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
