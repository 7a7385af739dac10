"""Inspect stage: read every segment (decoding file payloads), detect, then decide.

Any failure in detection or in the policy refuses the request (fail closed):
the caller gets :class:`gateway.errors.Unavailable`, never a partial result.
Content that cannot be read becomes an ``UNSCANNABLE`` finding at its
location, which the decide stage turns into the policy's ``unscannable``
action.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import anyio.to_thread

from gateway.errors import InspectionTooLarge, Unavailable
from gateway.pipeline import content, segments
from gateway.pipeline.decide import UNSCANNABLE, decide
from gateway.pipeline.slices import TooLargeToInspect
from gateway.policy import Policy
from gateway.types import Action, Decision, Finding, Part, Segment, ShadowDecision

log = logging.getLogger(__name__)


class Detects(Protocol):
    """What the inspection needs of a detector (see gateway.pipeline.detect.Detector)."""

    def detect(self, segments: Sequence[Segment]) -> list[Finding]: ...


@dataclass(frozen=True, slots=True)
class Inspection:
    findings: tuple[Finding, ...]
    decision: Decision
    segments: tuple[Segment, ...] = ()  # what was inspected, decoded payloads included
    shadow: tuple[ShadowDecision, ...] = ()  # the policy's shadow policies: recorded, never enforced


def unscannable_finding(item: content.Unscannable) -> Finding:
    """An unreadable payload as a finding: its location and media type, never its bytes."""
    return Finding(
        UNSCANNABLE, item.index, 0, item.size, 1.0, f"unscannable {item.media_type}: {item.reason}", item.path
    )


def inspect_sync(detector: Detects, policy: Policy, segments: Sequence[Segment]) -> Inspection:
    try:
        readable, unreadable = content.expand(list(segments))
        detected = detector.detect(readable) if readable else []
        findings = (*detected, *(unscannable_finding(item) for item in unreadable))
    except TooLargeToInspect as exc:
        log.warning("request too large to inspect (%s); refused", exc)
        raise InspectionTooLarge(
            f"The request is too large to inspect ({exc}); it was refused and nothing was forwarded. "
            "Send fewer messages or less text per request."
        ) from None
    except Exception as exc:
        log.error("detection failed (%s); request refused", type(exc).__name__)
        raise Unavailable(
            "Detection failed; the request was refused and nothing was forwarded.", code="detection_failed"
        ) from None
    fixed = {s.where for s in readable if not s.rewritable}
    unredactable = any(f.where in fixed for f in findings)
    try:
        decision = decide(policy, findings, unredactable=unredactable)
    except Exception as exc:
        log.error("policy evaluation failed (%s); request refused", type(exc).__name__)
        raise Unavailable(
            "Policy evaluation failed; the request was refused and nothing was forwarded.", code="policy_failed"
        ) from None
    shadow = tuple(shadow_decision(s, findings, unredactable) for s in policy.shadows)
    return Inspection(
        findings=tuple(masked_paths(findings)), decision=decision, segments=tuple(readable), shadow=shadow
    )


def shadow_decision(shadow: Policy, findings: Sequence[Finding], unredactable: bool) -> ShadowDecision:
    """A shadow policy's decision on the same findings. It changes nothing: a failure is recorded as such
    (the enforced decision stands, so nothing fails open)."""
    try:
        decision: Decision | None = decide(shadow, findings, unredactable=unredactable)
    except Exception as exc:
        log.error("shadow policy %s could not be evaluated (%s)", shadow.name, type(exc).__name__)
        decision = None
    return ShadowDecision(shadow.name, shadow.version, decision)


def masked_paths(findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` with every member name that holds a finding masked in the paths they are shown with."""
    masks: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.part is Part.KEY:
            masks.setdefault(finding.path, []).append(finding)
    if not masks:
        return list(findings)
    shown = []
    for finding in findings:
        steps = segments.tokens(finding.path)
        for depth in range(1, len(steps) + 1):
            member = segments.pointer(*steps[:depth])
            for key_finding in sorted(masks.get(member, ()), key=lambda f: -f.start):
                token = steps[depth - 1]
                steps[depth - 1] = f"{token[: key_finding.start]}[{key_finding.entity_type}]{token[key_finding.end :]}"
        shown.append(dataclasses.replace(finding, shown_path=segments.pointer(*steps)))
    return shown


async def inspect(detector: Detects, policy: Policy, segments: Sequence[Segment]) -> Inspection:
    """Run the CPU-bound inspection off the event loop."""
    return await anyio.to_thread.run_sync(inspect_sync, detector, policy, segments)


def refused(policy: Policy) -> Decision:
    """The decision recorded when inspection failed: nothing goes anywhere."""
    return Decision(action=Action.BLOCK, policy=policy.name, policy_version=policy.version)
