"""Case studies, interviews and the dossier page: derived delivery figures and evidence highlights.

The figures and highlights come from the pure scoring core (scoring.delivery, scoring.text); this
module loads the rows, calls the core and hands the page plain view objects. Highlights guide the
reader and never score.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..models import CaseStudy, Interview, InterviewAnswer, InterviewGuide, Vendor
from ..scoring import (
    LABELS,
    Candour,
    Realism,
    budget_overrun_pct,
    candour_summary,
    label_sentences,
    schedule_slip_pct,
)
from .templates import ensure_builtin_template
from .uow import transaction, unit_of_work
from .vendors import DossierError, StaleEdit, display_value, get_vendor, realism_of

OUTCOMES = ("delivered", "partial", "cancelled")
#: Certifications expiring within this many days are flagged "expires soon".
EXPIRY_WARNING_DAYS = 90

CASE_STUDY_FIELDS = (
    "title", "year", "client_sector", "org_size", "regulatory_regime", "planned_months",
    "actual_months", "planned_budget", "actual_budget", "outcome", "summary", "setbacks",
    "response", "lessons", "reference_name", "reference_email",
)
NARRATIVE_FIELDS = (("summary", "Summary"), ("setbacks", "Setbacks"),
                    ("response", "How the vendor responded"), ("lessons", "Lessons learned"))


# ------------------------------------------------------------------------------ highlighting


@dataclass(frozen=True)
class Segment:
    """A piece of a text: a labelled sentence, or the plain text between sentences."""

    text: str
    labels: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()  # the words that triggered the labels, for the tooltip


def highlight(text: str) -> list[Segment]:
    """The whole of ``text`` as segments; joining their text gives ``text`` back exactly."""
    segments: list[Segment] = []
    position = 0
    for sentence in label_sentences(text or ""):
        if sentence.start > position:
            segments.append(Segment(text[position:sentence.start]))
        segments.append(Segment(sentence.text, sentence.labels,
                                tuple(dict.fromkeys(c.text.lower() for c in sentence.cues))))
        position = sentence.end
    if position < len(text or ""):
        segments.append(Segment(text[position:]))
    return segments


# --------------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class CaseStudyView:
    case_study: CaseStudy
    slip_pct: float | None
    overrun_pct: float | None
    narrative: list[tuple[str, list[Segment]]]  # (heading, segments) for non-empty fields


@dataclass(frozen=True)
class AnswerView:
    question: str
    criterion_key: str
    segments: list[Segment]


@dataclass(frozen=True)
class InterviewView:
    interview: Interview
    answers: list[AnswerView]


@dataclass(frozen=True)
class Dossier:
    vendor: Vendor
    case_studies: list[CaseStudyView]
    interviews: list[InterviewView]
    realism: Realism
    candour: Candour
    certificate_status: dict[int, str] = field(default_factory=dict)  # id -> expired/soon/valid
    labels: tuple[str, ...] = LABELS


def certificate_status(expires_on: date | None, today: date) -> str:
    if expires_on is None:
        return "no-expiry"
    if expires_on < today:
        return "expired"
    if (expires_on - today).days <= EXPIRY_WARNING_DAYS:
        return "soon"
    return "valid"


def narrative_texts(vendor: Vendor) -> list[str]:
    """Everything the vendor told us in its own words: case study narratives and answers."""
    texts = [getattr(cs, name) for cs in vendor.case_studies for name, _ in NARRATIVE_FIELDS]
    texts += [a.text for iv in vendor.interviews for a in iv.answers]
    return [t for t in texts if t]


def vendor_dossier(session: Session, vendor_id: int, today: date | None = None
                   ) -> Dossier | None:
    vendor = get_vendor(session, vendor_id)
    if vendor is None:
        return None
    today = today or date.today()
    case_studies = [
        CaseStudyView(
            case_study=cs,
            slip_pct=schedule_slip_pct(cs.planned_months, cs.actual_months),
            overrun_pct=budget_overrun_pct(cs.planned_budget, cs.actual_budget),
            narrative=[(heading, highlight(getattr(cs, name)))
                       for name, heading in NARRATIVE_FIELDS if getattr(cs, name)],
        )
        for cs in vendor.case_studies
    ]
    interviews = []
    for iv in sorted(vendor.interviews, key=lambda i: (i.held_on or date.min, i.id),
                     reverse=True):
        answers = sorted(iv.answers, key=lambda a: (a.question.position, a.question.id))
        interviews.append(InterviewView(iv, [
            AnswerView(a.question.text, a.question.criterion_key, highlight(a.text))
            for a in answers if a.text
        ]))
    return Dossier(
        vendor=vendor,
        case_studies=case_studies,
        interviews=interviews,
        realism=realism_of(vendor),
        candour=candour_summary(narrative_texts(vendor)),
        certificate_status={c.id: certificate_status(c.expires_on, today)
                            for c in vendor.certifications},
    )


# ------------------------------------------------------------------------------ case studies


@dataclass(frozen=True)
class CaseStudyData:
    """A validated case study (from a form or a CSV row)."""

    title: str
    year: int | None = None
    client_sector: str = ""
    org_size: str = ""
    regulatory_regime: str = ""
    planned_months: float | None = None
    actual_months: float | None = None
    planned_budget: float | None = None
    actual_budget: float | None = None
    outcome: str = ""
    summary: str = ""
    setbacks: str = ""
    response: str = ""
    lessons: str = ""
    reference_name: str = ""
    reference_email: str = ""


def case_study_data(cs: CaseStudy) -> CaseStudyData:
    return CaseStudyData(**{name: getattr(cs, name) for name in CASE_STUDY_FIELDS})


def case_study_changes(cs: CaseStudy, data: CaseStudyData,
                       only: frozenset[str] | None = None) -> list[str]:
    return [n for n in CASE_STUDY_FIELDS
            if (only is None or n in only) and getattr(cs, n) != getattr(data, n)]


def apply_case_study_data(cs: CaseStudy, data: CaseStudyData,
                          only: frozenset[str] | None = None) -> list[str]:
    names = (case_study_changes(cs, data, only) if cs.id is not None
             else [n for n in CASE_STUDY_FIELDS if only is None or n in only])
    for name in names:
        setattr(cs, name, getattr(data, name))
    return names


def get_case_study(session: Session, vendor_id: int, case_study_id: int) -> CaseStudy | None:
    cs = session.get(CaseStudy, case_study_id)
    return cs if cs is not None and cs.vendor_id == vendor_id else None


def _title_taken(session: Session, vendor_id: int, title: str, except_id: int | None) -> bool:
    stmt = select(CaseStudy.id).where(CaseStudy.vendor_id == vendor_id, CaseStudy.title == title)
    if except_id is not None:
        stmt = stmt.where(CaseStudy.id != except_id)
    return session.scalar(stmt.limit(1)) is not None


def _duplicate_title(title: str) -> DossierError:
    return DossierError(f"This vendor already has a case study titled {title!r}.", field="title")


@transaction
def create_case_study(session: Session, vendor_id: int, data: CaseStudyData) -> CaseStudy:
    vendor = session.get(Vendor, vendor_id)
    if vendor is None:
        raise DossierError("This vendor does not exist.")
    if _title_taken(session, vendor_id, data.title, None):
        raise _duplicate_title(data.title)
    cs = CaseStudy(vendor=vendor)
    apply_case_study_data(cs, data)
    session.add(cs)
    try:
        session.flush()
    except IntegrityError:  # a concurrent insert of the same title (the unit of work rolls back)
        raise _duplicate_title(data.title) from None
    return cs


@transaction
def update_case_study(session: Session, vendor_id: int, case_study_id: int,
                      data: CaseStudyData, expected_version: int) -> CaseStudy:
    cs = get_case_study(session, vendor_id, case_study_id)
    if cs is None:
        raise DossierError("This case study does not exist.")
    if cs.version != expected_version:
        raise _stale_case_study(cs, data)
    if _title_taken(session, vendor_id, data.title, cs.id):
        raise _duplicate_title(data.title)
    apply_case_study_data(cs, data)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()  # to read the version the other user saved (ours is discarded)
        raise _stale_case_study(get_case_study(session, vendor_id, case_study_id), data) from None
    except IntegrityError:
        raise _duplicate_title(data.title) from None
    return cs


def _stale_case_study(cs: CaseStudy, data: CaseStudyData) -> StaleEdit:
    return StaleEdit(cs.version, {n: display_value(getattr(cs, n))
                                  for n in case_study_changes(cs, data)})


@transaction
def delete_case_study(session: Session, vendor_id: int, case_study_id: int) -> str:
    cs = get_case_study(session, vendor_id, case_study_id)
    if cs is None:
        raise DossierError("This case study does not exist.")
    title = cs.title
    session.delete(cs)
    return title


# -------------------------------------------------------------------------------- interviews


def list_guides(session: Session) -> list[InterviewGuide]:
    """Interview guides with their questions; installs the shipped guide if there is none."""
    stmt = (select(InterviewGuide).options(selectinload(InterviewGuide.questions))
            .order_by(InterviewGuide.name))
    guides = list(session.scalars(stmt))
    if not guides:
        with unit_of_work(session):
            ensure_builtin_template(session)
        guides = list(session.scalars(stmt))
    return guides


@dataclass(frozen=True)
class InterviewData:
    held_on: date | None
    interviewers: str
    answers: dict[int, str]  # question id -> answer text ("" = not answered)


def get_interview(session: Session, vendor_id: int, interview_id: int) -> Interview | None:
    iv = session.scalar(
        select(Interview).where(Interview.id == interview_id)
        .options(selectinload(Interview.answers),
                 selectinload(Interview.guide).selectinload(InterviewGuide.questions))
    )
    return iv if iv is not None and iv.vendor_id == vendor_id else None


def interview_fingerprint(iv: Interview | None) -> str:
    """A digest of the saved interview, carried by the edit form to detect concurrent edits
    (interviews have no version column; this avoids a schema change for the same guarantee)."""
    if iv is None:
        return ""
    parts = [str(iv.held_on), iv.interviewers or "", str(iv.guide_id)]
    parts += [f"{a.question_id}:{a.text}" for a in sorted(iv.answers, key=lambda a: a.question_id)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@transaction
def save_interview(session: Session, vendor_id: int, guide_id: int, data: InterviewData,
                   interview_id: int | None = None, fingerprint: str = "") -> Interview:
    """Create or edit an interview with its answers; only the guide's questions are accepted."""
    if session.get(Vendor, vendor_id) is None:
        raise DossierError("This vendor does not exist.")
    if interview_id is None:
        guide = session.get(InterviewGuide, guide_id)
        if guide is None:
            raise DossierError("Choose an interview guide.")
        iv = Interview(vendor_id=vendor_id, guide=guide)
        session.add(iv)
    else:
        iv = get_interview(session, vendor_id, interview_id)
        if iv is None:
            raise DossierError("This interview does not exist.")
        if fingerprint != interview_fingerprint(iv):
            raise StaleEdit(0, {})
        guide = iv.guide
    questions = {q.id: q for q in guide.questions} if guide else {}
    unknown = set(data.answers) - set(questions)
    if unknown:
        raise DossierError("The answers do not match the interview guide's questions.")
    iv.held_on = data.held_on
    iv.interviewers = data.interviewers
    existing = {a.question_id: a for a in iv.answers}
    for question_id, text in data.answers.items():
        answer = existing.get(question_id)
        if answer is None and text:
            iv.answers.append(InterviewAnswer(question=questions[question_id], text=text))
        elif answer is not None and not text:
            iv.answers.remove(answer)
        elif answer is not None and answer.text != text:
            answer.text = text
    return iv


@transaction
def delete_interview(session: Session, vendor_id: int, interview_id: int) -> None:
    iv = get_interview(session, vendor_id, interview_id)
    if iv is None:
        raise DossierError("This interview does not exist.")
    session.delete(iv)
