"""Staff's everyday words and the words the documents use for the same things.

A receptionist asks for "a copy of her chart"; the HIPAA text says "access to protected health information
in a designated record set". Neither the embedding model nor word matching bridges that on its own. Two
tables do, both general healthcare-office vocabulary rather than the phrasing of any question set:

* `PLAIN_TO_FORMAL`, word to words: lets answering match a question's word to a sentence's ('keep' is met
  by 'retain').
* `PLAIN_PHRASES`, phrase to words: retrieval adds the documents' words for a question's everyday
  phrases to the search ('a list of everyone we sent her records to' also searches 'accounting of
  disclosures').
"""

from __future__ import annotations

import re
from functools import lru_cache

PLAIN_TO_FORMAL = {
    "patient": "individual beneficiary enrollee member person",
    "people": "individuals persons residents members patients",
    "person": "individual people resident member",
    "record": "information documentation phi record",
    "chart": "record information documentation",
    "paperwork": "documentation records forms",
    "keep": "retain maintain store retention",
    "hold": "retain maintain store",
    "answer": "act respond response reply",
    "respond": "act response answer reply",
    "reply": "act respond response answer",
    "deadline": "time limit later within period",
    "window": "period time",
    "doctor": "physician provider practitioner",
    "clinic": "practice provider entity",
    "practice": "provider entity practice",
    "charge": "fee rate cost price",
    "fee": "charge rate cost price",
    "cost": "fee charge rate price",
    "price": "fee charge rate cost",
    "tell": "notify notification notice inform",
    "notify": "notification notice inform",
    "staff": "workforce employee member personnel",
    "employee": "workforce staff member personnel",
    "worker": "workforce employee staff",
    "leave": "cease terminate termination end",
    "quit": "cease terminate termination",
    "fire": "terminate termination sanction",
    "delete": "destroy destruction disposal remove",
    "destroy": "destruction disposal delete",
    "throw": "dispose disposal destruction",
    "bill": "claim billing report code",
    "kickback": "remuneration anti-kickback",
    "bribe": "remuneration kickback",
    "ban": "exclusion exclude prohibit",
    "banned": "excluded exclusion",
    "allowed": "permit may",
    "allow": "permit may",
    "copy": "copies copy",
    "hack": "breach incident unauthorized",
    "leak": "breach disclosure unauthorized",
    "share": "disclose disclosure",
    "send": "disclose disclosure transmit",
    "lost": "loss breach",
    "laptop": "device media",
    "phone": "telephone",
    "meaning": "definition",
    "visit": "encounter service",
    "see": "access inspect",
    "fix": "amend amendment correct correction",
    "mistake": "error amend amendment inaccurate incorrect",
    "error": "mistake amend amendment inaccurate incorrect",
    "id": "identification identifier identity identifying",
    "ids": "identification identifier identity identifying",
    "wrong": "inaccurate incorrect error amend amendment",
    "piece": "component element part",
    "whole": "entire all complete",
    "milligram": "mg",
    "microgram": "mcg",
    "milliliter": "ml",
    "kilogram": "kg",
}

PLAIN_PHRASES: tuple[tuple[str, str], ...] = (
    # records and privacy rights
    (r"charts?|medical records?|health records?|patient records?|(?:health|medical|patient) (?:info|information)|paperwork on (?:her|him|them)", "protected health information"),
    (r"cop(?:y|ies) (?:of )?(?:her |his |their |the |my |our |your |all )?(?:records?|charts?|files?|information|info|everything)|(?:a |get |want |wants |request(?:ing|s)? |send (?:her |him |them )?)cop(?:y|ies)", "right of access inspect obtain a copy"),
    (r"records? requests?|request(?:s|ed|ing)? (?:for )?(?:her |his |their |the |a |my |our )?(?:records|chart|file)", "a request for access"),
    (r"mistakes?|errors?|wrong|incorrect|inaccurate|fix(?:ed)?|correct(?:ed|ion)?|change (?:her|his|their|the) (?:chart|record)", "amendment amend"),
    (r"list of (?:every(?:one|body)|all|who|whom|the people|people|places)|(?:every(?:one|body)|who|whom) (?:we(?:'ve| have)?|you(?:'ve| have)?) (?:shared|disclosed|sent|given|released)", "accounting of disclosures"),
    (r"privacy notice|privacy practices|privacy (?:form|paperwork|policy)", "notice of privacy practices acknowledgment of receipt"),
    (r"(?:paid|pay|paying|pays) (?:cash|out of pocket|in full|(?:for it )?(?:herself|himself|themselves))|cash pay", "restriction disclosure health plan paid out of pocket in full"),
    (r"(?:doesn't|does not|don't|do not) want .{0,40}(?:find out|know|see|told)|keep (?:it|this|that) (?:from|private)", "request restriction confidential communications"),
    (r"complain(?:s|t|ts|ed|ing)?|grievances?|unhappy", "complaints process"),
    (r"(?:call|reach|contact) (?:her|him|them) at|another address|different (?:address|phone|number)|cell phone instead", "confidential communications alternative means location"),
    # fees and billing
    (r"charge|bill (?:them|her|him|the patient)|fees?|cost|pay for", "fee"),
    (r"copays?|co-pays?|out[- ]of[- ]pocket|deductibles?", "coinsurance deductible cost-sharing"),
    (r"waive|write[- ]offs?|write (?:it )?off|forgive", "waiver"),
    (r"(?:couldn't|can't|cannot|unable to) (?:pay|afford)|financial hardship|poor|low[- ]income", "financial need hardship"),
    # devices, security and facilities
    (r"laptops?|thumb drives?|usb(?: drives?| sticks?)?|flash drives?|tablets?|cds?|dvds?|hard drives?|smartphones?", "portable media device workstation"),
    (r"shred(?:ded|ding)?|throw (?:away|out)|trash|toss(?:ed)?|dispos(?:e|ing)|destroy|wipe", "disposal destruction media re-use"),
    (r"hack(?:ed|ers?)?|stolen|lost|ransomware|leak(?:ed)?|snooping|peek(?:ed)?", "breach unauthorized security incident"),
    (r"passwords?|log-?ins?|sign-?ons?", "password management authentication"),
    (r"keys?|badges?|key ?cards?|locks?|locked", "facility access controls"),
    (r"vendors?|contractors?|outside compan(?:y|ies)|hosting", "business associate"),
    (r"(?:sales |drug |pharma |vendor )?reps?|salesm[ae]n|repair ?(?:man|men|person|guy|tech)|copier|delivery (?:guy|person|driver)|technicians?|visitors?|guests?", "visitor escort"),
    (r"from home|at home|remote(?:ly)?|work from home", "remote access offsite"),
    (r"server (?:room|closet)|back office|records room", "facility secure area"),
    # people
    (r"doctors?|docs?|dr", "physician"),
    (r"lawyers?|attorneys?|subpoenas?|court orders?|lawsuits?", "judicial administrative proceedings"),
    (r"police|cops?|detectives?|officers? from", "law enforcement official"),
    (r"family|spouse|wife|husband|daughter|son|parents?|relatives?|friend", "family member relative personal representative"),
    (r"died|dead|deceased|passed away", "decedent"),
    (r"kids?|child(?:ren)?|teen(?:ager)?s?|underage", "minor unemancipated parent"),
    (r"insurance (?:company|companies|plan)|insurers?|payers?", "health plan"),
    # fraud and compliance
    (r"kickbacks?|bribes?|gifts?|perks?|free (?:lunch|lunches|meals?|stuff|trips?)|paid for referrals?", "remuneration anti-kickback"),
    (r"fines?|penalt(?:y|ies)|punish(?:ed|ment)?|jail|prison", "civil money penalty criminal"),
    (r"banned|barred|kicked out of medicare|blacklist(?:ed)?|excluded", "exclusion LEIE"),
    (r"report (?:it|fraud|abuse|this|them)|tip ?line|whistle-?blow(?:er|ing)?|turn (?:them|him|her) in|fake (?:visit|claim|bill)|never happened", "hotline complaint fraud waste abuse"),
    (r"rent(?:ing|s)?|leas(?:e|ing)|office space|exam rooms?", "rental of space lease"),
    (r"referrals?|refer(?:s|red)?|send (?:us )?patients", "referral"),
    (r"keep(?:ing)? (?:the|our|their|these|those|it|them|records?|files?|copies|paperwork|documents?)|hold on to|archive", "retain retention"),
    # Medicare and enrollment
    (r"sign(?:ing)? up|join|switch(?:ing)? (?:plans?)?|enroll(?:ing)?|turn(?:s|ing)? 65", "enroll enrollment period"),
    (r"seniors?|elderly|65", "Medicare eligibility age"),
    (r"disabled|disability", "disability entitlement"),
    (r"abn|waiver of liability", "advance beneficiary notice"),
    # coding
    (r"blood draws?|drew blood|stick(?:ing)? (?:the patient|him|her|them)|stuck (?:the patient|him|her|them|twice)|needle ?sticks?|venous", "venipuncture collection of venous blood"),
    (r"shots?|jabs?", "injection"),
    (r"check-?ups?|physicals?|wellness", "preventive annual wellness visit"),
    (r"wasted|leftover|discard(?:ed)?|tossed|unused", "discarded not administered"),
    (r"split|new codes?|expanded|replaced", "added deleted revised"),
    (r"units|times|x ?\d", "units of service"),
    (r"same day|same visit|same encounter", "same date of service"),
    (r"bundl(?:e|ed|ing)|included in", "column one column two code pair edit"),
)

_COMPILED_PHRASES = tuple(
    (re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE), words) for pattern, words in PLAIN_PHRASES
)


@lru_cache(maxsize=1024)  # retrieval, sentence ranking and the meaning floor all read the same question
def documents_wording(question: str) -> str:
    """The documents' words for the everyday phrases of a question, each group once; '' when none."""
    groups = [words for pattern, words in _COMPILED_PHRASES if pattern.search(question)]
    return " ".join(dict.fromkeys(groups))


def with_documents_wording(question: str) -> str:
    """The question, followed by the documents' words for its everyday phrases in brackets: what both
    halves of the hybrid search read ('a copy of her chart' also searches 'right of access ... protected
    health information'), and what tells sentence ranking which kind of request is meant."""
    wording = documents_wording(question)
    return f"{question} ({wording})" if wording else question
