"""One pass over a text for every pattern, so a recogniser whose patterns cannot match does not run.

Presidio runs each recogniser's regular expressions over the whole text, one after another: about
140 passes over every view of every string (a third of detection time in the profile of
``bench.detection``). Most patterns match nothing in most texts. :class:`PatternPrefilter`
compiles every pattern into Hyperscan databases in *prefilter* mode and scans a text once: a
pattern Hyperscan reports no match for cannot match, and its recogniser skips it.

Lossless by construction, not by tuning:

- Each pattern is translated from Python's own parse of it (``re._parser``), node by node, into
  Hyperscan's syntax, so both read the same expression. What has no exact counterpart is widened,
  never narrowed: look-arounds are dropped, a back-reference becomes "anything", an atomic group or
  possessive repeat an ordinary one, and prefilter mode may widen further. A widened pattern matches
  a superset of what the original matches.
- Each one-character node is written as exactly the ASCII characters Python's ``re`` matches with it
  (all 128 tried), so case folding, categories and negation are ``re``'s own. Every character beyond
  ASCII is scanned as one byte, ``\\x80``, which a node matches when it may match any such character
  (any category or negation does; so does an ASCII letter under IGNORECASE: "k" matches the Kelvin
  sign). Word boundaries are dropped (to Hyperscan ``\\x80`` is no word character, to Python "é"
  is one). A pattern Hyperscan refuses, or an operator with no translation, is never skipped.

A recogniser skips on the text its patterns actually run over (``GatewayPatternRecognizer``: also the
views a recogniser makes of its text, such as a token's line break undone), never on the outer text.

``tests/test_prefilter.py`` draws strings that match each pattern (Hypothesis' ``from_regex``) and
checks Hyperscan reports them, and compares the detector's findings with the prefilter and without;
``python -m bench.detection --compare-prefilter`` does both side by side on the benchmark prompts.
"""

from __future__ import annotations

import contextlib
import os
import re
import re._compiler as sre_compiler  # noqa: PLC2701 (Python's own parser and compiler: the translation reads what re reads)
import re._constants as sre  # noqa: PLC2701
import re._parser as sre_parse  # noqa: PLC2701
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import hyperscan
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_AT = {
    sre.AT_BEGINNING: "^",
    sre.AT_END: "$",
    sre.AT_BEGINNING_STRING: r"\A",
    sre.AT_END_STRING: r"\z",
    # Word boundaries are dropped: a character beyond ASCII is scanned as one byte that is no word
    # character to Hyperscan, while "é" is one to Python.
    sre.AT_BOUNDARY: "",
    sre.AT_NON_BOUNDARY: "",
}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


class Untranslatable(ValueError):
    """A pattern with no faithful widening in Hyperscan's syntax: it is never skipped."""


_ASCII = [chr(code) for code in range(128)]
_BEYOND = 0x80  # every character beyond ASCII is scanned as this byte
_NEVER = r"\xff"  # a byte no scanned text holds: the node matches no character
_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")


def _one_character(node: tuple[Any, Any], state: Any, flags: int, caseless: bool) -> str:
    """A node that matches one character, as the class of exactly the ASCII characters Python's ``re``
    matches with it (each of the 128 tried: case folding, categories and negation come out as ``re``
    itself has them), plus the byte that stands for every character beyond ASCII when the node can
    match one of those. In a ``caseless`` scope of Hyperscan's a letter stands for both its cases, so
    the class is written with lower-case letters only (it can only widen)."""
    key = (repr(node), flags | state.flags, caseless)
    written = _CLASSES.get(key)
    if written is None:
        regex = sre_compiler.compile(sre_parse.SubPattern(state, [node]), flags)
        members = {char for char in _ASCII if regex.match(char)}
        if caseless:
            members = {char.lower() for char in members}
        codes = sorted(ord(char) for char in members)
        if _beyond_ascii(node, bool((flags | state.flags) & re.IGNORECASE)):
            codes.append(_BEYOND)
        written = _CLASSES[key] = _class(codes)
    return written


def _beyond_ascii(node: tuple[Any, Any], caseless: bool) -> bool:
    """Whether a one-character node may match a character beyond ASCII (when unsure: yes). Every
    category has such members (``\\w`` has "é", ``\\d`` "٣", ``\\s`` a no-break space), so has every
    negation; under IGNORECASE an ASCII letter may too ("K" matches the Kelvin sign)."""
    op, arg = node

    def letters(first: int, last: int) -> bool:
        return caseless and any(chr(code).isalpha() for code in range(first, min(last, 127) + 1))

    if op is sre.LITERAL:
        return arg > 127 or letters(arg, arg)
    if op is not sre.IN:
        return True  # NOT_LITERAL, ANY
    for member_op, member in arg:
        if member_op is sre.LITERAL:
            if member > 127 or letters(member, member):
                return True
        elif member_op is sre.RANGE:
            if member[1] > 127 or letters(*member):
                return True
        else:
            return True  # NEGATE, CATEGORY, anything else
    return False


_CLASSES: dict[tuple[str, int], str] = {}


def _class(codes: list[int]) -> str:
    """The ASCII characters ``codes`` (ascending) as a short expression: ranges where they run on."""
    if not codes:
        return _NEVER
    if len(codes) == 1:
        return f"\\x{codes[0]:02x}"
    runs: list[str] = []
    first = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code == previous + 1:
            previous = code
            continue
        runs.append(f"\\x{first:02x}" if first == previous else f"\\x{first:02x}-\\x{previous:02x}")
        first = previous = code
    return "[" + "".join(runs) + "]"


def _translate(nodes: Iterable[tuple[Any, Any]], state: Any, flags: int, caseless: bool) -> str:
    """``nodes`` (Python's parse) in Hyperscan's syntax. ``flags`` are Python's in force (IGNORECASE may
    be scoped by a group); ``caseless`` says whether Hyperscan's scope is case-insensitive. A group that
    turns IGNORECASE off stays caseless in Hyperscan: wider, never narrower."""
    out: list[str] = []
    for node in nodes:
        op, arg = node
        if op in _ONE_CHARACTER:
            out.append(_one_character(node, state, flags, caseless))
        elif op is sre.AT:
            out.append(_AT[arg])
        elif op in _REPEATS:
            low, high, sub = arg
            bound = f"{{{low},}}" if high == sre.MAXREPEAT else f"{{{low},{high}}}"
            out.append(f"(?:{_translate(sub, state, flags, caseless)}){bound}")
        elif op is sre.SUBPATTERN:
            _group, add, remove, sub = arg
            inner = (flags | add) & ~remove
            opens = not caseless and bool(inner & re.IGNORECASE)
            body = _translate(sub, state, inner, caseless or opens)
            out.append(f"(?i:{body})" if opens else f"(?:{body})")
        elif op is sre.BRANCH:
            out.append("(?:" + "|".join(_translate(alt, state, flags, caseless) for alt in arg[1]) + ")")
        elif op is sre.ATOMIC_GROUP:
            out.append(f"(?:{_translate(arg, state, flags, caseless)})")
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            continue  # a look-around only narrows: dropped
        elif op is sre.GROUPREF:
            out.append(r"[\x00-\x7f]*")
        elif op is sre.GROUPREF_EXISTS:
            _group, yes, no = arg
            no_text = _translate(no, state, flags, caseless) if no else ""
            out.append(f"(?:{_translate(yes, state, flags, caseless)}|{no_text})")
        else:
            raise Untranslatable(f"operator {op}")
    return "".join(out)


_ONE_CHARACTER = (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)


def translate(regex: str, flags: int = 0) -> tuple[str, int]:
    """``regex`` (Python syntax, compiled with ``flags``) as a Hyperscan expression that matches a
    superset of it on ASCII text, and its Hyperscan flags. Raises :class:`Untranslatable`."""
    tree = sre_parse.parse(regex, flags)
    effective = tree.state.flags
    caseless = bool(effective & re.IGNORECASE)
    expression = _translate(tree, tree.state, effective, caseless)
    hs_flags = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_SINGLEMATCH
    if caseless:
        hs_flags |= hyperscan.HS_FLAG_CASELESS
    if effective & re.MULTILINE:
        hs_flags |= hyperscan.HS_FLAG_MULTILINE
    return expression, hs_flags


def _regex_flags(recognizer: PatternRecognizer) -> int:
    return recognizer.global_regex_flags if recognizer.global_regex_flags is not None else 0


class PatternPrefilter:
    """The patterns of ``recognizers`` in Hyperscan databases; ``install`` makes a recogniser skip those
    that cannot match a text.

    Compiling takes a few seconds of one core (most of it the street-address word lists), so by
    default it runs in a thread of its own (Hyperscan releases the GIL); until it is done every
    pattern runs, as it would without the prefilter. ``wait`` blocks until it is ready.
    """

    def __init__(self, recognizers: Iterable[EntityRecognizer], *, background: bool = True) -> None:
        """``background=False`` compiles before returning (a batch job that wants full speed at once,
        and no thread: a thread's own malloc arena reserves 64 MB of address space)."""
        self._ids: dict[tuple[str, int], int] = {}  # (regex, flags) -> the pattern's id
        expressions: list[tuple[bytes, int]] = []
        self.untranslated: list[str] = []  # pattern names that always run
        for recognizer in recognizers:
            if not isinstance(recognizer, PatternRecognizer):
                continue
            regex_flags = _regex_flags(recognizer)
            for pattern in recognizer.patterns:
                key = (pattern.regex, regex_flags)
                if key in self._ids:
                    continue
                try:
                    expression, hs_flags = translate(pattern.regex, regex_flags)
                except (Untranslatable, re.error):
                    self.untranslated.append(f"{recognizer.name}.{pattern.name}")
                    continue
                self._ids[key] = len(expressions)
                expressions.append((expression.encode(), hs_flags))
        # Each recogniser's patterns with their ids (None: always runs), made on first use.
        self._plans: dict[int, tuple[PatternRecognizer, list[tuple[Pattern, int | None]]]] = {}
        self._databases: list[tuple[hyperscan.Database, int]] = []  # each with the id of its first pattern
        self._local = threading.local()  # scratch space per thread and database: ``detect`` runs in threads
        self._ready = threading.Event()
        if background and expressions:
            compiler = threading.Thread(
                target=self._compile_behind, args=(expressions,), name="pattern-prefilter", daemon=True
            )
            compiler.start()
        else:
            self._compile(expressions)

    def _compile_behind(self, expressions: list[tuple[bytes, int]]) -> None:
        """``_compile`` in this thread at the lowest priority: requests come first while it compiles (a
        request just after start-up otherwise waited twice as long for the core)."""
        with contextlib.suppress(OSError, AttributeError):  # Linux gives each thread a priority of its own
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        self._compile(expressions)

    def _compile(self, expressions: list[tuple[bytes, int]]) -> None:
        """Compile ``expressions`` in databases of ``_CHUNK`` (one database of all takes twice as long)."""
        compiled: list[tuple[hyperscan.Database, int]] = []
        for first in range(0, len(expressions), _CHUNK):
            chunk = expressions[first : first + _CHUNK]
            try:
                compiled.append((_database(chunk), first))
            except hyperscan.error:  # a pattern it refuses (an empty match): compile the others one by one
                for offset, expression in enumerate(chunk):
                    try:
                        compiled.append((_database([expression]), first + offset))
                    except hyperscan.error:
                        self._drop(first + offset)
        self._databases = compiled
        self._ready.set()

    def _drop(self, index: int) -> None:
        """Pattern ``index`` always runs."""
        self._plans.clear()
        for key, value in list(self._ids.items()):
            if value == index:
                del self._ids[key]
                self.untranslated.append(key[0][:40])

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the databases are compiled; whether they are."""
        return self._ready.wait(timeout)

    @property
    def patterns(self) -> int:
        """How many patterns may be skipped (the others always run)."""
        return len(self._ids)

    def matching(self, text: str) -> frozenset[int] | None:
        """The ids of the patterns that may match ``text``; None when ``text`` is not prefiltered."""
        if not self._ready.is_set():
            return None
        return self._scan(text)

    @contextmanager
    def scanning(self, text: str) -> Iterator[None]:
        """Scan ``text`` once for every recogniser that analyses it inside this block (nothing is kept
        after it: the text is not cached)."""
        token = _CURRENT.set((text, self.matching(text)))
        try:
            yield
        finally:
            _CURRENT.reset(token)

    def _matching_for(self, text: str) -> frozenset[int] | None:
        current = _CURRENT.get()
        if current is not None and current[0] is text:
            return current[1]
        return self.matching(text)

    def _scan(self, text: str) -> frozenset[int]:
        found: set[int] = set()
        scratches = getattr(self._local, "scratches", None)
        if scratches is None:
            scratches = self._local.scratches = [hyperscan.Scratch(database) for database, _ in self._databases]
        data = text.encode("ascii") if text.isascii() else _BEYOND_ASCII.sub("\x80", text).encode("latin-1")
        for (database, first), scratch in zip(self._databases, scratches, strict=True):
            database.scan(data, match_event_handler=_on_match, context=(found, first), scratch=scratch)
        return frozenset(found)

    def possible(self, recognizer: PatternRecognizer, text: str) -> list[Pattern] | None:
        """The patterns of ``recognizer`` that may match ``text``; None when all of them may."""
        matching = self._matching_for(text)
        if matching is None:
            return None
        plan = self._plans.get(id(recognizer))
        if plan is None or plan[0] is not recognizer:
            regex_flags = _regex_flags(recognizer)
            indices = [(pattern, self._ids.get((pattern.regex, regex_flags))) for pattern in recognizer.patterns]
            plan = self._plans[id(recognizer)] = (recognizer, indices)
        return [pattern for pattern, index in plan[1] if index is None or index in matching]

    def install(self, recognizer: EntityRecognizer) -> None:
        """Make ``recognizer`` run, on each text it is given, only the patterns that may match that text.

        Our recognisers take it where their patterns run (``GatewayPatternRecognizer``: also on the views
        a recogniser makes of its text). A Presidio recogniser is wrapped only when its class runs the
        plain pattern loop on the text it is given; any other recogniser is left to run every pattern.
        """
        from gateway.recognizers.base import GatewayPatternRecognizer, analyze_patterns

        if isinstance(recognizer, GatewayPatternRecognizer):
            recognizer.prefilter = self
        elif isinstance(recognizer, PatternRecognizer) and type(recognizer).analyze is PatternRecognizer.analyze:
            prefilter = self

            def prefiltered(
                text: str,
                entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None,
            ) -> list[RecognizerResult]:
                patterns = prefilter.possible(recognizer, text)
                return analyze_patterns(recognizer, patterns, text, entities, nlp_artifacts, regex_flags)

            recognizer.analyze = prefiltered  # type: ignore[method-assign]
        elif isinstance(recognizer, PatternRecognizer):
            self._forget(recognizer)

    def _forget(self, recognizer: PatternRecognizer) -> None:
        """``recognizer``'s patterns always run (its class analyses more than the text it is given)."""
        self._plans.clear()
        for pattern in recognizer.patterns:
            if self._ids.pop((pattern.regex, _regex_flags(recognizer)), None) is not None:
                self.untranslated.append(f"{recognizer.name}.{pattern.name}")


_CHUNK = 20
# The text being analysed and the patterns that may match it (``PatternPrefilter.scanning``).
_CURRENT: ContextVar[tuple[str, frozenset[int] | None] | None] = ContextVar("prefilter_scan", default=None)


def _database(expressions: list[tuple[bytes, int]]) -> hyperscan.Database:
    database = hyperscan.Database()
    database.compile(
        expressions=[expression for expression, _ in expressions],
        ids=list(range(len(expressions))),
        flags=[flags for _, flags in expressions],
    )
    return database


def _on_match(pattern_id: int, _start: int, _end: int, _flags: int, context: tuple[set[int], int]) -> None:
    found, first = context
    found.add(first + pattern_id)
