"""Client API keys: each bound to a tenant name and a default policy.

Only a SHA-256 of a key is stored; the key itself is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from gateway.db import api_keys

KEY_PREFIX = "gw-"


@dataclass(frozen=True, slots=True)
class ClientKey:
    name: str
    policy: str
    allowed_policies: tuple[str, ...]

    def may_use(self, policy: str) -> bool:
        return policy == self.policy or "*" in self.allowed_policies or policy in self.allowed_policies


class KeyOperationError(Exception):
    """A key operation that cannot be done (duplicate name, unknown name)."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, name: str, policy: str, allowed_policies: list[str]) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        if conn.execute(select(api_keys.c.id).where(api_keys.c.name == name)).first():
            raise KeyOperationError(f"a key named {name!r} already exists")
        conn.execute(
            insert(api_keys).values(
                name=name,
                key_sha256=_digest(key),
                key_prefix=key[:8],
                policy=policy,
                allowed_policies=allowed_policies,
                created_at=datetime.now(UTC),
            )
        )
    return key


@dataclass(frozen=True, slots=True)
class KeyListing:
    """What may be shown of a key: never the key, nor its digest."""

    name: str  # the tenant
    policy: str
    allowed_policies: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None


def list_keys(engine: Engine) -> list[KeyListing]:
    columns = (
        api_keys.c.name,
        api_keys.c.policy,
        api_keys.c.allowed_policies,
        api_keys.c.created_at,
        api_keys.c.revoked_at,
    )
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).order_by(api_keys.c.created_at, api_keys.c.name)).all()
    return [
        KeyListing(row.name, row.policy, tuple(row.allowed_policies or ()), row.created_at, row.revoked_at)
        for row in rows
    ]


def revoke_key(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        result = conn.execute(
            update(api_keys)
            .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        if result.rowcount == 0:
            raise KeyOperationError(f"no active key named {name!r}")


def authenticate(engine: Engine, key: str) -> ClientKey | None:
    """The active key matching ``key``, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(api_keys.c.name, api_keys.c.policy, api_keys.c.allowed_policies).where(
                api_keys.c.key_sha256 == _digest(key), api_keys.c.revoked_at.is_(None)
            )
        ).first()
    if row is None:
        return None
    return ClientKey(name=row.name, policy=row.policy, allowed_policies=tuple(row.allowed_policies or ()))
