"""Detect and decide for one request: the part shared by chat, ``/v1/inspect`` and ``gateway scan``.

Any failure in detection or in the policy refuses the request (fail closed):
the caller gets :class:`gateway.errors.Unavailable`, never a partial result.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import anyio.to_thread

from gateway.errors import Unavailable
from gateway.pipeline.decide import decide
from gateway.policy import Policy
from gateway.types import Action, Decision, Finding, Message

log = logging.getLogger(__name__)


class Detects(Protocol):
    """What the inspection needs of a detector (see gateway.pipeline.detect.Detector)."""

    def detect(self, messages: Sequence[Message]) -> list[Finding]: ...


@dataclass(frozen=True, slots=True)
class Inspection:
    findings: tuple[Finding, ...]
    decision: Decision


def inspect_sync(detector: Detects, policy: Policy, messages: Sequence[Message]) -> Inspection:
    try:
        findings = tuple(detector.detect(messages))
    except Exception as exc:
        log.error("detection failed (%s); request refused", type(exc).__name__)
        raise Unavailable(
            "Detection failed; the request was refused and nothing was forwarded.", code="detection_failed"
        ) from None
    try:
        decision = decide(policy, findings)
    except Exception as exc:
        log.error("policy evaluation failed (%s); request refused", type(exc).__name__)
        raise Unavailable(
            "Policy evaluation failed; the request was refused and nothing was forwarded.", code="policy_failed"
        ) from None
    return Inspection(findings=findings, decision=decision)


async def inspect(detector: Detects, policy: Policy, messages: Sequence[Message]) -> Inspection:
    """Run the CPU-bound inspection off the event loop."""
    return await anyio.to_thread.run_sync(inspect_sync, detector, policy, messages)


def refused(policy: Policy) -> Decision:
    """The decision recorded when inspection failed: nothing goes anywhere."""
    return Decision(action=Action.BLOCK, policy=policy.name, policy_version=policy.version)
