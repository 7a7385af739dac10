"""Policy tests: ``*_test.yaml`` files beside the policies, run by ``gateway policy test``.

OPA's ``opa test`` is the model: each file holds cases for one policy; a case
gives what a client sends (``input`` text, chat ``messages`` or a whole
``body``, at an optional door ``endpoint``) and the decision and rule ids the
policy must reach. Cases run through the real wire parser, the real detector
and the real decide stage (``gateway.pipeline.run.scan``); nothing is
recorded. A file looks like::

    policy: healthcare            # optional: the file name without ``_test``
    cases:
      - name: an SSN keeps the request on premises
        input: "My SSN is 219-09-9999"
        decision: route_local
        rules: [hipaa-identifiers-local]   # every rule that fires, in any order

``rules`` is the exact set of rules that fire (``[]``: none). With
``endpoint`` (``chat.completions``, ``responses``, ``messages``,
``embeddings``, ``completions``, ``inspect``; default ``inspect``) the text or
messages are put where that door's API carries them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gateway.errors import GatewayError
from gateway.pipeline.inspection import Detects
from gateway.pipeline.parse import ParsedRequest
from gateway.pipeline.run import scan
from gateway.policy import Policy, PolicyError, PolicyProblem, RuleId, is_test_file, validation_problems
from gateway.types import Action
from gateway.wire import FORMATS

TEST_MODEL = "policy-test"


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    endpoint: str = "inspect"
    input: str | None = None
    messages: list[dict[str, Any]] | None = Field(default=None, min_length=1)
    body: dict[str, Any] | None = None
    decision: Action
    rules: list[RuleId]

    @field_validator("endpoint")
    @classmethod
    def _known_door(cls, endpoint: str) -> str:
        if endpoint not in FORMATS:
            raise ValueError(f"unknown endpoint; known: {', '.join(sorted(FORMATS))}")
        return endpoint

    @model_validator(mode="after")
    def _one_request(self) -> Case:
        if sum(x is not None for x in (self.input, self.messages, self.body)) != 1:
            raise ValueError("give exactly one of 'input', 'messages' or 'body'")
        return self

    def request_body(self) -> dict[str, Any]:
        """The body a client of this door would send."""
        if self.body is not None:
            return self.body
        if self.endpoint == "inspect":
            return {"input": self.input} if self.input is not None else {"messages": self.messages}
        if self.endpoint in ("embeddings", "completions"):
            field = "input" if self.endpoint == "embeddings" else "prompt"
            text = self.input if self.input is not None else "\n".join(str(m.get("content", "")) for m in self.messages)
            return {"model": TEST_MODEL, field: text}
        messages = self.messages or [{"role": "user", "content": self.input}]
        if self.endpoint == "responses":
            return {"model": TEST_MODEL, "input": self.input if self.input is not None else messages}
        if self.endpoint.startswith("messages"):
            return {"model": TEST_MODEL, "max_tokens": 16, "messages": messages}
        return {"model": TEST_MODEL, "messages": messages}


class PolicyTestFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: str | None = None
    cases: list[Case] = Field(min_length=1)

    @field_validator("cases")
    @classmethod
    def _unique_names(cls, cases: list[Case]) -> list[Case]:
        names = [case.name for case in cases]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ValueError(f"duplicate case name(s): {', '.join(duplicated)}")
        return cases


@dataclass(frozen=True, slots=True)
class CaseResult:
    file: Path
    case: str
    failures: tuple[str, ...]  # empty: passed

    @property
    def passed(self) -> bool:
        return not self.failures

    def __str__(self) -> str:
        return f"{self.file}: case {self.case!r}: " + "; ".join(self.failures)


def find_test_files(path: Path) -> list[Path]:
    """``path`` itself (a test file) or the ``*_test.yaml`` files in the folder ``path``."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise PolicyError([PolicyProblem(str(path), "(path)", "no such file or folder")])
    return sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file() and is_test_file(p))


def load_test_file(path: Path) -> PolicyTestFile:
    try:
        data = yaml.safe_load(path.read_bytes())
        return PolicyTestFile.model_validate(data)
    except yaml.YAMLError as exc:
        raise PolicyError([PolicyProblem(str(path), "(file)", f"not valid YAML: {exc}")]) from None
    except ValidationError as exc:
        raise validation_problems(path, exc) from None


def policy_of(path: Path, spec: PolicyTestFile, policies: dict[str, Policy]) -> Policy:
    """The policy a test file is about: its ``policy`` field, or its file name without ``_test``.

    Shadow policies may be tested too (``policies`` then holds them by name)."""
    name = spec.policy or path.stem.removesuffix("_test")
    if name not in policies:
        message = f"no policy {name!r} (known: {', '.join(sorted(policies))})"
        raise PolicyError([PolicyProblem(str(path), "policy", message)])
    return policies[name]


def run_case(detector: Detects, policy: Policy, case: Case) -> tuple[str, ...]:
    """What is wrong with ``case`` under ``policy`` (empty: it passes)."""
    wire = FORMATS[case.endpoint]
    raw = json.dumps(case.request_body()).encode()
    try:
        request: ParsedRequest = wire.parse(raw)
    except GatewayError as exc:
        return (f"the {case.endpoint} door refuses the request: {exc.message}",)
    decision = scan(detector, request, policy).inspection.decision
    failures = []
    if decision.action is not case.decision:
        failures.append(f"decision is {decision.action.value}, expected {case.decision.value}")
    fired, expected = sorted(decision.rule_ids), sorted(case.rules)
    if fired != expected:
        failures.append(f"rules fired {fired}, expected {expected}")
    return tuple(failures)


def run_file(detector: Detects, path: Path, policies: dict[str, Policy]) -> Iterator[CaseResult]:
    spec = load_test_file(path)
    policy = policy_of(path, spec, policies)
    for case in spec.cases:
        yield CaseResult(path, case.name, run_case(detector, policy, case))
