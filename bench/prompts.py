"""Realistic prompts for the speed benchmarks, generated deterministically (seeded).

A prompt is what people paste into an AI tool: a request, then pasted material
(an e-mail thread, notes, a stack trace, code, log lines), with a few regulated
values taken from the labelled accuracy corpus (``bench.accuracy.corpus``)
mixed in. Sizes run from 200 characters to 8 KB. The PII-dense prompts are about 900
characters of those values alone: a name, a street address, a phone number and an identifier
in every prompt. The coding-agent contexts are further below.
"""

from __future__ import annotations

import random

from bench.accuracy.corpus import SEED, build_corpus

SIZES = (200, 1024, 2048, 4096, 8192)

_ASKS = [
    "Summarise the following for a status update, keep it under five bullet points.",
    "Rewrite this so it reads more professionally, and keep the facts the same.",
    "Find the bug in the code below and explain the fix.",
    "Translate the notes below into plain language for a customer.",
    "What are the action items in this thread? List owners and dates.",
]
_PROSE = [
    "Thanks for the quick turnaround on the draft. We reviewed it with the team this morning and most "
    "of the feedback is about structure rather than content.",
    "The quarterly numbers came in slightly below the forecast, mostly because two large orders slipped "
    "into the next quarter; the pipeline itself looks healthy.",
    "During the review we agreed to move the release to the second week of the month, so that the "
    "integration tests can run against the new staging environment first.",
    "Please make sure the summary mentions the open risks: the supplier lead time, the pending "
    "certification and the budget for the second phase.",
    "The patient tolerated the procedure well, vitals were stable throughout, and the follow-up "
    "appointment is scheduled in six weeks with the same clinic.",
    "I looked at the logs again and the timeouts only happen when the cache is cold, which suggests "
    "the first request pays for loading the index from disk.",
    "Our onboarding checklist still has gaps: laptop provisioning takes three days, and the access "
    "requests for the finance tools need two separate approvals.",
    "The committee asked for a shorter version of the proposal, with the cost table moved to an "
    "appendix and the timeline shown as a single chart.",
]
_CODE = """```python
def load_orders(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [row for row in rows if row.get("status") != "cancelled"]


for order in load_orders("orders.jsonl"):
    total += order["amount"] * (1 + order.get("tax_rate", 0.2))
```"""
_TRACE = """Traceback (most recent call last):
  File "/srv/app/worker.py", line 88, in run
    result = handler(job)
  File "/srv/app/handlers/export.py", line 41, in handle
    writer.writerow(record.values())
KeyError: 'created_at'"""
_LOG = "2024-05-0{d} 10:{m:02d}:{s:02d} INFO request_id={r} path=/api/v2/orders status=200 duration_ms={ms}"


def _filler(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.55:
        return " ".join(rng.sample(_PROSE, 3))
    if kind < 0.7:
        return _CODE
    if kind < 0.8:
        return _TRACE
    return "\n".join(
        _LOG.format(
            d=rng.randint(1, 9),
            m=rng.randint(0, 59),
            s=rng.randint(0, 59),
            r=rng.randrange(16**8),
            ms=rng.randint(3, 900),
        )
        for _ in range(4)
    )


def build_prompts(count_per_size: int = 20, seed: int = SEED) -> list[str]:
    """``count_per_size`` prompts of each size in :data:`SIZES` (lengths within a few characters)."""
    rng = random.Random(seed)
    sensitive = sensitive_texts(seed)
    prompts = []
    for size in SIZES:
        for _ in range(count_per_size):
            prompts.append(prompt_of_size(rng, size, sensitive))
    return prompts


def prompt_of_size(rng: random.Random, size: int, sensitive: list[str]) -> str:
    """One prompt of ``size`` characters: an ask, then pasted material (a quarter of it ``sensitive`` pieces)."""
    parts = [rng.choice(_ASKS)]
    length = len(parts[0])
    while length < size:
        piece = rng.choice(sensitive) if sensitive and rng.random() < 0.25 else _filler(rng)
        parts.append(piece)
        length += len(piece) + 2
    return "\n\n".join(parts)[:size]


def sensitive_texts(seed: int = SEED) -> list[str]:
    """The clean corpus messages (each holds at least one labelled value)."""
    return [m.text for case in build_corpus(seed) if case.kind == "clean" for m in case.messages]


# ---------------------------------------------------------------- PII-dense prompts

DENSE_SIZE = 900
_IDENTIFIERS = ("US_SSN", "CREDIT_CARD", "IBAN_CODE", "MEDICAL_RECORD_NUMBER", "US_BANK_ACCOUNT", "US_PASSPORT",
                "US_DRIVER_LICENSE", "HEALTH_PLAN_ID", "US_MBI", "US_ITIN")  # fmt: skip


def dense_prompts(count: int, seed: int = SEED) -> list[str]:
    """``count`` prompts of about :data:`DENSE_SIZE` characters, each made of labelled corpus messages only:
    one with a name, one with a street address, one with a phone number and one with an identifier, then
    more until the size is reached (whole messages, so no value is cut)."""
    rng = random.Random(seed * 31 + count)
    single = [case for case in build_corpus(seed) if case.kind == "clean" and len(case.messages) == 1]
    by_type: dict[str, list[str]] = {}
    for case in single:
        for span in case.spans:
            by_type.setdefault(span.entity_type, []).append(case.messages[0].text)
    every = [case.messages[0].text for case in single]
    prompts = []
    for _ in range(count):
        identifier = rng.choice([kind for kind in _IDENTIFIERS if kind in by_type])
        parts = [rng.choice(by_type[kind]) for kind in ("PERSON", "STREET_ADDRESS", "PHONE_NUMBER", identifier)]
        while sum(len(part) + 2 for part in parts) < DENSE_SIZE - 60:
            parts.append(rng.choice([text for text in every if len(text) < 240 and text not in parts]))
        rng.shuffle(parts)
        prompts.append("\n\n".join(parts))
    return prompts


# ---------------------------------------------------------------- coding-agent contexts

AGENT_SIZES = (8192, 16384, 32768, 65536)
_AGENT_SYSTEM = (
    "You are a coding agent working in the user's repository. Use the tools to read files, run commands and "
    "edit code. Keep changes small, run the tests you touch, and explain what you changed and why. Never "
    "commit secrets; ask before deleting files."
)
_DIFF = """diff --git a/app/handlers/export.py b/app/handlers/export.py
index 3f2a9c1..8d41e07 100644
--- a/app/handlers/export.py
+++ b/app/handlers/export.py
@@ -38,7 +38,9 @@ def handle(job: Job) -> Result:
     writer = csv.writer(buffer)
     for record in job.records:
-        writer.writerow(record.values())
+        row = {key: record.get(key, "") for key in FIELDS}
+        writer.writerow(row.values())
+    log.info("export %s rows=%d", job.id, len(job.records))
     return Result(job.id, buffer.getvalue())"""
_TOOL_SCHEMA = (
    '{{"name": "{name}", "description": "{description}", "input_schema": {{"type": "object", "properties": '
    '{{"path": {{"type": "string", "description": "File path relative to the repository root"}}, "pattern": '
    '{{"type": "string", "description": "A regular expression"}}, "limit": {{"type": "integer"}}}}, '
    '"required": ["path"]}}}}'
)
_TOOLS = ("read_file", "write_file", "edit_file", "run_command", "search_code", "list_directory", "git_diff")


def agent_context(size: int, *, planted: bool, seed: int = SEED) -> list[str]:
    """The texts of one coding-agent request of about ``size`` characters, as the gateway inspects it.

    A system prompt, tool schemas (JSON), then tool results (code, stack traces, log lines,
    diffs) and a closing user message; each text is one segment. ``planted``: about one result
    in six is a message of the labelled corpus (names, identifiers, addresses) instead.
    """
    rng = random.Random(seed * 7919 + size + planted)
    sensitive = sensitive_texts(seed) if planted else []
    texts = [_AGENT_SYSTEM]
    texts += [_TOOL_SCHEMA.format(name=name, description=rng.choice(_PROSE)[:120]) for name in _TOOLS]
    length = sum(len(text) for text in texts)
    while length < size:
        if sensitive and rng.random() < 1 / 6:
            piece = rng.choice(sensitive)
        else:
            piece = rng.choice((_CODE, _TRACE, _DIFF, _filler(rng), _filler(rng)))
        texts.append(piece)
        length += len(piece)
    texts.append(rng.choice(_ASKS))
    return texts
