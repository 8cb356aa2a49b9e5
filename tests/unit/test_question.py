"""How a question is read: its parts, what it asks for, and what an asked quantity is of."""

from __future__ import annotations

import pytest

from answering.evidence import rank_sentences
from answering.question import analyse_question, question_parts
from tests.unit.answering_passages import passage


def test_a_lead_in_that_asks_nothing_stays_with_the_part_it_introduces():
    assert question_parts("In the order files, what is the order number for?") == [
        "In the order files, what is the order number for?"
    ]
    assert analyse_question("For our internal coding audit, how many charts should we pull?").parts == ()


def test_two_questions_joined_by_and_are_two_parts():
    parts = question_parts("What is a business associate, and how soon must we sign an agreement?")
    assert parts == ["What is a business associate", "how soon must we sign an agreement?"]


def test_an_example_after_e_g_is_not_a_question_of_its_own():
    question = analyse_question("What's the order number for, e.g. when a policy says C43-C449?")
    assert question.asked == frozenset()  # 'when a policy says' gives an example; it asks for no date


@pytest.mark.parametrize(
    ("question", "measured"),
    [
        ("What minimum password length do our policies require?", ("password",)),
        ("For our internal coding audit, how many charts should we pull?", ("chart",)),
        ("How many days do we have to respond?", ()),  # a duration, not a count of something
        ("How many sick days do front desk employees get per year?", ("sick",)),  # days of sickness, not any days
        ("How many calendar days may the review take?", ("calendar",)),
        ("How long must we keep records?", ()),
    ],
)
def test_an_asked_quantity_names_what_it_is_of(question, measured):
    assert analyse_question(question).measured == measured


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("How many ICD-10-CM codes were revised for FY2023?", ("cod", "revis")),
        ("How many new codes were added to ICD-10-CM?", ("cod", "add")),
        ("For our internal coding audit, how many charts should we pull?", ("chart",)),
        ("How many units of 36415 can we bill?", ("unit",)),
        ("How many characters long is the last name field?", ("character",)),
        ("How many days do we have to respond?", ()),
    ],
)
def test_a_count_question_names_the_thing_counted_and_what_was_done_to_it(question, counted):
    assert analyse_question(question).counted == counted


def test_digits_the_question_names_lift_the_sentence_holding_them_above_number_words():
    named = passage("named", "The use of modifiers 22, 76, or 77 does not bypass an edit.", "ncci/manual.pdf")
    worded = passage(
        "worded",
        "The column two code is not paid. A column two code may be reported with a modifier. "
        "Column one and column two codes form an edit pair.",
        "ncci/manual.pdf",
    )
    ranked = rank_sentences(analyse_question("Will a 76 or 77 on the column two code get it past the edit?"), [worded, named])
    assert ranked[0].passage.chunk_id == "named"


@pytest.mark.parametrize(
    ("question", "yes_no", "asked"),
    [
        ("When I fax a patient's records to their specialist for treatment, do I still have to send the minimum necessary?", True, set()),
        ("When a patient asks for an accounting of disclosures, how many years back does it have to go?", False, {"duration"}),
        ("When must we notify affected individuals of a breach?", False, {"date", "duration", "timing"}),
    ],
)
def test_a_condition_before_the_question_is_not_what_is_asked(question, yes_no, asked):
    analysed = analyse_question(question)
    assert (analysed.yes_no, set(analysed.asked), analysed.parts) == (yes_no, asked, ())


@pytest.mark.parametrize(
    ("question", "deadline"),
    [
        ("What's the outside deadline to notify the affected patients?", True),
        ("How soon do I have to finish HIPAA training?", True),
        ("How long do we have to get back to her?", True),
        ("How long must we keep our HIPAA policies?", False),  # how long a thing lasts
        ("How long can someone go without drug coverage?", False),
    ],
)
def test_a_deadline_question_is_told_from_a_how_long_it_lasts_question(question, deadline):
    assert analyse_question(question).deadline is deadline


def test_a_stated_due_date_being_checked_asks_about_a_deadline():
    analysed = analyse_question("Because breach notices are due within 90 days, we have until March, correct?")
    assert analysed.deadline and analysed.yes_no


@pytest.mark.parametrize(
    "question",
    [
        "I know HIPAA gives us 90 days to answer a records request, so can I tell the patient it takes a while?",
        "We already sent the notice, then do we also have to call her?",
    ],
)
def test_a_question_after_a_statement_and_a_joining_word_is_a_yes_no_question(question):
    analysed = analyse_question(question)
    assert analysed.yes_no
    assert "90" not in {t.value for t in analysed.specific}  # the stated value is checked, not required


def test_a_tag_and_joining_words_are_not_the_questions_topic():
    terms = analyse_question("Because breach notices are due within 90 days, we have until March, correct?").terms
    assert not {"becaus", "until", "correct"} & set(terms)
    assert {"breach", "notic"} <= set(terms)


def test_asking_for_plain_wording_adds_no_topic_words():
    assert analyse_question("What is an MUE, in plain terms?").terms == ("mue",)
    assert analyse_question("In simple terms, what does modifier 59 mean?").terms == ("modifier",)


def test_rule_and_policy_in_a_name_frame_the_question_and_need_not_be_in_the_evidence():
    names = {t.value for t in analyse_question("How many years must we retain documentation under the Privacy Rule?").specific}
    assert names == {"Privacy"}


def test_a_stated_number_carries_the_words_naming_what_it_is_a_value_of():
    [named] = analyse_question("What does MUE adjudication indicator 1 mean?").named_numbers
    assert (named.number, named.written) == ("1", "MUE adjudication indicator 1")
    [of] = analyse_question("The PTP edit shows a modifier indicator of 0. What does that tell me?").named_numbers
    assert of.written == "modifier indicator 0"
    assert analyse_question("Will a 76 or 77 on the column two code get it past the PTP edit?").named_numbers == ()
    assert analyse_question("A patient turned 65 last month. What are her options?").named_numbers == ()


@pytest.mark.parametrize(
    "question, written, terms",
    [
        ("What's the wifi password for the patient waiting room?", "wifi password", ("wifi", "password")),
        ("What does our malpractice insurance policy cover for telehealth visits?", "malpractice insurance policy", ("malpractic", "insuranc")),
        ("What is the purpose of a compliance program?", "purpose of a compliance program", ("purpos", "complianc", "program")),
        ("What are the ways to report fraud to the OIG?", "ways to report fraud", ("way", "report", "fraud")),
        ("Can I bring my dog to work?", "dog", ("dog",)),
        ("Must we keep the risk analysis for six years?", "risk analysis", ("risk", "analysi")),
        ("Do we validate parking for patients?", "parking", ("park",)),  # no article before the thing
        ("How long do we keep audit logs?", "audit logs", ("audit", "log")),  # how long to keep a thing
        ("How many years do we have to hang on to visitor logs before shredding them?", "visitor logs", ("visitor", "log")),
        (
            "How long do we have to keep the paperwork from a breach investigation, including the risk assessment?",
            "paperwork from a breach investigation", ("paperwork", "breach", "investigat"),
        ),
    ],
)
def test_a_what_question_names_the_thing_it_asks_about(question, written, terms):
    subject = analyse_question(question).subject
    assert subject is not None and subject.written == written and subject.terms == terms


@pytest.mark.parametrize(
    "question",
    [
        "We found a breach. What's the outside deadline to notify the affected patients?",  # asks when
        "What does the OIG mean by 'upcoding'?",  # asks what a word means
        "What's XS mean exactly?",  # 'what does XS mean?', said quickly
        "What is required for a space rental safe harbor?",  # only framing words
        "How long do we have to keep it?",  # no thing of its own
        "Do we need a signed authorization to share records?",  # a light verb
        "Can we bill them for it?",
    ],
)
def test_questions_without_a_thing_of_their_own_have_no_subject(question):
    assert analyse_question(question).subject is None


@pytest.mark.parametrize(
    "question",
    [
        "What is the OIG hotline number?", "What phone number do patients call?", "Is there a toll-free line?",
        "What's her cell number?", "What is the billing office's direct line?",
    ],
)
def test_a_question_for_a_number_to_call_asks_for_a_phone_number(question):
    assert "phone" in analyse_question(question).asked


@pytest.mark.parametrize(
    "question",
    ["What is the address of our billing company?", "What mailing address do we send it to?", "What address do I use?"],
)
def test_a_question_for_where_to_mail_asks_for_a_postal_address(question):
    assert analyse_question(question).asked == {"address"}


@pytest.mark.parametrize("question", ["How do we address a complaint?", "What is the email address for the OIG?"])
def test_address_as_a_verb_or_an_email_address_asks_for_no_postal_address(question):
    assert "address" not in analyse_question(question).asked


def test_a_title_is_not_a_name_and_the_name_after_it_is_not_sentence_initial():
    names = {t.value for t in analyse_question("Is Dr. Smith accepting new patients?").specific}
    assert names == {"Smith"}


@pytest.mark.parametrize(
    ("question", "background"),
    [
        ("We just hired two new MAs. By when do they need their HIPAA training?", "MAs"),
        ("We're in a Medicaid audit and the shredding truck comes Friday. Can we still destroy old charts?", "Friday"),
        ("We have no mailing address for about 40 patients. How do we notify patients we cannot reach by mail?", "40"),
    ],
)
def test_a_name_or_number_only_of_the_askers_situation_need_not_be_in_the_evidence(question, background):
    assert background not in {t.value for t in analyse_question(question).specific}


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("A patient asked when her 6-month Medigap open enrollment period starts. What do I tell her?", "Medigap"),
        ("The PTP edit shows a modifier indicator of 0. What does that tell me?", "0"),
    ],
)
def test_a_question_of_no_words_of_its_own_asks_about_what_was_said_before_it(question, asked):
    assert asked in {t.value for t in analyse_question(question).specific}


def test_a_person_named_by_a_title_is_background_however_short_the_question_after_it():
    question = analyse_question("Mrs. Alvarez says her allergy list is wrong. How long do we have to get back to her?")
    assert "Alvarez" not in {t.value for t in question.specific}
    assert not {"mrs", "alvarez"} & set(question.terms)
    assert "Smith" in {t.value for t in analyse_question("Who are Dr. Smith's patients?").specific}


def test_a_question_for_someones_email_asks_for_an_email_address():
    assert analyse_question("What's the email for the OIG hotline?").asked == {"email"}
    assert not analyse_question("Should we email patients their statements?").asked


@pytest.mark.parametrize(
    "question",
    [
        "Since HIPAA says any breach over 250 people has to go to the local news, how fast must the press release go out?",
        "I was told more than 250 patients triggers media notice, so how fast do we call the paper?",
    ],
)
def test_a_value_stated_as_the_rule_is_checked_not_required(question):
    assert "250" not in {t.value for t in analyse_question(question).specific}


def test_a_number_the_question_asks_about_is_still_required():
    assert "250" in {t.value for t in analyse_question("What must we do after a breach of 250 people?").specific}


@pytest.mark.parametrize(
    ("question", "asks_for_a_person"),
    [
        ("Who is our privacy officer?", True),
        ("Quick one, who's the practice's compliance officer?", True),
        ("Which employees have completed HIPAA training this year?", True),
        ("Who did the last risk assessment?", True),
        ("Who must sign a business associate agreement?", False),
        ("Who is responsible for investigating a breach?", False),
        ("Which employees must complete HIPAA training?", False),
        ("Who has to sign a BAA?", False),
    ],
)
def test_who_holds_the_practices_own_role_asks_for_a_person(question, asks_for_a_person):
    assert ("person" in analyse_question(question).asked) is asks_for_a_person


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("When is our next HIPAA risk assessment scheduled?", {"date"}),
        ("When is the next open enrollment period?", {"date"}),
        ("When must we notify patients of a breach?", {"date", "duration", "timing"}),
    ],
)
def test_when_the_next_event_falls_asks_for_a_date_not_a_length_of_time(question, asked):
    assert set(analyse_question(question).asked) == asked


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("What's the landlord's contact info?", {"phone", "email", "address"}),
        ("How do patients contact the OIG hotline?", {"phone", "email", "address"}),
        ("What was our denial rate on Medicaid claims?", {"percent", "number", "money"}),
    ],
)
def test_contact_details_and_rates_ask_for_a_figure_not_a_rule(question, asked):
    assert set(analyse_question(question).asked) == asked
