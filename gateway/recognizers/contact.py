"""Contact details: e-mail (offline suffix list), phone numbers, IP addresses, street addresses."""

from __future__ import annotations

import re

import phonenumbers
import tldextract
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.predefined_recognizers import EmailRecognizer as PresidioEmailRecognizer
from presidio_analyzer.predefined_recognizers import IpRecognizer as PresidioIpRecognizer

from gateway.recognizers.base import GatewayPatternRecognizer, ResultCheck
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
        if _URL_USERINFO.search(text, max(0, result.start - 80), result.start):
            return False
        local = text[result.start : result.end].partition("@")[0]
        cut = max(local.rfind(char) for char in _QUERY_CHARS)
        if cut == len(local) - 1:
            return False
        result.start += cut + 1  # the address starts after the query string's last separator
        return True


_URL_USERINFO = re.compile(r"://[^\s/@]*$")
_QUERY_CHARS = "/?=&"


class IpAddressRecognizer(ResultCheck, PresidioIpRecognizer):
    """Presidio's IP recogniser, minus dotted version strings (``version 1.2.3.4``)."""

    def keep(self, text: str, result: RecognizerResult) -> bool:
        return not _VERSION_PREFIX.search(text[max(0, result.start - 12) : result.start])


class PhoneNumberRecognizer(ResultCheck, GatewayPatternRecognizer):
    """Phone numbers by pattern, checked with ``phonenumbers`` only per candidate.

    Replaces Presidio's matcher, which runs libphonenumber over the whole text.
    """

    ENTITY = "PHONE_NUMBER"
    PATTERNS = [
        Pattern(
            "nanp",
            r"(?<![\w+.-])(?:\+?1[\s.-]?)?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[\s.-])[2-9]\d{2}[\s.-]\d{4}\b(?![.-]\w)",
            0.6,
        ),
        Pattern("international", r"(?<![\w+])\+[1-9]\d{0,2}(?:[\s.-]?\(?\d{1,5}\)?){2,5}\b(?![.-]\d)", 0.6),
        Pattern("bare_ten_digits", r"\b[2-9]\d{2}[2-9]\d{6}\b", 0.1),
    ]
    CONTEXT = ["phone", "call", "tel", "telephone", "mobile", "cell", "fax", "contact", "reach", "text"]

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = digits_only(pattern_text)
        if pattern_text.lstrip().startswith("+"):
            try:
                number = phonenumbers.parse(pattern_text)
            except phonenumbers.NumberParseException:
                return False
            return None if phonenumbers.is_possible_number(number) else False
        return None if len(digits) in (10, 11) else False

    def keep(self, text: str, result: RecognizerResult) -> bool:
        """Not a number labelled as a product, serial, lot or order code."""
        return not _CODE_LABEL.search(text, max(0, result.start - 40), result.start)


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
