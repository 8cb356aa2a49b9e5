import pytest

from kb.codes import find_codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what does modifier GA mean?", [("modifier", "GA")]),
        ("how many units of 36415?", [("cpt", "36415")]),
        ("Is B37.31 new?", [("icd10cm", "B3731")]),
        ("see § 164.524", [("cfr", "164.524")]),
        ("modifiers XE, XS, XP or XU", [("modifier", m) for m in ("XE", "XS", "XP", "XU")]),
        ("bill G0439 once a year", [("hcpcs", "G0439")]),
        ("append -59 to the code", [("modifier", "59")]),
    ],
)
def test_codes_are_recognised_and_normalised(text, expected):
    assert [(c.kind, c.value) for c in find_codes(text)] == expected


def test_money_and_large_counts_are_not_codes():
    assert find_codes("a fine of $50,000 for 72,750 codes") == []


def test_plain_questions_have_no_codes():
    assert find_codes("how long must we keep our HIPAA policies?") == []
