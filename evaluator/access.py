"""Who may do what: role decorators and the one place for object-level checks.

Object-level rule: a user sees an evaluation only as a member of it or as admin; anything else is a
404 (we do not confirm that an evaluation exists).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from .models import Evaluation, MemberRole, Membership, Role


def role_required(*roles: Role) -> Callable:
    allowed = {r.value for r in roles} | {Role.ADMIN.value}

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = allowed  # read by the URL-map access test
        return wrapped

    return decorator


def membership_of(session: Session, user, evaluation_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.evaluation_id == evaluation_id, Membership.user_id == user.id
        )
    )


def evaluation_for(
    session: Session, user, evaluation_id: int, *, member_roles: tuple[MemberRole, ...] = ()
) -> tuple[Evaluation, Membership | None]:
    """Load an evaluation the user may see, or abort 404; with member_roles, also require one.

    Admins see every evaluation (membership None unless they are also a member).
    """
    row = session.execute(
        select(Evaluation, Membership)
        .outerjoin(Membership, and_(Membership.evaluation_id == Evaluation.id,
                                    Membership.user_id == user.id))
        .where(Evaluation.id == evaluation_id)
    ).first()  # one round trip for both: every evaluation page starts here
    if row is None:
        abort(404)
    evaluation, membership = row
    if membership is None and not user.is_admin:
        abort(404)
    if member_roles and not user.is_admin:
        if membership is None or membership.role not in {r.value for r in member_roles}:
            abort(403)
    return evaluation, membership
