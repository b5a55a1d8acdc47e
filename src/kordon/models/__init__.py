"""Detector model files shipped inside the package, located with ``importlib.resources``.

Every read checks the file's sha256 against the value recorded here, so a truncated or
swapped file fails loudly at ``load()`` time instead of producing wrong detections.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

from kordon.domain.errors import KordonError


class ModelFileError(KordonError):
    """A model file is missing, unreadable or does not match its recorded checksum."""


@dataclass(frozen=True, slots=True)
class ShippedModel:
    """One model file in this package, with its recorded sha256 and licence."""

    filename: str
    sha256: str
    licence: str


NANODET_M_416_COCO = ShippedModel(
    filename="nanodet_m_416_coco.onnx",
    sha256="c9fe029afb27f2ec433f64290089a6630a4922d46a44b6360ae85509fb3d722b",
    licence="Apache-2.0",
)
SSDLITE_PERSON_300 = ShippedModel(
    filename="ssdlite_mobilenetv2_person_300.onnx",
    sha256="52d388d28bd05be531d9a61f049238b18c824c869104badafc82e91cda5bee03",
    licence="MIT",
)


def sha256_hex(data: bytes) -> str:
    """Lower-case hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def verify_sha256(data: bytes, expected_sha256: str, *, source: str) -> None:
    """Raise ``ModelFileError`` naming ``source`` when ``data`` does not hash to the value."""
    found = sha256_hex(data)
    if found != expected_sha256.lower():
        raise ModelFileError(
            f"model file {source}: sha256 mismatch, expected {expected_sha256.lower()}, "
            f"found {found} (file corrupt, truncated or replaced)"
        )


def shipped_model_bytes(model: ShippedModel) -> tuple[str, bytes]:
    """``(where, content)`` of a shipped model, checksum verified.

    ``where`` names the resource for error messages. Reading the bytes (rather than a
    path) also works when the package is imported from a zip.
    """
    resource = resources.files(__name__).joinpath(model.filename)
    where = str(resource)
    try:
        data = resource.read_bytes()
    except OSError as exc:
        raise ModelFileError(
            f"shipped model {model.filename} cannot be read from package {__name__} "
            f"({where}): {exc}"
        ) from exc
    verify_sha256(data, model.sha256, source=where)
    return where, data
