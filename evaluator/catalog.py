"""What ships with the app: the "Execution maturity" criteria template, its stakeholder lenses and
its default interview guide. Plain data; services/templates.py installs it into the database.
"""

from __future__ import annotations

EXECUTION_MATURITY = "Execution maturity"

# key, name, description, weight (raw), knockout_below, anchors for levels 1..5
CRITERIA: list[dict] = [
    {
        "key": "setbacks",
        "name": "Handling setbacks",
        "description": "How the vendor describes and handled programs that went off track.",
        "weight": 15,
        "knockout_below": 2.0,
        "anchors": {
            "1": "Denies any setback or blames the client; no concrete example.",
            "2": "Admits a setback in general terms; response vague or late.",
            "3": "Names a real setback and a reasonable response, little on cause.",
            "4": "Specific setback, root cause owned, timely re-plan agreed with the client.",
            "5": "Several candid examples; early detection, owned cause, measured recovery.",
        },
    },
    {
        "key": "lessons",
        "name": "Lessons learned",
        "description": "Whether experience changed how the vendor works.",
        "weight": 12,
        "knockout_below": None,
        "anchors": {
            "1": "No lessons, or lessons that are slogans.",
            "2": "Lessons stated but no change in practice shown.",
            "3": "A lesson with one concrete change in method.",
            "4": "Lessons institutionalised (playbooks, checklists) and applied since.",
            "5": "Systematic retrospectives feeding measurable improvement across programs.",
        },
    },
    {
        "key": "delivery_record",
        "name": "Delivery record in similar organisations",
        "description": "Track record in organisations of similar size, complexity and regulation.",
        "weight": 14,
        "knockout_below": None,
        "anchors": {
            "1": "No comparable program delivered.",
            "2": "One comparable program, outcome unclear or unverified.",
            "3": "Some comparable programs, mostly delivered.",
            "4": "Several comparable programs delivered, references confirm.",
            "5": "Strong, referenced record in the same sector, size and regulatory regime.",
        },
    },
    {
        "key": "integration",
        "name": "Integration with legacy estates",
        "description": "ERP, CRM, mainframe and flat-file drop integrations actually delivered.",
        "weight": 12,
        "knockout_below": None,
        "anchors": {
            "1": "Greenfield only; no legacy integration experience.",
            "2": "Modern APIs only; mainframe or file drops left to others.",
            "3": "Has integrated one legacy class (e.g. ERP) in production.",
            "4": "ERP, CRM and file-based integrations in production with monitoring.",
            "5": "Mainframe and batch/file integrations at scale, with cut-over and rollback plans.",
        },
    },
    {
        "key": "compliance",
        "name": "Compliance and data residency",
        "description": "Audit trails, certifications, data residency and regulated delivery.",
        "weight": 12,
        "knockout_below": 2.0,
        "anchors": {
            "1": "No certifications; cannot state where data is stored.",
            "2": "Certifications claimed but expired or out of scope.",
            "3": "Current certifications; residency possible on request.",
            "4": "Current certifications, residency guaranteed contractually, audit trails built in.",
            "5": "Delivered under our regulatory regime with clean audits and evidence on file.",
        },
    },
    {
        "key": "program_management",
        "name": "Stakeholder and program management",
        "description": "Governance, escalation, stakeholder communication across the organisation.",
        "weight": 10,
        "knockout_below": None,
        "anchors": {
            "1": "No named governance; status reported only on request.",
            "2": "Standard status reports; escalation ad hoc.",
            "3": "Defined governance and escalation path.",
            "4": "Proactive risk reporting; steering with business and IT stakeholders.",
            "5": "Transparent dashboards, early warnings acted on, stakeholders confirm it.",
        },
    },
    {
        "key": "estimation",
        "name": "Estimation realism",
        "description": "Planned vs actual duration and budget across past programs.",
        "weight": 10,
        "knockout_below": None,
        "anchors": {
            "1": "Typical overruns above 50% or figures withheld.",
            "2": "Overruns of 30-50%.",
            "3": "Overruns of 15-30%.",
            "4": "Overruns under 15%, explained.",
            "5": "Delivered within 5-10% of plan, with ranges stated up front.",
        },
    },
    {
        "key": "knowledge_transfer",
        "name": "Sustainability and knowledge transfer",
        "description": "Whether others can maintain what the vendor built.",
        "weight": 8,
        "knockout_below": None,
        "anchors": {
            "1": "Client depends on the vendor for every change.",
            "2": "Documentation on request; no handover plan.",
            "3": "Handover plan and documentation as standard.",
            "4": "Pairing with client staff; client team maintains the system after go-live.",
            "5": "Proven exits: clients run and extend the systems without the vendor.",
        },
    },
    {
        "key": "operations",
        "name": "Operational maturity",
        "description": "Deployments without 2 AM interventions: automation, observability, on-call.",
        "weight": 7,
        "knockout_below": None,
        "anchors": {
            "1": "Manual deployments; outages found by users.",
            "2": "Some automation; frequent out-of-hours fixes.",
            "3": "Automated deployments; basic monitoring.",
            "4": "Routine daytime releases, alerting, rollback tested.",
            "5": "Measured change-failure rate, blameless post-incident reviews, rare pages.",
        },
    },
]

# Stakeholder lenses: raw weights per criterion key (normalised to shares by the scoring core).
LENSES: list[dict] = [
    {
        "name": "Sales",
        "description": "Scale and launch: concurrent users at launch, integrations, delivery.",
        "weights": {"setbacks": 8, "lessons": 6, "delivery_record": 20, "integration": 20,
                    "compliance": 6, "program_management": 10, "estimation": 10,
                    "knowledge_transfer": 5, "operations": 15},
    },
    {
        "name": "Finance",
        "description": "Cost control: estimation realism and no surprises.",
        "weights": {"setbacks": 15, "lessons": 8, "delivery_record": 12, "integration": 8,
                    "compliance": 8, "program_management": 12, "estimation": 25,
                    "knowledge_transfer": 8, "operations": 4},
    },
    {
        "name": "Compliance",
        "description": "Audit trails, data residency, regulated delivery.",
        "weights": {"setbacks": 10, "lessons": 8, "delivery_record": 15, "integration": 7,
                    "compliance": 35, "program_management": 8, "estimation": 5,
                    "knowledge_transfer": 7, "operations": 5},
    },
    {
        "name": "Operations",
        "description": "Deployments without 2 AM interventions; maintainability.",
        "weights": {"setbacks": 10, "lessons": 10, "delivery_record": 8, "integration": 12,
                    "compliance": 5, "program_management": 5, "estimation": 5,
                    "knowledge_transfer": 20, "operations": 25},
    },
]

INTERVIEW_GUIDE = "Execution maturity interview"

QUESTIONS: list[tuple[str, str]] = [
    ("setbacks", "Tell us about a program that went off track. What happened, what did you "
                 "change, what would you do differently?"),
    ("lessons", "What is one thing you changed in how you deliver because of a past program? "
                "Show us where it lives now (playbook, checklist, tooling)."),
    ("delivery_record", "Which of your programs was most like ours in size, sector and "
                        "regulation, and who can we call about it?"),
    ("integration", "Describe an integration with an ERP, CRM, mainframe or file-drop system you "
                    "took to production. What broke at cut-over?"),
    ("compliance", "Where will our data be stored and processed, and how do you evidence that "
                   "to an auditor?"),
    ("program_management", "How do bad news and risks reach our steering committee, and how "
                           "fast?"),
    ("estimation", "For your last three programs, what were planned and actual duration and "
                   "budget, and why did they differ?"),
    ("knowledge_transfer", "How will our own team maintain and extend what you build after "
                           "you leave?"),
    ("operations", "When did your team last get paged at night on a client system, and what "
                   "did you change afterwards?"),
]
