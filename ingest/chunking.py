"""Chunks along document structure, each within the embedding model's window.

Consecutive blocks that share a page and a section are packed together up to `max_tokens`; a block
too large on its own is split at sentence boundaries (llama-index's SentenceSplitter, counting with
the model's own tokenizer) with `overlap_tokens` of overlap, and anything still too large is cut at
word boundaries. Records (a CSV row, an addenda entry) are grouped only with records of the same code,
so an exact code lookup returns exactly that row. A chunk never spans two PDF pages.

Spans: `char_start`/`char_end` index the document text, which is the blocks' texts joined with a
blank line (`document_text`), so `document_text(blocks)[0][char_start:char_end] == chunk.text`.
Chunks cut from one oversized block may overlap.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

from corpus_config.schema import ChunkingConfig
from kb.codes import code_keywords
from kb.models import Chunk, ChunkMeta, DocumentInfo, ParsedBlock

BLOCK_SEPARATOR = "\n\n"
CHUNK_ID_NAMESPACE = uuid.UUID("6f1d3c64-0b8e-5a53-9a57-2f7c3e0d4b21")
WHITESPACE = re.compile(r"\s+")

TokenCounter = Callable[[str], int]


def document_id(relative_path: str) -> str:
    return hashlib.sha256(relative_path.encode("utf-8")).hexdigest()[:16]


def chunk_id(doc_id: str, file_hash: str, position: int) -> str:
    """Stable for the same file content, new when the file changes, so stale points never collide."""
    return str(uuid.uuid5(CHUNK_ID_NAMESPACE, f"{doc_id}:{file_hash}:{position}"))


def document_text(blocks: Sequence[ParsedBlock]) -> tuple[str, list[tuple[int, int]]]:
    """The text chunk spans index into, and each block's (start, end) in it."""
    offsets = []
    cursor = 0
    for block in blocks:
        offsets.append((cursor, cursor + len(block.text)))
        cursor += len(block.text) + len(BLOCK_SEPARATOR)
    return BLOCK_SEPARATOR.join(block.text for block in blocks), offsets


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    keywords: tuple[str, ...]
    headings_only: bool = False


@dataclass(frozen=True)
class _Run:
    """Consecutive blocks that may share a chunk."""

    page: int | None
    section: str | None
    spans: list[_Span]
    records: bool


def chunk_document(
    blocks: list[ParsedBlock],
    doc: DocumentInfo,
    file_hash: str,
    config: ChunkingConfig,
    count_tokens: TokenCounter,
) -> list[Chunk]:
    text, offsets = document_text(blocks)
    chunker = _RunChunker(text, config, count_tokens)
    placed = [(run, span) for run in structural_runs(blocks, offsets) for span in chunker.chunk(run)]
    doc_id = document_id(doc.path)
    chunks = []
    for position, (run, span) in enumerate(placed):
        chunk_text = text[span.start : span.end]
        chunks.append(
            Chunk(
                text=chunk_text,
                meta=ChunkMeta(
                    chunk_id=chunk_id(doc_id, file_hash, position),
                    doc_id=doc_id,
                    document=doc.path,
                    collection=doc.collection,
                    roles=list(doc.roles),
                    title=doc.title,
                    page=run.page,
                    section=run.section,
                    char_start=span.start,
                    char_end=span.end,
                    content_hash=hashlib.sha256(chunk_text.encode("utf-8")).hexdigest(),
                    file_hash=file_hash,
                    position=position,
                    keywords=list(span.keywords),
                    effective_date=doc.effective_date,
                    dated_note=doc.dated_note,
                ),
            )
        )
    return chunks


def structural_runs(blocks: Sequence[ParsedBlock], offsets: Sequence[tuple[int, int]]) -> Iterator[_Run]:
    """Group consecutive blocks by (page, section, is-record). Records of one code group together;
    different codes, pages or sections never share a run."""
    items = list(zip(blocks, offsets))
    for (page, section, records), group in groupby(
        items, key=lambda item: (item[0].page, item[0].section, item[0].kind == "record")
    ):
        spans = [
            _Span(start, end, tuple(block.keywords), headings_only=block.kind == "heading")
            for block, (start, end) in group
        ]
        yield _Run(page, section, spans, records)


class _RunChunker:
    """Packs and splits the runs of one document. Packing adds block token counts (exact for word-piece
    tokenizers, which never merge across the blank line between blocks); every finished chunk is then
    counted whole, and cut again if it is over the limit after all."""

    def __init__(self, text: str, config: ChunkingConfig, count_tokens: TokenCounter) -> None:
        self._text = text
        self._config = config
        self._count_text = count_tokens
        self._counts: dict[tuple[int, int], int] = {}
        self._splitter: Any = None

    def chunk(self, run: _Run) -> list[_Span]:
        packed = self._absorb_small_tail(self._pack(run))
        return [piece for span in packed for piece in self._enforce_limit(span, run.records)]

    def _pack(self, run: _Run) -> list[_Span]:
        limit = self._config.max_tokens
        chunks: list[_Span] = []
        current: _Span | None = None
        current_tokens = 0
        for span in run.spans:
            tokens = self._count(span.start, span.end)
            if tokens > limit:
                lead_in = current if current and self._is_lead_in(current, current_tokens) else None
                if current and not lead_in:
                    chunks.append(current)
                start = lead_in.start if lead_in else span.start
                pieces = self._split(_Span(start, span.end, span.keywords), keep_all_keywords=run.records)
                if lead_in and pieces:
                    pieces[0] = replace(pieces[0], keywords=_union(lead_in.keywords, pieces[0].keywords))
                chunks.extend(pieces[:-1])
                current = pieces[-1] if pieces else None
                current_tokens = self._count(current.start, current.end) if current else 0
            elif current is not None and current_tokens + tokens <= limit:
                current = _Span(
                    current.start,
                    span.end,
                    _union(current.keywords, span.keywords),
                    current.headings_only and span.headings_only,
                )
                current_tokens += tokens
            else:
                if current is not None:
                    chunks.append(current)
                current, current_tokens = span, tokens
        if current is not None:
            chunks.append(current)
        return chunks

    def _is_lead_in(self, span: _Span, tokens: int) -> bool:
        """A heading, or a scrap too small to stand alone, goes with the text that follows it."""
        return span.headings_only or tokens < self._config.min_tokens

    def _absorb_small_tail(self, chunks: list[_Span]) -> list[_Span]:
        if len(chunks) >= 2:
            before, tail = chunks[-2], chunks[-1]
            tail_tokens = self._count(tail.start, tail.end)
            if tail_tokens < self._config.min_tokens and self._count(before.start, before.end) + tail_tokens <= self._config.max_tokens:
                chunks[-2:] = [_Span(before.start, tail.end, _union(before.keywords, tail.keywords))]
        return chunks

    def _enforce_limit(self, span: _Span, keep_all_keywords: bool) -> list[_Span]:
        if self._count(span.start, span.end) <= self._config.max_tokens:
            return [span]
        return self._pieces(span, self._within_limit(span.start, span.end), keep_all_keywords)

    def _split(self, span: _Span, keep_all_keywords: bool) -> list[_Span]:
        """Sentence-aligned pieces of an oversized span, each within the limit."""
        segment = self._text[span.start : span.end]
        bounds = [
            piece
            for start, end in self._sentence_pieces(segment)
            for piece in self._within_limit(span.start + start, span.start + end)
        ]
        return self._pieces(span, bounds, keep_all_keywords)

    def _pieces(self, span: _Span, bounds: list[tuple[int, int]], keep_all_keywords: bool) -> list[_Span]:
        return [
            _Span(start, end, span.keywords if keep_all_keywords else _present(span.keywords, self._text[start:end]))
            for start, end in bounds
        ]

    def _sentence_pieces(self, segment: str) -> list[tuple[int, int]]:
        try:
            texts = self._sentence_splitter().split_text(segment)
        except ValueError:  # a single "word" larger than the limit; the word-boundary cut handles it
            return [(0, len(segment))]
        located: list[tuple[int, int]] = []
        cursor = 0
        for piece in texts:
            piece = piece.strip()
            found = segment.find(piece, cursor) if piece else -1
            if found < 0:
                return [(0, len(segment))]  # the splitter rewrote whitespace; cut by words instead
            located.append((found, found + len(piece)))
            cursor = found + 1
        return located or [(0, len(segment))]

    def _within_limit(self, start: int, end: int) -> list[tuple[int, int]]:
        """Cut [start, end) at the last word boundary that keeps each piece within the limit, checking
        every piece with the real tokenizer: this is what guarantees no chunk exceeds the window."""
        limit = self._config.max_tokens
        pieces = []
        while start < end:
            start, end = _strip(self._text, start, end)
            if start >= end:
                break
            if self._count(start, end) <= limit:
                pieces.append((start, end))
                break
            cut = self._longest_prefix(start, end, limit)
            pieces.append(_strip(self._text, start, cut))
            start = cut
        return pieces

    def _longest_prefix(self, start: int, end: int, limit: int) -> int:
        boundaries = [start + match.start() for match in WHITESPACE.finditer(self._text[start:end])]
        best = self._search([cut for cut in boundaries if cut > start], start, limit)
        if best is None:  # no whitespace early enough: cut inside the word
            best = self._search(list(range(start + 1, end)), start, limit)
        return best if best is not None else start + 1

    def _search(self, cuts: list[int], start: int, limit: int) -> int | None:
        low, high, best = 0, len(cuts) - 1, None
        while low <= high:
            middle = (low + high) // 2
            if self._count(start, cuts[middle]) <= limit:
                best, low = cuts[middle], middle + 1
            else:
                high = middle - 1
        return best

    def _sentence_splitter(self) -> Any:
        if self._splitter is None:
            from llama_index.core.node_parser import SentenceSplitter  # slow import, only for long blocks

            count_text = self._count_text
            self._splitter = SentenceSplitter(
                chunk_size=self._config.max_tokens,
                chunk_overlap=self._config.overlap_tokens,
                tokenizer=lambda text: range(count_text(text)),
                paragraph_separator=BLOCK_SEPARATOR,
            )
        return self._splitter

    def _count(self, start: int, end: int) -> int:
        key = (start, end)
        if key not in self._counts:
            self._counts[key] = self._count_text(self._text[start:end])
        return self._counts[key]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _union(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


def _present(keywords: Sequence[str], text: str) -> tuple[str, ...]:
    """Keywords of a split block that its piece actually mentions."""
    found = set(code_keywords(text))
    return tuple(keyword for keyword in keywords if keyword in found)
