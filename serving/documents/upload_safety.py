"""Uploaded files: the type comes from the bytes, the name is rebuilt from safe characters, and the
file lands only inside a folder the chosen collection claims."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath

from corpus_config.schema import CorpusConfig
from kb.errors import FileRejected

PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
TEXT_EXTENSIONS = {".md": ".md", ".markdown": ".md", ".txt": ".txt", ".csv": ".csv", ".html": ".html", ".htm": ".html"}
SUPPORTED = "PDF, Word (.docx, .doc), HTML, Markdown, CSV, plain text"
MAX_NAME_CHARS = 120
_GLOB_CHARS = re.compile(r"[*?\[]")


def safe_filename(submitted: str) -> str:
    """The last path component of whatever was sent, reduced to letters, digits, dot, dash and underscore."""
    name = unicodedata.normalize("NFKC", submitted).replace("\\", "/").split("/")[-1]
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")
    name = re.sub(r"\.{2,}", ".", name)
    if not name:
        name = "upload"
    if len(name) > MAX_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: MAX_NAME_CHARS - len(extension) - 1] + dot + extension) if dot else name[:MAX_NAME_CHARS]
    return name


def detected_extension(data: bytes, filename: str) -> str:
    """The extension the content really has. Binary formats are told by their magic bytes; for text,
    which is only accepted as clean UTF-8, the submitted extension picks among the text kinds."""
    if not data:
        raise FileRejected("the file is empty")
    if PDF_MAGIC in data[:PDF_HEADER_WINDOW]:
        return ".pdf"
    if data.startswith(OLE2_MAGIC):
        return ".doc"
    if data.startswith(ZIP_MAGIC):
        if _is_docx(data):
            return ".docx"
        raise FileRejected("a zip archive that is not a Word .docx document")
    if b"\x00" in data:
        raise FileRejected(f"binary content of an unsupported type (supported: {SUPPORTED})")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected("text that is not UTF-8; save it as UTF-8 and upload again") from None
    extension = PurePosixPath(filename).suffix.lower()
    if extension in TEXT_EXTENSIONS:
        return TEXT_EXTENSIONS[extension]
    if extension in (".pdf", ".doc", ".docx"):
        raise FileRejected(f"named {extension} but the content is plain text")
    return ".txt"


def stored_name(submitted: str, data: bytes) -> str:
    """Safe name whose extension matches the detected type, whatever the sender called it."""
    name = safe_filename(submitted)
    extension = detected_extension(data, name)
    stem = name[: -len(PurePosixPath(name).suffix)] if PurePosixPath(name).suffix else name
    return f"{stem or 'upload'}{extension}"


def upload_path(corpus: CorpusConfig, collection: str, name: str) -> str:
    """Corpus-relative path for a new file of `collection`: the literal folder of one of its source globs,
    checked to be claimed by that collection (not an earlier one, not excluded)."""
    try:
        config = corpus.collection_named(collection)
    except KeyError:
        raise FileRejected(f"no collection named {collection!r}") from None
    for pattern in config.sources:
        folder_parts = []
        for part in PurePosixPath(pattern).parts[:-1]:
            if _GLOB_CHARS.search(part):
                break
            folder_parts.append(part)
        candidate = "/".join([*folder_parts, name])
        claimed = corpus.collection_for(candidate)
        if claimed is not None and claimed.name == collection:
            return candidate
    raise FileRejected(f"collection {collection!r} has no folder a new file can be placed in (see its sources)")


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
