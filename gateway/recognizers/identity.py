"""Personal identifiers: SSN, driver licence, passport, date of birth and names in context.

ITIN uses Presidio's recogniser unchanged (see ``__init__``): its group ranges are
50-65, 70-88, 90-92 and 94-99. POLICY_REFERENCE lists 70-88, 90-92, 94-99; the IRS
added 50-65 in 2011, so those are accepted too.
"""

from __future__ import annotations

import datetime as dt
import re

from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.predefined_recognizers import UsPassportRecognizer as PresidioUsPassportRecognizer
from presidio_analyzer.predefined_recognizers import UsSsnRecognizer as PresidioUsSsnRecognizer
from spacy.lang.en.stop_words import STOP_WORDS

from gateway.recognizers.base import LabelledValueRecognizer, ResultCheck
from gateway.recognizers.checksums import digits_only
from gateway.recognizers.ner import COMPANY_FORM, ORGANISATION_WORDS

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}"
    rf"|(?i:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?i:{_MONTHS})\.?,?\s+\d{{4}})"
)
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}


class SsnRecognizer(PresidioUsSsnRecognizer):
    """Presidio's SSN recogniser plus the 900-999 area rule (those are ITINs, never SSNs).

    The class has its own name (Presidio finds its defaults by class name) but
    reports findings under Presidio's recogniser name, as API.md shows.
    """

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language, name="UsSsnRecognizer")

    def invalidate_result(self, pattern_text: str) -> bool:
        return super().invalidate_result(pattern_text) or digits_only(pattern_text).startswith("9")


class UsDriverLicenseRecognizer(LabelledValueRecognizer):
    """A driver-licence number after its label; replaces Presidio's pattern, noisy in prompts.

    Labels: ``driver's license``, ``driving licence``, ``DL``, a state before ``license``
    (``TX license #``, ``Texas lic.``); the value may be digits only (Texas: 8 digits).
    """

    ENTITY = "US_DRIVER_LICENSE"
    PATTERNS = [
        Pattern(
            "labelled_license",
            r"(?=[dDA-Z])"  # the first letters of the labels: other positions are skipped cheaply
            r"(?:(?i:\bdriver'?s?\s+lic(?:en[cs]e|\.)?|\bdriving\s+licen[cs]e)|\bDL"
            r"|\b(?:[A-Z]{2}|Texas|California|Florida|Illinois|Ohio|Georgia|Michigan|Arizona|Colorado|Washington)"
            r"\s+(?i:licen[cs]e|lic\.))\s*(?i:number|num|no\.?|#|id)?"
            r"\s*(?:is|was|=|:|#|-)?\s*#?\s*(?P<value>[A-Za-z]{0,3}-?\d[A-Za-z0-9-]{4,16}[A-Za-z0-9])\b",
            0.85,
        )
    ]
    CONTEXT = ["driver", "license", "licence", "dl", "dmv"]

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if len(digits_only(pattern_text)) >= 4 else False


def _parse_date(value: str) -> dt.date | None:
    """A calendar date from the forms ``_DATE`` accepts (month/day order as written in the US)."""
    numbers = [int(n) for n in re.findall(r"\d+", value)]
    month_name = re.search(r"[A-Za-z]{3}", re.sub(r"(?i)\d+(?:st|nd|rd|th)", "", value))
    try:
        if month_name:
            day, year = (numbers[0], numbers[1])
            return dt.date(year, _MONTH_NUMBERS[month_name.group(0).lower()], day)
        first, second, third = numbers
        if first > 31:
            return dt.date(first, second, third)
        year = third + (1900 if third >= 30 else 2000) if third < 100 else third
        if first > 12:
            return dt.date(year, second, first)
        return dt.date(year, first, second)
    except (ValueError, KeyError, IndexError):
        return None


class DateOfBirthRecognizer(LabelledValueRecognizer):
    """A date tied to a birth by its label (``DOB``, ``date of birth as``, ``"dob": "..."``, ``birth_date=``).

    Common labels in other languages count too (``fecha de nacimiento``, ``date de naissance``,
    ``Geburtsdatum``, ``data di nascita``).
    """

    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = [
        Pattern(
            "labelled_dob",
            # Every label opens with one of these letters: the lookahead skips other positions cheaply.
            r"(?=(?i:[bdfgn]))"
            r"(?:(?i:(?<![A-Za-z])D\.?O\.?B(?![A-Za-z])\.?|(?<![A-Za-z])date[\s_-]+of[\s_-]+birth"
            r"|(?<![A-Za-z])birth[\s_-]*date|\bbirthday|\bborn(?:\s+on)?"
            r"|\bfecha\s+de\s+nacimiento|\bdate\s+de\s+naissance|\bgeburtsdatum|\bgeboren(?:\s+am)?"
            r"|\bdata\s+d[ie]\s+nascita|\bdata\s+de\s+nascimento|\bn[ée]e?\s+le|\bnacid[oa]\s+el)"
            r"[\"']?\s*(?i:(?:is|was|as|of|on|listed|recorded|given|shown|entered|=|:|-)\s*){0,3}[\"'(]?\s*)"
            rf"(?P<value>{_DATE})",
            0.85,
        ),
        Pattern(  # the cue in the sentence or form label before: "What is your date of birth? It's 7/02/1958"
            "cue_before",
            r"(?=(?i:[bd]))(?i:(?<![A-Za-z])D\.?O\.?B(?![A-Za-z])|(?<![A-Za-z])date[\s_-]+of[\s_-]+birth"
            r"|(?<![A-Za-z])birth[\s_-]*date|\bbirthday)"
            r"(?:(?!(?i:appointment|visit|admi|discharg|surgery|scheduled|today|expir|issued|seen|died|death|deceased))"
            rf"[^\d\n]){{1,60}}?(?<![\w/.-])(?P<value>{_DATE})",
            0.75,
        ),
    ]
    CONTEXT = ["dob", "birth", "born", "birthday", "nacimiento", "naissance", "geburtsdatum"]

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if parse_birth_date(pattern_text) else False


def parse_birth_date(value: str) -> dt.date | None:
    """The date ``value`` names, if it could be a living person's birth date (1900 to today)."""
    date = _parse_date(value)
    return date if date is not None and 1900 <= date.year <= dt.date.today().year else None


# Words that may be capitalised next to a name but are not one ("Hi All", "Dear Team", "Thanks Again").
NOT_NAMES = (
    frozenset(
        """all team everyone everybody folks there sir madam sirs colleagues customer customers friend friends
    guys hiring manager support again so much patient nurse doctor doc staff again today tomorrow
    committee safety portal education services service center centre care records information satisfaction
    experience relations intake advocate""".split()
    )
    | STOP_WORDS
)
_WORD = r"[A-Za-z][a-z]+(?:[-'][A-Za-z][a-z]+)?"
_CAP_WORD = r"[^\W\d_a-z][^\W\d_A-Z]+(?:[-'][^\W\d_a-z][^\W\d_A-Z]+)?"  # Jane, Wiśniewska, Ólafsdóttir
_UPPER_WORD = r"(?:O'|MC|MAC)?[A-Z]{2,}(?:[-'][A-Z]{2,})?"
# A name written in any of the ways forms and records write it.
_ANY_NAME = (
    rf"(?:{_CAP_WORD}(?:[ \t]+[A-Z]\.?)?(?:[ \t]+{_CAP_WORD}){{1,2}}"  # Jane Q. Doe, Kaikou M Shimoda
    rf"|{_UPPER_WORD}(?:[ \t]+{_UPPER_WORD}){{1,2}}"  # JANE DOE
    rf"|(?:{_UPPER_WORD}|{_CAP_WORD}),[ \t]*{_CAP_WORD}(?:[ \t]+[A-Z]\.?)?"  # DOE, Jane / Doe, Jane
    rf"|{_UPPER_WORD}/{_UPPER_WORD}(?:[ \t]+{_UPPER_WORD})?)"  # DOE/JANE (airline form)
)
_ANY_CASE_WORD = r"[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)?"
# A name as given after a cue ("my name is", "I am called"): one to three words in any case, then the
# end of the clause.
_GIVEN_NAME = (
    rf"(?P<value>{_ANY_CASE_WORD}(?:[ \t]+{_ANY_CASE_WORD}){{0,2}}?)"
    r"(?=[ \t]*(?:[.,!?;:\n]|$|\\n|and\b|from\b))"
)
# Words for a person, a relative or a carer (after them "is called" names someone).
_PERSON_NOUNS = (
    "son|daughter|wife|husband|mother|father|mom|mum|dad|brother|sister|partner|spouse|nephew|niece|aunt|uncle"
    "|cousin|child|baby|boy|girl|kid|friend|patient|fiance|fiancee|caregiver|guardian|man|woman|person|nurse|doctor"
    "|colleague|neighbou?r|student|teacher|resident|employee"
)
_UNICODE_CAP = r"[^\W\d_a-z][^\W\d_'’-]+(?:[-'’][^\W\d_]+)?"
_SIGN_OFF = (
    r"(?i:\b(?:thanks|thank\s+you|many\s+thanks|cheers|regards|best|sincerely|respectfully|warmly"
    r"|yours(?:\s+truly)?|best\s+regards|kind\s+regards|warm\s+regards|thx)\b)"
)
_LOWER_NAME = r"[a-z]{2,}(?:'[a-z]+)?[ \t]+(?:o'|mc|mac)?[a-z]{2,}(?:[-'][a-z]+)?"


class PersonNameRecognizer(LabelledValueRecognizer):
    """A name in a context that makes it one; complements spaCy's NER.

    The contexts: a title (``Dr.``), a label (``Patient:``, ``Name on card:``, ``Traveler:``)
    with the name in any written form (``DOE, Jane``, ``JANE DOE``, ``DOE/JANE``); a
    greeting or a sign-off (``Dear Aisha,``, ``Thanks,\\nPriya``, ``- priya``); a relative
    (``son marcus wants``); an introduction or a subject (``my name is``, ``applicant``,
    ``Insured``, ``refill for``, ``ID check:``, ``el paciente``), two capitalised words at least;
    a name before a record label (``jane doe mrn``, ``Jane Doe DOB``),
    a credential (``, RN``), an extension (``, x4512``) or an address line (a letter's
    recipient block); a colleague by shift (``Marcus from night shift``); e-mail and commit
    trailer headers (``Co-authored-by:``) and a reply's ``On <date>, <Name> wrote:``.
    Candidate words that are stop words or common salutation words are rejected.
    """

    ENTITY = "PERSON"
    _NAME = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?){1,2}"
    PATTERNS = [
        Pattern(
            "titled_name",
            r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|mr\.|mrs\.|ms\.|dr\.)\.?\s+"
            r"(?P<value>[^\W\d_][^\W\d_'’-]+(?:[-'’][^\W\d_]+)?(?:\s+[^\W\d_a-z][^\W\d_'’-]+)?)(?![\w'’-])",
            0.7,
        ),
        Pattern(  # a name given in one word or more, in any case: "my name is juliusz", "everyone calls me Lavinia"
            "given_name",
            r"(?=(?i:[bcfglmns]))"  # the first letters of the cues: other positions are skipped cheaply
            r"(?i:\bmy\s+name\s+is|\bmy\s+name's|\bcalls?\s+me|\bnamed(?:\s+(?:him|her|them))?"
            r"|\b(?:first|last|given|family|sur|maiden|birth)\s*name\s*(?:is|was|:)|\bname\?)[ \t]+"
            rf"{_GIVEN_NAME}",
            0.7,
        ),
        Pattern(  # "called" names someone only after a person: "I am called Tomasz", not "it is called twice"
            "called_name",
            rf"(?i:\b(?:I(?:\s+am|'m)|(?:he|she)(?:\s+(?:is|was)|'s)|(?:they|we)\s+(?:are|were)|who\s+(?:is|was|are|were)"
            rf"|(?:grand)?(?:{_PERSON_NOUNS})s?\s+(?:is|was|are|were))\s+called)[ \t]+"
            rf"{_GIVEN_NAME}",
            0.7,
        ),
        Pattern(  # a quotation's speaker: "... in that direction," says Zóphoníasson.
            "quoted_speaker",
            r"[\"”'’,]\s*(?:says|said|asks|asked|adds|added|explains|explained)\s+"
            rf"(?P<value>{_UNICODE_CAP}(?:\s+{_UNICODE_CAP}){{0,2}})(?=[.,!?;]|\s*$)",
            0.7,
        ),
        Pattern(
            "labelled_name",
            r"(?=(?i:[pneacibstgrmfl]))"  # the first letters of the labels: other positions are skipped cheaply
            r"(?i:\b(?:patient|name|employee|applicant|customer|client|insured|cardholder|account\s+holder|candidate"
            r"|beneficiary|subscriber|traveler|traveller|passenger|guest|resident|recipient|payee|member"
            r"|reporter|requester|requestor|assignee|requested\s+by|submitted\s+by|reported\s+by|contact"
            r"|name\s+on\s+(?:card|account)|full\s+name|legal\s+name|attn|attention)(?:\s+name)?[ \t]*[:=-][ \t]*)"
            rf"(?P<value>{_ANY_NAME})(?![\w/])",
            0.75,
        ),
        Pattern(
            "greeting",
            rf"(?:^|\n)[ \t]*(?i:dear|hi|hello|hey|good\s+(?:morning|afternoon|evening))[ \t]+(?P<value>{_CAP_WORD}"
            rf"(?:\s+{_CAP_WORD})?)[ \t]*[,!:\n]",
            0.7,
        ),
        Pattern(
            "sign_off",
            rf"{_SIGN_OFF}[!,.]*[ \t]*(?:\n[ \t]*){{0,2}}(?:[-\u2014\u2013~]+[ \t]*)?"
            rf"(?P<value>{_CAP_WORD}(?:[ \t]+{_CAP_WORD})?)[ \t]*[\"']?[ \t]*(?=\n|$)",
            0.7,
        ),
        Pattern(  # a lower-case name only on a line of its own or after a dash ("thanks\npriya", "- priya"),
            # never on the sign-off's own line ("thanks anyway")
            "sign_off_lower_case",
            rf"{_SIGN_OFF}[!,.]*[ \t]*(?:(?:\n[ \t]*){{1,2}}(?:[-\u2014\u2013~]+[ \t]*)?|[-\u2014\u2013~]+[ \t]*)"
            r"(?P<value>[a-z]{2,})[ \t]*[\"']?[ \t]*(?=\n|$)",
            0.7,
        ),
        Pattern(
            "dash_sign_off",
            rf"(?:^|\n)[ \t]*[\u2014\u2013~-]{{1,2}}[ \t]*(?P<value>{_CAP_WORD}(?:[ \t]+{_CAP_WORD})?)[ \t]*(?=\n|$)",
            0.6,
        ),
        Pattern(
            "relative",
            r"(?=(?i:[sdwhmfbpngauc]))"  # the first letters of the labels: other positions are skipped cheaply
            r"(?i:\b(?:son|daughter|wife|husband|mother|father|mom|mum|dad|brother|sister|partner|spouse|nephew|niece"
            r"|grandson|granddaughter|aunt|uncle|fiance|fiancee|caregiver|guardian),?[ \t]+)"
            rf"(?P<value>{_WORD})(?=,?[ \t]+(?i:wants|called|calls|says|said|is|was|will|would|asked|asks|needs|can"
            r"|phoned|visited|requests|requested|left|came|brought|at|on)\b)",
            0.7,
        ),
        Pattern(
            "before_record_label",
            rf"(?:^|\n|[-:;,(]|\b(?:pt|patient|rm\s+\w+))[ \t]*(?P<value>{_ANY_NAME}|{_LOWER_NAME}),?[ \t]+"
            r"(?=(?i:mrn|dob|d\.o\.b|med(?:ical)?\s+rec)\b)",
            0.7,
        ),
        Pattern(
            "with_credential",
            rf"(?P<value>{_NAME}),?[ \t]+(?=(?:RN|MD|DO|NP|PA-C|LPN|CNA|PharmD|RPh|DDS|DMD|PhD|MSN|BSN|APRN|CRNA|DNP"
            r"|FNP|FNP-BC|MBBS|LCSW)\b)",
            0.7,
        ),
        Pattern("with_extension", rf"(?P<value>{_NAME}),?[ \t]+(?=(?:x|ext\.?)[ \t]?\d{{2,6}}\b)", 0.7),
        Pattern(
            "recipient_block",
            # the name line of a postal block; line breaks may be escaped ("\\n") and one may be blank
            rf"(?:^|\n|\\n|[>}}]+)[ \t]*(?P<value>{_UNICODE_CAP}(?:[ \t]+[A-Z]\.?)?(?:[ \t]+{_UNICODE_CAP}){{1,2}})"
            r"[ \t]*(?:\n|\\n)(?:[ \t>}]*(?:\n|\\n))?[ \t>}]*\d{1,6}[A-Z]?[ \t]+(?:\d{1,5}[ \t]+)?(?:[NSEW]\.?[ \t]+)?"
            r"(?:[^\W\d_]|\d{1,3}(?:st|nd|rd|th)\b)",
            0.7,
        ),
        Pattern(
            "shift_colleague",
            rf"\b(?P<value>{_CAP_WORD})[ \t]+(?=(?:from|on)[ \t]+(?:the[ \t]+)?(?i:(?:night|day|evening|morning|weekend"
            r"|swing|late|early|overnight|graveyard)[ \t]+shift)\b)",
            0.7,
        ),
        Pattern(
            "introduced_name",
            r"(?=(?i:[mjiarpeldoc]))"  # the first letters of the labels: other positions are skipped cheaply
            r"(?:(?i:\b(?:my\s+name\s+is|my\s+name's|me\s+llamo|mi\s+nombre\s+es|je\s+m'appelle|ich\s+hei(?:ß|ss)e"
            r"|applicant|insured|(?:refill|prescription|rx|renewal)\s+for|(?:id|identity)\s+(?:check|verification)\s*:"
            r"|(?:el|la|le|o|a|der|die)\s+(?:paciente|patient|patiente|patientin)|patient|client)[ \t]+))"
            rf"(?P<value>{_CAP_WORD}(?:[ \t]+[A-Z]\.)?(?:[ \t]+{_CAP_WORD}){{1,2}})\b",
            0.7,
        ),
        Pattern(
            "quoted_reply",
            rf"(?:^|\n)[ \t>]*On[ \t][^\n]{{0,80}}?,[ \t]*(?P<value>{_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{0,2}})"
            r"(?:[ \t]*<[^>\n]*>)?[ \t]+wrote:",
            0.7,
        ),
        Pattern(
            "email_header",
            rf"(?:^|\n)[ \t>]*(?:From|To|Cc|Bcc|Reply-To|Author|Co-authored-by|Signed-off-by|Reviewed-by|Reported-by"
            rf"|Acked-by|Tested-by|Suggested-by)[ \t]*:[ \t]*(?P<value>{_ANY_NAME})[ \t]*(?=<|\(|\[|\n|$)",
            0.75,
        ),
    ]
    CONTEXT = ["name", "patient", "employee", "mr", "mrs", "ms", "dr"]

    def validate_result(self, pattern_text: str) -> bool | None:
        words = re.findall(r"[^\W\d_]+", pattern_text.lower())
        if not words or any(word in NOT_NAMES or word in ORGANISATION_WORDS for word in words):
            return False
        return False if COMPANY_FORM.search(pattern_text) else None


# Security identifiers and market wording: a 9-character CUSIP is not a passport number.
_SECURITIES = re.compile(
    r"(?i)\b(?:cusip|isin|sedol|figi|ticker|securit(?:y|ies)|bonds?|notes?|shares?|stocks?|equit(?:y|ies)|fund|etf"
    r"|coupon|maturity|issuer|nasdaq|nyse)\b"
)


class PassportNumberRecognizer(ResultCheck, PresidioUsPassportRecognizer):
    """Presidio's passport recogniser, minus numbers in securities wording with no passport wording.

    Reports under Presidio's recogniser name (the class has its own, see ``SsnRecognizer``).
    """

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language, name="UsPassportRecognizer")

    WINDOW = 60

    def keep(self, text: str, result: RecognizerResult) -> bool:
        around = text[max(0, result.start - self.WINDOW) : result.end + self.WINDOW]
        return not (_SECURITIES.search(around) and not re.search(r"(?i)passport", around))
