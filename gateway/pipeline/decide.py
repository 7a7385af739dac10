"""Decide stage: apply a policy's rules to the findings of one request.

The decision is the most severe action among the rules that fire; with no
rule firing it is ``allow``.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.policy import Policy
from gateway.types import Action, Decision, Finding, RuleMatch


def decide(policy: Policy, findings: Iterable[Finding]) -> Decision:
    findings = list(findings)
    matches: list[RuleMatch] = []
    for rule in policy.spec.rules:
        present = {f.entity_type for f in findings if f.score >= rule.min_score}
        fired = rule.when.matches(present)
        if fired is not None:
            matches.append(
                RuleMatch(
                    id=rule.id,
                    action=rule.action,
                    reason=rule.reason,
                    regulation=rule.regulation,
                    entity_types=fired,
                )
            )
    action = max((m.action for m in matches), key=lambda a: a.severity, default=Action.ALLOW)
    ordered = tuple(sorted(matches, key=lambda m: -m.action.severity))
    return Decision(action=action, policy=policy.name, policy_version=policy.version, rules=ordered)
