"""Delivery documents: the type sniffed from the content, kept by hash, nothing stored on
a refusal (the API side is in test_api.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from kordon.evidence.ledger import Ledger
from kordon.register.documents import check_document, clean_name
from kordon.register.errors import RegisterInputError, RegisterNotFoundError
from kordon.register.importer import import_assets
from kordon.register.service import RegisterService
from tests.register.conftest import ACTOR, T0, audit_actions, csv_text, row

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="PNG")
    return out.getvalue()


def test_pdf_and_images_are_recognised_by_content_not_name() -> None:
    pdf = check_document(PDF, "scan.jpg")
    assert (pdf.content_type, pdf.extension, pdf.name) == ("application/pdf", "pdf", "scan.jpg")
    image = check_document(png(), "note.pdf")
    assert (image.content_type, image.extension) == ("image/png", "png")
    assert len(pdf.sha256) == 64


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\note.pdf", "note.pdf"),
        ("a\x00b\nc.pdf", "abc.pdf"),
    ],
)
def test_file_names_lose_folders_and_control_characters(name: str, cleaned: str) -> None:
    assert clean_name(name) == cleaned


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "a.pdf", "empty"),
        (PDF, "/", "no file name"),
        (PDF, "x" * 201, "longer than 200"),
        (b"%PDF-" + b"0" * 2000, "a.pdf", "truncated"),
        (PDF + b"\0" * 50, "a.pdf", "at most 60 bytes"),
    ],
)
def test_bad_documents_say_why(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(RegisterInputError, match=reason):
        check_document(
            data, name, max_bytes=60 if len(data) > 60 and data.startswith(PDF) else 10**6
        )


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300), name=st.text(max_size=40))
def test_any_bytes_are_accepted_or_refused_with_a_reason(data: bytes, name: str) -> None:
    reason = ""
    try:
        checked = check_document(data, name)
    except RegisterInputError as exc:
        reason = str(exc)
    if reason:
        assert len(reason) > 10
    else:
        assert checked.content_type in {"application/pdf", "image/jpeg", "image/png", "image/webp"}


@pytest.fixture
def one_camera(seeded: RegisterService, tmp_path: Path) -> RegisterService:
    path = tmp_path / "a.csv"
    path.write_text(csv_text(row("CAM-1")))
    import_assets(seeded, path, actor=ACTOR, time=T0)
    return seeded


def test_documents_accumulate_and_are_audited(
    one_camera: RegisterService, tmp_path: Path, ledger: Ledger
) -> None:
    first = one_camera.attach_document(
        "CAM-1", data=PDF, file_name="note.pdf", actor=ACTOR, time=T0
    )
    second = one_camera.attach_document(
        "CAM-1", data=png(), file_name="photo.png", actor=ACTOR, time=T0
    )
    assert [d.name for d in first.documents] == ["note.pdf"]
    assert [d.name for d in second.documents] == ["note.pdf", "photo.png"]
    assert second.sources == ("a.csv",)
    stored = one_camera.document("CAM-1", second.documents[1].sha256)
    assert stored == (png(), "image/png", "photo.png")
    assert sorted(p.suffix for p in (tmp_path / "documents").rglob("*.*")) == [".pdf", ".png"]
    assert audit_actions(ledger).count("register.delivery.document") == 2


def test_an_unknown_serial_leaves_no_file(one_camera: RegisterService, tmp_path: Path) -> None:
    with pytest.raises(RegisterNotFoundError, match="NOPE"):
        one_camera.attach_document("NOPE", data=PDF, file_name="n.pdf", actor=ACTOR, time=T0)
    assert not any((tmp_path / "documents").rglob("*.pdf"))
