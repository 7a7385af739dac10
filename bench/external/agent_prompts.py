"""Detection on what coding agents really send: Claude Code's and Codex CLI's own requests.

Material this team did not write: the pinned agents (tests/support/agents.py, from npm) are run
on harmless tasks against a recording loopback upstream, and their first requests (a system
prompt of about 30 KB, a dozen tool schemas, environment reminders, the task) are kept in the
cache, not in the repository. Each request is then inspected as the gateway would inspect it
(its wire format, every string) under every bundled policy.

- Harmless tasks: every finding is a false positive, and any decision but ``allow`` is a
  request refused its cloud model for nothing (with the bundled 135M local model and its
  2,048-token window, the agent gets ``context_length_exceeded`` and cannot work at all).
- The same tasks with a patient's details planted in the task: each must be found
  (``route_local`` under ``healthcare``).

    python -m bench.external.agent_prompts [--refresh] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.scoring import snippet
from gateway.pipeline.detect import Detector
from gateway.pipeline.run import scan
from gateway.policy import load_policies
from gateway.settings import BUNDLED_POLICY_DIR
from gateway.wire import FORMATS
from tests.support import agents
from tests.support.anthropic_upstream import RecordingAnthropicUpstream
from tests.support.upstream import RecordingUpstream

TASKS = {
    "haiku": "Write a haiku about autumn.",
    "decorator": "Explain what a Python decorator is, in two sentences.",
    "count-lines": "Give me a bash one-liner that counts the lines of all .py files under src/.",
    "unit-tests": "List three benefits of unit tests.",
    "regex": "Write a regular expression that matches an ISO 8601 date.",
}
PLANTED = "Patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962, was admitted on Monday. "
AGENTS = {"claude-code": ("messages", agents.CLAUDE_CODE), "codex-cli": ("responses", agents.CODEX_CLI)}


def capture(agent: str, prompt: str, bin_dir: Path) -> list[bytes]:
    """The request bodies the agent sends for ``prompt`` (the recording upstream answers each)."""
    with tempfile.TemporaryDirectory() as home:
        if agent == "claude-code":
            upstream = RecordingAnthropicUpstream().start()
            try:
                agents.claude_code(bin_dir, Path(home), upstream.url, "sk-ant-bench", prompt)
                sent = zip(upstream.raw, upstream.paths, strict=True)
                return [raw for raw, path in sent if "count_tokens" not in path]
            finally:
                upstream.stop()
        openai = RecordingUpstream().start()
        try:
            agents.codex(bin_dir, Path(home), openai.url, "sk-bench", prompt)
            return list(openai.raw)
        finally:
            openai.stop()


def captures(refresh: bool) -> dict[tuple[str, str, bool], list[bytes]]:
    """(agent, task, planted) -> bodies, from the cache unless ``refresh``."""
    bin_dir = agents.install()
    found: dict[tuple[str, str, bool], list[bytes]] = {}
    for agent, (_, package) in AGENTS.items():
        folder = agents.CACHE / "captures" / package.replace("/", "_").replace("@", "")
        folder.mkdir(parents=True, exist_ok=True)
        for task, prompt in TASKS.items():
            for planted in (False, True):
                path = folder / f"{task}{'-planted' if planted else ''}.json"
                if refresh or not path.exists():
                    bodies = capture(agent, (PLANTED if planted else "") + prompt, bin_dir)
                    if not bodies:
                        raise RuntimeError(f"{agent} sent nothing for {task!r}")
                    path.write_text(json.dumps([b.decode() for b in bodies]))
                found[(agent, task, planted)] = [b.encode() for b in json.loads(path.read_text())]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.external.agent_prompts", description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="run the agents again instead of using the cache")
    parser.add_argument("--show", action="store_true", help="list each false finding (masked) with its location")
    args = parser.parse_args()
    policies = load_policies(BUNDLED_POLICY_DIR)
    detector = Detector()
    bodies = captures(args.refresh)
    print(f"agents: {agents.CLAUDE_CODE}, {agents.CODEX_CLI}; {len(TASKS)} harmless tasks, each also planted")
    print(f"{'agent':12} {'requests':>8} {'KB':>5} {'false findings':>14}  decisions on harmless tasks (per policy)")
    missed = 0
    for agent, (endpoint, _) in AGENTS.items():
        false: Counter[str] = Counter()
        decisions: dict[str, Counter[str]] = {name: Counter() for name in policies}
        sizes, requests, shown = [], 0, set()
        for (who, _task, planted), raws in bodies.items():
            if who != agent:
                continue
            for raw in raws:
                request = FORMATS[endpoint].parse(raw)
                if planted:
                    verdict = scan(detector, request, policies["healthcare"]).inspection.decision.action.value
                    missed += verdict not in ("route_local", "block")
                    continue
                requests += 1
                sizes.append(len(raw) / 1024)
                for name, policy in policies.items():
                    inspection = scan(detector, request, policy).inspection
                    decisions[name][inspection.decision.action.value] += 1
                    if name != "healthcare":
                        continue
                    for finding in inspection.findings:
                        false[finding.entity_type] += 1
                        text = next(s.text for s in inspection.segments if s.where == finding.where)
                        where = (finding.path, finding.start)
                        if args.show and where not in shown:
                            shown.add(where)
                            masked = snippet(text, finding.start, finding.end, finding.entity_type)
                            print(f"  {agent} {finding.entity_type} {finding.path}: {masked}")
        per_policy = "; ".join(f"{name} {dict(counts)}" for name, counts in sorted(decisions.items()))
        kb = sum(sizes) / max(len(sizes), 1)
        print(f"{agent:12} {requests:>8} {kb:>5.0f} {sum(false.values()):>14}  {per_policy}")
        print(f"{'':12} false findings by type: {dict(false) or 'none'}")
    planted_total = sum(len(raws) for (_, _, planted), raws in bodies.items() if planted)
    print(f"planted patient details kept local or blocked (healthcare): {planted_total - missed}/{planted_total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
