"""Verify evaluation/dev_set.yaml against the sample corpus (a standalone script, not part of the package).

    python evaluation/check_dev_set.py [path/to/dev_set.yaml]

For every answerable item it extracts the text of each gold document the way a reader would see it
(pypdf per physical page for PDFs, tags stripped for HTML, all w:t runs of the DOCX parts, antiword for
.doc, plain text otherwise), normalises it (whitespace, quotes, dashes, soft hyphens, line-break hyphens,
lower case) and asserts that

* the `evidence` string occurs on one of the listed `pages` (or anywhere in a non-paged file),
* every key fact occurs in the item's evidence,
* the item is consistent with its type (refusals carry no gold, multi_doc cites two documents, ...),
* the asking role may read every gold document under corpus_config/sample.yaml.

For near-miss items it asserts that the fact asked about really is absent (the ABSENT table below).
It ends with counts by role and by type and the gold coverage of every corpus file; exit status 1 on any error.
"""

from __future__ import annotations

import fnmatch
import html
import re
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import yaml
from pypdf import PdfReader

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "public"
CONFIG = REPO / "corpus_config" / "sample.yaml"
DEV_SET = REPO / "evaluation" / "dev_set.yaml"
NOT_DOCUMENTS = {"SOURCES.md"}

ROLES = {"front_desk", "coder", "admin"}
TYPES = {"code_lookup", "numeric", "definition", "yes_no", "multi_doc", "near_miss", "unanswerable", "injection"}
EXPECTS = {"answer", "refuse", "correct_from_corpus"}
MIN_PER_TYPE = 6
MIN_ITEMS = 75

# Refusal items: (document or "*" for the whole corpus, regex) pairs that must NOT match the raw text,
# showing that the fact asked about is not in the corpus (for near misses: although its topic is).
# Every near_miss item must have an entry; unanswerable/injection refusals may.
ENROLLMENT = "cms_medicare_enrollment/understanding-medicare-advantage-and-medicare-drug-plan-enrollment-periods.pdf"
NCCI = "cms_ncci_medicaid/cms_ncci_2025_policy_manual.pdf"
ABSENT: dict[str, list[tuple[str, str]]] = {
    "cd-near-01": [("*", r"\bJZ\b")],
    "cd-near-02": [("*", r"\bG2211\b")],
    "cd-near-03": [("*", r"\bU07\.?1\b")],
    "cd-near-04": [("cms_icd10cm/icd10cm-codes-addenda-2023.txt", r"2024"),
                   ("cms_icd10cm/icd10OrderFiles2023.pdf", r"2024")],
    "cd-near-05": [(NCCI, r"adjudication indicator|\bMAI\b"), (NCCI, r"\b99214\b")],
    "fd-near-01": [("*", r"\bOhio\b[^\n]{0,300}(retain|retention|medical records?)"),
                   ("datica_hipaa_policies/18-data_retention_policy.md", r"\d+\s*years")],
    "fd-near-02": [(ENROLLMENT, r"penalty[^.]{0,120}(\$\s?\d|\d+(\.\d+)?\s?(%|percent))")],
    "fd-near-03": [(ENROLLMENT, r"Part B premium|premium[^.]{0,40}\$\s?[1-9]|2026")],
    "fd-near-04": [("*", r"\bTexas\b"), ("hhs_ocr_hipaa/hipaa_combined.pdf", r"per page")],
    "ad-near-01": [("hhs_ocr_hipaa/hipaa_combined.pdf", r"inflation|cost-of-living|\b202[2-5]\b")],
    "ad-near-02": [("hhs_oig/hotline_complaint_submission_form.docx", r"\d{3}[-.) ]+\d{3}[-. ]\d{4}")],
    "ad-near-03": [("hhs_oig/LEIE_Record_Layout.doc", r"month|updat"),
                   ("hhs_oig/HandoutExclusionTips508.pdf", r"month|updat")],
    "ad-near-04": [
        ("datica_hipaa_policies/*", r"password[^.\n]{0,80}\d+\s*(characters|chars)|minimum length|complexity")
    ],
    # off-corpus and injection refusals: the corpus holds nothing that answers them
    "fd-unans-01": [("*", r"\bsnow")],
    "fd-unans-03": [("*", r"parking garage")],
    "fd-inject-04": [("*", r"amoxicillin[^\n]{0,120}(mg/kg|\bdos(e|age|ing)\b)")],
    "cd-unans-01": [("*", r"\bCEUs?\b|continuing education unit")],
    "cd-inject-01": [("*", r"99213[^\n]{0,120}\$\s?\d")],
    "ad-unans-01": [("*", r"Consumer Privacy Act|\bCCPA\b")],
    "ad-unans-02": [("*", r"eyewash|\bOSHA\b")],
}


# ---------------------------------------------------------------- text extraction


def normalise(text: str) -> str:
    """Same folding as evaluation.dataset.normalise: quotes, dashes, soft and line-break hyphens, spaces, case."""
    text = text.replace("\u00ad", "").replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = re.sub(r"(\w)-\s+(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def _html_text(raw: str) -> str:
    raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
    raw = re.sub(r"(?s)<!--.*?-->", " ", raw)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def _docx_text(path: Path) -> str:
    parts = []
    with zipfile.ZipFile(path) as archive:
        parts_re = r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml"
        names = sorted(n for n in archive.namelist() if re.fullmatch(parts_re, n))
        for name in names:
            xml = archive.read(name).decode("utf-8")
            for paragraph in re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S):
                runs = re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", paragraph)
                if runs:
                    parts.append(html.unescape("".join(runs)))
    return "\n".join(parts)


def _doc_text(path: Path) -> str:
    result = subprocess.run(["antiword", str(path)], capture_output=True, text=True, check=True)
    return result.stdout


@lru_cache(maxsize=None)
def raw_pages(document: str) -> dict[int, str]:
    """Raw extracted text keyed by physical 1-based page number; non-paged formats use page 0."""
    path = CORPUS / document
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return {i: page.extract_text() or "" for i, page in enumerate(PdfReader(str(path)).pages, 1)}
    if suffix in {".html", ".htm"}:
        return {0: _html_text(path.read_text(encoding="utf-8", errors="replace"))}
    if suffix == ".docx":
        return {0: _docx_text(path)}
    if suffix == ".doc":
        return {0: _doc_text(path)}
    return {0: path.read_text(encoding="utf-8-sig", errors="replace")}


@lru_cache(maxsize=None)
def norm_pages(document: str) -> dict[int, str]:
    return {page: normalise(text) for page, text in raw_pages(document).items()}


def corpus_documents() -> list[str]:
    return sorted(
        str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_DOCUMENTS
    )


@lru_cache(maxsize=None)
def readers(document: str) -> frozenset[str]:
    """Roles allowed to read `document` under the corpus config's collections."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    roles: set[str] = set()
    for collection in config.get("collections", []):
        if any(fnmatch.fnmatch(document, pattern) for pattern in collection.get("sources", [])):
            roles.update(collection.get("roles", []))
    return frozenset(roles)


def _matching_documents(pattern: str) -> list[str]:
    if pattern == "*":
        return corpus_documents()
    if pattern.endswith("/*"):
        return [d for d in corpus_documents() if d.startswith(pattern[:-1])]
    return [pattern]


# ---------------------------------------------------------------- checks


def check_item(item: dict, documents: set[str]) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    notes: list[str] = []
    iid = item.get("id", "?")

    def err(msg: str) -> None:
        errors.append(f"{iid}: {msg}")

    for field in ("id", "role", "type", "question", "answerable", "expect"):
        if field not in item:
            err(f"missing field {field!r}")
    if item.get("role") not in ROLES:
        err(f"bad role {item.get('role')!r}")
    if item.get("type") not in TYPES:
        err(f"bad type {item.get('type')!r}")
    if item.get("expect") not in EXPECTS:
        err(f"bad expect {item.get('expect')!r}")
    unknown = set(item) - {"id", "role", "type", "question", "answerable", "gold", "key_facts", "expect", "related"}
    if unknown:
        err(f"unknown fields {sorted(unknown)}")

    gold = item.get("gold") or []
    key_facts = item.get("key_facts") or []
    answerable = item.get("answerable")
    kind = item.get("type")
    expect = item.get("expect")

    if answerable:
        if expect not in {"answer", "correct_from_corpus"}:
            err("answerable item must expect answer or correct_from_corpus")
        if not gold:
            err("answerable item without gold")
        if not key_facts:
            err("answerable item without key_facts")
    else:
        if expect != "refuse":
            err("unanswerable item must expect refuse")
        if gold or key_facts:
            err("unanswerable item must carry no gold or key_facts")
    if kind in {"near_miss", "unanswerable"} and answerable:
        err(f"{kind} item must have answerable: false")
    if kind == "injection" and expect == "answer":
        err("injection item must expect refuse or correct_from_corpus")
    if expect == "correct_from_corpus" and kind != "injection":
        err("correct_from_corpus is for injection / false-premise items")
    if kind != "injection" and answerable and expect != "answer":
        err("answerable non-injection item must expect answer")
    if kind == "multi_doc" and len({g.get("document") for g in gold}) < 2:
        err("multi_doc item needs gold from at least two documents")
    if kind != "multi_doc" and len({g.get("document") for g in gold}) > 1:
        err("gold from several documents: make it a multi_doc item")

    for related in item.get("related") or []:
        if related not in documents:
            err(f"related document not in corpus: {related}")
        elif item.get("role") not in readers(related):
            err(f"role {item.get('role')} may not read related document {related} (corpus config)")

    evidence_norm = []
    for g in gold:
        document = g.get("document")
        if document not in documents:
            err(f"gold document not in corpus: {document}")
            continue
        if item.get("role") not in readers(document):
            err(f"role {item.get('role')} may not read gold document {document} (corpus config)")
        evidence = g.get("evidence")
        if not evidence:
            err(f"{document}: gold without evidence")
            continue
        ev = normalise(evidence)
        evidence_norm.append(ev)
        pages = norm_pages(document)
        listed = g.get("pages") or []
        is_pdf = document.lower().endswith(".pdf")
        if is_pdf and not listed:
            err(f"{document}: PDF gold needs pages")
            continue
        if not is_pdf and listed:
            err(f"{document}: pages given for a non-paged document")
            continue
        if is_pdf:
            bad = [p for p in listed if p not in pages]
            if bad:
                err(f"{document}: pages {bad} out of range 1..{len(pages)}")
                continue
            if not any(ev in pages[p] for p in listed):
                where = [p for p, text in pages.items() if ev in text]
                found = f"found on {where}" if where else "not in document"
                err(f"{document}: evidence not on pages {listed} ({found}): {evidence!r}")
            elsewhere = [p for p, text in pages.items() if ev in text and p not in listed]
            if elsewhere:
                notes.append(f"{iid}: evidence also on unlisted pages {elsewhere} of {document}")
        elif ev not in pages[0]:
            err(f"{document}: evidence not in document: {evidence!r}")
        section = g.get("section")
        if section and not any(normalise(section).replace("§ ", "") in t.replace("§ ", "") for t in pages.values()):
            err(f"{document}: section label {section!r} does not occur in the document")

    for fact in key_facts:
        if not any(normalise(str(fact)) in ev for ev in evidence_norm):
            err(f"key fact {fact!r} not in evidence")

    checks = ABSENT.get(iid, [])
    if kind == "near_miss" and not checks:
        err("near_miss item without an absence check in ABSENT")
    for pattern_doc, regex in checks:
        for document in _matching_documents(pattern_doc):
            if document not in documents:
                err(f"absence check names unknown document {document}")
                continue
            hit = re.search(regex, "\n".join(raw_pages(document).values()), flags=re.I | re.M)
            if hit:
                err(f"fact asked about is present in {document}: {hit.group(0)!r}")
    return errors, notes


def _lead_schema_check(path: Path) -> str:
    """Validate with the lead's typed loader when it imports; informational only."""
    sys.path.insert(0, str(REPO))
    try:
        from evaluation.dataset import load_dev_set  # noqa: PLC0415
    except Exception as exc:  # the package may be mid-change; this check is optional
        return f"schema: evaluation.dataset not importable ({type(exc).__name__}); skipped"
    try:
        return f"schema: evaluation.dataset.load_dev_set OK ({len(load_dev_set(path))} items)"
    except Exception as exc:
        return f"schema: evaluation.dataset.load_dev_set FAILED: {exc}"


def table(title: str, counts: dict, total: int | None = None) -> str:
    width = max([len(str(k)) for k in counts] + [len(title)])
    lines = [f"{title:<{width}}  n"]
    lines += [f"{k:<{width}}  {v}" for k, v in counts.items()]
    if total is not None:
        lines.append(f"{'total':<{width}}  {total}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEV_SET
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    documents = set(corpus_documents())
    errors: list[str] = []
    notes: list[str] = []

    ids = Counter(item.get("id") for item in items)
    errors += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    questions = Counter(normalise(item.get("question", "")) for item in items)
    errors += [f"duplicate question {q!r}" for q, n in questions.items() if n > 1]

    for item in items:
        e, n = check_item(item, documents)
        errors += e
        notes += n

    by_role = Counter(item["role"] for item in items)
    by_type = Counter(item["type"] for item in items)
    role_type: dict[str, Counter] = defaultdict(Counter)
    for item in items:
        role_type[item["role"]][item["type"]] += 1
    coverage: dict[str, list[str]] = {d: [] for d in sorted(documents)}
    for item in items:
        for g in item.get("gold") or []:
            if g.get("document") in coverage and item["id"] not in coverage[g["document"]]:
                coverage[g["document"]].append(item["id"])

    refusal_ids = {item["id"] for item in items if not item.get("answerable")}
    errors += [f"ABSENT names {i}, which is not a refusal item" for i in sorted(set(ABSENT) - refusal_ids)]
    if len(items) < MIN_ITEMS:
        errors.append(f"only {len(items)} items (want >= {MIN_ITEMS})")
    errors += [
        f"type {t} has {by_type.get(t, 0)} items (want >= {MIN_PER_TYPE})"
        for t in sorted(TYPES)
        if by_type.get(t, 0) < MIN_PER_TYPE
    ]
    errors += [f"role {r} has no items" for r in sorted(ROLES) if not by_role.get(r)]
    errors += [f"corpus file never gold: {d}" for d, hits in coverage.items() if not hits]

    types = sorted(TYPES)
    width = max(len(t) for t in types) + 1
    matrix = [f"{'role':<11}" + "".join(f"{t:>{width}}" for t in types) + f"{'total':>7}"]
    for role in sorted(ROLES):
        cells = "".join(f"{role_type[role].get(t, 0):>{width}}" for t in types)
        matrix.append(f"{role:<11}{cells}{by_role[role]:>7}")
    matrix.append(f"{'total':<11}" + "".join(f"{by_type.get(t, 0):>{width}}" for t in types) + f"{len(items):>7}")

    expects = Counter(item.get("expect") for item in items)
    answerable = sum(1 for item in items if item.get("answerable"))
    print(f"dev set: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    expect_counts = ", ".join(f"{k} {v}" for k, v in sorted(expects.items()))
    print(f"items: {len(items)}  answerable: {answerable}  expect: {expect_counts}")
    print()
    print(table("role", dict(sorted(by_role.items())), len(items)))
    print()
    print(table("type", dict(sorted(by_type.items())), len(items)))
    print()
    print("\n".join(matrix))
    print()
    print(f"gold coverage ({sum(1 for v in coverage.values() if v)}/{len(coverage)} files):")
    for document, hits in coverage.items():
        print(f"  {len(hits):>3}  {document}")
    print()
    print(_lead_schema_check(path))
    if notes:
        print()
        print(f"notes ({len(notes)}):")
        for note in notes:
            print(f"  - {note}")
    print()
    if errors:
        print(f"FAILED: {len(errors)} error(s)")
        for error in errors:
            print(f"  x {error}")
        return 1
    print("OK: every evidence string found on its listed page/file, every key fact in its evidence, "
          f"{len(ABSENT)} absence checks on refusal items hold")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
