"""SQLAlchemy 2.0 typed models. No commits here: services own the transaction."""

from .evaluations import (
    Conflict,
    ConflictResolution,
    CriteriaTemplate,
    Decision,
    Evaluation,
    EvaluationCriterion,
    EvidenceRule,
    Lens,
    MemberRole,
    Membership,
    Score,
    ShortlistEntry,
    Status,
    TemplateCriterion,
)
from .integration import (
    ApiToken,
    DeliveryStatus,
    InboxImport,
    TokenScope,
    Webhook,
    WebhookDelivery,
)
from .outcomes import AuditEvent, OutcomeModel, PastProgram
from .portal import InvitationStatus, PortalInvitation, PortalSection, PortalSubmission
from .references import ClaimType, ReferenceCheck, ReferenceClaim, Verdict
from .users import Role, User
from .vendors import (
    CaseStudy,
    Certification,
    Integration,
    Interview,
    InterviewAnswer,
    InterviewGuide,
    InterviewQuestion,
    Vendor,
    VendorContact,
)

__all__ = [
    "InvitationStatus", "PortalInvitation", "PortalSection", "PortalSubmission",
    "ClaimType", "ReferenceCheck", "ReferenceClaim", "Verdict",
    "ApiToken", "DeliveryStatus", "InboxImport", "TokenScope", "Webhook", "WebhookDelivery",
    "AuditEvent", "CaseStudy", "Certification", "Conflict", "ConflictResolution", "CriteriaTemplate",
    "Decision", "EvidenceRule",
    "Evaluation", "EvaluationCriterion", "Integration", "Interview", "InterviewAnswer",
    "InterviewGuide", "InterviewQuestion", "Lens", "MemberRole", "Membership", "OutcomeModel",
    "PastProgram", "Role", "Score", "ShortlistEntry", "Status", "TemplateCriterion", "User",
    "Vendor", "VendorContact",
]
