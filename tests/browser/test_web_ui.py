"""The web UI in Debian's Chromium against a real `kb serve`: sign in, ask, open a citation, a refusal,
feedback reaching the admins, upload and delete as admin, and a coder denied the admin page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.browser_support import (  # noqa: F401  (fixtures)
    SCREENSHOTS,
    browser,
    live_server,
    page,
    sign_in,
)

pytestmark = pytest.mark.browser

KEY_QUESTION = "I think I lost my office key. Who do I tell, and how soon will the locks get changed?"
OFF_TOPIC_QUESTION = "What is the best recipe for sourdough bread?"
NEW_POLICY = b"# Parking policy\n\nStaff park in the rear lot so that patients can use the front spaces.\n"


def ask(page, question: str) -> None:
    page.get_by_label("Your question").fill(question)
    page.get_by_role("button", name="Ask").click()
    expect(page.locator("#status")).to_have_text(re.compile(r"Answer ready|Not found in the documents"), timeout=60_000)


def test_staff_sign_in_ask_and_open_a_citation(page, live_server):
    sign_in(page, live_server, "demo-front-desk")
    expect(page.locator("#user-bar")).to_contain_text("demo-front-desk (front desk)")
    ask(page, KEY_QUESTION)

    expect(page.locator("#status")).to_contain_text("Answer ready")
    expect(page.get_by_text("Draft — check the cited source")).to_be_visible()
    expect(page.get_by_role("heading", name="Not found in the documents")).to_be_hidden()
    marker = page.get_by_role("button", name="Source 1")
    expect(marker).to_have_text("[1]")

    marker.click()
    citation = page.locator("#citation-1 details")
    expect(citation).to_have_attribute("open", "")
    expect(citation.locator("summary")).to_contain_text(re.compile("facility access policy", re.IGNORECASE))
    expect(citation.locator("summary")).to_be_focused()
    highlighted = citation.locator("blockquote mark")
    expect(highlighted).to_be_visible()
    expect(highlighted).to_contain_text("key")
    page.screenshot(path=str(SCREENSHOTS / "answer-with-citation.png"), full_page=True)


def test_a_question_the_documents_do_not_answer_shows_not_found(page, live_server):
    sign_in(page, live_server, "demo-coder")
    ask(page, OFF_TOPIC_QUESTION)

    expect(page.get_by_role("heading", name="Not found in the documents")).to_be_visible()
    expect(page.locator("#not-found-text")).to_contain_text("do not answer")
    expect(page.locator("#citations li")).to_have_count(0)
    expect(page.locator("button.marker")).to_have_count(0)
    expect(page.get_by_text("Draft — check the cited source")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOTS / "not-found.png"), full_page=True)


def test_the_staff_page_works_from_the_keyboard(page, live_server):
    sign_in(page, live_server, "demo-front-desk")
    expect(page.get_by_label("Your question")).to_be_focused()
    page.keyboard.type(KEY_QUESTION)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Ask")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("Answer ready", timeout=60_000)
    expect(page.get_by_role("heading", name="Answer")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Source 1")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#citation-1 summary")).to_be_focused()
    expect(page.locator("#citation-1 details")).to_have_attribute("open", "")


def test_feedback_reaches_the_admin_feedback_queue(page, live_server):
    sign_in(page, live_server, "demo-front-desk")
    ask(page, KEY_QUESTION)
    page.get_by_label("Comment for the administrators (optional)").fill("the locks part is missing")
    page.get_by_role("button", name="Wrong answer").click()
    expect(page.locator("#feedback-status")).to_contain_text("Thank you")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "demo-admin", path="/ui/admin.html")
    queue = page.locator("#feedback-table tbody")
    expect(queue).to_contain_text("the locks part is missing")
    expect(queue).to_contain_text("wrong answer")
    expect(queue).to_contain_text(KEY_QUESTION)


def test_admin_uploads_and_deletes_a_document(page, live_server):
    sign_in(page, live_server, "demo-admin", path="/ui/admin.html")
    documents = page.locator("#documents-table tbody")
    expect(documents).to_contain_text("policies/10-facility_access_policy.md")
    expect(documents.locator("tr").first).to_contain_text("indexed")

    page.get_by_label("File (PDF, Word, HTML, Markdown, CSV or text)").set_input_files(
        files=[{"name": "parking.md", "mimeType": "text/markdown", "buffer": NEW_POLICY}]
    )
    page.get_by_label("Collection").select_option("policies")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#admin-status")).to_contain_text("Upload of policies/parking.md: done", timeout=120_000)
    row = documents.locator("tr", has_text="policies/parking.md")
    expect(row).to_contain_text("indexed")
    page.screenshot(path=str(SCREENSHOTS / "admin-after-upload.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete policies/parking.md").click()
    expect(page.locator("#admin-status")).to_contain_text(re.compile(r"Deleted policies/parking\.md: \d+ chunks removed, verified"))
    expect(documents.locator("tr", has_text="policies/parking.md")).to_have_count(0)

    page.get_by_label("Action").select_option("documents.delete")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#audit-table tbody")).to_contain_text("policies/parking.md")


def test_a_coder_is_denied_the_admin_page(page, live_server):
    sign_in(page, live_server, "demo-coder", path="/ui/admin.html")
    expect(page.get_by_role("heading", name="Not available to your account")).to_be_visible()
    expect(page.locator("#denied-text")).to_contain_text("needs the admin role")
    expect(page.locator("#documents-table")).to_be_hidden()
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
