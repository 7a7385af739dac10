"""Identifiers of people outside the US: national ids, EU VAT numbers, VINs (POLICY_REFERENCE "outside the US").

Each value is confirmed by its country's check digit, computed by ``python-stdnum`` where it has
the identifier (NHS, Steuer-ID, NIR, DNI/NIE, codice fiscale, BSN, PESEL, personnummer, SIN,
TFN, Aadhaar, PAN, EU VAT) and here otherwise (Medicare, VIN; the NINO has no check digit,
only its prefix and suffix rules). Two kinds:

- **Self-evident** layouts (letters and digits in a fixed structure, or a long number with a
  strong check): a valid check confirms the value on its own (``STRONG``).
- **Bare digit runs** (9 to 12 digits with a one-in-ten or one-in-eleven check: NHS, BSN,
  SIN, TFN, Medicare, Aadhaar, Steuer-ID, PESEL): every order or invoice number has a fair
  chance of passing, so a valid check keeps the low pattern score and only the identifier's
  name just before it (``LABEL``, whole words: "NHS number:", "SIN", "Steuer-ID") confirms it.

The NINO and PAN layouts (letters and digits in HMRC's and the Income Tax Department's
structure) pass at their pattern score alone; their names nearby confirm them.

Presidio ships recognisers for several of these (UK NHS and NINO, Steuer-ID, DNI/NIE, codice
fiscale, PESEL, personnummer, SIN, TFN, Medicare, Aadhaar, PAN), but there a valid check alone
confirms a bare 9-12 digit run (one order number in ten or eleven becomes a national id), its
context words match substrings ("sin" in "business"), and several are registered for other
languages than the gateway's; so these classes are ours, on python-stdnum's checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from stdnum.au import tfn
from stdnum.ca import sin
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.eu import vat
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.in_ import aadhaar, pan
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.se import personnummer

from gateway.recognizers.base import GatewayPatternRecognizer
from gateway.recognizers.checksums import digits_only

# A digit run that is not part of a longer number, word or decimal.
_NB = r"(?<![\w.,/-])"
_NA = r"(?![\w/]|[.,-]\d)"
WEAK = 0.3  # a bare digit run with a valid check: needs its name nearby (context adds 0.35)
STRONG = 0.6


class CheckedIdRecognizer(GatewayPatternRecognizer):
    """A pattern whose value is confirmed by ``CHECK`` (a python-stdnum ``is_valid`` or ours).

    ``CONFIRMS``: a valid check confirms the value (score 1.0). Otherwise the value keeps the
    pattern's low score and is confirmed only by ``LABEL`` (the identifier's name, matched as
    whole words) within ``LABEL_WINDOW`` characters before it. Presidio's context words match
    substrings ("sin" in "business"), too loose for two- and three-letter names, so these
    classes use no ``CONTEXT``. An invalid check always rejects.
    """

    CHECK: ClassVar[Callable[[str], bool]]
    CONFIRMS: ClassVar[bool] = True
    LABEL: ClassVar[re.Pattern[str] | None] = None
    LABEL_WINDOW: ClassVar[int] = 48

    def validate_result(self, pattern_text: str) -> bool | None:
        if not type(self).CHECK(pattern_text):
            return False
        return True if self.CONFIRMS else None

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        label = type(self).LABEL
        if label is not None:
            for result in results:
                if result.score < self.MAX_SCORE and label.search(
                    text, max(0, result.start - self.LABEL_WINDOW), result.start
                ):
                    result.score = self.MAX_SCORE
        return results


def _label(words: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive names of an identifier ("nhs|national health service"), then no other digits.

    ``_`` and ``-`` count as word separators, so ``"nhs_number": ...`` is labelled.
    """
    # "_" and "-" separate words here too: a JSON key or column name ("nhs_number") names the identifier.
    return re.compile(rf"(?i)(?<![A-Za-z0-9])(?:{words})(?![A-Za-z0-9])[^\d\n]{{0,32}}$")


def _digit_run(groups: str) -> str:
    """A pattern for digits in the given group sizes ("3-3-4"), each separated by one space, dash or dot, or none."""
    sizes = [int(size) for size in groups.split("-")]
    parts = [rf"\d{{{sizes[0]}}}"] + [rf"[ .-]?\d{{{size}}}" for size in sizes[1:]]
    return _NB + "".join(parts) + _NA


def _uniform(value: str) -> bool:
    """All digits the same (``000000000``, ``1111...``): a placeholder, never an identifier."""
    digits = digits_only(value)
    return len(set(digits)) <= 1


def _valid(check: Callable[[str], bool]) -> Callable[[str], bool]:
    return staticmethod(lambda value: not _uniform(value) and check(value))  # type: ignore[return-value]


class UkNhsNumberRecognizer(CheckedIdRecognizer):
    """UK NHS number: 10 digits (3-3-4), mod 11 check digit; needs "NHS" nearby."""

    ENTITY = "UK_NHS"
    PATTERNS = [Pattern("nhs_number", _digit_run("3-3-4"), WEAK)]
    LABEL = _label(r"nhs|national\s+health\s+service|health\s+service")
    CHECK = _valid(lambda v: nhs.is_valid(digits_only(v)))
    CONFIRMS = False


_NINO_PREFIX = r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"


class UkNationalInsuranceRecognizer(CheckedIdRecognizer):
    """UK National Insurance number: two prefix letters (HMRC's allowed set), six digits, suffix A-D.

    No check digit exists; the prefix and suffix rules are the check, so the bare layout is
    confirmed only with a space-separated layout or context words.
    """

    ENTITY = "UK_NINO"
    PATTERNS = [
        Pattern("nino_spaced", rf"\b{_NINO_PREFIX}[ ]\d{{2}}[ ]\d{{2}}[ ]\d{{2}}[ ][A-D]\b", STRONG),
        Pattern("nino", rf"\b{_NINO_PREFIX}\d{{6}}[A-D]\b", 0.5),
    ]
    LABEL = _label(r"national\s+insurance|nino|ni")
    CHECK = staticmethod(lambda value: len(set(digits_only(value))) > 1)  # type: ignore[assignment]
    CONFIRMS = False


class GermanTaxIdRecognizer(CheckedIdRecognizer):
    """German Steuer-ID (IdNr): 11 digits, ISO 7064 mod 11,10 check and the digit-repeat rule; needs context."""

    ENTITY = "DE_TAX_ID"
    PATTERNS = [
        Pattern("steuer_id", _NB + r"[1-9]\d(?:[ ]?\d{3}){3}" + _NA, WEAK),
        Pattern("steuer_id_bare", _NB + r"[1-9]\d{10}" + _NA, WEAK),
    ]
    LABEL = _label(r"steuer[- ]?id(?:nr)?|idnr|(?:steuer)?identifikationsnummer|tax\s+id|tin")
    CHECK = _valid(lambda v: idnr.is_valid(digits_only(v)))
    CONFIRMS = False


class FrenchNirRecognizer(CheckedIdRecognizer):
    """French NIR (numéro de sécurité sociale): sex, year, month, place, order, then a mod 97 key.

    Fifteen digits in a fixed structure with a two-digit key: self-evident. Corsica's 2A/2B
    departments are accepted.
    """

    ENTITY = "FR_NIR"
    PATTERNS = [
        Pattern(
            "nir",
            _NB + r"[12][ ]?\d{2}[ ]?(?:0[1-9]|1[0-2]|[2-9]\d)[ ]?(?:\d{2}|2[AB])[ ]?\d{3}[ ]?\d{3}[ ]?\d{2}" + _NA,
            STRONG,
        )
    ]
    CONTEXT = ["nir", "sécurité sociale", "securite sociale", "insee", "numéro de sécu", "carte vitale"]
    CHECK = _valid(lambda v: nir.is_valid(re.sub(r"[ ]", "", v)))


class SpanishNifRecognizer(CheckedIdRecognizer):
    """Spanish DNI (8 digits + control letter) and NIE (X/Y/Z + 7 digits + control letter), one type.

    The control letter (mod 23) makes the layout self-evident.
    """

    ENTITY = "ES_NIF"
    PATTERNS = [
        Pattern("dni", r"(?<![\w-])\d{8}[ -]?[A-HJ-NP-TV-Z]\b", STRONG),
        Pattern("nie", r"(?<![\w-])[XYZ][ -]?\d{7}[ -]?[A-HJ-NP-TV-Z]\b", STRONG),
    ]
    CONTEXT = ["dni", "nie", "nif", "documento nacional de identidad", "identidad", "extranjero"]
    CHECK = _valid(lambda v: dni.is_valid(v) or nie.is_valid(v))


class ItalianFiscalCodeRecognizer(CheckedIdRecognizer):
    """Italian codice fiscale: 6 letters, birth year, month letter, day, place code, check letter."""

    ENTITY = "IT_FISCAL_CODE"
    PATTERNS = [
        Pattern(
            "codice_fiscale",
            r"(?i:\b[A-Z]{6}[0-9LMNP-V]{2}[ABCDEHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]\b)",
            STRONG,
        )
    ]
    CONTEXT = ["codice fiscale", "cf", "fiscale", "tessera sanitaria"]
    CHECK = staticmethod(lambda v: codicefiscale.is_valid(v.upper()))  # type: ignore[assignment]


class DutchBsnRecognizer(CheckedIdRecognizer):
    """Dutch BSN (burgerservicenummer): 9 digits, the "elfproef" (mod 11); needs context."""

    ENTITY = "NL_BSN"
    PATTERNS = [Pattern("bsn", _digit_run("4-2-3"), WEAK), Pattern("bsn_3_3_3", _digit_run("3-3-3"), WEAK)]
    LABEL = _label(r"bsn|burgerservicenummer|sofinummer|sofi")
    CHECK = _valid(lambda v: bsn.is_valid(digits_only(v)))
    CONFIRMS = False


class PolishPeselRecognizer(CheckedIdRecognizer):
    """Polish PESEL: 11 digits, a birth date (century in the month) and weighted check; needs context."""

    ENTITY = "PL_PESEL"
    PATTERNS = [Pattern("pesel", _NB + r"\d{2}[0-3]\d[0-3]\d{6}" + _NA, WEAK)]
    LABEL = _label(r"pesel")
    CHECK = _valid(lambda v: pesel.is_valid(v))
    CONFIRMS = False


class SwedishPersonnummerRecognizer(CheckedIdRecognizer):
    """Swedish personnummer: (CC)YYMMDD, ``-`` or ``+``, four digits, Luhn over the last ten.

    Written with its separator it is self-evident (a valid date and Luhn); a bare 10 or 12
    digit run needs the word nearby (``SwedishBarePersonnummerRecognizer``).
    """

    ENTITY = "SE_PERSONNUMMER"
    PATTERNS = [Pattern("personnummer", _NB + r"(?:19|20)?\d{2}[01]\d[0-3]\d[-+]\d{4}" + _NA, STRONG)]
    CONTEXT = ["personnummer", "personal identity number", "samordningsnummer"]
    CHECK = _valid(personnummer.is_valid)


class SwedishBarePersonnummerRecognizer(CheckedIdRecognizer):
    """A Swedish personnummer written without its separator: needs context."""

    ENTITY = "SE_PERSONNUMMER"
    PATTERNS = [Pattern("personnummer_bare", _NB + r"(?:19|20)?\d{2}[01]\d[0-3]\d{5}" + _NA, WEAK)]
    LABEL = _label(r"personnummer|personal\s+identity\s+number|samordningsnummer")
    CHECK = _valid(lambda v: personnummer.is_valid(v[:-4] + "-" + v[-4:]))
    CONFIRMS = False


class CanadianSinRecognizer(CheckedIdRecognizer):
    """Canadian Social Insurance Number: 9 digits (3-3-3), Luhn, first digit not 0 or 8; needs context."""

    ENTITY = "CA_SIN"
    PATTERNS = [Pattern("sin", _digit_run("3-3-3"), WEAK)]
    LABEL = _label(r"sin|social\s+insurance|assurance\s+sociale|nas")
    CHECK = _valid(lambda v: sin.is_valid(digits_only(v)))
    CONFIRMS = False


class AustralianTfnRecognizer(CheckedIdRecognizer):
    """Australian Tax File Number: 8 or 9 digits, weighted mod 11 check; needs context."""

    ENTITY = "AU_TFN"
    PATTERNS = [Pattern("tfn", _digit_run("3-3-3"), WEAK), Pattern("tfn_8", _digit_run("3-3-2"), WEAK)]
    LABEL = _label(r"tfn|tax\s+file")
    CHECK = _valid(lambda v: tfn.is_valid(digits_only(v)))
    CONFIRMS = False


def medicare_valid(value: str) -> bool:
    """Australian Medicare card number: first digit 2-6, digit 9 = weights (1,3,7,9,1,3,7,9) . digits 1-8 mod 10."""
    digits = digits_only(value)
    if len(digits) not in (10, 11) or digits[0] not in "23456":
        return False
    weighted = sum(int(d) * w for d, w in zip(digits[:8], (1, 3, 7, 9, 1, 3, 7, 9), strict=True))
    return weighted % 10 == int(digits[8])


class AustralianMedicareRecognizer(CheckedIdRecognizer):
    """Australian Medicare number: 10 digits (4-5-1, plus an optional issue digit), weighted check; needs context."""

    ENTITY = "AU_MEDICARE"
    PATTERNS = [Pattern("medicare", _NB + r"[2-6]\d{3}[ -]?\d{5}[ -]?\d(?:[ -/]?\d)?" + _NA, WEAK)]
    LABEL = _label(r"medicare")
    CHECK = _valid(medicare_valid)
    CONFIRMS = False


class IndianAadhaarRecognizer(CheckedIdRecognizer):
    """Indian Aadhaar: 12 digits (4-4-4), first digit 2-9, Verhoeff check, not a palindrome; needs context."""

    ENTITY = "IN_AADHAAR"
    PATTERNS = [Pattern("aadhaar", _NB + r"[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}" + _NA, WEAK)]
    LABEL = _label(r"aadhaa?r|uidai|uid")
    CHECK = _valid(lambda v: aadhaar.is_valid(digits_only(v)))
    CONFIRMS = False


class IndianPanRecognizer(CheckedIdRecognizer):
    """Indian PAN: 5 letters (the fourth the holder type, P for a person), 4 digits, a letter."""

    ENTITY = "IN_PAN"
    PATTERNS = [Pattern("pan", r"\b[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]\b", 0.5)]
    LABEL = _label(r"pan|permanent\s+account\s+number")
    CHECK = staticmethod(lambda v: pan.is_valid(v) and len(set(v[5:9])) > 1)  # type: ignore[assignment]
    CONFIRMS = False


_VAT_COUNTRIES = "AT|BE|BG|CY|CZ|DE|DK|EE|EL|GR|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI"


class EuVatRecognizer(CheckedIdRecognizer):
    """EU VAT identification number: country prefix, the country's length and check digits (python-stdnum)."""

    ENTITY = "EU_VAT"
    PATTERNS = [
        Pattern(
            "eu_vat",
            rf"\b(?:{_VAT_COUNTRIES})[ -]?(?=[0-9A-Z+*. -]{{7,16}}\b)[0-9A-Z][0-9A-Z+*]*(?:[ .-][0-9A-Z+*]+){{0,3}}\b",
            STRONG,
        )
    ]
    CONTEXT = ["vat", "tva", "ust-idnr", "ust", "iva", "btw", "mwst", "moms", "vat number", "vat id"]
    CHECK = staticmethod(lambda v: any(c.isdigit() for c in v) and vat.is_valid(v))  # type: ignore[assignment]


_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True))}
_VIN_VALUES.update(dict(zip("JKLMN", range(1, 6), strict=True)))
_VIN_VALUES.update({"P": 7, "R": 9})
_VIN_VALUES.update(dict(zip("STUVWXYZ", range(2, 10), strict=True)))
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_valid(value: str) -> bool:
    """ISO 3779 VIN: 17 characters without I, O, Q, with the North American check digit (position 9)."""
    vin = value.upper()
    if len(vin) != 17 or any(char not in _VIN_VALUES for char in vin) or len(set(vin)) < 5:
        return False
    if not any(c.isdigit() for c in vin) or not any(c.isalpha() for c in vin):
        return False
    remainder = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True)) % 11
    return vin[8] == ("X" if remainder == 10 else str(remainder))


class VinRecognizer(CheckedIdRecognizer):
    """Vehicle identification number (a registered keeper's vehicle): 17 characters, check digit."""

    ENTITY = "VIN"
    PATTERNS = [Pattern("vin", r"\b[A-HJ-NPR-Z0-9]{17}\b", STRONG)]
    CONTEXT = ["vin", "vehicle identification", "chassis", "vehicle"]
    CHECK = staticmethod(vin_valid)  # type: ignore[assignment]
