"""Sentence-level evidence signals in case studies and interview answers.

Finds the sentences where a vendor describes a setback, its cause, its response and the lesson
it learned, so the evaluator's eye goes to them. It guides and never scores: the lexicon is
small, transparent and English-only, and it cannot tell sincere reflection from boilerplate.
Every pattern is listed below (and in docs/scoring.md) so a user can see why a sentence lit up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Evidence labels, in display order.
LABELS = ("setback", "cause", "response", "lesson")

_WE = r"we(?:\s+(?:then|quickly|immediately|jointly|also|had\s+to))?\s+"

#: The lexicon: label -> case-insensitive regular expressions (matched on word boundaries).
LEXICON: dict[str, tuple[str, ...]] = {
    "setback": (
        r"delay(?:s|ed)?",
        r"slip(?:s|ped|page|ping)?",
        r"overr(?:a|u)n(?:s)?",
        r"over\s+budget",
        r"behind\s+schedule",
        r"(?:went|go|goes|going|gone)\s+wrong",
        r"off[\s-]track",
        r"setbacks?",
        r"problems?",
        r"(?:serious|major|critical|significant)\s+issues?",
        r"fail(?:ed|ure|ures|ing)?",
        r"outages?",
        r"incidents?",
        r"mistakes?",
        r"defects?",
        r"missed\s+(?:the\s+|a\s+|our\s+|its\s+)?(?:deadline|milestone|date|target|go-live)s?",
        r"rework",
        r"roll(?:ed)?\s*back",
        r"underestimat(?:ed|e|ing)",
        r"scope\s+creep",
        r"blockers?",
    ),
    "cause": (
        r"because",
        r"due\s+to",
        r"root\s+causes?",
        r"caused\s+by",
        r"the\s+reason\s+(?:was|being|is)",
        r"stem(?:med|s)\s+from",
        r"as\s+a\s+result\s+of",
        r"resulted\s+from",
        r"traced\s+(?:it\s+|this\s+|the\s+\w+\s+)?(?:back\s+)?to",
        r"owing\s+to",
        r"triggered\s+by",
    ),
    "response": (
        _WE + r"(?:re-?planned|re-?scoped|re-?baselined|changed|introduced|added|brought\s+in|"
        r"switched|reorgani[sz]ed|re-?negotiated|negotiated|moved|split|paused|restructured|"
        r"hired|fixed|mitigated|responded|put\s+in\s+place|set\s+up|rebuilt|redesigned|"
        r"escalated|agreed|worked\s+with)",
        r"recovery\s+plan",
        r"corrective\s+actions?",
        r"mitigation",
        r"workaround",
        r"re-?plan(?:ned|ning)?",
        r"re-?baselin(?:ed|ing|e)",
    ),
    "lesson": (
        r"we\s+(?:have\s+)?(?:learned|learnt)",
        r"lessons?\s+(?:learned|learnt)",
        r"lessons?",
        r"in\s+hindsight",
        r"in\s+retrospect",
        r"looking\s+back",
        r"(?:would|will)\s+do\s+(?:it\s+|things\s+)?differently",
        r"next\s+time",
        r"going\s+forward",
        r"since\s+then",
        r"we\s+now(?:\s+always)?",
        r"(?:we\s+)?should\s+have",
        r"take-?aways?",
        r"retrospectives?",
        r"post-?mortems?",
    ),
}

#: Pure success claims, used only for the candour summary.
SUCCESS_CLAIMS: tuple[str, ...] = (
    r"successfully",
    r"on\s+(?:time|budget|schedule)",
    r"ahead\s+of\s+schedule",
    r"under\s+budget",
    r"(?:without|with\s+no|no|zero)\s+(?:any\s+)?(?:delays?|issues|problems|incidents|"
    r"defects|downtime|disruption)",
    r"flawless(?:ly)?",
    r"seamless(?:ly)?",
    r"smooth(?:ly)?",
    r"exceed(?:ed|ing)\s+(?:all\s+)?(?:expectations|targets|goals)",
    r"award(?:s|ed|-winning)?",
    r"world-class|best-in-class",
    r"record\s+time",
    r"100\s?%",
)

#: A setback word within the three words after one of these is a success claim, not a setback
#: ("no delays", "did not slip", "without incidents").
NEGATORS = frozenset({"no", "not", "never", "without", "zero", "avoided", "avoid", "nor"})


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b", re.IGNORECASE)


_PATTERNS = {label: _compile(patterns) for label, patterns in LEXICON.items()}
_SUCCESS = _compile(SUCCESS_CLAIMS)
_WORD = re.compile(r"[A-Za-z']+")

#: Tokens ending in "." that do not end a sentence.
ABBREVIATIONS = frozenset(
    {
        "e.g",
        "i.e",
        "etc",
        "vs",
        "approx",
        "incl",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "inc",
        "ltd",
        "co",
        "corp",
        "no",
        "fig",
        "st",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "est",
    }
)
_BOUNDARY = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s|$)|\n")


@dataclass(frozen=True)
class Cue:
    """One lexicon match: its label, absolute character offsets and matched text."""

    label: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    """A sentence of the source text: ``source[start:end] == text`` (offsets in characters).

    labels: evidence labels found, in LABELS order. success_claim: it contains a success claim.
    """

    text: str
    start: int
    end: int
    labels: tuple[str, ...]
    cues: tuple[Cue, ...]
    success_claim: bool


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in ``text``, whitespace trimmed, none empty.

    A sentence ends at a line break, or at . ! ? (with closing quotes/brackets) followed by
    whitespace or the end, unless the word before the dot is a known abbreviation or a single
    letter, or the next word starts in lower case.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group() != "\n" and not _ends_sentence(text, match.start(), end):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    trimmed = []
    for a, b in spans:
        chunk = text[a:b]
        stripped = chunk.strip()
        if stripped:
            offset = a + (len(chunk) - len(chunk.lstrip()))
            trimmed.append((offset, offset + len(stripped)))
    return trimmed


def _ends_sentence(text: str, dot: int, end: int) -> bool:
    if text[dot] == ".":
        word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[max(0, dot - 12) : dot])
        if word and (word.group(1).lower() in ABBREVIATIONS or len(word.group(1)) == 1):
            return False
    following = re.match(r"\s*(\S)", text[end:])
    return not (following and following.group(1).islower())


def _negated(text: str, start: int) -> bool:
    before = _WORD.findall(text[max(0, start - 40) : start].lower())[-3:]
    return any(word in NEGATORS for word in before)


def label_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences and label each with the evidence labels it contains."""
    sentences = []
    for start, end in split_sentences(text):
        body = text[start:end]
        cues = []
        for label in LABELS:
            for match in _PATTERNS[label].finditer(body):
                if label == "setback" and _negated(body, match.start()):
                    continue
                cues.append(Cue(label, start + match.start(), start + match.end(), match.group()))
        cues.sort(key=lambda c: (c.start, LABELS.index(c.label)))
        found = {c.label for c in cues}
        sentences.append(
            Sentence(
                text=body,
                start=start,
                end=end,
                labels=tuple(label for label in LABELS if label in found),
                cues=tuple(cues),
                success_claim=bool(_SUCCESS.search(body)),
            )
        )
    return sentences


@dataclass(frozen=True)
class Candour:
    """How much of a vendor's narrative is about setbacks and lessons vs success claims.

    Shares are of all sentences (0-1). label: "no-text" (no sentences); "candid" (at least one
    setback sentence, at least one response or lesson sentence, and at least as many
    reflective sentences as success claims); "success-only" (success claims but no setback or
    lesson sentence); "no-signal" (neither); otherwise "mixed". It guides; it never scores.
    """

    sentences: int
    setback_share: float
    cause_share: float
    response_share: float
    lesson_share: float
    reflective_share: float
    success_claim_share: float
    label: str


def candour_summary(texts: Iterable[str]) -> Candour:
    """Candour summary over all sentences of ``texts`` (e.g. a vendor's case studies)."""
    sentences = [s for text in texts for s in label_sentences(text)]
    n = len(sentences)

    def share(predicate) -> float:
        return sum(1 for s in sentences if predicate(s)) / n if n else 0.0

    shares = {label: share(lambda s, label=label: label in s.labels) for label in LABELS}
    reflective = share(lambda s: bool(s.labels))
    success = share(lambda s: s.success_claim)
    if n == 0:
        label = "no-text"
    elif (
        shares["setback"] > 0
        and (shares["response"] > 0 or shares["lesson"] > 0)
        and reflective >= success
    ):
        label = "candid"
    elif shares["setback"] == 0 and shares["lesson"] == 0:
        label = "success-only" if success > 0 else "no-signal"
    else:
        label = "mixed"
    return Candour(
        sentences=n,
        setback_share=shares["setback"],
        cause_share=shares["cause"],
        response_share=shares["response"],
        lesson_share=shares["lesson"],
        reflective_share=reflective,
        success_claim_share=success,
        label=label,
    )
