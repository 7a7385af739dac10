"""SECRET findings from a maintained rule set: Kingfisher (``kingfisher-secret-scanner``), run in-process.

Why Kingfisher: of the secret scanners published on PyPI, scored side by side on gitleaks' own rule
examples (``bench.external.secrets``, BENCHMARKS.md), it found as many as Betterleaks with the fewest
false positives (0.8% of the negatives against 5.5%), runs inside this process as a native extension
(no subprocess, no Go runtime) and scans a kilobyte in well under a millisecond. Its catalogue holds
the Betterleaks rules (the gitleaks lineage) plus its own; we pin the package and never copy its rules.

Scanning is offline: the SDK validates a credential only when asked (``Validator``), which we never do.
The compiled rule database is built once per process (a few seconds the first time; Kingfisher caches
the compiled rules, not scanned content, in the user's cache directory or ``KF_RULE_CACHE_DIR``) and
shared by every recogniser instance. Offsets come back in UTF-8 bytes and are mapped to characters.
Placeholders (``ghp_xxxx...``, ``${TOKEN}``, documented example keys) are dropped as for our own patterns.

Besides the text itself the rules see views with a token's disguises undone: prose punctuation blanked
(``my key is hf_..., thanks``: rules written for code end a token at a quote or space), a line break inside a
token removed, and string concatenation (``"sk_live_" + "51Hx..."``) removed; a finding in a joined view is
reported over the original characters, break or operator included.
"""

from __future__ import annotations

import importlib.metadata
import re
import threading
from typing import Any

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.recognizers.base import found
from gateway.recognizers.secrets import TokenView, has_template, is_placeholder, joined_views

# The rule set's version is part of what the detector runs: pinned here as in pyproject.toml, so that the
# detector's version (a hash of this source) changes with it and cached findings of other rules are not reused.
KINGFISHER_VERSION = "1.5.0"
# Kingfisher's confidence of a rule, as a Presidio score (all above the detector's 0.4 threshold).
CONFIDENCE_SCORES = {"high": 0.95, "medium": 0.85, "low": 0.6}

_lock = threading.Lock()
_scanner: Any = None
_prefixes: tuple[tuple[str, bool], ...] | None = None


def shared_scanner() -> Any:
    """The process's one ``kingfisher_sdk.Scanner`` (bundled rules, medium confidence and up), built on first use."""
    global _scanner
    with _lock:
        if _scanner is None:
            installed = importlib.metadata.version("kingfisher-secret-scanner")
            if installed != KINGFISHER_VERSION:  # fail closed: another rule set would change every decision
                raise RuntimeError(f"kingfisher-secret-scanner {installed} installed, {KINGFISHER_VERSION} expected")
            from kingfisher_sdk import Rules, Scanner

            _scanner = Scanner(Rules(confidence="medium"))
        return _scanner


# How a rule's pattern may open before its literal prefix: (?i), \b, a capture group, a start-or-delimiter group.
_PATTERN_LEAD = re.compile(r"\(\?i\)|\\b|\((?!\?)|\(\?:\^\|\[[^\]]*\]\)|\(\?:\^\|\\b\)|\^")
_PATTERN_LITERAL = re.compile(r"(?:[A-Za-z0-9_~-]|\\[.\-_~])+")


def rule_prefixes() -> tuple[tuple[str, bool], ...]:
    """The literal prefixes the rule set's patterns open with (``ghp_``, ``AIza``, ``sntryu_``), with case-blindness.

    Read from the pinned rules at run time (``Rules.detail``), never copied: a token that opens with one
    of these belongs to that provider's rule, which knows its length, alphabet and checksum.
    """
    global _prefixes
    rules = shared_scanner().rules
    with _lock:
        if _prefixes is None:
            found_prefixes: set[tuple[str, bool]] = set()
            for meta in rules.metadata():
                pattern = rules.detail(meta["id"])["pattern"]
                rest = pattern
                while (lead := _PATTERN_LEAD.match(rest)) is not None and lead.end():
                    rest = rest[lead.end() :]
                literal = _PATTERN_LITERAL.match(rest)
                if literal is None:
                    continue
                after = rest[literal.end() :]
                prefix = literal.group().replace("\\", "")
                # a prefix is followed by the value's class; a keyword rule's word by its gap "(?:[ \t\w.-]{0,20})"
                if len(prefix) >= 3 and after[:1] in ("[", "\\", "(") and not after.startswith("(?:[ \\t"):
                    found_prefixes.add((prefix, pattern.startswith("(?i)")))
            _prefixes = tuple(sorted(found_prefixes))
        return _prefixes


def has_rule_prefix(token: str) -> bool:
    """Whether ``token`` opens with a prefix of the rule set (:func:`rule_prefixes`), in any case
    (``AIZASY...`` is a Google key written in capitals, which the case-sensitive rule does not match)."""
    lowered = token.lower()
    return any(lowered.startswith(prefix.lower()) for prefix, _ in rule_prefixes())


# Prose punctuation touching a space or either end ("my key is hf_..., thanks", "(ghp_...)"): many rules
# end a token only at a quote, space or semicolon, as in code. It is blanked, same length, for a second scan.
# Field separators of records and tables (CSV ",", HL7 "|" and "^", X12 "*" and "~SEG*", markup "<>") end a
# token too, wherever they stand.
_PROSE_PUNCTUATION = re.compile(
    r"[,.:!?()\[\]{}<>]+(?=\s|$)|(?:(?<=\s)|^)[(\[{<]+|[,|^*<>()\[\]{}]|~(?=[A-Z][A-Z0-9]{1,2}\*)"
)


def _views(text: str) -> list[TokenView]:
    """The text, the text with tokens rejoined, and each of those with prose punctuation blanked."""
    views = [TokenView(text), *joined_views(text)]
    for view in list(views):
        blanked = _PROSE_PUNCTUATION.sub(lambda m: " " * len(m.group(0)), view.text)
        if blanked != view.text:
            views.append(TokenView(blanked, view.index))
    return views


def _char_offset(data: bytes, byte_offset: int) -> int:
    """The character index of a UTF-8 byte offset (a cut inside a character counts that character)."""
    return len(data[:byte_offset].decode("utf-8", errors="ignore"))


class SecretScannerRecognizer(EntityRecognizer):
    """Every credential Kingfisher's rules recognise, as ``SECRET``, scored by the rule's confidence."""

    ENTITY = "SECRET"

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[self.ENTITY], name=type(self).__name__, supported_language=supported_language
        )

    def load(self) -> None:
        self._scanner = shared_scanner()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if self.ENTITY not in entities or not text:
            return []
        results: list[RecognizerResult] = []
        seen: set[tuple[int, int]] = set()
        for view in _views(text):
            results.extend(self._scan(text, view, seen))
        return results

    def _scan(self, text: str, view: TokenView, seen: set[tuple[int, int]]) -> list[RecognizerResult]:
        """Kingfisher's findings in one view, as spans of the original text not yet in ``seen``."""
        data = view.text.encode("utf-8")
        ascii_only = len(data) == len(view.text)
        results = []
        for finding in self._scanner.scan(data):
            if not finding.visible:  # a helper rule's part (an id paired with its secret), not a finding
                continue
            location = finding.location
            start, end = location["start_offset"], location["end_offset"]
            if not ascii_only:
                start, end = _char_offset(data, start), _char_offset(data, end)
            if end <= start or is_placeholder(view.text[start:end]):
                continue
            span = view.original(start, end)
            if has_template(text[span[0] : span[1]]):  # a view blanks "${}" and "<>": judge the text as written
                continue
            if span in seen or (view.index is not None and span[1] - span[0] == end - start):
                continue  # found already, or a joined view's finding that crosses no join (the text has it)
            seen.add(span)
            start, end = span
            score = CONFIDENCE_SCORES.get(finding.confidence, CONFIDENCE_SCORES["low"])
            explanation = AnalysisExplanation(
                recognizer=self.name,
                original_score=score,
                pattern_name=finding.rule_id,
                textual_explanation=f"Kingfisher rule {finding.rule_id} ({finding.confidence} confidence)",
            )
            results.append(found(self, start, end, score, explanation))
        return results
