"""Contact details: e-mail (offline suffix list), phone numbers, IP addresses, street addresses."""

from __future__ import annotations

import re

import phonenumbers
import tldextract
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.predefined_recognizers import EmailRecognizer as PresidioEmailRecognizer
from presidio_analyzer.predefined_recognizers import IpRecognizer as PresidioIpRecognizer

from gateway.recognizers.base import GatewayPatternRecognizer, LabelledValueRecognizer, ResultCheck
from gateway.recognizers.checksums import digits_only

# The bundled public-suffix snapshot only: no download, no cache directory.
_OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)

_VERSION_PREFIX = re.compile(
    r"(?i)(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\bfirmware|\bpython|\bnode|\brev\.?)\s*$"
)


class EmailAddressRecognizer(ResultCheck, PresidioEmailRecognizer):
    """Presidio's e-mail recogniser, validated against the bundled suffix list (never the network).

    ``user@host`` right after ``scheme://`` is a URL's user-info (a token or a login), not an address.
    In a query string the address starts after the last ``/ ? = &`` (``?email=jo@example.com``).
    """

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_TLD(pattern_text.rpartition("@")[2]).fqdn != ""

    def keep(self, text: str, result: RecognizerResult) -> bool:
        local = text[result.start : result.end].partition("@")[0]
        cut = max(local.rfind(char) for char in _QUERY_CHARS)
        # right after "scheme://" with no path or query before the "@": a URL's user-info
        if cut < 0 and _URL_USERINFO.search(text, max(0, result.start - 80), result.start):
            return False
        if cut == len(local) - 1:
            return False
        result.start += cut + 1  # the address starts after the query string's last separator
        return True


_URL_USERINFO = re.compile(r"://[^\s/@]*$")
_QUERY_CHARS = "/?=&"


# Four numbers that are part of a longer dotted run (an OID such as ``urn:oid:1.2.36.146.595.217``).
_DOTTED_BEFORE = re.compile(r"\d\.$")
_DOTTED_AFTER = re.compile(r"\.\d")


class IpAddressRecognizer(ResultCheck, PresidioIpRecognizer):
    """Presidio's IP recogniser, minus dotted version strings (``version 1.2.3.4``) and longer dotted runs."""

    def keep(self, text: str, result: RecognizerResult) -> bool:
        if _DOTTED_BEFORE.search(text, max(0, result.start - 2), result.start) or _DOTTED_AFTER.match(text, result.end):
            return False
        return not _VERSION_PREFIX.search(text[max(0, result.start - 12) : result.start])


# A number starts after a separator or an escaped line break ("fax\\n+41 ..." in a JSON string).
_PHONE_START = r"(?:(?<=\\n)|(?<![\w+.-]))"
_EXTENSION = r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?"
_EXTENSION_RE = re.compile(r"\s?(?:x|ext\.?|extension)\s?\d{1,5}$")


class PhoneNumberRecognizer(ResultCheck, GatewayPatternRecognizer):
    """Phone numbers by pattern, checked with ``phonenumbers`` only per candidate.

    Replaces Presidio's matcher, which runs libphonenumber over the whole text.
    """

    ENTITY = "PHONE_NUMBER"
    PATTERNS = [
        Pattern(
            "nanp",
            rf"{_PHONE_START}(?:\+?1[\s.-]?|001[\s.-])?(?:\([2-9]\d{{2}}\)[\s.-]?|[2-9]\d{{2}}[\s.-])[2-9]\d{{2}}[\s.-]\d{{4}}"
            rf"{_EXTENSION}\b(?![.-]\w)",
            0.6,
        ),
        Pattern(
            "international",
            rf"{_PHONE_START}(?:\+|00(?=[1-9]\d{{0,2}}[\s.-]))[1-9]\d{{0,2}}(?:[\s.-]?\(?\d{{1,5}}\)?){{2,5}}{_EXTENSION}\b(?![.-]\d)",
            0.6,
        ),
        Pattern("bare_ten_digits", r"\b[2-9]\d{2}[2-9]\d{6}\b", 0.1),
        # A national layout without a country code (07700 900123, 030 1234567, 84 23 30, (021) 259-903):
        # a phone only with phone wording nearby. As in the NANP pattern, an area code in brackets may be
        # followed by a dash or a dot, as dialling libraries read it ("(021)-259-903").
        Pattern(
            "national",
            rf"{_PHONE_START}(?:\(\d{{2,5}}\)[\s.-]?|\d{{2,5}}[\s.-]?)\d{{2,6}}(?:[\s.-]\d{{2,6}}){{0,3}}{_EXTENSION}(?![\w.-]?\d)",
            0.2,
        ),
    ]
    CONTEXT = ["phone", "call", "tel", "telephone", "mobile", "cell", "fax", "contact", "reach", "text"]

    def validate_result(self, pattern_text: str) -> bool | None:
        number_text = _EXTENSION_RE.sub("", pattern_text).strip()
        digits = digits_only(number_text)
        if number_text.startswith(("+", "00")):
            try:
                number = phonenumbers.parse("+" + number_text.removeprefix("00").lstrip("+"))
            except phonenumbers.NumberParseException:
                return False
            return None if phonenumbers.is_possible_number(number) else False
        return None if 6 <= len(digits) <= 12 else False

    def keep(self, text: str, result: RecognizerResult) -> bool:
        """Not a number labelled as a product, serial, lot or order code; a bare layout needs phone wording.

        A national layout or a bare ten-digit run (pattern score below the threshold) is a phone
        number only with a phone word before it ("call", "Phone:") or a line type after it ("office").
        """
        if _CODE_LABEL.search(text, max(0, result.start - 40), result.start):
            return False
        if _ID_LABEL.search(text, max(0, result.start - 24), result.start):
            return False
        if result.score >= 0.4:
            return True
        if _SSN_LAYOUT.fullmatch(text[result.start : result.end]):
            return False
        if _PHONE_WORD_BEFORE.search(text, max(0, result.start - 40), result.start) or _PHONE_WORD_AFTER.match(
            text, result.end
        ):
            result.score = 0.6
            return True
        return False


_PHONE_WORD_BEFORE = re.compile(
    r"(?i)(?:\b|(?<=\\n))(?:phone|call|called|tel|telephone|mobile|cell|fax|contact|reach|text|sms|whatsapp|dial|ring|landline"
    r"|messages|answering)\b[^\d\n]{0,30}$"
)
# A bare layout right after an identifier's label is that identifier ("SSN 219-09-9999", "acct # 80853895").
_ID_LABEL = re.compile(
    r"(?i)\b(?:ssn|social\s+security|acct|account|a/c|routing|aba|tin|ein|itin|mrn|member|policy|id|no)\b[^\d\n]{0,8}$"
)
_SSN_LAYOUT = re.compile(r"\d{3}-\d{2}-\d{4}")
_PHONE_WORD_AFTER = re.compile(r"[ \t)-]*\(?(?i:office|mobile|fax|cell|home|work|phone|landline)\b")


# A label that makes a phone-shaped number a code: "Lot 123 456 7890", "SN 123.456.7890", "item 123-456-7890".
_CODE_LABEL = re.compile(
    r"(?i)\b(?:sku|item|catalog(?:ue)?|part|p/?n|model|serial|s/?n|lot|batch|order|invoice|po|ref(?:erence)?"
    r"|tracking|upc|ean|isbn|asset|ticket|rma|case|claim|confirmation|cusip|product|stock|code)"
    r"(?:\s*(?:no\.?|num(?:ber)?|#|id|code|format\s+is))*\s*[:#=]?\s*$"
)


_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|"
    r"Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Crescent|Close|Row|Loop|Pike|Alley"
)


class StreetAddressRecognizer(GatewayPatternRecognizer):
    """A US-style street address: number, capitalised street name, street type, optional unit, city, state, ZIP."""

    ENTITY = "STREET_ADDRESS"
    PATTERNS = [
        Pattern(
            "street_address",
            r"\b\d{1,6}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\.?\s+|\d{1,3}(?:st|nd|rd|th)\s+){1,4}"
            rf"(?:{_STREET_TYPES})\b\.?"
            r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|Rm|Room)\.?\s*#?\s*[A-Za-z0-9-]+|,?\s+#\d+)?"
            r"(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})?(?:,?\s+[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?",
            0.75,
        ),
        Pattern("po_box", r"(?i:\bP\.?\s?O\.?\s+Box\s+\d{1,6}\b)", 0.7),
    ]
    CONTEXT = ["address", "street", "lives", "live", "resides", "home", "mail", "ship"]


# Street addresses outside the US: the street type before the name (Rua, Via, ul.), as a word ending
# (-straße, -vej, -gatan, -tie), or English; the house number before or after; then the lines of a postal block.
_NL = r"(?:\n|\\n)"  # a line break, or an escaped one inside a JSON string or a template
_WORD_ = r"[^\W\d_][\w'’.-]*"
_CAP = r"[^\W\d_a-z][\w'’.-]*"
_NUM = r"\d{1,6}[A-Za-z]?"
_ADDRESS_START = r"(?:(?<=\\n)|(?<![\w.,/-]))"  # after a separator or an escaped line break
_TITLE = r"[^\W\d_a-z][^\W\d_A-Z]{2,}"  # a capitalised word of three letters or more, not an abbreviation (RR, HR)
_TYPE_BEFORE = (
    r"(?i:rua|avenida|av\.|avda\.?|calle|c/|carrer|paseo|plaza|pl\.|camino|ctra\.|carretera|travessa|trav\.|largo|praça"
    r"|rúa|via|viale|corso|piazza|piazzale|strada|vicolo|rue|bd|chemin|allée|impasse|quai|cours|ul\.|ulica|al\.|aleja"
    r"|os\.|calea|bulevardul|odos|bairro|estrada|rodovia|alameda|avinguda|passeig)"
)
_TYPE_ENDING = (
    r"(?i:stra(?:ss|ß)e|str\.?|weg|gasse|platz|allee|damm|ufer|straat|laan|gracht|plein|kade|singel|dijk|vej|gade"
    r"|veien|vegen|vägen|gatan|gata|gränden|tie|katu|polku|kuja|tee|utca|út|körút|fasor|ulice|náměstí|třída|vei|väg"
    r"|stigen|torget|bakken)"
)
_STREET = (
    rf"(?:{_TYPE_BEFORE}\s+(?:{_WORD_}\s+){{0,4}}?{_WORD_}"  # Rua Doutor Afrânio Junqueira, ul. Cicha
    rf"|(?:{_CAP}\s+){{0,3}}[^\W\d_][\w'-]*?{_TYPE_ENDING}\b\.?"  # Bayerhamerstrasse, Kongshøj Allé
    rf"|(?:{_CAP}\s+){{1,3}}(?:{_STREET_TYPES})\b\.?"  # Long Street
    rf"|(?:{_CAP}\s+){{1,3}}(?i:u\.|utca|út|körút|gate|gata|vej|vei|veien|tee|tie|katu|sokak|caddesi)(?!\w))"
)
_SECONDARY = (
    r"(?i:apt|apartment|suite|ste|unit|flat|floor|fl|room|rm|box|bldg|building|piso|étage)\.?\s*#?\s*\d+[A-Za-z]?"
)
_POSTCODE = r"(?:\d{4,6}(?:-\d{3,4})?|\d{2}-\d{3}|\d{3}\s\d{2}|\d{4}\s?[A-Z]{2}|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})"
# A line break inside a postal block; a line may open with a bullet or a quote mark. A blank line may come
# before a unit or a postcode, or before a line that ends with one ("Buják\n\n Hungary 12367"), not before words.
_LINE_OPENING = r"[ \t>}?*\u2022-]*"
_BREAK = rf"[ \t]*{_NL}{_LINE_OPENING}"
_BREAKS = rf"(?:[ \t]*{_NL}){{1,2}}{_LINE_OPENING}"
_PLACE_LINE = rf"{_CAP}(?:[ -]{_CAP}){{0,3}}(?:,?\s*{_NL}?\s*[A-Z]{{2}}\b)?"
# Between a house number and its street: spaces, or one line break ("12\nMain Street"), never a blank line
# (a number ending a log line and the next paragraph are no address).
_GAP = rf"(?:[ \t]+|[ \t]*{_NL}[ \t]*)"
_BLOCK_LINE = (
    rf"(?:[ \t]*,[ \t]*|{_BREAKS}|[ \t]+)(?:{_SECONDARY}|{_POSTCODE}\b)"
    rf"|(?:[ \t]*,[ \t]*|{_BREAK})(?:{_PLACE_LINE}(?:\s+{_POSTCODE}\b)?)"
    rf"|{_BREAKS}{_PLACE_LINE}\s+{_POSTCODE}\b"
)


class InternationalStreetAddressRecognizer(GatewayPatternRecognizer):
    """A street address in the layouts used outside the US, with the rest of its postal block.

    ``12 Avenida Noruega 42``, ``Bayerhamerstrasse 79``, ``ul. Cicha 5``, ``Via Nuova del Campo 85``,
    then unit, city, region and postcode lines (``Suite 27 / Wrocław / Poland 50-001``); military
    addresses (``PSC 1234, Box 5678 / APO AP 96278``). A name inside the block is part of the
    address (see ``gateway.pipeline.detect``).
    """

    ENTITY = "STREET_ADDRESS"
    PATTERNS = [
        Pattern(
            "number_first",
            rf"{_ADDRESS_START}(?:{_SECONDARY}\s+)?{_NUM}(?:\s+\d{{1,5}})?,?{_GAP}{_STREET}(?:\s+{_NUM}\b\.?)?"
            rf"(?:{_BLOCK_LINE}){{0,5}}",
            0.6,
        ),
        Pattern(  # no street type: two numbers around the name, then at least one line of a postal block
            "numbers_around_name",
            rf"{_ADDRESS_START}(?:{_SECONDARY}\s+)?{_NUM},?{_GAP}{_TITLE}(?:\s+{_TITLE}){{0,3}}\s+{_NUM}\b\.?"
            rf"(?:{_BLOCK_LINE}){{1,5}}",
            0.5,
        ),
        Pattern(
            "number_after",
            # the lookahead (a house number within five words) keeps the street alternatives off most words
            rf"(?:(?<=\\n)|(?<![\w-]))(?=(?:[^\W\d_][\w'’./-]*\s+){{1,6}}\d)(?:{_STREET})\s+{_NUM}\b\.?(?:{_BLOCK_LINE}){{0,5}}",
            0.6,
        ),
        Pattern(
            "military",
            rf"\b(?:(?:Unit|PSC|CMR)\s+\d{{4}},?\s+Box\s+\d{{4}}|US[NS]V?\s+{_CAP})\s*(?:,|{_NL})?\s*"
            r"(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5}\b",
            0.7,
        ),
    ]
    CONTEXT = ["address", "street", "lives", "live", "resides", "home", "mail", "ship", "deliver", "sent"]

    def validate_result(self, pattern_text: str) -> bool | None:
        """Not a date ("3 March 2024", "12 May 1943" then a line)."""
        words = re.findall(r"[^\W\d_]+", pattern_text)
        if words and words[0].lower()[:3] in _MONTH_PREFIXES and len(words[0]) <= 9:
            return False
        return None


_MONTH_PREFIXES = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())


class CuedStreetAddressRecognizer(LabelledValueRecognizer):
    """An address after the words that introduce one (``address:``, ``lives at``, ``send it to``).

    The value starts with a house number or a capitalised word, has a number within its
    first words, and runs to the end of the postal block; for streets with no type word.
    """

    ENTITY = "STREET_ADDRESS"
    PATTERNS = [
        Pattern(
            "cued_address",
            r"(?=(?i:[alsdmriwne]))"  # the first letters of the cues: other positions are skipped cheaply
            r"(?i:\b(?:(?:billing|shipping|postal|mailing|home|new|my|his|her|their)\s+)?address(?:es)?\s*"
            r"(?:is|was|:|-|to|with)?|\blives?\s+(?:at|on)|\blived\s+(?:at|on|in)|\blocated\s+at"
            r"|\bsen[dt]\s+(?:it\s+|them\s+)?to|\bdeliver(?:ed)?\s+to|\bmoved\s+to|\bresides?\s+at"
            r"|\b(?:is|are|was|were)\s+(?:at|on)|\b(?:north|south|east|west)\s+side\s+of)"
            rf"[:\s]+(?P<value>(?:{_NUM},?\s+)?{_CAP}(?:\s+{_WORD_}){{0,4}}?\s+{_NUM}\b\.?(?:{_BLOCK_LINE}){{0,5}})",
            0.6,
        )
    ]
