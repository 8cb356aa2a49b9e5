"""The extractive backend quotes the passage sentences that answer, direct answer first, and every claim it
drafts is its own verbatim quote, so it verifies."""

from __future__ import annotations

import pytest

from answering.evidence import kinds_named, names_a_person, rank_sentences
from answering.extractive import MAX_CLAIMS, ExtractiveBackend
from answering.question import analyse_question
from answering.verifier import verify_claims
from tests.unit.answering_passages import (
    ACCESS,
    AMENDMENT,
    ADDENDA_SUMMARY_TEXT,
    ICD10_ADDENDA,
    ICD10_ORDER_FILE,
    ORDER_FILE_LAYOUT_TEXT,
    ALL_PASSAGES,
    DATA_RETENTION,
    ENROLLMENT,
    G0439,
    GA,
    ICD,
    INCIDENT_RESPONSE,
    J1885,
    NCCI_59,
    RETENTION,
    passage,
)


def draft(question: str, passages=ALL_PASSAGES):
    return ExtractiveBackend().draft(analyse_question(question), passages)


def test_how_long_question_is_answered_first_by_the_sentence_with_the_deadline():
    claims = draft("How long do we have to act on a patient's request for access to their records?", [ACCESS, RETENTION]).claims
    assert "no later than 30 days after receipt of the request" in claims[0].text
    assert claims[0].passage_ids == [ACCESS.chunk_id]


def test_retention_question_quotes_the_six_year_rule():
    claims = draft("How long are we required to keep our HIPAA policies and documentation?", [ACCESS, RETENTION]).claims
    assert "six years" in claims[0].text and claims[0].passage_ids == [RETENTION.chunk_id]


def test_code_meaning_question_is_answered_by_that_codes_own_record():
    claims = draft("What does modifier GA mean?", [J1885, G0439, GA]).claims
    assert claims[0].passage_ids == [GA.chunk_id]
    assert "Waiver of liability statement" in claims[0].text


def test_code_for_a_service_is_answered_by_the_record_holding_a_code():
    claims = draft("What is the HCPCS code for a subsequent annual wellness visit?", [GA, J1885, G0439]).claims
    assert claims[0].passage_ids == [G0439.chunk_id] and "G0439" in claims[0].text


def test_yes_no_question_starts_with_the_sentence_that_decides_it():
    claims = draft("Can a covered entity extend the time to act on a request for access?", [ACCESS]).claims
    assert "may extend the time for such actions by no more than 30 days" in claims[0].text


def test_yes_no_question_with_a_wrong_number_gets_the_sentence_with_the_right_one():
    claims = draft("Does a different diagnosis justify modifier 59?", [NCCI_59, GA]).claims
    assert any("does not require a different diagnosis" in c.text or "not adequate criteria" in c.text for c in claims)


def test_every_drafted_claim_is_its_own_quote_and_verifies():
    questions = [
        "How long do we have to act on a request for access?",
        "What does modifier GA mean?",
        "Was B37.31 added in FY2023?",
        "How much does Datica charge to keep storing a former customer's data?",
        "How often is the incident response plan tested?",
        "When can I switch Medicare Advantage plans?",
    ]
    for question in questions:
        claims = draft(question).claims
        assert claims, question
        assert all(c.text.rstrip(".") in c.quote or c.quote in c.text for c in claims)
        result = verify_claims(claims, ALL_PASSAGES + [INCIDENT_RESPONSE])
        assert result.dropped == [], (question, result.dropped)


def test_answer_is_condensed_without_repeats_or_headings():
    twice = [ACCESS, ACCESS.model_copy(update={"chunk_id": "hipaa-106-copy"})]
    claims = draft("How long do we have to act on a request for access?", twice).claims
    texts = [c.text for c in claims]
    assert len(texts) == len(set(texts)) and 1 <= len(claims) <= MAX_CLAIMS
    assert not any(t.startswith(("(b) Implementation specifications", "##")) for t in texts)


def test_list_markers_and_enumerators_are_trimmed_from_claims():
    claims = draft("How much does Datica charge to keep storing a former customer's data?", [DATA_RETENTION]).claims
    assert "$25/month" in claims[0].text
    assert not claims[0].text.startswith(("2.", "*", "(i)"))


def test_question_in_two_parts_gets_a_sentence_for_each_part():
    question = "How much does Datica charge to keep a former customer's data, and how long until the data is removed?"
    texts = " ".join(c.text for c in draft(question, [DATA_RETENTION]).claims)
    assert "$25/month" in texts and "within 30 days" in texts


def test_each_part_gets_a_sentence_of_its_own_not_the_one_an_earlier_part_brought():
    addenda = passage(
        "addenda-i47",
        "Delete: I472 Ventricular tachycardia\nAdd: I4720 Ventricular tachycardia, unspecified\n"
        "Add: I4721 Torsades de pointes\nAdd: I4729 Other ventricular tachycardia",
        ICD10_ADDENDA, collection="coding_references",
    )
    question = "The note says torsades. Is I47.2 still valid for FY2023, and is there something more specific for torsades?"
    texts = [c.text for c in draft(question, [addenda]).claims]
    assert texts[:2] == ["Delete: I472 Ventricular tachycardia", "Add: I4721 Torsades de pointes"]


def test_rows_of_one_chart_sharing_most_words_are_each_quoted_for_their_own_amount():
    chart = passage(
        "aks-chart",
        "• Penalties - THE ANTI-KICKBACK STATUTE (42 USC § 1320a-7b(b)): Criminal: Up to a 5 year prison term per violation\n"
        "• Penalties - THE ANTI-KICKBACK STATUTE (42 USC § 1320a-7b(b)): Criminal: Fines up to $25,000 per violation",
        "hhs_oig/StarkandAKSChartHandout508.pdf",
        collection="compliance_guidance",
    )
    texts = " ".join(c.text for c in draft("What criminal fine and prison time can someone get for a kickback?", [chart]).claims)
    assert "5 year prison term" in texts and "$25,000" in texts


def test_a_parts_own_sentence_says_its_words_literally_not_through_loose_alternatives():
    record = passage(
        "q0091-record",
        "HCPC/MOD: Q0091 | ACTION CD: No Change | SHORT DESCRIPTION: Obtaining screen pap smear",
        "cms_hcpcs/HCPCS_2020.csv", section="Q0091", collection="coding_references",
    )
    manual = passage(
        "q0091-manual",
        "The HCPCS code Q0091 describes the services necessary to procure and transport a pap smear specimen. "
        "If an E&M service is performed at the same patient encounter solely for the purpose of performing a "
        "screening pap smear, the E&M service is not separately reportable.",
        "ncci/manual.pdf", collection="coding_references",
    )
    # 'bill' is met by the first sentence's 'code' only through the looser alternatives.
    question = "Doc did a screening pap (Q0091). What does Q0091 cover, and can I also bill an office E/M for the same encounter?"
    texts = " ".join(c.text for c in draft(question, [record, manual]).claims)
    assert "not separately reportable" in texts


def test_record_files_are_quoted_one_record_at_a_time():
    claims = draft("Was B37.31 added in the FY2023 addenda?", [ICD, GA]).claims
    assert claims[0].text == "Add: B3731 Acute candidiasis of vulva and vagina"


def test_no_passages_drafts_nothing():
    assert draft("How long do we have to act on a request for access?", []).status == "insufficient"


def test_date_question_quotes_the_sentence_with_dates():
    claims = draft("When can someone in a Medicare Advantage plan switch plans?", [ENROLLMENT, INCIDENT_RESPONSE]).claims
    assert "January 1" in claims[0].text and "March 31" in claims[0].text


def test_a_sentence_referring_back_brings_the_sentence_it_continues():
    enrollment = passage(
        "iep",
        "The Initial Enrollment Period starts 3 months before you turn 65. It lasts for 7 months. "
        "Your coverage starts the month after you sign up.",
        "cms_medicare_enrollment/periods.pdf",
    )
    claims = draft("When does the Initial Enrollment Period start?", [enrollment]).claims
    texts = [c.text for c in claims]
    assert texts[0].startswith("The Initial Enrollment Period starts 3 months")
    assert "It lasts for 7 months." in texts


def test_a_definition_question_prefers_the_sentence_that_defines():
    text = (
        "Covered entities must protect the privacy of individually identifiable health information in every setting. "
        "Protected health information means individually identifiable health information that is transmitted or maintained in any form."
    )
    claims = draft("What counts as protected health information?", [passage("phi", text, page=12)]).claims
    assert claims[0].text.startswith("Protected health information means")


def test_a_sentence_stating_what_the_asked_term_is_leads_over_sentences_that_only_use_it():
    text = (
        "A covered entity is not required to obtain such satisfactory assurances from a business associate that is "
        "a subcontractor. A business associate may permit a business associate that is a subcontractor to create "
        "or receive protected health information on its behalf. "
        "Business associate: (1) Except as provided in paragraph (4) of this definition, business associate means, "
        "with respect to a covered entity, a person who creates or receives protected health information for it."
    )
    claims = draft("What is a business associate?", [passage("ba", text, page=11)]).claims
    assert "business associate means" in claims[0].text


def test_an_initialism_in_a_passage_matches_the_words_the_question_spells_out():
    text = "The agency reviews referrals under each statute every year. The OIG enforces the AKS for all referrals."
    claims = draft("Who enforces the anti-kickback statute for referrals?", [passage("aks", text, page=1)]).claims
    assert claims[0].text.startswith("The OIG enforces the AKS")


def test_a_rule_for_another_code_does_not_answer_a_question_about_the_asked_code():
    wound = passage(
        "wound",
        "CPT code 97602 describes non-selective wound debridement. The unit of service for this code is each "
        "encounter for a dressing change. Only one unit of service of CPT code 88342 may be reported per specimen.",
        page=74,
    )
    blood = passage(
        "blood",
        "CPT code 36415 describes collection of venous blood by venipuncture. Each unit of service of this code "
        "includes all collections of venous blood during a single episode of care.",
        page=116,
    )
    claims = draft("How many units of 36415 can be billed per encounter?", [wound, blood]).claims
    assert claims[0].text == "CPT code 36415 describes collection of venous blood by venipuncture."
    assert claims[1].text.startswith("Each unit of service of this code")  # read with the sentence naming it
    assert not any("88342" in c.text or "dressing" in c.text for c in claims[:2])


def test_a_code_listed_beside_another_codes_rule_does_not_lead_before_its_own_record():
    listing = passage(
        "ptp",
        "Under the NCCI program, HCPCS code G0102 (Prostate cancer screening; digital rectal examination) is not "
        "separately payable with an E&M code (e.g., 99201-99499, G0463, G0438, G0439) describing a visit.",
        "cms_ncci_medicaid/cms_ncci_2025_policy_manual.pdf",
        page=259,
    )
    claims = draft("What does HCPCS code G0439 describe?", [listing, G0439]).claims
    assert claims[0].text.startswith("HCPC/MOD: G0439")


def test_an_illustrations_made_up_amounts_do_not_lead_before_the_rule():
    text = (
        "Non-participating physicians may not charge beneficiaries more than the limiting charge, 15 percent "
        "above the fee schedule amount. For example, if a non-participating physician charged a beneficiary "
        "$50 for a visit whose limiting charge is $25, the physician must refund $25 to the beneficiary."
    )
    rule = passage("limiting-charge", text, "hhs_oig/physician.pdf", page=14)
    claims = draft("How much can a non-participating physician charge a beneficiary for a visit?", [rule]).claims
    assert claims[0].text.startswith("Non-participating physicians may not charge")


def test_a_flattened_table_of_sections_does_not_decide_a_yes_no_question_but_answers_which_section():
    matrix = passage(
        "matrix",
        "Security Standards: Matrix Security Management Process 164.308(a)(1) Risk Analysis (R) Risk Management (R) "
        "Workforce Security 164.308(a)(3) Authorization (A) Encryption and Decryption 164.312(a)(2)(iv) (A) "
        "Transmission Security 164.312(e)(1) Encryption (A).",
        page=69,
    )
    rule = passage("encryption", "Encryption and decryption (Addressable). Implement a mechanism to encrypt ePHI.", page=67)
    claims = draft("Is encryption of ePHI required under the Security Rule?", [matrix, rule]).claims
    assert claims[0].passage_ids == ["encryption"]
    cite = draft("Which Security Rule section covers encryption and decryption?", [matrix]).claims
    assert cite and cite[0].text.startswith("Security Standards: Matrix")


def test_when_a_kind_of_fact_is_asked_the_sentence_holding_it_comes_first():
    notice = passage(
        "notice",
        "The privacy notice must tell each patient how a patient may file a privacy complaint about the privacy "
        "practices with the practice, and how the patient may file a privacy complaint with the Secretary.",
        page=102,
    )
    deadline = passage("deadline", "A privacy complaint must be submitted within 180 days.", page=20)
    claims = draft("How long does a patient have to file a privacy complaint?", [notice, deadline]).claims
    assert len(claims) == 2
    assert claims[0].text == "A privacy complaint must be submitted within 180 days."


def test_how_many_codes_were_revised_is_answered_by_the_addenda_summary_not_a_line_length():
    layout = passage("order-layout", ORDER_FILE_LAYOUT_TEXT, ICD10_ORDER_FILE, collection="coding_references")
    summary = passage("addenda-summary", ADDENDA_SUMMARY_TEXT, ICD10_ADDENDA, section="Summary", collection="coding_references")
    claims = draft("How many ICD-10-CM codes were revised for FY2023?", [layout, summary]).claims
    assert "28 revisions" in claims[0].text
    assert all("400 characters" not in claim.text for claim in claims)


def test_a_request_to_see_records_is_answered_by_the_access_deadline_not_the_amendment_one():
    claims = draft("How long do we have to respond to a patient's request to see their records?", [AMENDMENT, ACCESS]).claims
    assert "request for access no later than 30" in claims[0].text


def test_a_count_part_does_not_unmark_the_date_another_part_asks_for():
    effective = passage(
        "addenda-effective", "The FY2023 ICD-10-CM changes take effect October 1, 2022.", ICD10_ADDENDA,
        collection="coding_references",
    )
    question = analyse_question("How many codes were added in FY2023, and when do the changes take effect?")
    [ranked] = rank_sentences(question, [effective])
    assert ranked.has_asked_fact


def test_a_short_bullet_stating_the_asked_amount_is_an_answer_not_a_heading():
    chart = passage(
        "aks-chart",
        "THE ANTI-KICKBACK STATUTE\nPenalties Criminal:\n• Fines up to $25,000 per violation\n"
        "• Up to a 5 year prison term per violation\nCivil/Administrative:\n• False Claims Act liability",
        "hhs_oig/StarkandAKSChartHandout508.pdf", page=1, collection="compliance_guidance",
    )
    claims = draft("What's the maximum criminal fine for an anti-kickback violation?", [chart]).claims
    assert claims and "$25,000" in claims[0].text


def test_a_sentence_about_the_asked_code_comes_before_a_number_about_something_else():
    mues = passage(
        "ncci-mue-36415",
        "5. The MUE values for surgical procedures that may be performed bilaterally are based on the NCCI coding "
        "principle that a bilateral surgical procedure should be reported on one line of a claim with modifier 50 "
        "and one unit of service. 6. CPT code 36415 describes collection of venous blood by venipuncture. Each unit "
        "of service of this code includes all collections of venous blood by venipuncture during a single episode "
        "of care regardless of the number of times venipuncture is performed.",
        "cms_ncci_medicaid/cms_ncci_2025_policy_manual.pdf", page=116, collection="coding_references",
    )
    claims = draft("How many units of 36415 can be billed per episode?", [mues]).claims
    assert "36415" in claims[0].text or "this code" in claims[0].text
    assert not claims[0].text.startswith("The MUE values for surgical procedures")


def test_a_named_codes_own_record_leads_over_sentences_about_its_code_system():
    layout = passage("order-layout", ORDER_FILE_LAYOUT_TEXT, ICD10_ORDER_FILE, page=1, collection="coding_references")
    record = passage(
        "addenda-b3731", "Add: B3731 Acute candidiasis of vulva and vagina", ICD10_ADDENDA, section="B3731",
        collection="coding_references",
    )
    claims = draft("What is ICD-10-CM code B37.31?", [layout, record]).claims
    assert claims[0].passage_ids == [record.chunk_id]
    assert all(claim.passage_ids == [record.chunk_id] for claim in claims)


def test_a_general_rule_sharing_the_words_comes_after_the_asked_codes_record():
    humidifier = passage(
        "ncci-dme-units",
        "The supplier shall not report an additional unit of service for an integral humidifier even if it also "
        "requires repair.",
        "cms_ncci_medicaid/cms_ncci_2025_policy_manual.pdf", page=269, collection="coding_references",
    )
    claims = draft("How is J1885 billed per unit?", [humidifier, J1885]).claims
    assert claims[0].passage_ids == [J1885.chunk_id]


def test_a_short_form_its_passage_defines_matches_the_words_it_stands_for():
    modifiers = passage(
        "ncci-ccmi",
        "Each NCCI PTP edit has an assigned Correct Coding Modifier Indicator (CCMI). A CCMI of \"0\" indicates that "
        "NCCI PTP-associated modifiers cannot be used to bypass the edit.",
        "cms_ncci_medicaid/cms_ncci_2025_policy_manual.pdf", page=31, collection="coding_references",
    )
    bilateral = passage(
        "ncci-bilateral",
        "If the bilateral surgery indicator is \"0,\" a bilateral procedure must be reported with \"1\" unit of service.",
        "cms_ncci_medicaid/cms_ncci_2025_policy_manual.pdf", page=45, collection="coding_references",
    )
    ranked = rank_sentences(analyse_question("What does PTP modifier indicator 0 mean?"), [bilateral, modifiers])
    ccmi = next(s for s in ranked if s.text.startswith("A CCMI of"))
    assert {"modifier", "indicator"} <= ccmi.matched_terms
    assert ranked[0] is ccmi


def test_how_long_a_notice_stays_posted_does_not_answer_a_deadline_question():
    question = analyse_question("What's the outside deadline to notify the affected patients of a breach?")
    posting = passage(
        "substitute-notice",
        "Substitute notice shall be in the form of a conspicuous posting for a period of 90 days on the home page "
        "of the Web site, where the individuals affected by the breach can see it.",
        page=72,
    )
    window = passage("window", "Your chance to switch plans continues for 2 full months after you move.", page=9)
    [posted] = rank_sentences(question, [posting])
    assert not posted.has_asked_fact
    [continues] = rank_sentences(analyse_question("How soon must she pick a new plan after she moves?"), [window])
    assert continues.has_asked_fact


def test_sentences_stating_the_asked_kind_of_fact_are_chosen_before_other_near_ones():
    background = passage(
        "breach-background",
        "Breach notification to affected patients is part of the breach policy. "
        "The breach policy covers notification of affected patients after a breach. "
        "Affected patients receive breach notification letters under the breach policy. "
        "Notification of a breach goes to affected patients and to the Secretary. "
        "Each breach notification to affected patients is logged.",
        "datica_hipaa_policies/12-breach_policy.md",
        section="12. Breach Policy",
        collection="internal_policies",
    )
    rule = passage(
        "breach-timeliness", "Individuals are told no later than 60 calendar days after discovery of a breach.", page=71
    )

    def closer_without_numbers(pairs):  # stands in for the embedding model: the background reads closer
        return [[0.0 if any(ch.isdigit() for ch in s) else 1.0 for s in sentences] for _, sentences in pairs]

    question = analyse_question("What's the outside deadline for breach notification to affected patients?")
    claims = ExtractiveBackend(closer_without_numbers).draft(question, [background, rule]).claims
    assert claims and "60 calendar days" in claims[0].text


def test_a_footnote_number_is_not_a_count():
    from answering.evidence import _states_quantity

    assert not _states_quantity("See Footnote 3 for information on how to obtain copies of these documents.")
    assert _states_quantity("A basic guide is five or more medical records per Federal payor.")


def test_a_sentence_sharing_only_words_that_ask_when_is_not_added_to_the_answer():
    policy = passage(
        "training-policy",
        "All new workforce members are given HIPAA training within 30 days of beginning employment.",
        "datica_hipaa_policies/19-employees_policy.md",
        section="19.2 Employment Policies",
        collection="internal_policies",
    )
    hearing = passage(
        "hearing",
        "The ALJ must issue the decision within 60 days after the time for post-hearing briefs has expired, "
        "whatever the deadline for reply briefs.",
        page=34,
    )
    claims = draft("New hires and HIPAA training: what is the deadline and the timing?", [policy, hearing]).claims
    assert claims and "30 days" in claims[0].text
    assert all("ALJ" not in claim.text for claim in claims)


def test_a_sentence_about_another_code_is_not_added_to_an_answer_about_the_asked_code():
    blood = passage(
        "blood",
        "CPT code 36415 describes collection of venous blood by venipuncture. Each unit of service of this code "
        "includes all collections of venous blood during a single episode of care.",
        page=116,
    )
    inhalation = passage(
        "inhalation",
        "The procedure described by CPT code 94644 (continuous inhalation treatment) does not include any "
        "physician work RVUs for the procedure.",
        page=120,
    )
    claims = draft("What is the RVU for the procedure CPT 36415?", [blood, inhalation]).claims
    assert claims and "36415" in claims[0].text
    assert all("94644" not in claim.text for claim in claims)


def test_a_code_question_is_answered_by_the_record_naming_its_rarest_word():
    def record(code: str, text: str):
        return passage(code, text, "cms_hcpcs/HCPCS_2020.csv", section=code, collection="coding_references")

    other = record(
        "J0129",
        "HCPC/MOD: J0129 | SHORT DESCRIPTION: Abatacept injection | LONG DESCRIPTION: Injection, abatacept, 10 mg "
        "(code may be used for medicare when drug administered under the direct supervision of a physician)",
    )
    another = record(
        "J0593",
        "HCPC/MOD: J0593 | SHORT DESCRIPTION: Inj., lanadelumab-flyo, 1 mg | LONG DESCRIPTION: Injection, "
        "lanadelumab-flyo, 1 mg (code may be used for medicare when drug administered under direct supervision)",
    )
    asked = record(
        "J1885",
        "HCPC/MOD: J1885 | SHORT DESCRIPTION: Ketorolac tromethamine inj | LONG DESCRIPTION: Injection, ketorolac "
        "tromethamine, per 15 mg",
    )
    claims = draft("Which drug code should I use for ketorolac injection?", [other, another, asked]).claims
    assert claims and "J1885" in claims[0].text


def test_a_rule_for_another_kind_of_the_asked_thing_is_not_quoted():
    # 'a request for an amendment' does not answer a question on 'a request for access'.
    claims = draft("How long do we have to act on a patient's request for access to their records?", [AMENDMENT, ACCESS]).claims
    assert claims and all(claim.passage_ids == [ACCESS.chunk_id] for claim in claims)
    assert "no later than 30 days" in claims[0].text


def test_kinds_named_reads_what_kind_of_thing_follows_for_or_to():
    assert kinds_named("the individual's request for an amendment") == {"request": frozenset({"amend"})}
    assert kinds_named("a patient's request to restrict disclosures") == {"request": frozenset({"restrict"})}
    assert kinds_named("send it to the plan") == {}


def test_a_records_request_is_answered_by_the_rule_for_a_request_for_access_not_for_an_amendment():
    amendment = passage(
        "hipaa-526", "The covered entity must act on the individual's request for an amendment no later than 60 days after receipt of such a request.",
        page=108, section="§ 164.526",
    )
    access = passage(
        "hipaa-524", "The covered entity must act on a request for access no later than 30 days after receipt of the request.",
        page=106, section="§ 164.524", score=0.4,
    )
    ranked = rank_sentences(analyse_question("How long do we have to answer a records request?"), [amendment, access])
    assert ranked[0].passage.chunk_id == "hipaa-524"


@pytest.mark.parametrize(
    ("sentence", "named"),
    [
        ("Our Privacy Officer is Jane Smith.", True),
        ("Please call Dr. Patel with any questions.", True),
        ("If the incident involves ePHI, the Security Officer will manage the incident.", False),
        ("Breach Investigation: The Datica Security Officer shall name an individual.", False),
        ("The lead member facilitates initiation of a SIR Form or an Incident Survey Form.", False),
        ("Providers may not submit claims to Medicare or Medicaid.", False),
    ],
)
def test_a_named_person_is_told_from_a_role_or_a_title_case_label(sentence, named):
    assert names_a_person(sentence) is named


def test_an_initialism_no_passage_text_uses_is_met_by_the_title_of_the_document_it_names():
    layout = passage(
        "leie-layout",
        "Label: BUSNAME | Character Limit: 100",
        "hhs_oig/LEIE_Record_Layout.doc",
        title="List of Excluded Individuals/Entities (LEIE) — Database Record Layout",
    )
    order_file = passage(
        "order-file",
        "Each line of an order file contains one code. A line is never longer than 400 characters.",
        "cms_icd10cm/icd10OrderFiles2023.pdf",
        title="ICD-10-CM/PCS Order Files",
    )
    question = analyse_question("In the LEIE download, how many characters is the business name field?")
    assert rank_sentences(question, [order_file, layout])[0].passage is layout
