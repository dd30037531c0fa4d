"""Sentence splitting, evidence labels and the candour summary."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from evaluator.scoring import LABELS, LEXICON, candour_summary, label_sentences, split_sentences

CASE_STUDY = (
    "In 2023 the data migration slipped by three months because the legacy schema was "
    "undocumented. We re-planned the cut-over with the client, e.g. splitting it into two "
    "waves. In hindsight we should have profiled the data first.\n"
    "We delivered the portal on time and on budget with no delays. Dr. Smith led the team."
)


def test_sentences_and_labels_hand_checked():
    sentences = label_sentences(CASE_STUDY)
    assert [s.text for s in sentences] == [
        "In 2023 the data migration slipped by three months because the legacy schema was "
        "undocumented.",
        "We re-planned the cut-over with the client, e.g. splitting it into two waves.",
        "In hindsight we should have profiled the data first.",
        "We delivered the portal on time and on budget with no delays.",
        "Dr. Smith led the team.",
    ]
    assert [s.labels for s in sentences] == [
        ("setback", "cause"),
        ("response",),
        ("lesson",),
        (),
        (),
    ]
    assert [s.success_claim for s in sentences] == [False, False, False, True, False]
    first = sentences[0]
    assert [(c.label, c.text) for c in first.cues] == [("setback", "slipped"), ("cause", "because")]
    for cue in first.cues:
        assert CASE_STUDY[cue.start : cue.end] == cue.text


def test_each_label_has_lexicon_entries_that_fire():
    examples = {
        "setback": "The go-live was delayed and we went over budget.",
        "cause": "The root cause was a missing test environment.",
        "response": "We brought in a second team and agreed a recovery plan.",
        "lesson": "Lessons learned: we now always run a data profiling sprint.",
    }
    assert set(LEXICON) == set(LABELS)
    for label, sentence in examples.items():
        assert label_sentences(sentence)[0].labels == (label,), sentence


def test_negated_setback_words_are_success_claims_not_setbacks():
    sentence = label_sentences("The rollout finished without incidents and did not slip.")[0]
    assert sentence.labels == ()
    assert sentence.success_claim is True


def test_lower_case_continuation_and_decimals_do_not_split():
    text = "Budget grew 12.5 percent vs. plan. approx. two weeks were lost. Next!"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Budget grew 12.5 percent vs. plan. approx. two weeks were lost.",
        "Next!",
    ]


def test_line_breaks_end_sentences_and_blank_text_has_none():
    assert [s.text for s in label_sentences("- Delay in phase 1\n- Fixed in phase 2")] == [
        "- Delay in phase 1",
        "- Fixed in phase 2",
    ]
    assert label_sentences("") == [] and label_sentences("  \n\t ") == []


def test_candour_labels():
    assert candour_summary([CASE_STUDY]).label == "candid"
    only_success = candour_summary(["We delivered on time. The client gave us an award."])
    assert only_success.label == "success-only"
    assert only_success.success_claim_share == 1.0 and only_success.setback_share == 0.0
    mixed = candour_summary(["There was a delay. We delivered successfully. It was seamless."])
    assert mixed.label == "mixed"  # a setback, but no response or lesson
    assert candour_summary(["The team had six people."]).label == "no-signal"
    assert candour_summary([]).label == "no-text"


def test_candour_shares_hand_computed():
    summary = candour_summary(
        ["The migration slipped because of vendor lock-in. We re-planned.", "We learned a lot."]
    )
    assert summary.sentences == 3
    assert summary.setback_share == 1 / 3
    assert summary.cause_share == 1 / 3
    assert summary.response_share == 1 / 3
    assert summary.lesson_share == 1 / 3
    assert summary.reflective_share == 1.0
    assert summary.label == "candid"


TOKENS = st.sampled_from(
    [*"abcXYZ .!?\n\t\"')", "e.g.", " delay ", " because ", "Dr. ", " no delays", "\u00e9", "  "]
)
TEXT = st.one_of(st.lists(TOKENS, max_size=60).map("".join), st.text(max_size=120))


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_offsets_always_slice_back_to_the_sentence(text):
    previous_end = 0
    for sentence in label_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text and sentence.text == sentence.text.strip()
        assert sentence.start >= previous_end
        previous_end = sentence.end
        for cue in sentence.cues:
            assert sentence.start <= cue.start < cue.end <= sentence.end
            assert text[cue.start : cue.end] == cue.text
    # nothing but whitespace is left out
    covered = set()
    for a, b in split_sentences(text):
        covered.update(range(a, b))
    assert all(ch.isspace() for i, ch in enumerate(text) if i not in covered)
