"""Decide stage: apply a policy's rules to the findings of one request.

The decision is the most severe action among the rules that fire; with no
rule firing it is ``allow``. Two rules belong to every policy: content the
gateway could not read (``unscannable-content``), and a finding that
``redact`` could not take out because its text cannot be put back (text
extracted from a PDF, ``unredactable-content``); both take the policy's
``unscannable`` action, ``route_local`` or ``block``, never the cloud.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.policy import Policy
from gateway.types import Action, Decision, Finding, RuleMatch

UNSCANNABLE = "UNSCANNABLE"
UNSCANNABLE_RULE = "unscannable-content"
UNREDACTABLE_RULE = "unredactable-content"
BASELINE = "Gateway baseline: what the gateway has not read is not forwarded"


def decide(policy: Policy, findings: Iterable[Finding], *, unredactable: bool = False) -> Decision:
    """``unredactable``: some finding lies in text that redaction could not put back."""
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
    if any(f.entity_type == UNSCANNABLE for f in findings):
        reason = (
            "The request carries content the gateway cannot read (an image, audio, video or binary file); "
            "unread content never goes to an external model."
        )
        matches.append(RuleMatch(UNSCANNABLE_RULE, policy.spec.unscannable, reason, BASELINE, (UNSCANNABLE,)))
    action = _most_severe(matches)
    if action is Action.REDACT and unredactable:
        reason = "A finding lies in text extracted from a file (a PDF) that cannot be redacted and put back."
        types = tuple(sorted({f.entity_type for f in findings if f.entity_type != UNSCANNABLE}))
        matches.append(RuleMatch(UNREDACTABLE_RULE, policy.spec.unscannable, reason, BASELINE, types))
        action = _most_severe(matches)
    ordered = tuple(sorted(matches, key=lambda m: -m.action.severity))
    return Decision(action=action, policy=policy.name, policy_version=policy.version, rules=ordered)


def _most_severe(matches: list[RuleMatch]) -> Action:
    return max((m.action for m in matches), key=lambda a: a.severity, default=Action.ALLOW)
