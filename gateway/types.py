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


class Part(enum.StrEnum):
    """What an inspected segment is, within the string its JSON pointer names."""

    VALUE = "value"  # the string itself, as sent
    KEY = "key"  # an object member's name (the pointer names the member)
    DECODED = "decoded"  # the text decoded from a data URI or base64 payload (offsets into that text)


@dataclass(frozen=True, slots=True)
class Segment:
    """One string of a request as the gateway inspects it.

    ``path`` is the JSON pointer of the string in the request body
    (``/messages/2/content/1/text``); ``index`` and ``role`` name the message
    it belongs to (None outside the messages). ``conversational`` marks the
    texts a person wrote in a message (content, text parts): values split
    across consecutive user messages are looked for among these.
    ``envelope`` is how a decoded text is put back into its string
    (``data:text/plain;base64,``, or ``""`` for bare base64). ``rewritable``
    is False for text that must reach its upstream byte for byte or not at
    all (text extracted from a PDF, a signed ``thinking`` block): a finding in
    it cannot be redacted. ``opaque`` marks a string that is encrypted or
    signed content the gateway cannot read (a ``redacted_thinking`` block,
    an ``encrypted_content`` item): it is unscannable.
    """

    index: int | None
    role: str | None
    text: str
    path: str = ""
    part: Part = Part.VALUE
    conversational: bool = True
    media_type: str | None = None
    envelope: str | None = None
    rewritable: bool = True
    opaque: bool = False

    @property
    def where(self) -> tuple[int | None, str, Part]:
        """The string this segment is (a finding's ``where`` names the same string)."""
        return self.index, self.path, self.part


Message = Segment  # the earlier name: one message's text, addressed by its index


@dataclass(frozen=True, slots=True)
class Finding:
    """A detected regulated value, located but never carrying the value.

    ``start``/``end`` are character offsets into the string at ``path``
    (into its decoded text when ``part`` is ``decoded``).
    """

    entity_type: str
    message_index: int | None
    start: int
    end: int
    score: float
    recognizer: str
    path: str = ""
    part: Part = Part.VALUE
    # ``path`` as it may be shown and recorded: a member name holding a detected value is masked
    # in it (``/metadata/ref [US_SSN]``), so no value reaches audit metadata through a pointer.
    shown_path: str | None = None

    @property
    def where(self) -> tuple[int | None, str, Part]:
        return self.message_index, self.path, self.part

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "entity_type": self.entity_type,
            "message_index": self.message_index,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "recognizer": self.recognizer,
            "path": self.path if self.shown_path is None else self.shown_path,
        }
        if self.part is not Part.VALUE:
            out["part"] = self.part.value
        return out


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


@dataclass(frozen=True, slots=True)
class ShadowDecision:
    """What a shadow policy decided beside the enforced one (``decision`` None: its evaluation failed)."""

    policy: str
    policy_version: str
    decision: Decision | None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"policy": self.policy, "policy_version": self.policy_version}
        if self.decision is None:
            out["error"] = "policy_failed"
        else:
            out["decision"] = self.decision.action.value
            out["rule_ids"] = self.decision.rule_ids
        return out
