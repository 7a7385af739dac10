"""Typed values that flow between the pipeline stages.

Nothing here holds behaviour; each stage module owns its own logic and
exchanges these frozen records with its neighbours.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Action(enum.StrEnum):
    """Policy actions, compared by severity (``block`` is the most severe)."""

    ALLOW = "allow"
    REDACT = "redact"
    ROUTE_LOCAL = "route_local"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Action.ALLOW: 0, Action.REDACT: 1, Action.ROUTE_LOCAL: 2, Action.BLOCK: 3}


class Route(enum.StrEnum):
    UPSTREAM = "upstream"
    LOCAL = "local"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message as the gateway inspects it.

    ``text`` is the message's content exactly as sent when the content is a
    string; for a list of content parts it is the text parts joined by a
    newline (offsets then refer to that joined text).
    """

    index: int
    role: str
    text: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A detected regulated value, located but never carrying the value."""

    entity_type: str
    message_index: int
    start: int
    end: int
    score: float
    recognizer: str

    def as_dict(self) -> dict[str, object]:
        return {
            "entity_type": self.entity_type,
            "message_index": self.message_index,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "recognizer": self.recognizer,
        }


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A policy rule that fired, with what made it fire (entity types only)."""

    id: str
    action: Action
    reason: str
    regulation: str
    entity_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of the decide stage for one request."""

    action: Action
    policy: str
    policy_version: str
    rules: tuple[RuleMatch, ...] = field(default_factory=tuple)

    @property
    def rule_ids(self) -> list[str]:
        """Every rule that fired, most severe first."""
        return [rule.id for rule in self.rules]

    @property
    def deciding_rules(self) -> tuple[RuleMatch, ...]:
        """The rules whose action is the decision."""
        return tuple(rule for rule in self.rules if rule.action == self.action)
