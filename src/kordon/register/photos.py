"""End-use check photos: validated before anything is stored, kept by content hash.

A photo must be a JPEG, PNG or WebP that Pillow can fully decode, no larger than the limit
in bytes and in pixels (a decompression bomb is refused too). Files are written under
``<photos_dir>/<sha256[:2]>/<sha256>.<ext>`` through a temporary file and a rename.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, UnidentifiedImageError

from kordon.register.errors import RegisterInputError

DEFAULT_MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


@dataclass(frozen=True, slots=True)
class CheckedPhoto:
    data: bytes
    sha256: str
    content_type: str
    extension: str
    width_px: int
    height_px: int


def check_photo(data: bytes, *, max_bytes: int = DEFAULT_MAX_PHOTO_BYTES) -> CheckedPhoto:
    """``data`` validated as a photo; ``RegisterInputError`` saying why not."""
    if len(data) == 0:
        raise RegisterInputError("the photo is empty")
    if len(data) > max_bytes:
        raise RegisterInputError(
            f"the photo is {len(data)} bytes; at most {max_bytes} bytes are accepted"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                width, height = probe.size
                if kind not in _FORMATS:
                    raise RegisterInputError(
                        f"the photo is {kind or 'an unknown format'}; JPEG, PNG or WebP expected"
                    )
                if width * height > MAX_PIXELS:
                    raise RegisterInputError(
                        f"the photo has {width}x{height} pixels; at most {MAX_PIXELS} accepted"
                    )
                probe.load()
    except RegisterInputError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise RegisterInputError(f"the photo is not a readable image: {exc}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise RegisterInputError(f"the photo is refused: {exc}") from None
    content_type, extension = _FORMATS[kind]
    return CheckedPhoto(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
        extension=extension,
        width_px=width,
        height_px=height,
    )


class Blob(Protocol):
    """Checked content to keep: a photo, or a delivery document."""

    @property
    def data(self) -> bytes: ...
    @property
    def sha256(self) -> str: ...
    @property
    def extension(self) -> str: ...


class PhotoStore:
    """Photos of end-use checks (or, in a directory of their own, delivery documents) on
    disk, named by their SHA-256."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory

    def path_of(self, sha256: str, extension: str) -> Path:
        return self._dir / sha256[:2] / f"{sha256}.{extension}"

    @property
    def directory(self) -> Path:
        return self._dir

    def save(self, photo: Blob) -> bool:
        """Write ``photo`` (synced) unless the same content is already stored; whether it
        wrote a new file (only then may :meth:`remove` undo it)."""
        path = self.path_of(photo.sha256, photo.extension)
        if path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".photo-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(photo.data)
                out.flush()
                os.fsync(out.fileno())
            Path(temp).replace(path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return True

    def remove(self, sha256: str, extension: str) -> None:
        """Undo a ``save`` whose database write failed."""
        self.path_of(sha256, extension).unlink(missing_ok=True)

    def read(self, sha256: str, extension: str) -> bytes | None:
        path = self.path_of(sha256, extension)
        return path.read_bytes() if path.is_file() else None
