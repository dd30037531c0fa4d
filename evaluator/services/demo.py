"""Demo data: a realistic, seeded, labelled data set for trying the product.

Process (documented in docs/demo-data.md): a fixed random seed (2026) draws, for each of 14
fictional vendors, a latent delivery quality q in [0, 1] and a candour level (candid, mixed,
success-only). Case studies draw planned duration/budget, then actual = planned * (1 + slip) where
the slip shrinks with q. Narratives are assembled from phrase banks matching the candour level, so
candid vendors describe setbacks, causes, responses and lessons and success-only vendors do not.
Evaluators' scores are q mapped onto 1..5 plus a per-evaluator leniency and noise. 160 past
programs draw pre-award criterion means and a success label from a logistic model of them.
Everything is marked is_demo; running the seed twice changes nothing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import catalog
from ..models import (
    CaseStudy,
    Certification,
    Integration,
    Interview,
    InterviewAnswer,
    InterviewGuide,
    MemberRole,
    Membership,
    PastProgram,
    Role,
    Score,
    ShortlistEntry,
    Status,
    User,
    Vendor,
    VendorContact,
)
from . import users as user_service
from .evaluations import create_from_template
from .templates import ensure_builtin_template
from .uow import transaction

SEED = 2026
DEMO_PASSWORD = user_service.DEMO_PASSWORD

DEMO_USERS = [
    ("admin@example.com", "Alex Admin", Role.ADMIN),
    ("lead@example.com", "Priya Shah (procurement lead)", Role.LEAD),
    ("cto@example.com", "Jordan Lee (CTO)", Role.VIEWER),
    ("ana@example.com", "Ana Costa (architect)", Role.EVALUATOR),
    ("raj@example.com", "Raj Patel (finance)", Role.EVALUATOR),
    ("mei@example.com", "Mei Tanaka (compliance)", Role.EVALUATOR),
    ("tom@example.com", "Tom Berg (operations)", Role.EVALUATOR),
]

VENDORS = [
    ("Acme Delivery", "United Kingdom", "Financial services", "candid"),
    ("Borealis Systems", "Norway", "Energy", "candid"),
    ("Cobalt Consulting", "Germany", "Financial services", "mixed"),
    ("Dunmore Digital", "Ireland", "Public sector", "success-only"),
    ("Everline Partners", "Netherlands", "Insurance", "mixed"),
    ("Fathom Engineering", "United States", "Healthcare", "candid"),
    ("Granite Integration", "Canada", "Manufacturing", "mixed"),
    ("Helix Software House", "India", "Retail", "success-only"),
    ("Ironbridge Technology", "United Kingdom", "Financial services", "candid"),
    ("Juniper Transformation", "France", "Insurance", "success-only"),
    ("Keystone Data", "Spain", "Telecommunications", "mixed"),
    ("Lumen Works", "Poland", "Public sector", "candid"),
    ("Meridian Cloud Services", "Sweden", "Retail", "success-only"),
    ("Northgate Solutions", "Germany", "Manufacturing", "mixed"),
]

SECTORS = ["Financial services", "Insurance", "Public sector", "Healthcare", "Retail",
           "Energy", "Manufacturing", "Telecommunications"]
REGIMES = ["PRA/FCA", "GDPR", "HIPAA", "SOX", "DORA", "NIS2", "PCI DSS", ""]
SIZES = ["medium", "large", "enterprise"]
CERTS = ["ISO 27001", "SOC 2 Type II", "ISO 9001", "Cyber Essentials Plus", "PCI DSS"]
INTEGRATIONS = [("erp", "SAP S/4HANA"), ("erp", "Oracle E-Business Suite"),
                ("crm", "Salesforce"), ("crm", "Microsoft Dynamics"),
                ("mainframe", "IBM z/OS CICS"), ("file_drop", "SFTP batch files")]
PROGRAMS = ["core ledger migration", "claims platform rebuild", "customer portal",
            "data warehouse consolidation", "ERP rollout", "CRM replacement",
            "mainframe offload", "payments modernisation", "regulatory reporting hub",
            "supply chain visibility"]

SETBACKS = [
    "In month four the data migration slipped by six weeks because the legacy extracts were "
    "inconsistent.",
    "The first release was delayed when the client's mainframe team could not support our "
    "test windows.",
    "We underestimated the reconciliation effort and the budget overran by 18%.",
    "A key integration went wrong at cut-over and we had to roll back the first attempt.",
]
CAUSES = [
    "The root cause was that we had not profiled the source data before committing to a plan.",
    "This happened because we assumed the vendor API was stable and did not test it early.",
    "It was caused by our own optimistic estimate of the batch volumes.",
]
RESPONSES = [
    "We re-planned with the client, added a data quality workstream and reported weekly to the "
    "steering committee.",
    "We changed the team structure, brought in a mainframe specialist and agreed a new "
    "milestone plan.",
    "We paused the rollout, fixed the interface contract and ran a full dress rehearsal "
    "before trying again.",
]
LESSONS = [
    "We learned to profile legacy data in the first two weeks, and it is now a mandatory step "
    "in our playbook.",
    "In hindsight we would involve the client's operations team from day one; we now do.",
    "The lesson for us was to agree rollback criteria before every cut-over.",
]
CLAIMS = [
    "The program was a great success and the client was delighted.",
    "Our world-class team delivered a best-in-class platform.",
    "We delivered everything the client asked for, with outstanding results.",
    "The solution was rolled out smoothly across all business units.",
]


@dataclass(frozen=True)
class SeedResult:
    created: bool
    vendors: int
    evaluations: int
    past_programs: int


def already_seeded(session: Session) -> bool:
    return session.scalar(select(Vendor.id).where(Vendor.is_demo).limit(1)) is not None


def _narrative(rng: random.Random, candour: str) -> tuple[str, str, str, str]:
    """summary, setbacks, response, lessons for one case study at a candour level."""
    claims = " ".join(rng.sample(CLAIMS, 2))
    if candour == "success-only":
        return claims, "", "Delivered as planned.", "Our proven methodology worked again."
    setback = rng.choice(SETBACKS)
    cause = rng.choice(CAUSES) if candour == "candid" else ""
    response = rng.choice(RESPONSES)
    lesson = rng.choice(LESSONS) if candour == "candid" or rng.random() < 0.5 else ""
    summary = rng.choice(CLAIMS) if candour == "mixed" else "Delivered with one major setback."
    return summary, f"{setback} {cause}".strip(), response, lesson


def _answer(rng: random.Random, key: str, candour: str) -> str:
    if candour == "success-only":
        return " ".join(rng.sample(CLAIMS, 2))
    parts = [rng.choice(SETBACKS)]
    if candour == "candid":
        parts += [rng.choice(CAUSES), rng.choice(RESPONSES), rng.choice(LESSONS)]
    else:
        parts += [rng.choice(RESPONSES), rng.choice(CLAIMS)]
    return " ".join(parts)


def _users(session: Session) -> dict[str, User]:
    out = {}
    for email, name, role in DEMO_USERS:
        user = user_service.find_by_email(session, email)
        if user is None:
            user = user_service.create_user(
                session, email, role=role.value, password=DEMO_PASSWORD, name=name, demo=True
            )
        out[email.split("@")[0]] = user
    session.flush()
    return out


def _vendors(session: Session, rng: random.Random, guide: InterviewGuide) -> dict[str, tuple]:
    today = date(2026, 11, 1)
    out = {}
    for name, country, sector, candour in VENDORS:
        quality = {"candid": 0.75, "mixed": 0.55, "success-only": 0.4}[candour]
        quality = min(1.0, max(0.0, quality + rng.uniform(-0.2, 0.2)))
        vendor = Vendor(
            name=name, country=country, sector=sector, is_demo=True,
            website=f"https://{name.split()[0].lower()}.example",
            headcount=rng.choice([80, 150, 400, 1200, 5000]),
            description=f"{name} is a delivery partner focused on {sector.lower()} programs "
                        f"(demo data).",
            regions=", ".join(rng.sample(["UK", "EU", "North America", "APAC", "Nordics"], 2)),
            data_residency=", ".join(rng.sample(["UK", "EU", "US", "Client on-premises"], 2)),
        )
        vendor.contacts.append(VendorContact(
            name=f"{rng.choice(['Sam', 'Kim', 'Lee', 'Ari'])} {name.split()[0]}",
            email=f"bids@{name.split()[0].lower()}.example", title="Bid manager"))
        for cert in rng.sample(CERTS, rng.randint(1, 3)):
            expiry = today + timedelta(days=rng.randint(-120, 900))
            vendor.certifications.append(Certification(name=cert, expires_on=expiry))
        for kind, product in rng.sample(INTEGRATIONS, rng.randint(1, 4)):
            vendor.integrations.append(Integration(kind=kind, product=product))
        for i in range(rng.randint(2, 4)):
            planned_m = rng.choice([6, 9, 12, 18, 24])
            slip = max(-0.05, rng.gauss(0.35 * (1 - quality), 0.12))
            planned_b = rng.choice([0.8, 1.5, 3, 6, 12]) * 1_000_000
            overrun = max(-0.05, rng.gauss(0.3 * (1 - quality), 0.1))
            summary, setbacks, response, lessons = _narrative(rng, candour)
            vendor.case_studies.append(CaseStudy(
                title=f"{rng.choice(PROGRAMS).capitalize()} for a {rng.choice(SIZES)} "
                      f"{rng.choice(SECTORS).lower()} client ({2019 + i})",
                year=2019 + i + rng.randint(0, 2),
                client_sector=rng.choice(SECTORS), org_size=rng.choice(SIZES),
                regulatory_regime=rng.choice(REGIMES),
                planned_months=planned_m, actual_months=round(planned_m * (1 + slip), 1),
                planned_budget=planned_b, actual_budget=round(planned_b * (1 + overrun), -3),
                outcome=rng.choices(["delivered", "partial", "cancelled"],
                                    weights=[8 * quality + 1, 2, 1 - quality + 0.1])[0],
                summary=summary, setbacks=setbacks, response=response, lessons=lessons,
                reference_name="Reference available on request (demo)",
            ))
        interview = Interview(
            guide=guide, held_on=today - timedelta(days=rng.randint(5, 60)),
            interviewers="Ana Costa, Raj Patel",
        )
        for question in guide.questions:
            interview.answers.append(
                InterviewAnswer(question=question, text=_answer(rng, question.criterion_key,
                                                                 candour)))
        vendor.interviews.append(interview)
        session.add(vendor)
        out[name] = (vendor, quality)
    session.flush()
    return out


def _scores(rng, evaluation, vendors, evaluators, *, submitted: dict[str, float]) -> list[Score]:
    """submitted: evaluator key -> 1.0 for an evaluator who submitted every score, or the share
    of the scores an evaluator still scoring has entered as drafts (the rest not yet given)."""
    out = []
    for ev_key, share in submitted.items():
        user, leniency = evaluators[ev_key]
        for vendor, quality in vendors:
            for criterion in evaluation.criteria:
                latent = 1 + 4 * quality + leniency + rng.gauss(0, 0.6)
                value = float(min(5, max(1, round(latent))))
                abstain = rng.random() < 0.03
                score = Score(
                    evaluation_id=evaluation.id, evaluator=user, vendor=vendor, criterion=criterion,
                    value=None if abstain else value, insufficient_evidence=abstain,
                    rationale=("Not enough evidence in the dossier." if abstain else
                               f"{criterion.name}: level {int(value)} per the anchors "
                               f"({vendor.name}, demo rationale)."),
                    evidence=([{"type": "case_study", "id": vendor.case_studies[0].id}]
                              if vendor.case_studies else []),
                    submitted=share == 1.0,
                )
                if rng.random() < share:  # else not yet entered by an evaluator still scoring
                    out.append(score)
    return out


def _evaluations(session, rng, users, vendors, template) -> int:
    evaluators = {"ana": (users["ana"], 0.3), "raj": (users["raj"], -0.4),
                  "mei": (users["mei"], 0.0), "tom": (users["tom"], 0.1)}
    specs = [
        ("Core banking integration partner", Status.REVIEW,
         "Replace the batch integration between our core ledger (IBM mainframe) and SAP, for a "
         "regulated bank of 8,000 staff, data resident in the UK and EU.",
         ["Acme Delivery", "Cobalt Consulting", "Ironbridge Technology", "Dunmore Digital",
          "Granite Integration"],
         {"ana": 1.0, "raj": 1.0, "mei": 1.0}),
        ("Customer portal rebuild", Status.SCORING,
         "Rebuild the insurance customer portal with a Salesforce back end; launch for 200k "
         "concurrent users.",
         ["Everline Partners", "Juniper Transformation", "Keystone Data", "Lumen Works"],
         {"ana": 1.0, "tom": 0.6}),
    ]
    for title, status, context, shortlist, submitted in specs:
        evaluation = create_from_template(
            session, title=f"{title} (demo)", template=template, created_by=users["lead"],
            program_context=context, is_demo=True,
        )
        evaluation.status = status.value
        evaluation.members.append(Membership(user=users["cto"], role=MemberRole.OBSERVER.value))
        for key in submitted:
            evaluation.members.append(
                Membership(user=evaluators[key][0], role=MemberRole.EVALUATOR.value,
                           attested_at=datetime.now(UTC),  # attested "no conflicts"
                           submitted_at=datetime.now(UTC) if submitted[key] == 1.0 else None))
        for name in shortlist:
            evaluation.shortlist.append(ShortlistEntry(vendor=vendors[name][0]))
        session.flush()
        session.add_all(_scores(rng, evaluation, [vendors[n] for n in shortlist], evaluators,
                                submitted=submitted))
        session.flush()
    return len(specs)


def _past_programs(session, rng, vendors, n: int = 160) -> int:
    keys = [c["key"] for c in catalog.CRITERIA]
    coef = {"setbacks": 0.9, "lessons": 0.6, "delivery_record": 0.7, "estimation": 0.8,
            "integration": 0.3, "compliance": 0.2, "program_management": 0.4,
            "knowledge_transfer": 0.2, "operations": 0.3}
    names = list(vendors) + [f"Historic Vendor {i:02d}" for i in range(1, 21)]
    for i in range(n):
        vendor_name = names[i % len(names)]
        base = rng.uniform(1.5, 4.8)
        features = {k: round(min(5, max(1, base + rng.gauss(0, 0.7))), 2) for k in keys}
        features["team_size"] = rng.choice([8, 12, 20, 35, 60])
        z = sum(coef[k] * (features[k] - 3) for k in keys) * 0.45 + rng.gauss(0, 0.8)
        success = rng.random() < 1 / (1 + math.exp(-z))
        session.add(PastProgram(
            vendor_name=vendor_name,
            vendor_id=vendors[vendor_name][0].id if vendor_name in vendors else None,
            program=f"{rng.choice(PROGRAMS).capitalize()} #{i + 1:03d}",
            year=rng.randint(2012, 2025), success=success,
            on_time=success and rng.random() < 0.8 or (not success and rng.random() < 0.2),
            on_budget=success and rng.random() < 0.75 or (not success and rng.random() < 0.25),
            features=features, notes="Demo data (generated).", is_demo=True,
        ))
    session.flush()
    return n


@transaction
def seed_demo(session: Session) -> SeedResult:
    """Create the demo data set in one transaction; a no-op when it is already there."""
    if already_seeded(session):
        return SeedResult(False, 0, 0, 0)
    rng = random.Random(SEED)
    template = ensure_builtin_template(session)
    guide = session.scalar(
        select(InterviewGuide).where(InterviewGuide.name == catalog.INTERVIEW_GUIDE)
    )
    users = _users(session)
    vendors = _vendors(session, rng, guide)
    n_eval = _evaluations(session, rng, users, vendors, template)
    n_past = _past_programs(session, rng, vendors)
    return SeedResult(True, len(vendors), n_eval, n_past)
