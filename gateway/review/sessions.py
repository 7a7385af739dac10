"""Server-side reviewer sessions.

A session is a random token given to the browser in an HttpOnly cookie; the
table keeps only its SHA-256, so a copy of the database opens no session.
Each session also has a CSRF token (synchronizer pattern): the page reads it
from ``GET /review/api/session`` and sends it back in the ``X-CSRF-Token``
header of every state-changing request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update

from gateway.db import review_sessions, reviewers
from gateway.review.accounts import Reviewer, Role, aware

COOKIE_NAME = "gw_review_session"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True, slots=True)
class Session:
    reviewer: Reviewer
    csrf_token: str
    expires_at: datetime

    def csrf_matches(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(presented.encode(), self.csrf_token.encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: Engine, reviewer: Reviewer, lifetime: timedelta) -> tuple[str, Session]:
    """A new session for ``reviewer``: the cookie token (shown once) and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        # Expired sessions are removed as new ones start: the table stays small.
        conn.execute(delete(review_sessions).where(review_sessions.c.expires_at < now))
        conn.execute(
            insert(review_sessions).values(
                token_sha256=_digest(token),
                reviewer_id=reviewer.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
    return token, Session(reviewer, csrf, now + lifetime)


def find_session(engine: Engine, token: str) -> Session | None:
    """The live session for a cookie token: not expired, not revoked, its account enabled."""
    if not token or len(token) > 200:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(
                review_sessions.c.csrf_token,
                review_sessions.c.expires_at,
                reviewers.c.id,
                reviewers.c.username,
                reviewers.c.role,
                reviewers.c.created_at,
                reviewers.c.last_login_at,
            )
            .join(reviewers, reviewers.c.id == review_sessions.c.reviewer_id)
            .where(
                review_sessions.c.token_sha256 == _digest(token),
                review_sessions.c.revoked_at.is_(None),
                reviewers.c.disabled_at.is_(None),
            )
        ).first()
    if row is None:
        return None
    expires_at = aware(row.expires_at)
    assert expires_at is not None
    if expires_at <= datetime.now(UTC):
        return None
    reviewer = Reviewer(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        created_at=aware(row.created_at) or datetime.now(UTC),
        last_login_at=aware(row.last_login_at),
    )
    return Session(reviewer, row.csrf_token, expires_at)


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(review_sessions)
            .where(review_sessions.c.token_sha256 == _digest(token), review_sessions.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
