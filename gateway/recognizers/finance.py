"""Finance identifiers: cards, bank accounts, SWIFT/BIC, ABA routing (IBAN is Presidio's)."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import AbaRoutingRecognizer as PresidioAbaRoutingRecognizer
from stdnum import iban

from gateway.recognizers.base import GatewayPatternRecognizer, LabelledValueRecognizer, ResultCheck, found
from gateway.recognizers.checksums import digits_only, luhn_valid

# ISO 3166-1 alpha-2 country codes (plus XK, used by SWIFT for Kosovo).
ISO_COUNTRIES = frozenset(
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR "
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO "
    "JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR "
    "MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO "
    "RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV "
    "TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW".split()
)


def _card_brand_ok(digits: str) -> bool:
    """Known IIN ranges and lengths of the card schemes (ISO/IEC 7812 issuer tables)."""
    length, two, three, four = len(digits), int(digits[:2]), int(digits[:3]), int(digits[:4])
    if digits[0] == "4":  # Visa
        return length in (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:  # Mastercard
        return length == 16
    if two in (34, 37):  # American Express
        return length == 15
    if four == 6011 or two == 65 or 644 <= three <= 649:  # Discover (and RuPay 65)
        return 16 <= length <= 19
    if 3528 <= four <= 3589:  # JCB
        return 16 <= length <= 19
    if four in (2131, 1800):  # JCB, the 15-digit ranges
        return length == 15
    if 300 <= three <= 305 or four == 3095 or two in (36, 38, 39):  # Diners Club
        return 14 <= length <= 19
    if 2200 <= four <= 2204:  # Mir
        return 16 <= length <= 19
    if two in (62, 81):  # UnionPay
        return 16 <= length <= 19
    if two in (60, 82) or three == 508:  # RuPay
        return length == 16
    if four == 9792:  # Troy
        return length == 16
    if digits[0] == "1":  # UATP
        return length == 15
    if two in (50, 56, 57, 58, 63, 67):  # Maestro (and Dankort, Verve, InstaPayment)
        return 12 <= length <= 19
    return False


# Runs of at least four digit groups separated by one space or dash (the grouped way cards are written).
_GROUPED = re.compile(r"(?<![\w-])\d{1,6}(?:[ -]\d{1,6}){3,7}(?![\w-])")
_DIGITS = re.compile(r"\d+")
_GLUED_BEFORE = re.compile(r"[A-Za-z0-9]-$")
_GLUED_AFTER = re.compile(r"-[A-Za-z0-9]")
# Where an IBAN may begin: a country code and two check digits, not inside a longer word.
_IBAN_OPENING = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}")
_IBAN_MAX = 34


def inside_iban(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies within a valid IBAN (ISO 13616), printed compact or in groups.

    From each possible IBAN opening up to 34 characters before ``start``, the IBAN is grown one
    character at a time (single spaces or dashes between characters allowed) and checked by its
    country's length and format and its mod-97 check digits once it reaches ``end``.
    """
    window_start = max(0, start - _IBAN_MAX - 8)
    for opening in _IBAN_OPENING.finditer(text, window_start, start + 1):
        compact, position = [], opening.start()
        while position < len(text) and len(compact) < _IBAN_MAX:
            char = text[position]
            if char.isascii() and char.isalnum():
                compact.append(char)
            elif not (char in " -" and compact and position + 1 < len(text) and text[position + 1].isalnum()):
                break
            position += 1
            if position >= end and len(compact) >= 15 and iban.is_valid("".join(compact)):
                return True
    return False


class CardNumberRecognizer(ResultCheck, GatewayPatternRecognizer):
    """Payment card numbers: 12-19 digits in any grouping, Luhn-valid, a known IIN range and length.

    Digits that are an inner dash-separated part of a longer token (``xoxb-8996...-5634012725892-1ugn``)
    are part of that token, not a card number; so are digits inside a valid IBAN
    (``DE27 1002 0030 4111 1111 1111 11`` is an account, kept local by policy, not a card).
    """

    ENTITY = "CREDIT_CARD"
    PATTERNS = [Pattern("card_number", r"\b(?:[1-6]\d{3}|9792)(?:[ -]?\d){8,15}\b", 0.3)]
    CONTEXT = ["card", "credit", "visa", "mastercard", "amex", "pan", "cc", "debit", "payment"]

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return results + [r for r in self._grouped_neighbours(text, results) if self.keep(text, r)]

    def _grouped_neighbours(self, text: str, taken: list[RecognizerResult]) -> list[RecognizerResult]:
        """Card numbers written in groups next to another group of digits (``card 4111 1111 1111 1111 5 times``).

        The pattern takes the longest run of groups, which then fails the checksum; the groups
        that make a valid card inside it are looked for instead (the longest, leftmost first).
        """
        extra = []
        for match in _GROUPED.finditer(text):
            if any(r.start < match.end() and match.start() < r.end for r in taken):
                continue
            bounds = [(g.start() + match.start(), g.end() + match.start()) for g in _DIGITS.finditer(match.group(0))]
            best = None
            for i in range(len(bounds)):
                for j in range(len(bounds) - 1, i - 1, -1):
                    start, end = bounds[i][0], bounds[j][1]
                    if self.validate_result(text[start:end]) and (best is None or end - start > best[1] - best[0]):
                        best = (start, end)
            if best is not None:
                explanation = self.build_regex_explanation(
                    self.name, "card_number_groups", _GROUPED.pattern, 1.0, True, self.FLAGS
                )
                extra.append(found(self, best[0], best[1], 1.0, explanation))
        return extra

    def keep(self, text: str, result: RecognizerResult) -> bool:
        glued = _GLUED_BEFORE.search(text, max(0, result.start - 2), result.start) and _GLUED_AFTER.match(
            text, result.end
        )
        return not glued and not inside_iban(text, result.start, result.end)

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = digits_only(pattern_text)
        if not 12 <= len(digits) <= 19 or not (luhn_valid(digits) and _card_brand_ok(digits)):
            return False
        # A 12-digit Maestro number or a UATP number is confirmed by card wording nearby, not alone.
        return None if len(digits) == 12 or digits[0] == "1" else True


class SwiftBicRecognizer(GatewayPatternRecognizer):
    """SWIFT/BIC: 4-letter bank, ISO country, 2-char location, optional 3-char branch."""

    ENTITY = "SWIFT_BIC"
    PATTERNS = [Pattern("bic", r"\b[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b", 0.3)]
    CONTEXT = ["swift", "bic", "bank", "wire", "transfer", "beneficiary", "iban"]

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if pattern_text[4:6] in ISO_COUNTRIES else False


class UsBankAccountRecognizer(LabelledValueRecognizer):
    """A bank account number after its label (``account``, ``acct``, ``a/c``)."""

    ENTITY = "US_BANK_ACCOUNT"
    PATTERNS = [
        Pattern(
            "labelled_account",
            r"(?=(?i:[bcsda]))"  # the first letters of the labels: other positions are skipped cheaply
            r"(?i:\b(?:(?:bank|checking|chequing|savings|deposit|brokerage)\s+)?(?:account|acct|a/c)\.?"
            r"\s*(?:number|num|no\.?|#)?\s*(?:is|was|=|:|#|-|ending\s+in)?\s*#?\s*)"
            r"(?P<value>\d{6,17})\b",
            0.8,
        )
    ]
    CONTEXT = ["account", "acct", "bank", "checking", "savings"]


class AbaRoutingNumberRecognizer(PresidioAbaRoutingRecognizer):
    """Presidio's ABA recogniser as ABA_ROUTING; a valid checksum alone does not confirm it.

    One 9-digit number in ten passes the 3-7-1 check (SSNs too), so routing
    wording nearby has to raise the score.
    """

    CONTEXT = [*PresidioAbaRoutingRecognizer.CONTEXT, "rtn", "transit", "wire", "ach"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language, supported_entity="ABA_ROUTING")

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if super().validate_result(pattern_text) else False
