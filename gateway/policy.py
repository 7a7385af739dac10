"""Policy files: schema, loading and validation.

A policy is a YAML file in the policy folder. Each rule names what triggers
it (entity types present in the request), an action, a human reason and the
regulation it serves. Files are validated with pydantic at load; a problem
is reported with the file and the field it concerns.

A policy with ``mode: shadow`` and ``shadow_of: NAME`` is never enforced: it is
evaluated beside the enforced policy ``NAME`` on every request that policy
decides, and its decision is recorded in the audit record (``shadow``) without
changing the outcome. Files named ``*_test.yaml`` are policy tests
(``gateway.policy_tests``), not policies.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gateway.entities import ENTITY_TYPES
from gateway.types import Action

RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)]


def _known_entities(values: list[str]) -> list[str]:
    unknown = sorted(set(values) - ENTITY_TYPES)
    if unknown:
        raise ValueError(f"unknown entity type(s): {', '.join(unknown)}")
    return values


class Trigger(BaseModel):
    """When a rule fires: any one of ``any`` and every one of ``all`` present."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    any: list[str] = Field(default_factory=list)
    all: list[str] = Field(default_factory=list)

    _check_any = field_validator("any")(_known_entities)
    _check_all = field_validator("all")(_known_entities)

    @model_validator(mode="after")
    def _not_empty(self) -> Trigger:
        if not self.any and not self.all:
            raise ValueError("a trigger needs at least one entity type in 'any' or 'all'")
        return self

    def matches(self, present: set[str]) -> tuple[str, ...] | None:
        """The entity types that made the trigger fire, or None."""
        if not set(self.all) <= present:
            return None
        hit_any = [entity for entity in self.any if entity in present]
        if self.any and not hit_any:
            return None
        return tuple(sorted(set(self.all) | set(hit_any)))


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RuleId
    action: Action
    when: Trigger
    reason: str = Field(min_length=1)
    regulation: str = Field(min_length=1)
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)


class Retention(BaseModel):
    """How long audit payloads and metadata are kept (``gateway audit purge``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    payload_days: int = Field(default=90, ge=1)
    metadata_days: int = Field(default=2190, ge=1)


class Mode(enum.StrEnum):
    ENFORCE = "enforce"
    SHADOW = "shadow"


PolicyName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=100)]


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: PolicyName
    description: str = ""
    mode: Mode = Mode.ENFORCE
    shadow_of: PolicyName | None = None  # with ``mode: shadow``: the enforced policy it is evaluated beside
    rules: list[Rule] = Field(min_length=1)
    retention: Retention = Field(default_factory=Retention)
    # What happens to a request carrying content the gateway cannot read (images, audio, binary
    # files): it never goes to an external upstream unexamined, so only these two are allowed.
    unscannable: Action = Action.ROUTE_LOCAL
    # The on-premise model that answers this policy's local route: a local server's model id
    # (``GATEWAY_LOCAL_MODELS`` or its ``/models``); none means any local server.
    local_model: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("unscannable")
    @classmethod
    def _kept_on_premises(cls, action: Action) -> Action:
        if action not in (Action.ROUTE_LOCAL, Action.BLOCK):
            raise ValueError("must be 'route_local' or 'block': unread content never goes to an external upstream")
        return action

    @model_validator(mode="after")
    def _shadow_names_its_policy(self) -> PolicyFile:
        if self.mode is Mode.SHADOW and self.shadow_of is None:
            raise ValueError("a policy with 'mode: shadow' needs 'shadow_of': the enforced policy it runs beside")
        if self.mode is Mode.ENFORCE and self.shadow_of is not None:
            raise ValueError("'shadow_of' needs 'mode: shadow'")
        if self.shadow_of == self.name:
            raise ValueError("a shadow policy cannot shadow itself")
        return self

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return rules


@dataclass(frozen=True)
class Policy:
    """A loaded policy: its validated content, its version (file hash) and the shadow policies run beside it."""

    spec: PolicyFile
    version: str
    path: Path
    shadows: tuple[Policy, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def is_shadow(self) -> bool:
        return self.spec.mode is Mode.SHADOW


@dataclass(frozen=True)
class PolicyProblem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class PolicyError(Exception):
    """One or more policy files are invalid."""

    def __init__(self, problems: list[PolicyProblem]):
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


def validation_problems(path: Path, exc: ValidationError) -> PolicyError:
    """pydantic's errors as problems named by file and field."""
    return PolicyError(
        [
            PolicyProblem(str(path), ".".join(str(part) for part in err["loc"]) or "(file)", err["msg"])
            for err in exc.errors()
        ]
    )


def load_policy_file(path: Path) -> Policy:
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise PolicyError([PolicyProblem(str(path), where, f"not valid YAML: {exc}")]) from None
    try:
        spec = PolicyFile.model_validate(data)
    except ValidationError as exc:
        raise validation_problems(path, exc) from None
    if spec.name != path.stem:
        raise PolicyError([PolicyProblem(str(path), "name", f"must match the file name {path.stem!r}")])
    return Policy(spec=spec, version="sha256:" + hashlib.sha256(raw).hexdigest(), path=path)


def is_test_file(path: Path) -> bool:
    """``healthcare_test.yaml``: the tests of a policy, kept beside it."""
    return path.stem.endswith("_test")


def policy_files(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file() and not is_test_file(p)
    )


def load_all(directory: Path) -> list[Policy]:
    """Every policy file in ``directory``, enforced and shadow, validated; PolicyError lists all problems."""
    if not directory.is_dir():
        raise PolicyError([PolicyProblem(str(directory), "(folder)", "policy folder does not exist")])
    loaded: list[Policy] = []
    problems: list[PolicyProblem] = []
    for path in policy_files(directory):
        try:
            loaded.append(load_policy_file(path))
        except PolicyError as exc:
            problems.extend(exc.problems)
    enforced = {p.name for p in loaded if not p.is_shadow}
    for policy in loaded:
        if policy.is_shadow and policy.spec.shadow_of not in enforced:
            message = f"names no enforced policy in this folder (known: {', '.join(sorted(enforced)) or 'none'})"
            problems.append(PolicyProblem(str(policy.path), "shadow_of", message))
    if problems:
        raise PolicyError(problems)
    if not enforced:
        raise PolicyError([PolicyProblem(str(directory), "(folder)", "no enforced policy files (*.yaml) found")])
    return loaded


def load_policies(directory: Path) -> dict[str, Policy]:
    """The enforced policies of ``directory`` by name, each carrying its shadow policies; raise PolicyError
    listing all problems."""
    loaded = load_all(directory)
    return {
        p.name: dataclasses.replace(p, shadows=tuple(s for s in loaded if s.spec.shadow_of == p.name))
        for p in loaded
        if not p.is_shadow
    }
