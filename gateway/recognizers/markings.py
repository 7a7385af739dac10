"""Document markings: export control, CUI, national-security classification, proprietary legends.

Recognisers run on the folded and collapsed views, so homoglyphs (``ІТАR``)
and spaced letters (``i t a r``, ``t o p  s e c r e t``) reach these patterns as plain
ASCII words; the collapsed view upper-cases spelt-out words (``ITAR``, ``TOP SECRET``).
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from gateway.recognizers.base import GatewayPatternRecognizer

_CONTROLLED = r"(?:[\s-]+controll?ed\b(?:\s+technical\s+data\b)?)"


class ExportControlRecognizer(GatewayPatternRecognizer):
    """ITAR / EAR markings, USML categories, ECCNs and EAR99 with export wording."""

    ENTITY = "EXPORT_CONTROL"
    PATTERNS = [
        # A marking is its whole phrase ("ITAR-controlled technical data"), not its first word: a redacted
        # copy keeps no "controlled technical data" beside the placeholder, and a marking cut across two
        # messages is found in both.
        Pattern("itar", rf"(?i:\bITAR\b{_CONTROLLED}?)", 0.85),
        Pattern("itar_long", r"(?i:\bInternational\s+Traffic\s+in\s+Arms\s+Regulations?\b)", 0.85),
        Pattern("usml", r"(?i:\bUSML\s+Cat(?:egory|\.)?\s*[IVX]{1,5}\b)", 0.9),
        Pattern("export_controlled", rf"(?i:\bexport{_CONTROLLED})", 0.8),
        Pattern("ear_controlled", rf"\bEAR(?i:{_CONTROLLED})", 0.85),
        # The Arms Export Control Act warning on technical data and drawings (22 U.S.C. 2751): the Act's
        # name, with the standard legend around it when it is written out (DoD Directive 5230.25).
        Pattern(
            "aeca",
            r"(?i:(?:\bWARNING\s*[-:\u2013\u2014]?\s*)?(?:\bThis\s+document\s+contains\s+technical\s+data\s+whose\s+"
            r"export\s+is\s+restricted\s+by\s+the\s+)?\bArms\s+Export\s+Control\s+Act\b"
            r"(?:\s*\(\s*Title\s*22\s*,?\s*U\.?\s?S\.?\s?C\.?\s*,?\s*Sec\.?\s*2751\s*,?\s*et\s+seq\.?\s*\))?)",
            0.85,
        ),
        Pattern("ear_subject", r"(?i:\bsubject\s+to\s+the\s+(?:EAR|Export\s+Administration\s+Regulations)\b)", 0.85),
        Pattern("eccn_labelled", r"(?i:\bECCN\s*[:#]?\s*(?:[0-9][A-E][0-9]{3}\b(?:\.[a-z0-9]+)*|EAR\s?99\b))", 0.9),
        # A bare ECCN or EAR99 looks like a part number: it needs export wording nearby.
        Pattern("eccn", r"\b[0-9][A-E][0-9]{3}(?:\.[a-z](?:\.[0-9]+)?)?\b(?![-/]\w)", 0.2),
        Pattern("ear99", r"(?i:\bEAR\s?99\b)", 0.2),
    ]
    CONTEXT = ["export", "eccn", "ear", "itar", "license", "licence", "classification", "ccl", "controlled", "dual-use"]


class CuiMarkingRecognizer(GatewayPatternRecognizer):
    """Controlled Unclassified Information banners and category markings."""

    ENTITY = "CUI_MARKING"
    PATTERNS = [
        Pattern("cui_banner", r"\bCUI\b", 0.8),
        Pattern("cui_category", r"(?i:\bCUI\s*//\s*(?:SP-)?[A-Z][A-Z-]*)", 0.95),
        Pattern("cui_long", r"(?i:\bControlled\s+Unclassified\s+Information\b)", 0.9),
        Pattern("cui_lower", r"\bcui\b", 0.45),
        # "Cui" is also a surname (Dr. Wei Cui): capitalised, it needs marking wording nearby.
        Pattern("cui_capitalised", r"\bCui\b", 0.2),
    ]
    CONTEXT = ["marking", "banner", "controlled", "dissemination", "nara", "dod", "fouo"]


class ClassificationMarkingRecognizer(GatewayPatternRecognizer):
    """National-security classification banners and portion marks."""

    ENTITY = "CLASSIFICATION_MARKING"
    _CAVEATS = r"(?:NOFORN|NF|REL\s+TO\b[A-Z ,]*|ORCON|NOCONTRACT|PROPIN|FVEY|RELIDO|SCI|SI|TK|HCS|FISA|IMCON)"
    PATTERNS = [
        Pattern(
            "banner_with_caveat",
            r"(?i:\b(?:TOP\s+SECRET|SECRET|CONFIDENTIAL)(?:\s*//\s*(?:(?-i:REL\s+TO\b[A-Z ,]*[A-Z])|[A-Z][A-Z-]*))+)",
            0.95,
        ),
        Pattern("portion_mark", rf"\((?:TS|S|C)//{_CAVEATS}[^)\n]{{0,40}}\)", 0.9),
        Pattern("top_secret_upper", r"\bTOP\s+SECRET\b", 0.85),
        Pattern("secret_noforn", r"(?i:\b(?:TOP\s+SECRET|SECRET|CONFIDENTIAL)[\s,]+NOFORN\b)", 0.95),
        Pattern("declassify_on", r"(?i:\bDeclassify\s+On\s*:)", 0.85),
        Pattern("classified_by", r"(?i:\bClassified\s+By\s*:)", 0.7),
        # Lower-case "top secret" is everyday English; it needs classification wording nearby.
        Pattern("top_secret_lower", r"(?i:\btop\s+secret\b)", 0.2),
    ]
    CONTEXT = ["classified", "classification", "clearance", "banner", "marking", "noforn", "sci"]

    def validate_result(self, pattern_text: str) -> bool | None:
        if "//" in pattern_text and not pattern_text.startswith("("):
            caveats = pattern_text.split("//", 1)[1]
            return None if re.search(rf"(?i:\b{self._CAVEATS})", caveats) else False
        return None


class ProprietaryMarkingRecognizer(GatewayPatternRecognizer):
    """Trade-secret and proprietary legends (``PROPRIETARY``, ``Company Confidential``)."""

    ENTITY = "PROPRIETARY_MARKING"
    PATTERNS = [
        Pattern("proprietary_upper", r"\bPROPRIETARY\b", 0.75),
        Pattern(
            "proprietary_confidential",
            r"(?i:\b(?:proprietary\s+(?:and|&)\s+confidential|confidential\s+(?:and|&)\s+proprietary)\b)",
            0.9,
        ),
        Pattern("company_confidential", r"(?i:\bcompany[\s-]+confidential\b)", 0.85),
        Pattern("trade_secret", r"(?i:\btrade\s+secrets?\b)", 0.8),
        Pattern("proprietary_legend", r"(?i:\bproprietary\s+(?:information|data|notice|legend|and\s+trade)\b)", 0.75),
    ]
    CONTEXT = ["legend", "marking", "disclosure", "distribution", "notice"]
