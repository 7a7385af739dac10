"""Reviewer accounts: who may read the audit trail, and how much of it.

Roles, least to most:

- ``auditor``: record metadata, exports, statistics, chain status, disclosures;
- ``officer``: also decrypts a record's payload, after giving a justification;
- ``admin``: everything, including managing reviewer accounts.

Sign-in counts failures per account and locks it for a while after too many.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, RowMapping, insert, select, update

from gateway.db import review_sessions, reviewers
from gateway.review.passwords import hash_password, verify_password

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


class Role(enum.StrEnum):
    AUDITOR = "auditor"
    OFFICER = "officer"
    ADMIN = "admin"

    @property
    def may_decrypt(self) -> bool:
        return self in (Role.OFFICER, Role.ADMIN)

    @property
    def may_manage_reviewers(self) -> bool:
        return self is Role.ADMIN


@dataclass(frozen=True, slots=True)
class Reviewer:
    id: int
    username: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None = None
    last_login_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def public(self) -> dict[str, object]:
        return {
            "username": self.username,
            "role": self.role.value,
            "created_at": iso(self.created_at),
            "disabled_at": iso(self.disabled_at),
            "last_login_at": iso(self.last_login_at),
        }


class AccountError(ValueError):
    """An account operation that cannot be done (bad name, duplicate, unknown name, weak password)."""


@dataclass(frozen=True, slots=True)
class SignInResult:
    reviewer: Reviewer | None
    locked: bool = False


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time the gateway stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def iso(value: datetime | None) -> str | None:
    value = aware(value)
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _reviewer(row: RowMapping) -> Reviewer:
    return Reviewer(
        id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        created_at=row["created_at"] if row["created_at"].tzinfo else row["created_at"].replace(tzinfo=UTC),
        disabled_at=aware(row["disabled_at"]),
        last_login_at=aware(row["last_login_at"]),
    )


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise AccountError(f"unknown role {value!r}; roles: {', '.join(r.value for r in Role)}") from None


def create_reviewer(engine: Engine, username: str, role: str, password: str) -> Reviewer:
    if not USERNAME.match(username):
        raise AccountError("a username is 1-100 letters, digits or . _ @ - and starts with a letter or digit")
    parsed_role = parse_role(role)
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    now = datetime.now(UTC)
    with engine.begin() as conn:
        if conn.execute(select(reviewers.c.id).where(reviewers.c.username == username)).first():
            raise AccountError(f"a reviewer named {username!r} already exists")
        conn.execute(
            insert(reviewers).values(
                username=username, password_hash=password_hash, role=parsed_role.value, created_at=now, failed_logins=0
            )
        )
    found = get_reviewer(engine, username)
    assert found is not None
    return found


def get_reviewer(engine: Engine, username: str) -> Reviewer | None:
    with engine.connect() as conn:
        row = conn.execute(select(reviewers).where(reviewers.c.username == username)).first()
    return _reviewer(row._mapping) if row is not None else None


def list_reviewers(engine: Engine) -> list[Reviewer]:
    with engine.connect() as conn:
        rows = conn.execute(select(reviewers).order_by(reviewers.c.username)).all()
    return [_reviewer(row._mapping) for row in rows]


def disable_reviewer(engine: Engine, username: str) -> Reviewer:
    """Disable an account and end its sessions at once."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        row = conn.execute(
            select(reviewers.c.id, reviewers.c.disabled_at).where(reviewers.c.username == username)
        ).first()
        if row is None:
            raise AccountError(f"no reviewer named {username!r}")
        if row.disabled_at is None:
            conn.execute(update(reviewers).where(reviewers.c.id == row.id).values(disabled_at=now))
        conn.execute(
            update(review_sessions)
            .where(review_sessions.c.reviewer_id == row.id, review_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    found = get_reviewer(engine, username)
    assert found is not None
    return found


def sign_in(engine: Engine, username: str, password: str, *, max_failures: int, lockout: timedelta) -> SignInResult:
    """Check a password; count failures and lock the account after ``max_failures`` in a row.

    A locked account is refused without checking the password, so guessing
    cannot continue during the lockout; an unknown username costs the same
    hashing time as a known one.
    """
    now = datetime.now(UTC)
    with engine.connect() as conn:
        row = conn.execute(select(reviewers).where(reviewers.c.username == username)).first()
    if row is None:
        verify_password(None, password)
        return SignInResult(None)
    locked_until = aware(row.locked_until)
    if locked_until is not None and locked_until > now:
        return SignInResult(None, locked=True)
    if not verify_password(row.password_hash, password) or row.disabled_at is not None:
        failures = row.failed_logins + 1
        values: dict[str, object] = {"failed_logins": failures, "locked_until": None}
        if failures >= max_failures:
            values = {"failed_logins": 0, "locked_until": now + lockout}
        with engine.begin() as conn:
            conn.execute(update(reviewers).where(reviewers.c.id == row.id).values(**values))
        return SignInResult(None, locked=failures >= max_failures)
    with engine.begin() as conn:
        conn.execute(
            update(reviewers)
            .where(reviewers.c.id == row.id)
            .values(failed_logins=0, locked_until=None, last_login_at=now)
        )
    return SignInResult(_reviewer(row._mapping))
