"""Accounts: creation, authentication, role changes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from zxcvbn import zxcvbn

from ..models import Evaluation, MemberRole, Membership, Role, Status, User
from .uow import transaction

#: Which evaluation-level roles each global role allows: powers inside an evaluation never
#: exceed what the account's role allows (a viewer only observes, only leads and admins lead).
MEMBER_ROLES_ALLOWED: dict[str, tuple[str, ...]] = {
    Role.ADMIN.value: tuple(r.value for r in MemberRole),
    Role.LEAD.value: tuple(r.value for r in MemberRole),
    Role.EVALUATOR.value: (MemberRole.EVALUATOR.value, MemberRole.OBSERVER.value),
    Role.VIEWER.value: (MemberRole.OBSERVER.value,),
}


def member_roles_allowed(role: str) -> tuple[str, ...]:
    return MEMBER_ROLES_ALLOWED.get(role, (MemberRole.OBSERVER.value,))


@dataclass
class RoleChange:
    """What a role change did to the user's evaluations: memberships demoted to observer
    (evaluation, old role), and the open evaluations left without any lead."""

    demoted: list[tuple[Evaluation, str]] = field(default_factory=list)
    leaderless: list[Evaluation] = field(default_factory=list)

MIN_PASSWORD_LENGTH = 12
#: The demo accounts' password, printed in the README and by `flask seed-demo`: public, so the
#: demo seed (seed_demo) is the only place allowed to set it.
DEMO_PASSWORD = "demo-password-2026"
# A dummy hash checked for unknown users so both failures take the same time.
_DUMMY = User(email="-", password_hash=None)
_DUMMY.set_password("not-a-real-password-0000")


class UserError(ValueError):
    """A clear, user-facing reason why an account change was refused."""


class WrongPassword(UserError):
    """The current password given to confirm a change is not the account's (rate-limited)."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_password(password: str, user_inputs: tuple[str, ...] = ()) -> None:
    """Length over composition (NIST SP 800-63B): 12-200 characters, and not a common or
    easily guessed password (zxcvbn's frequency lists and pattern matching, score >= 3)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > 200:
        raise UserError("Password must be at most 200 characters long.")
    if password.strip().lower() == DEMO_PASSWORD:
        raise UserError("That is the public demo password; choose another one.")

    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    if result["score"] < 3:
        hint = result["feedback"]["warning"] or "It is too easy to guess."
        raise UserError(f"Choose a less common password: {hint}")


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_by_email(session, email)
    if user is None or not user.active or not user.password_hash:
        _DUMMY.check_password(password)
        return None
    return user if user.check_password(password) else None


@transaction
def create_user(
    session: Session,
    email: str,
    *,
    role: str = Role.EVALUATOR.value,
    password: str | None = None,
    name: str = "",
    commit: bool = True,
    demo: bool = False,
) -> User:
    """Create an account; password None makes an account that cannot log in until one is set.

    ``demo`` (the demo seed only) sets the public demo password without the password policy."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise UserError("A valid email address is required.")
    if role not in {r.value for r in Role}:
        raise UserError(f"Unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}.")
    if find_by_email(session, email) is not None:
        raise UserError(f"A user with email {email} already exists.")
    user = User(email=email, role=role, name=name.strip())
    if password is not None:
        if not (demo and password == DEMO_PASSWORD):
            validate_password(password, (email, email.split("@")[0], name))
        user.set_password(password)
    session.add(user)
    return user


def _an_admin_remains(session: Session, user: User) -> None:
    """After a demotion or deactivation (flushed), refuse it if no active admin is left:
    nobody could manage accounts any more. The caller's unit of work then rolls it back.

    Checked after the flush on purpose: every writing flush takes the audit chain's lock
    (audit._lock_chain) until its commit, so two admins demoting each other at the same moment
    are serialised and the second one sees the first one's change."""
    session.flush()
    remaining = session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN.value, User.active.is_(True)))
    if not remaining:
        raise UserError(f"{user.email} is the only active admin; make another user an admin "
                        "first.")


@transaction
def set_role(session: Session, user: User, role: str) -> RoleChange:
    """Change the account's role; evaluation roles it no longer allows are demoted to observer
    in the same transaction, so lead and evaluator powers end at once, for every session and
    API token (both load the user and membership afresh on every request)."""
    if role not in {r.value for r in Role}:
        raise UserError(f"Unknown role {role!r}.")
    was_active_admin = user.active and user.role == Role.ADMIN.value
    user.role = role
    if was_active_admin and role != Role.ADMIN.value:
        _an_admin_remains(session, user)
    change = RoleChange()
    allowed = member_roles_allowed(role)
    memberships = session.scalars(
        select(Membership).where(Membership.user_id == user.id).options(
            selectinload(Membership.evaluation).selectinload(Evaluation.members)))
    for membership in memberships:
        if membership.role in allowed:
            continue
        change.demoted.append((membership.evaluation, membership.role))
        membership.role = MemberRole.OBSERVER.value
        evaluation = membership.evaluation
        if evaluation.status != Status.DECIDED and not any(
                m.role == MemberRole.LEAD for m in evaluation.members):
            change.leaderless.append(evaluation)
    return change


def led_evaluations(session: Session) -> dict[int, list[Evaluation]]:
    """Per user id, the evaluations the user leads (admin user list: who loses what)."""
    out: dict[int, list[Evaluation]] = {}
    rows = session.execute(select(Membership.user_id, Evaluation).join(
        Evaluation, Evaluation.id == Membership.evaluation_id).where(
        Membership.role == MemberRole.LEAD).order_by(Evaluation.title))
    for user_id, evaluation in rows:
        out.setdefault(user_id, []).append(evaluation)
    return out


@transaction
def set_active(session: Session, user: User, active: bool) -> None:
    was_active_admin = user.active and user.role == Role.ADMIN.value
    user.active = active
    if not active:
        user.session_version += 1  # ends the user's sessions
        if was_active_admin:
            _an_admin_remains(session, user)


@transaction
def end_sessions(session: Session, user: User) -> None:
    """End every session of this user on the server (logout, password change)."""
    user.session_version += 1


@transaction
def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise WrongPassword("The current password is not correct.")
    validate_password(new, (user.email, user.email.split("@")[0], user.name))
    user.set_password(new)
    user.session_version += 1
