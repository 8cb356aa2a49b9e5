"""Parsers on the real sample corpus (corpus/public): what a reader of each document must be able to rely on."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pypdf
import pytest

from ingest.parsers import parse_document
from ingest.parsers.pdf_structure import Vocabulary, join_lines
from kb.models import ParsedBlock

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "public"
HIPAA = CORPUS / "hhs_ocr_hipaa" / "hipaa_combined.pdf"


@pytest.fixture(scope="module")
def hipaa_blocks() -> list[ParsedBlock]:
    return parse_document(HIPAA)


def parsed(relative_path: str) -> list[ParsedBlock]:
    return parse_document(CORPUS / relative_path)


def first_block(blocks: list[ParsedBlock], pattern: str) -> ParsedBlock:
    return next(block for block in blocks if re.search(pattern, block.text))


def test_pdf_blocks_carry_the_physical_page_pypdf_reports(hipaa_blocks):
    [block] = [b for b in hipaa_blocks if b.kind == "heading" and b.text.startswith("§ 164.524 Access of")]
    pages = pypdf.PdfReader(HIPAA).pages
    heading = re.compile(r"§ 164\.524\s+Access of\s+individuals to\s+protected health information\.\s*\n\(a\)")
    assert heading.search(pages[block.page - 1].extract_text())
    assert not heading.search(pages[block.page - 2].extract_text())
    assert block.page == 105  # printed page numbers happen to agree here; NCCI's ("I-3") do not


def test_cfr_section_label_carries_onto_following_paragraphs(hipaa_blocks):
    standard = first_block(hipaa_blocks, r"^\(a\) Standard: Access to protected health information\.$")
    right_of_access = first_block(hipaa_blocks, r"^\(1\) Right of access\. Except as otherwise provided")
    assert standard.section == right_of_access.section == "§ 164.524"
    after = hipaa_blocks[hipaa_blocks.index(right_of_access) :]
    next_heading = next(block for block in after if block.kind == "heading")
    assert next_heading.text == "§ 164.526 Amendment of protected health information."
    assert next_heading.section == "§ 164.526"
    assert {block.section for block in after[: after.index(next_heading)]} == {"§ 164.524"}


def test_section_lists_at_the_start_of_a_part_do_not_open_sections(hipaa_blocks):
    *listed, real = [block for block in hipaa_blocks if block.text.startswith("§ 164.524 Access of")]
    assert listed, "the contents list at the start of Part 164 names § 164.524"
    assert all(block.kind == "text" and block.section != "§ 164.524" for block in listed)
    assert real.kind == "heading" and real.section == "§ 164.524"


def test_running_headers_footers_and_page_numbers_are_dropped(hipaa_blocks):
    after_cover = [block for block in hipaa_blocks if block.page and block.page > 1]
    assert not [b for b in after_cover if "HIPAA Administrative Simplification Regulation Text" in b.text]
    assert not [b for b in after_cover if b.text.strip() in {"March 2013", str(b.page)}]
    assert not [b for b in after_cover if re.fullmatch(r"\d{1,3}", b.text.strip())]


def test_column_clipped_words_are_rejoined(hipaa_blocks):
    # pypdf emits "member's w" / "ork for the health care" on page 61
    block = first_block(hipaa_blocks, r"in the course of or incident to the member's")
    assert "member's work for the health care component" in block.text


def test_letters_drawn_apart_from_their_column_go_back_onto_their_lines(hipaa_blocks):
    # On page 111 pypdf reads "ccounting, no later than 60 days", and the lost first letters later, one per line
    accounting = first_block(hipaa_blocks, r"request for an accounting, no later than 60 days")
    assert accounting.page == 111
    assert "(c) Implementation specifications: Provision of the accounting." in accounting.text
    assert first_block(hipaa_blocks, r"The covered entity must provide the first accounting to an individual")
    fee = first_block(hipaa_blocks, r"reasonable, cost-based fee, provided that the fee includes only the cost")
    assert fee.page == 107


def test_a_lone_letter_is_placed_before_the_text_right_of_it_or_after_the_cut_word_left_of_it():
    from ingest.parsers.pdf import _Fragment, with_clipped_letters_restored

    lines = ["ccounting for\n", "ndividual's request\n", "he covered entity\n", "rovision of\n", "tak\n"]
    drawn = [_Fragment(235.0, 700.0 - 12 * i, i, text) for i, text in enumerate(lines)]
    lost = ["a", "i", "t", "P"]
    drawn += [_Fragment(230.5, 700.0 - 12 * i, len(drawn) + i, f"{letter}\n") for i, letter in enumerate(lost)]
    drawn.append(_Fragment(262.0, 700.0 - 48, len(drawn), "e\n"))  # the last letter of "tak", right of the word
    repaired = with_clipped_letters_restored(drawn)
    assert repaired is not None
    assert "".join(f.text for f in repaired) == (
        "accounting for\nindividual's request\nthe covered entity\nProvision of\ntake\n"
    )
    assert with_clipped_letters_restored(drawn[:5]) is None  # nothing drawn apart: pypdf's text stands
    letter_by_letter = [_Fragment(100.0 + 6 * i, 700.0, i, letter) for i, letter in enumerate("Provision of")]
    assert with_clipped_letters_restored(letter_by_letter) is None  # pypdf has already joined such a line


def test_line_end_compound_hyphens_are_kept_and_soft_breaks_joined(hipaa_blocks):
    assert first_block(hipaa_blocks, r"half-siblings")  # split "half-\nsiblings" on page 12
    vocabulary = Vocabulary.of([["the protection of data"]])
    assert join_lines(["the protec-", "tion of"], vocabulary) == "the protection of"
    assert join_lines(["PTP-", "associated"], vocabulary) == "PTP-associated"


def test_pdf_drawn_bottom_up_is_read_top_down():
    blocks = parsed("cms_icd10cm/icd10OrderFiles2023.pdf")
    text = "\n".join(block.text for block in blocks)
    assert text.startswith("ICD-10-CM/PCS Order Files")
    table = first_block(blocks, r"Position Length Contents")
    assert table.text.index("1 5 Order number, right justified, zero filled.") < table.text.index("78 To end Long description")


def test_doc_record_layout_table_keeps_its_header_on_every_row():
    blocks = parsed("hhs_oig/LEIE_Record_Layout.doc")
    [table] = [block for block in blocks if block.kind == "table"]
    rows = table.text.splitlines()
    assert rows[0] == "Label | Character Limit"
    assert "Label: LASTNAME | Character Limit: 30" in rows
    assert "Label: BUSNAME | Character Limit: 100" in rows
    assert all(row.startswith("Label: ") and " | Character Limit: " in row for row in rows[1:])
    assert len(rows) == 1 + 18
    assert table.section == "List of Excluded Individuals/Entities"


def test_csv_yields_one_record_per_row_named_by_its_code():
    path = CORPUS / "cms_hcpcs" / "HCPCS_2020.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        data_rows = [row for row in list(csv.reader(handle))[1:] if any(cell.strip() for cell in row)]
    blocks = parse_document(path)
    assert len(blocks) == len(data_rows) == 7079  # the file's other 6 "rows" are empty lines of commas
    assert all(block.kind == "record" for block in blocks)
    g0439 = next(block for block in blocks if block.section == "G0439")
    assert g0439.keywords[0] == "G0439"
    assert g0439.text.startswith("HCPC/MOD: G0439 | ACTION CD: ")
    assert "LONG DESCRIPTION: " in g0439.text
    padded_modifier = next(block for block in blocks if block.section == "A1")
    assert padded_modifier.text.startswith("HCPC/MOD: A1 | ")
    assert padded_modifier.keywords[0] == "A1"


def test_addenda_keep_actions_revision_pairs_and_summary_counts():
    blocks = parsed("cms_icd10cm/icd10cm-codes-addenda-2023.txt")
    added = next(block for block in blocks if block.section == "B3731")
    assert added.text == "Add: B3731 Acute candidiasis of vulva and vagina"
    assert added.kind == "record" and added.keywords[0] == "B3731"
    deleted = next(block for block in blocks if block.section == "B373")
    assert deleted.text == "Delete: B373 Candidiasis of vulva and vagina"
    [revised] = [block for block in blocks if block.section == "C8440"]
    assert revised.text.splitlines() == [
        "Revise from: C8440 Peripheral T-cell lymphoma, not classified, unspecified site",
        "Revise to: C8440 Peripheral T-cell lymphoma, not elsewhere classified, unspecified site",
    ]
    [summary] = [block for block in blocks if block.section == "Summary"]
    for count in ("1176 additions", "287 deletions", "28 revisions", "73639 codes in icd10cm_order_2023.txt"):
        assert count in summary.text
    assert sum(block.kind == "record" for block in blocks) == 1176 + 287 + 28


def test_markdown_headings_become_section_labels():
    blocks = parsed("datica_hipaa_policies/18-data_retention_policy.md")
    steps = first_block(blocks, r"^Once a Customer ceases to be a Customer")
    assert steps.section == "18.2 Data Retention Policy"
    assert first_block(blocks, r"^Listing of state requirements").section == "18.1 State Medical Record Laws"


def test_html_keeps_content_and_drops_navigation():
    blocks = parsed("hhs_oig/roadmap_05compliance.html")
    texts = [block.text for block in blocks]
    assert "Conduct internal monitoring and auditing." in texts
    assert not {"Home", "Compliance", "Physician Education"} & set(texts)  # breadcrumbs
    assert not [text for text in texts if "Where To Go for Help" in text]  # previous/next links


def test_html_subheadings_nest_under_their_heading():
    blocks = parsed("hhs_oig/roadmap_02payers.html")
    case = first_block(blocks, r"^A psychiatrist was fined \$400,000")
    assert case.section == "Accurate Coding and Billing > Case Examples of Fraudulent Billing"


def test_docx_form_tables_and_text_are_extracted():
    blocks = parsed("hhs_oig/hotline_complaint_submission_form.docx")
    assert any(block.kind == "table" and "Type of Provider" in block.text for block in blocks)
    assert any(block.text == "Brief Description of Complaint" for block in blocks)


def test_blocks_carry_the_codes_they_mention(hipaa_blocks):
    block = first_block(hipaa_blocks, r"responsible for complying with § 164\.316\(a\) and § 164\.530\(i\)")
    assert {"164.316", "164.530"} <= set(block.keywords)


def test_a_comparison_chart_is_read_row_by_row_with_each_cell_naming_its_column():
    texts = [block.text for block in parse_document(CORPUS / "hhs_oig" / "StarkandAKSChartHandout508.pdf")]
    stark_penalty = next(t for t in texts if "$15,000" in t)
    aks_penalty = next(t for t in texts if "$50,000" in t)
    assert stark_penalty.startswith("• Penalties - THE STARK LAW") and "$50,000" not in stark_penalty
    assert aks_penalty.startswith("• Penalties - THE ANTI-KICKBACK STATUTE") and "Civil/Administrative" in aks_penalty
    assert any(t.startswith("• Intent - THE STARK LAW") and "No intent standard" in t for t in texts)
    assert any(t.startswith("*This chart is for illustrative purposes") for t in texts)


def test_prose_in_columns_is_not_taken_for_a_chart():
    texts = [block.text for block in parse_document(CORPUS / "hhs_oig" / "Compliance101tips508.pdf")]
    assert not any(" - " in t and t.startswith("• ") and "):" in t for t in texts)


def test_grid_lines_reads_labels_headers_and_multi_line_cells():
    from ingest.parsers.pdf_grid import grid_lines

    layout = "\n".join([
        "            PLAN A               PLAN B",
        "Cost        Free                 $10 per",
        "                                 month",
        "Items/      Any items            Listed",
        "Services                         services only",
        "Limit       One visit            Two visits",
    ])
    assert [line for line in grid_lines(layout) if line] == [
        "• Cost - PLAN A: Free",
        "• Cost - PLAN B: $10 per month",
        "• Items/Services - PLAN A: Any items",
        "• Items/Services - PLAN B: Listed services only",
        "• Limit - PLAN A: One visit",
        "• Limit - PLAN B: Two visits",
    ]
    assert grid_lines("Some prose in one column\nthat goes on and on\nacross lines") is None
