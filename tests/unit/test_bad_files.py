"""Hostile and broken inputs are refused with a reason a person can act on, and never take the
ingest process down with them."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pypdf
import pytest

from ingest.parsers import parse_document
from ingest.sandbox import ParserPool, parse_isolated
from kb.errors import FileRejected
from kb.settings import IngestSettings

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "public"


def hand_written_pdf(objects: list[bytes]) -> bytes:
    """A PDF with a correct cross-reference table around the given object bodies (object 1 is the root)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def blank_pdf(pages: int) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def rejected(path: Path, **kwargs: int) -> str:
    with pytest.raises(FileRejected) as caught:
        parse_document(path, **kwargs)
    return str(caught.value)


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert rejected(path) == "empty file (0 bytes)"


def test_binary_junk_named_pdf_is_refused(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(os.urandom(4096))
    assert "is not a PDF" in rejected(path)


def test_truncated_pdf_is_refused(tmp_path):
    whole = (CORPUS / "hhs_oig" / "physician.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    assert "truncated PDF" in rejected(path)


def test_pdf_with_garbage_body_is_refused_as_corrupt(tmp_path):
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200 + b"\nstartxref\n9\n%%EOF\n")
    assert "corrupt PDF" in rejected(path)


def test_password_protected_pdf_is_refused(tmp_path):
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    assert "encrypted PDF" in rejected(path)


def test_pdf_with_more_pages_than_allowed_is_refused(tmp_path):
    path = tmp_path / "long.pdf"
    path.write_bytes(blank_pdf(12))
    assert rejected(path, max_pdf_pages=5) == "PDF declares 12 pages; the limit is 5"


def test_pdf_whose_page_tree_lies_about_its_count_is_refused(tmp_path):
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"] * 8
    kids = b" ".join(b"%d 0 R" % number for number in range(3, 3 + len(pages)))
    path = tmp_path / "understated.pdf"
    path.write_bytes(
        hand_written_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count 1 >>" % kids, *pages])
    )
    assert rejected(path, max_pdf_pages=5) == "PDF has 8 pages; the limit is 5"


def test_pdf_with_absurdly_deep_nesting_is_refused(tmp_path):
    depth = 50_000
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Annots " + b"[" * depth + b"]" * depth + b" >>"
    path = tmp_path / "nested.pdf"
    path.write_bytes(hand_written_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page]))
    assert "nested too deeply" in rejected(path)


def test_pdf_whose_page_tree_loops_is_refused(tmp_path):
    path = tmp_path / "loop.pdf"
    path.write_bytes(
        hand_written_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >>",
            ]
        )
    )
    assert "cyclic" in rejected(path)


def test_text_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes("Résumé of the policy".encode("latin-1"))
    assert rejected(path) == "not UTF-8 text (byte 0xe9 at offset 1); save it as UTF-8"


def test_text_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes("\ufeffFirst paragraph.\n\nSecond paragraph.".encode("utf-8"))
    assert [block.text for block in parse_document(path)] == ["First paragraph.", "Second paragraph."]


def test_unknown_file_type_is_refused(tmp_path):
    path = tmp_path / "export.xyz"
    path.write_text("some text", encoding="utf-8")
    assert rejected(path).startswith("unsupported file type '.xyz'")


def test_zip_that_is_not_a_docx_is_refused(tmp_path):
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not a Word .docx" in rejected(path)


def test_docx_zip_bomb_is_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/padding.bin", "w") as member:
            for _ in range(120):
                member.write(bytes(1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    assert "possible zip bomb" in rejected(path)


def test_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 20_000)
    with pytest.raises(FileRejected, match=r"file is 0\.0 MB; the limit is 0\.01 MB"):
        parse_isolated(path, IngestSettings(max_file_mb=0.01))


def test_rejection_reasons_cross_the_process_boundary(tmp_path):
    path = tmp_path / "empty.md"
    path.write_bytes(b"")
    with ParserPool(IngestSettings()) as pool, pytest.raises(FileRejected, match=r"^empty file \(0 bytes\)$"):
        pool.parse(path)


# Targets run in the worker process; they must be module-level so the worker can import them by name.


def hang_forever() -> None:
    while True:
        time.sleep(1)


def allocate_far_too_much() -> bytes:
    return bytes(4 * 1024 * 1024 * 1024)


def crash() -> None:
    os._exit(3)


def test_parser_that_hangs_is_killed_at_the_time_limit_and_the_pool_recovers(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text("Still parses after a hang.", encoding="utf-8")
    with ParserPool(IngestSettings(parse_timeout_s=1)) as pool:
        started = time.monotonic()
        with pytest.raises(FileRejected, match=r"^parser exceeded 1 s$"):
            pool.run(hang_forever)
        assert time.monotonic() - started < 15
        assert [block.text for block in pool.parse(path)] == ["Still parses after a hang."]


def test_parser_over_the_memory_limit_is_refused():
    with ParserPool(IngestSettings(parse_memory_mb=512)) as pool:
        with pytest.raises(FileRejected, match=r"out of memory \(limit 512 MB\)"):
            pool.run(allocate_far_too_much)


def test_parser_process_that_dies_is_reported_and_replaced(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text("Body text.", encoding="utf-8")
    with ParserPool(IngestSettings()) as pool:
        with pytest.raises(FileRejected, match=r"parser process died \(exit code 3\)"):
            pool.run(crash)
        assert [block.text for block in pool.parse(path)] == ["Body text."]
