"""Coordinates that find a home, and the GDPR Art. 9 special categories: genetic and biometric data.

- ``GEOLOCATION``: a latitude/longitude pair in decimal degrees with three decimals or more
  each (about 100 m: a street) or in degrees-minutes-seconds; with coordinate wording nearby
  (``lat``, ``GPS``, ``coordinates``), two decimals are enough.
- ``GENETIC_DATA``: a genotype result: a SNP id with its alleles (``rs429358 C/T``), an HGVS
  variant (``c.68_69delAG``, ``p.Arg117His``), or a gene with a result word beside it
  (``BRCA1 positive``, ``heterozygous for HFE C282Y``, ``APOE e4/e4``).
- ``BIOMETRIC_DATA``: a fingerprint, face, iris, voice or palm template (the words) followed
  by its data (a long hex or base64 run, or a vector of numbers).
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.recognizers.base import GatewayPatternRecognizer

_LAT = r"[-+]?(?:90(?:\.0+)?|[1-8]?\d(?:\.\d+)?)"
_LON = r"[-+]?(?:180(?:\.0+)?|(?:1[0-7]\d|[1-9]?\d)(?:\.\d+)?)"
_DMS = r"\d{1,3}\s?°\s?\d{1,2}\s?['′]\s?(?:\d{1,2}(?:\.\d+)?\s?(?:\"|″|'')\s?)?"


class GeolocationRecognizer(GatewayPatternRecognizer):
    """Latitude/longitude pairs precise to a street (see the module docstring)."""

    ENTITY = "GEOLOCATION"
    PATTERNS = [
        Pattern(
            "decimal_pair",
            r"(?<![\w.])[-+]?(?:90(?:\.0{3,})?|[1-8]?\d\.\d{3,})\s*°?\s*[NS]?\s*[,;/ ]\s*"
            r"[-+]?(?:180(?:\.0{3,})?|(?:1[0-7]\d|[1-9]?\d)\.\d{3,})\s*°?\s*[EW]?(?![\w.])",
            0.6,
        ),
        Pattern(
            "decimal_pair_two_places",
            r"(?<![\w.])[-+]?[1-8]?\d\.\d{2}\s*°?\s*[NS]?\s*,\s*[-+]?(?:1[0-7]\d|[1-9]?\d)\.\d{2}\s*°?\s*[EW]?(?![\w.])",
            0.2,
        ),
        Pattern("dms_pair", rf"(?<!\d){_DMS}[NS][ ,]*{_DMS}[EW]\b", 0.7),
    ]
    CONTEXT = ["lat", "latitude", "lon", "lng", "longitude", "coordinates", "coords", "gps", "location", "geo"]

    def validate_result(self, pattern_text: str) -> bool | None:
        numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", pattern_text)[:2]]
        if "°" in pattern_text or len(numbers) < 2:
            return None
        return None if abs(numbers[0]) <= 90 and abs(numbers[1]) <= 180 and numbers != [0.0, 0.0] else False


_GENES = (
    r"(?:BRCA[12]|APOE|CFTR|MTHFR|HFE|HTT|TP53|MLH1|MSH[26]|PMS2|APC|CYP2D6|CYP2C19|CYP2C9|VKORC1|FMR1|G6PD"
    r"|F5|SMN1|DMD|HBB|LRRK2|PALB2|CHEK2|ATM|PTEN|LDLR|PCSK9|HLA-[A-DQR]\w{0,3}\*?\d{0,2}(?::\d{2})?)"
)
_RESULT = (
    r"(?:positive|negative|carrier|mutation|mutated|variant|pathogenic|likely\s+pathogenic|deletion|duplication"
    r"|heterozygous|homozygous|genotype|allele|e[234]\s?/\s?e[234]|ε[234]\s?/\s?ε[234]|\*\d+\s?/\s?\*\d+"
    r"|[A-Z]\d{2,4}[A-Z])"
)


class GeneticDataRecognizer(GatewayPatternRecognizer):
    """Genotype and variant results (see the module docstring)."""

    ENTITY = "GENETIC_DATA"
    PATTERNS = [
        Pattern("snp_genotype", r"\brs\d{3,10}\b[\s:=(]*(?:\(?[ACGT]{1,2}\s?[/;]\s?[ACGT]{1,2}\)?|[ACGT]{2}\b)", 0.7),
        Pattern(
            "hgvs",
            r"\b[cgp]\.(?:\d+[+-]?\d*(?:_\d+)?(?:[ACGT]>[ACGT]|del[ACGT]*|dup[ACGT]*|ins[ACGT]+)"
            r"|[A-Z][a-z]{2}\d+(?:[A-Z][a-z]{2}|\*|fs\*?\d*))(?![\w>])",
            0.6,
        ),  # fmt: skip
        Pattern("gene_result", rf"\b{_GENES}\b[\s:,-]{{0,3}}(?:\w+\s+){{0,2}}?(?i:{_RESULT})\b", 0.6),
        Pattern(
            "result_gene",
            rf"(?i:\b(?:heterozygous|homozygous|carrier|positive)\s+(?:for\s+)?(?:an?\s+|the\s+)?)"
            rf"{_GENES}\b",
            0.6,
        ),  # fmt: skip
    ]
    CONTEXT = ["genotype", "genetic", "dna", "variant", "mutation", "allele", "carrier", "snp", "23andme", "ancestry"]


_BIOMETRIC = (
    r"(?i:\b(?:fingerprint|finger\s?print|thumbprint|face|facial|faceprint|iris|retina|retinal|palm\s?print|palm\s?vein"
    r"|voice\s?print|voiceprint|speaker|gait|biometric)s?[\s_-]+(?:template|embedding|vector|hash|minutiae|features?"
    r"|signature|encoding|data|scan|print)s?\b)"
)
_BIO_DATA = (
    r"(?:[0-9a-fA-F]{32,}|[A-Za-z0-9+/]{40,}={0,2}|\[\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?){7,}"
    r"|(?:0x)?[0-9a-fA-F]{2}(?:[ :][0-9a-fA-F]{2}){15,})"
)


class BiometricDataRecognizer(GatewayPatternRecognizer):
    """A biometric template with its data (see the module docstring); the finding covers both."""

    ENTITY = "BIOMETRIC_DATA"
    PATTERNS = [Pattern("template_with_data", rf"{_BIOMETRIC}[^\n]{{0,60}}?{_BIO_DATA}", 0.7)]
    CONTEXT = ["biometric", "template", "fingerprint", "faceprint", "voiceprint", "iris"]
