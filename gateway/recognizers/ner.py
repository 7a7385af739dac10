"""PERSON from spaCy's NER (Presidio's ``SpacyRecognizer``), minus spans that cannot be names."""

from __future__ import annotations

import re
from functools import cache

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from gateway.recognizers import lexicon
from gateway.recognizers.base import found

_NAME_SHAPE = re.compile(r"[^\W\d_]+(?:[ .'-]+[^\W\d_]+)*\.?")
_INITIAL_AND_WORD = re.compile(r"[A-Z]\.\s+\w+")  # "rev C. Translate": a sentence break, not a name
_LABEL = re.compile(r"\s*:")  # "Banner: ..." a single capitalised word before a colon is a label
_VARIABLE = re.compile(r"[$%{]\s*$")  # "$TOKEN", "%USERNAME%", "{Name}": a placeholder, not a name
# Imperatives that open a prompt and that the small model reads as a first name ("Convert", "Summarise ...").
IMPERATIVES = frozenset(
    """convert summarise summarize explain translate rewrite draft write compare calculate list describe format
    check fix review generate create tell show give make help find outline analyse analyze simplify
    paraphrase proofread extract classify sort merge split update edit ask use call run see read open try add set get
    keep avoid prefer ensure note include return send pass apply search load install""".split()
)
# Words that are never part of a personal name: markings, job titles, letter-heading and form words.
NOT_NAME_WORDS = frozenset(
    """confidential proprietary secret classified unclassified restricted internal notice draft company engineering
    change order technician engineer manager director officer partner specialist analyst assistant coordinator
    supervisor administrator operator associate consultant representative president intern maintenance business
    senior junior lead principal chief department ii iii iv tel fax ext ref attn re fwd buyer seller purchaser
    distribution statement approved release ssn dob mrn npi dea iban bic swift itin ein tin
    exw fca fas fob cfr cif cpt cip dap dpu ddp""".split()
)
# Lower-case words that may sit inside a name ("Maria de la Cruz", "Ludwig van Beethoven").
NAME_PARTICLES = frozenset("de da das do dos del della der den di du la le van von ter bin ibn al el y e st".split())
# A company's legal form ends the span or follows it: "Fenwick Plastics Ltd", "Ostrava Tooling s.r.o.".
COMPANY_FORM = re.compile(
    r"(?i)(?:^|[\s,])(?:ltd|llc|inc|gmbh|sarl|sas|plc|corp|corporation|limited|llp|pty|ag|kg|bv|nv|oy|ab|spa"
    r"|s\.?r\.?o|s\.?r\.?l|s\.?a\.?r\.?l|s\.?a|s\.?p\.?a|b\.?v|n\.?v|a\.?g|co|holdings|industries)\.?(?=$|[\s,;|)])"
)
# Firms named after people: the name is the firm's, not a person's.
FIRMS_NAMED_AFTER_PEOPLE = frozenset(
    """morgan stanley|charles schwab|goldman sachs|wells fargo|merrill lynch|edward jones|raymond james
    |jp morgan|j.p. morgan|lazard|rothschild|mcmaster|mcmaster-carr|grainger|johnson & johnson|ernst & young
    |dow jones|standard & poor|fannie mae|freddie mac|ben & jerry|procter & gamble|hewlett packard|dell|ford
    |mckinsey|deloitte|kpmg|fidelity|vanguard|schwab|barclays|lloyds|siemens|bosch|boeing|lockheed martin
    |northrop grumman|raytheon|honeywell|mckesson|walgreens|kaiser permanente|mayo clinic|johns hopkins
    |cleveland clinic|mount sinai|sloan kettering""".replace("\n    ", "").split("|")
)

# Words of an organisation's name, never of a person's ("Goosehead Insurance Inc", "Stamen Design").
ORGANISATION_WORDS = frozenset(
    """corporation corp company group holding holdings insurance bank bancorp systems solutions services
    technologies technology industries limited design designs partners associates consulting labs laboratories
    pharmaceuticals therapeutics energy electric university college hospital clinic foundation institute""".split()
)

_FIRM_PREFIXES = tuple(sorted(firm + " " for firm in FIRMS_NAMED_AFTER_PEOPLE))


class PersonNerRecognizer(SpacyRecognizer):
    """spaCy PERSON entities that look like names.

    Kept: words of letters, spaces and ``.-'`` only, each capitalised (or a particle such as
    ``de``, ``van``). A single word is kept as a name ("ask Dagny") unless it is a common word,
    an acronym or follows a place preposition (``_single_name``). Also dropped: a lone initial
    plus one word (``C. Translate``), a placeholder (``$TOKEN``), spans with words no name
    has (markings, job titles, identifier labels, incoterms), companies by their legal
    form (``Ltd``, ``s.r.o.``) and firms named after people (``Charles Schwab``). An opening imperative (``Summarise
    Jane Doe's notes``) is cut off the span.
    """

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language, supported_entities=["PERSON"])

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        kept = []
        personas = {match.group(1) for match in _PERSONA.finditer(text)}
        for result in super().analyze(text, entities, nlp_artifacts):
            _drop_imperative(text, result)
            _trim_lower_case_ends(text, result)
            _join_name_neighbour(text, result)
            if _persona_or_maker(text, result, personas):
                continue
            if result.start < result.end and _looks_like_a_name(text, result.start, result.end):
                kept.append(result)
        mates = [m for m in _list_mates(text, kept) if not _persona_or_maker(text, m, personas)]
        return kept + mates


def _persona_or_maker(text: str, result: RecognizerResult, personas: set[str]) -> bool:
    """The assistant's own name ("You are Claude Code, ... for Claude"), or a one-word maker of a product
    ("Anthropic's official CLI", "Acme's new app"): no data subject in either."""
    words = text[result.start : result.end].split()
    if not words:
        return False
    if words[0].strip(".,'") in personas:
        return True
    return len(words) == 1 and _MAKER_AFTER.match(text, result.end) is not None


# A possessive before what organisations make or run: the one-word "name" is an organisation.
_MAKER_AFTER = re.compile(
    r"'s\s+(?:(?:official|own)\s+)?(?:(?:new|latest)\s+)?(?:cli|sdk|api|app|apps|platform|product|products|model|models"
    r"|website|docs|documentation|team|servers?|cloud|service|services|tool|tools|assistant)\b",
    re.IGNORECASE,
)
# A system prompt names the assistant it addresses ("You are Claude Code", "You are Aria, a helpful ...").
_PERSONA = re.compile(r"\b[Yy]ou(?: are|'re)\s+(?:called\s+|named\s+)?([A-Z][a-z]+)\b")


def _drop_imperative(text: str, result: RecognizerResult) -> None:
    """Move the span's start past an opening imperative verb (the whole span if that is all it is)."""
    first = re.match(r"[^\W\d_]+", text[result.start : result.end])
    if first and first.group().lower() in IMPERATIVES:
        rest = re.match(r"[^\W\d_]+\s*", text[result.start : result.end])
        result.start += rest.end() if rest else len(first.group())


def _trim_lower_case_ends(text: str, result: RecognizerResult) -> None:
    """Cut lower-case and uncased words off both ends of the span ("Ingrid Delacroix files" -> "Ingrid Delacroix")."""
    tokens = [m.span() for m in re.finditer(r"\S+", text[result.start : result.end])]
    capitalised = [i for i, (a, b) in enumerate(tokens) if text[result.start + a].isupper()]
    if not capitalised:
        result.end = result.start
        return
    first, last = tokens[capitalised[0]], tokens[capitalised[-1]]
    result.start, result.end = result.start + first[0], result.start + last[1]


_NEIGHBOUR_BEFORE = re.compile(r"([A-Z][a-z]+(?:[-'][A-Z][a-z]+)?) $")
_NEIGHBOUR_AFTER = re.compile(r" ([A-Z][a-z]+(?:[-'][A-Z][a-z]+)?)\b(?![.'-]?\w)")


def _join_name_neighbour(text: str, result: RecognizerResult) -> None:
    """Widen a one-word span to a capitalised word right beside it (the model often tags only the surname)."""
    if " " in text[result.start : result.end].strip():
        return
    before = _NEIGHBOUR_BEFORE.search(text, max(0, result.start - 30), result.start)
    if before and _name_word(before.group(1)):
        result.start = before.start(1)
        return
    after = _NEIGHBOUR_AFTER.match(text, result.end)
    if after and _name_word(after.group(1)):
        result.end = after.end(1)


def _name_word(word: str) -> bool:
    lower = word.lower()
    return lower not in NOT_NAME_WORDS and lower not in IMPERATIVES and lower not in STOP_WORDS


# A lone capitalised word right after one of these is a place, a thing or a title, not a person.
_NOT_BEFORE_A_NAME = re.compile(
    r"(?i)(?:\b(?:in|at|to|from|near|of|the|a|an|via|visit|visited|visiting|flew|moved|live|lives|lived|born|city"
    r"|town|street|avenue|road)\s+|[#@/\\$%{])$"
)


_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n[ \t>|*-]*|\|\s*|[\"'(]\s*)$")
# After a name that opens a sentence: a verb or a list ("Rebecca is ...", "Codey spent ...", "Tomasz, Ana and ...").
_AFTER_OPENING_NAME = re.compile(
    r"(?:'s\b|,|\s+(?:and|or|is|was|has|had|have|said|says|told|asks|asked|spent|began|begins|lives|lived|will|would"
    r"|can|could|should|may|might|must|did|does|called|calls|wrote|writes|went|goes|came|comes|got|gets|made|took"
    r"|gave|wants|wanted|needs|needed|thinks|thought|knows|knew|left|joined|works|worked|just|also|never|always)\b)"
)
# Words that are a language, a tool or a form's header, never a person alone.
NOT_A_LONE_NAME = frozenset(
    """python java javascript typescript kotlin golang perl scala haskell fortran cobol linux windows excel
    name names email e-mail phone address beneficiary account date ext total amount status type note notes
    jan feb mar apr jun jul aug sep sept oct nov dec january february march july september october november
    december monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat
    sun""".split()
)
_ENGLISH_WORD = re.compile(r"[A-Za-z]+")


def _single_name(text: str, start: int, word: str) -> bool:
    """A lone word tagged PERSON is a name ("ask Dagny", "Rebecca is ...") unless it is a common word or a place.

    Dropped: stop words, imperatives and the words no name has; an all-capital word of four
    letters or fewer (an acronym); a word after a place preposition ("in Lagos", "to Paris");
    a word that opens a sentence, a line or a table cell and is not followed by a verb or a
    list ("Carrier delays ...", "Max daily dose", a table header): there the capital says nothing;
    a word with no English around it ("Antwort auf Englisch bitte": German nouns are capitalised).
    """
    lower = word.lower()
    if lower in STOP_WORDS or lower in IMPERATIVES or lower in NOT_NAME_WORDS or lower in NOT_A_LONE_NAME:
        return False
    if lower in NOT_A_PERSON_ALONE:
        return False
    if len(word) < 2 or (word.isupper() and len(word) <= 4):
        return False
    if _NOT_BEFORE_A_NAME.search(text, max(0, start - 12), start):
        return False
    if not _among_english(text, start):
        return False
    if _SENTENCE_START.search(text, max(0, start - 6), start):
        return _AFTER_OPENING_NAME.match(text, start + len(word)) is not None
    return True


_ENGLISH_FUNCTION_WORDS = frozenset(
    """the a an and of to in is are was were for with on at by from this that it he she they you we my his her as i me
    your our their him them be been have has had not but or if so here there what who how why can will do did does
    just very""".split()
)


def _among_english(text: str, start: int) -> bool:
    """An English function word within 60 characters: the model's one-word guesses in other languages are noise."""
    around = text[max(0, start - 60) : start + 60].lower()
    return any(word in _ENGLISH_FUNCTION_WORDS for word in _ENGLISH_WORD.findall(around))


def _looks_like_a_name(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    if not _NAME_SHAPE.fullmatch(span) or not any(char.isupper() for char in span):
        return False
    if _INITIAL_AND_WORD.fullmatch(span) or _VARIABLE.search(text, max(0, start - 2), start):
        return False
    words = re.findall(r"[^\W\d_]+", span.lower())
    if any(word in NOT_NAME_WORDS for word in words):
        return False
    tokens = [re.sub(r"(?:'s|')$", "", token) for token in span.split()]
    if len(tokens) == 1 and not _single_name(text, start, tokens[0]):
        return False
    if not all(token[:1].isupper() or token.lower() in NAME_PARTICLES for token in tokens if token):
        return False  # "manera de aprender Python", an uncased script beside a capital
    if COMPANY_FORM.search(text[start : end + 6].split("\n")[0]):
        return False
    firm = re.sub(r"(?:'s|')$", "", span.strip().lower())
    if firm in FIRMS_NAMED_AFTER_PEOPLE or firm.startswith(_FIRM_PREFIXES):
        return False
    return " " in span.strip() or not _LABEL.match(text, end)


_LIST_SEPARATOR = r"(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+)"
_MATE = r"[^\W\d_a-z][^\W\d_A-Z]+(?:[-'’][^\W\d_a-z][^\W\d_A-Z]*)?"
_MATE_AFTER = re.compile(rf"{_LIST_SEPARATOR}({_MATE}(?:\s+{_MATE})?)(?![\w'’-]|\s+(?:of|at|from)\b)")
_MATE_BEFORE = re.compile(rf"(?<![\w'’-])({_MATE}(?:\s+{_MATE})?){_LIST_SEPARATOR}$")


def _list_mates(text: str, names: list[RecognizerResult]) -> list[RecognizerResult]:
    """The capitalised words listed with a name ("Svensson, Estrada and Scott", "Bruno, Stacey, Laurie"): names too.

    Walks the list both ways from each name the model found, one separator at a time;
    a mate must pass the same word checks as a one-word name.
    """
    found: list[RecognizerResult] = []
    seen = {(r.start, r.end) for r in names}
    for name in names:
        for step in (_mate_after, _mate_before):
            start, end = name.start, name.end
            for _ in range(8):
                span = step(text, start, end)
                if span is None or span in seen or not _single_or_full_name(text, *span):
                    break
                seen.add(span)
                found.append(
                    RecognizerResult(
                        "PERSON", span[0], span[1], name.score, name.analysis_explanation, name.recognition_metadata
                    )  # fmt: skip
                )
                start, end = span
    return found


def _mate_after(text: str, start: int, end: int) -> tuple[int, int] | None:
    match = _MATE_AFTER.match(text, end)
    return match.span(1) if match else None


def _mate_before(text: str, start: int, end: int) -> tuple[int, int] | None:
    match = _MATE_BEFORE.search(text, max(0, start - 60), start)
    return match.span(1) if match else None


def _single_or_full_name(text: str, start: int, end: int) -> bool:
    words = text[start:end].split()
    lowered = [word.lower() for word in words]
    if any(word in STOP_WORDS or word in NOT_NAME_WORDS or word in NOT_A_LONE_NAME for word in lowered):
        return False
    if not _looks_like_a_name(text, start, end) and not (len(words) == 1 and _lone_mate(text, start, words[0])):
        return False
    return not COMPANY_FORM.search(text[start : end + 8].split("\n")[0])


def _lone_mate(text: str, start: int, word: str) -> bool:
    """A one-word list mate that opens its sentence ("Bruno, Stacey"): the list, not a verb, says it is a name."""
    lower = word.lower()
    return lower not in IMPERATIVES and not (word.isupper() and len(word) <= 4) and _among_english(text, start)


# ---------------------------------------------------------------- names the lexicon confirms

_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
_INITIAL = re.compile(r"[^\W\d_]\.?")
_SPACE = re.compile(r"[ \t]{1,3}|[ \t]?\.[ \t]{1,2}")  # between the words of one name ("Eser S. Kamman")
# Assistants, products and languages that are also given names: never a person alone.
NOT_A_PERSON_ALONE = frozenset(
    "claude gemini alexa siri cortana copilot llama mistral grok jarvis julia ada alma elixir".split()
)
# A lone given name is a person when one of these follows it ("Rebecca is", "Barbara shouted at", "Nancy's", "Mike:").
_AFTER_LONE_NAME = re.compile(
    r"(?:'s\b|’s\b|:[ \t]*[\"“'A-Za-z]|,|[ \t]+(?:and|or|is|was|has|had|have|said|says|told|asks|asked|spent|began"
    r"|begins|lives|lived|will|would|can|could|should|may|might|must|did|does|called|calls|wrote|writes|went|goes"
    r"|came|comes|got|gets|made|took|gave|wants|wanted|needs|needed|thinks|thought|knows|knew|left|joined|works"
    r"|worked|just|also|never|always|shouted|listed|talked|speaks|spoke|replied|answered|added|smiled|laughed"
    r"|cried|sent|signed|agreed|approved|emailed|called|met|paid|owes|lost|moved|arrived)\b)"
)


class PersonLexiconRecognizer(EntityRecognizer):
    """Names the names lexicon confirms (``gateway.recognizers.lexicon``), in any case, where NER misses them.

    - A given name then a surname (or two given names), with an initial or particle between:
      ``Klaudia Wiśniewska``, ``Eser S. Kamman``, ``jake johnston``, ``alexander p møller``;
      both words in one case, on one line.
    - A lone capitalised given name ("ask Dagny", "said Callum to Haley") when it is not the
      first word of a sentence, or when a verb, a possessive, a comma or a dialogue colon follows
      ("Rebecca is ...", "Nancy's", "Mike: ..."); never after a place preposition ("in Georgia"),
      beside another capitalised word ("Victoria Station"), nor without English around.
    - A list of lower-case words of which at least two are given names ("kadosa, jeffrey,
      abigail and adam"): every word of it.
    """

    SCORE = 0.65

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_entities=["PERSON"], supported_language=supported_language, name="PersonLexicon")

    def load(self) -> None:
        lexicon.load()
        _country_names()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        doc = _ner_doc(nlp_artifacts)
        if doc is None:  # a secondary view (tokens only): the main view of the same text has the names
            return []
        others = [(e.start_char, e.end_char) for e in doc.ents if e.label_ in _NOT_A_PERSON_LABELS]
        nations = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "NORP"]
        explanation = AnalysisExplanation(self.name, self.SCORE, textual_explanation="names lexicon")
        return [
            found(self, start, end, self.SCORE, explanation)
            for start, end in lexicon_names(text)
            if not any(a < end and start < b for a, b in others)
            and not (any(a <= start and end <= b for a, b in nations) and not _person_after(text, end))
        ]


# What NER calls a date or a language is not a person, even when it is also a given name. Not its places: the
# small model calls many a lone given name a GPE ("Rebecca is ...", "Why is Stanko ..."). A nationality (NORP)
# only when used as an adjective ("a German place", "Danish graffiti"): the model calls "Lukas", "Christian" NORP too.
_NOT_A_PERSON_LABELS = frozenset("DATE TIME LANGUAGE EVENT".split())
_PRONOUN_AFTER = re.compile(r"[ \t]+(?:his|her|their|him|them|me)\b")


def _person_after(text: str, end: int) -> bool:
    """A possessive, a verb or a pronoun after the word: "Lukas his address", "Christian said"."""
    return text[end : end + 2] in ("'s", "’s") or bool(_PRONOUN_AFTER.match(text, end) or _VERB_AFTER.match(text, end))


@cache
def _country_names() -> frozenset[str]:
    """Country and territory names in every language ``phonenumbers`` ships (``France``, ``Frankreich``)."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    return frozenset(name.lower() for names in LOCALE_DATA.values() for name in names.values() if name[:1] != "*")


def _ner_doc(nlp_artifacts: NlpArtifacts | None) -> Doc | None:
    """The ``Doc`` NER ran on; None for a view that carries tokens only (made on demand, without NER)."""
    if nlp_artifacts is None:
        return None
    fields = vars(nlp_artifacts)
    doc = fields["_doc"] if "_doc" in fields else nlp_artifacts.tokens
    return doc if isinstance(doc, Doc) else None


def lexicon_names(text: str) -> list[tuple[int, int]]:
    """Spans of names the lexicon confirms (see ``PersonLexiconRecognizer``)."""
    text = text.replace("\\n", " \n")  # an escaped line break ends a line (same length: offsets stay)
    spans = _lower_case_lists(text)
    words = [word[:-2] if word.endswith(("'s", "’s")) else word for word in _TOKEN.findall(text)]
    names = lexicon.names_among(words)  # most texts hold none: then no word is looked at one by one
    if not names:
        return spans
    tokens = [(m.start(), m.start() + len(word)) for m, word in zip(_TOKEN.finditer(text), words, strict=True)]
    covered = -1
    for i, word in enumerate(words):
        if word.lower() not in names:
            continue
        start, end = tokens[i]
        if start < covered:
            continue
        word = text[start:end]
        if not lexicon.is_given_name(word) or _common(word) or word.lower() in _PLACE_WORDS:
            if _opening_surname(text, word, start, end):
                spans.append((start, end))
            continue
        if i and text[tokens[i - 1][0] : tokens[i - 1][1]].lower() in _PLACE_WORDS:
            continue
        full = _full_name(text, tokens, i)
        if full is not None:
            spans.append(full)
            covered = full[1]
        elif word[0].isupper() and not word.isupper() and _lone_given_name(text, tokens, i):
            spans.append((start, end))
        elif word.islower() and _DIALOGUE_LABEL.match(text, end) and _LINE_START.search(text, max(0, start - 4), start):
            spans.append((start, end))  # "keith: you saved my life!"
    return spans


# A name after one of these is a place ("San Felice", "São Paulo", "St Helena").
_PLACE_WORDS = frozenset(
    """san santa são sao santo saint sainte st ste porto puerto port fort mount rue place cite cité des via viale
    calle avenida av avenue plaza piazza praça rua largo corso ulica ul al aleja quai""".split()
)


_DIALOGUE_LABEL = re.compile(r":[ \t]*[\"“'a-z]")
_LINE_START = re.compile(r"(?:^|\n)[ \t>*-]*$")
_VERB_AFTER = re.compile(_AFTER_OPENING_NAME.pattern.replace("(?:'s\\b|,|", "(?:"))


def _opening_surname(text: str, word: str, start: int, end: int) -> bool:
    """A surname of the lexicon alone opening a sentence, then a verb: "Katić began writing as a teenager"."""
    return (
        word[:1].isupper()
        and word[1:].islower()
        and lexicon.is_surname(word)
        and not _common(word)
        and word.lower() not in NOT_A_LONE_NAME
        and word.lower() not in _country_names()
        and _SENTENCE_START.search(text, max(0, start - 6), start) is not None
        and _VERB_AFTER.match(text, end) is not None
    )


def _code_or_firm(text: str, start: int, end: int) -> bool:
    """``redis.Redis(``, ``user_Name``: code; ``Johnson & Johnson``, ``Ernst & Young``: a firm."""
    return (
        text[start - 1 : start] in (".", "_", "/", "\\")
        or text[end : end + 1] in ("(", "_", "=", "[", "/")
        or text[max(0, start - 2) : start] == "& "
        or text[end : end + 2] == " &"
    )


def _common(word: str) -> bool:
    lower = word.lower()
    return lower in STOP_WORDS or lower in IMPERATIVES or lower in NOT_NAME_WORDS or lower in NAME_PARTICLES


def _full_name(text: str, tokens: list[tuple[int, int]], i: int) -> tuple[int, int] | None:
    """The span of a given name, up to two middle parts and a surname starting at token ``i``."""
    first = text[tokens[i][0] : tokens[i][1]]
    upper = first[0].isupper()
    if (upper and first.isupper()) or (not upper and not first.islower()):
        return None
    last = None
    for j in range(i + 1, min(i + 4, len(tokens))):
        gap = text[tokens[j - 1][1] : tokens[j][0]]
        if not _SPACE.fullmatch(gap) or (
            "." in gap and not _INITIAL.fullmatch(text[tokens[j - 1][0] : tokens[j][0]].strip())
        ):
            break
        word = text[tokens[j][0] : tokens[j][1]]
        if len(word) == 1:  # an initial
            if upper != word.isupper():
                break
            continue
        if word.lower() in NAME_PARTICLES and upper:
            continue
        if (word[0].isupper() != upper) or (upper and word.isupper()) or _common(word):
            break
        if word.lower() in _country_names() or (not upper and len(word) < 3):
            break  # "argentina uruguay"; "apo aa" (a military address)
        if not lexicon.is_name(word):
            if upper and _unknown_surname(word):
                last = j  # "Trifon Nekrasov": capitalised, and no English word
            break
        last = j
        if not lexicon.is_given_name(word):
            break  # a surname ends the name
    if last is None:
        return None
    start, end = tokens[i][0], tokens[last][1]
    if _code_or_firm(text, start, end):
        return None
    if _VARIABLE.search(text, max(0, start - 2), start) or COMPANY_FORM.search(text[start : end + 8].split("\n")[0]):
        return None
    if _STREET_AFTER.match(text, end):
        return None
    firm = text[start:end].lower()
    if firm in FIRMS_NAMED_AFTER_PEOPLE or (firm + " ").startswith(_FIRM_PREFIXES):
        return None  # "Charles Schwab", "Morgan Stanley"
    return start, end


def _unknown_surname(word: str) -> bool:
    lower = word.lower()
    return (
        len(word) >= 3
        and word[1:] == lower[1:]
        and not lexicon.is_english_word(lower)
        and lower not in NOT_A_LONE_NAME
        and lower not in ORGANISATION_WORDS
        and lower not in _country_names()
    )


_STREET_AFTER = re.compile(
    r"[ \t]+(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|park|square|hall"
    r"|university|college|school|hospital|clinic|centre|center|bridge|river|lake|mountain|valley|county|city)\b"
)


def _lone_given_name(text: str, tokens: list[tuple[int, int]], i: int) -> bool:
    start, end = tokens[i]
    word = text[start:end]
    lower = word.lower()
    if lower in NOT_A_LONE_NAME or lower in NOT_A_PERSON_ALONE or len(word) < 3 or lower in _country_names():
        return False
    if _code_or_firm(text, start, end):
        return False
    for j in (i - 1, i + 1):  # beside another capitalised word: a title, a place or an organisation
        if 0 <= j < len(tokens):
            a, b = (tokens[j][1], start) if j < i else (end, tokens[j][0])
            if text[tokens[j][0]].isupper() and re.fullmatch(r"[ \t]+", text[a:b]):
                return False
    if _VARIABLE.search(text, max(0, start - 2), start):
        return False
    if _NOT_BEFORE_A_NAME.search(text, max(0, start - 12), start) and not _SPOKEN_TO.search(
        text, max(0, start - 24), start
    ):
        return False
    if not _among_english(text, start):
        return False
    if _SENTENCE_START.search(text, max(0, start - 6), start):
        return _AFTER_LONE_NAME.match(text, end) is not None
    return not _attributive(text, end)


_NEXT_WORD = re.compile(r"[ \t]+([a-z]+)\b")


def _attributive(text: str, end: int) -> bool:
    """A proper noun before a common noun names a place or a thing ("our Reno warehouse", "a German place").

    The next word is lower case and neither a function word nor a verb (a listed one, or one
    ending in ``-ed`` or ``-s``: "Dagny reviewed", "Keiko says").
    """
    after = _NEXT_WORD.match(text, end)
    if after is None or _AFTER_LONE_NAME.match(text, end):
        return False
    word = after.group(1)
    return word not in STOP_WORDS and not word.endswith(("ed", "s"))


# "said Callum to Haley", "shouted at Justin": a person is spoken to, not a place.
_SPOKEN_TO = re.compile(
    r"\b(?:said|says|say|shouted|shouts|talked|talks|spoke|speaks|wrote|writes|replied|replies|yelled|smiled|waved"
    r"|looked|pointed|nodded|whispered|married|engaged|belongs|gave|given|sent|sends|introduced)(?:[ \t]+[^\W\d_]+)?"
    r"[ \t]+(?:to|at)[ \t]+$"
)
_LOWER_WORD = r"[a-z\u00df-\u024f]{2,}"
_LIST_GAP = r"(?:,[ \t]*(?:and[ \t]+|or[ \t]+)?|[ \t]+(?:and|or)[ \t]+)"
_LOWER_LIST = re.compile(rf"(?<![\w'’-]){_LOWER_WORD}(?:{_LIST_GAP}{_LOWER_WORD}){{2,}}(?![\w'’-])")


def _lower_case_lists(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _LOWER_LIST.finditer(text):
        words = [
            (m.start(), m.end()) for m in re.finditer(r"[^\W\d_]+", match.group()) if m.group() not in ("and", "or")
        ]
        given = sum(lexicon.is_given_name(match.group()[a:b]) for a, b in words)
        if given >= 2 and 2 * given >= len(words):
            base = match.start()
            spans += [(base + a, base + b) for a, b in words if not _common(match.group()[a:b])]
    return spans
