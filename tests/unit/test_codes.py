import pytest

from kb.codes import as_typed_in_documents, find_codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what does modifier GA mean?", [("modifier", "GA")]),
        ("how many units of 36415?", [("cpt", "36415")]),
        ("Is B37.31 new?", [("icd10cm", "B3731")]),
        ("see § 164.524", [("cfr", "164.524")]),
        ("modifiers XE, XS, XP or XU", [("modifier", m) for m in ("XE", "XS", "XP", "XU")]),
        ("bill G0439 once a year", [("hcpcs", "G0439")]),
        ("Is U07.1 billable?", [("icd10cm", "U071")]),  # the U chapter holds codes for special purposes
        ("append -59 to the code", [("modifier", "59")]),
    ],
)
def test_codes_are_recognised_and_normalised(text, expected):
    assert [(c.kind, c.value) for c in find_codes(text)] == expected


def test_money_and_large_counts_are_not_codes():
    assert find_codes("a fine of $50,000 for 72,750 codes") == []


def test_plain_questions_have_no_codes():
    assert find_codes("how long must we keep our HIPAA policies?") == []


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("what is g0439?", ["G0439"]),
        ("is b37.31 new for 2023?", ["B3731"]),
        ("what does mod 59 mean?", ["59"]),
        ("can we bill j1885 with mods 25 and 59?", ["J1885", "25", "59"]),
        ("when did the X{EPSU} modifiers become effective?", ["XE", "XP", "XS", "XU"]),  # coders' shorthand
    ],
)
def test_codes_typed_in_lower_case_or_with_mod_are_found(typed, codes):
    assert [c.value for c in find_codes(as_typed_in_documents(typed))] == codes


def test_ordinary_words_are_left_as_typed():
    assert as_typed_in_documents("the modern model of 2nd opinions, e.g. h1n1") == "the modern model of 2nd opinions, e.g. h1n1"


@pytest.mark.parametrize(
    ("typed", "written"),
    [("Is I47.21 new in FY23?", "Is I47.21 new in FY2023?"), ("the FY 23 order file", "the FY2023 order file"), ("CY24 rates", "CY2024 rates")],
)
def test_a_two_digit_fiscal_or_calendar_year_is_written_in_full_as_the_documents_write_it(typed, written):
    assert as_typed_in_documents(typed) == written
