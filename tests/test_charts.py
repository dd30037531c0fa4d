"""SVG charts of the ranking object: valid XML, a text alternative, escaping, labels, no crashes.

The ranking objects come from the real scoring core (no app), so the charts are tested against
the shape the pages and the PDF will pass them.
"""

from __future__ import annotations

import copy
import re
from xml.etree import ElementTree as ET

import pytest
from markupsafe import Markup

from evaluator import charts, scoring
from evaluator.charts.svg import percent

NS = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert(1)</script> & "Co"'
BUILDERS = [
    charts.score_bars,
    charts.criterion_profile,
    charts.rank_acceptability,
    charts.flip_tornado,
    charts.lens_comparison,
]
CRITERIA = [
    scoring.Criterion("delivery", "Delivery track record", 30, knockout_below=2.0),
    scoring.Criterion("setbacks", "Setback handling", 25),
    scoring.Criterion("lessons", "Lessons learned", 15),
    scoring.Criterion("scale", "Scale & performance", 20),
    scoring.Criterion("compliance", "Compliance & audit", 10),
]
#: Vendor -> mean per criterion (every evaluator gives the same value, so means are exact).
PROFILES = {
    1: [4, 4, 3, 5, 4],  # leads
    2: [4, 2, 4, 5, 4],  # the malicious name
    3: [2, 4, 4, 4, 5],  # wins under the CFO lens
    4: [1, 3, 3, 3, 3],  # knocked out on delivery
    5: [4, 5, 3, 4, None],  # incomplete: no compliance score
}
NAMES = {1: "Acme Consulting", 2: EVIL, 3: "Globex", 4: "Initech", 5: "Umbrella Corp"}


def make_ranking(
    profiles: dict[int, list[float | None]] = PROFILES,
    names: dict[int, str] = NAMES,
    lenses: tuple[scoring.Lens, ...] = (
        scoring.Lens("CFO: cost <control>", {"compliance": 4, "scale": 1}),
        scoring.Lens("Operations", {"delivery": 3, "setbacks": 3, "lessons": 1}),
    ),
) -> dict:
    scores = [
        scoring.ScoreValue(evaluator, vendor, c.key, float(value))
        for vendor, values in profiles.items()
        for c, value in zip(CRITERIA, values, strict=True)
        if value is not None
        for evaluator in (1, 2)
    ]
    analysis = scoring.analyse(
        scoring.Scale(1, 5), CRITERIA, list(profiles), scores, lenses=lenses, samples=400
    )
    data = analysis.to_dict()
    for vendor in data["vendors"]:
        vendor["name"] = names[vendor["id"]]
    return data


@pytest.fixture(scope="module")
def ranking() -> dict:
    return make_ranking()


def parse(svg: Markup) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{NS}svg"
    return root


def shown_texts(root: ET.Element) -> list[str]:
    """What each <text> shows: its own text and child tails, not the tooltip <title>."""
    return [
        (el.text or "") + "".join(child.tail or "" for child in el)
        for el in root.iter(f"{NS}text")
    ]


def tips(root: ET.Element) -> list[str]:
    return [t.text or "" for el in root.iter(f"{NS}text") for t in el.iter(f"{NS}title")]


def desc(root: ET.Element) -> str:
    return root.find(f"{NS}desc").text or ""


def vendor(ranking: dict, vendor_id: int) -> dict:
    return next(v for v in ranking["vendors"] if v["id"] == vendor_id)


# ---------------------------------------------------------------- every chart


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_chart_is_a_self_contained_accessible_svg(build, ranking):
    svg = build(ranking)
    assert isinstance(svg, Markup)
    root = parse(svg)
    assert root.get("role") == "img"
    assert re.fullmatch(r"0 0 640 \d+", root.get("viewBox"))
    assert root.get("width") == "640"
    children = list(root)
    assert children[0].tag == f"{NS}title" and children[0].text.strip()
    assert children[1].tag == f"{NS}desc" and len(children[1].text) > 40
    labelled_by = root.get("aria-labelledby").split()
    assert labelled_by == [children[0].get("id"), children[1].get("id")]
    assert "No data yet" not in desc(root)
    assert "<script" not in str(svg)
    assert not re.search(r"\sstyle=|<style", str(svg))  # presentation attributes only (CSP)


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_malicious_vendor_name_is_escaped_and_survives_as_text(build, ranking):
    svg = str(build(ranking))
    assert "<script>" not in svg and '"Co"' not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Co&#34;" in svg
    root = parse(Markup(svg))
    assert EVIL in desc(root)
    assert not root.findall(f".//{NS}script")


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_output_is_deterministic(build, ranking):
    assert build(ranking) == build(copy.deepcopy(ranking))


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_pattern_ids_are_unique_per_chart_and_every_reference_resolves(build, ranking):
    svg = str(build(ranking))
    ids = re.findall(r' id="([^"]+)"', svg)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r"url\(#([^)]+)\)", svg):
        assert ref in ids
    others = [str(b(ranking)) for b in BUILDERS if b is not build]
    assert not any(f'id="{i}"' in other for i in ids for other in others)


def test_control_characters_in_a_name_do_not_break_the_xml():
    names = {**NAMES, 1: "Ac\x00me\x1b \ud800Consulting\x0c"}
    ranking = make_ranking(names=names)
    for build in BUILDERS:
        root = parse(build(ranking))
        assert "Acme Consulting" in desc(root)


# ---------------------------------------------------------------- score_bars


def test_score_bars_show_scores_ranks_knockouts_and_incomplete(ranking):
    root = parse(charts.score_bars(ranking))
    shown = shown_texts(root)
    for vendor_id in (1, 3, 4):
        v = vendor(ranking, vendor_id)
        assert v["name"] in shown
        assert f"{v['score']:.1f}" in shown
    assert "knocked out" in shown
    assert any(s.startswith("incomplete: no score on Compliance & audit") for s in shown)
    assert "Umbrella Corp" in shown
    # four bars: the incomplete vendor has none; the knocked-out one is hatched
    bars = [r for r in root.iter(f"{NS}rect") if r.get("height") == "16.0"]
    assert len(bars) == 4
    assert sum(r.get("fill", "").startswith("url(#") for r in bars) == 1
    # longest bar belongs to the leader, and widths follow the scores
    widths = [float(r.get("width")) for r in bars]
    scores = [v["score"] for v in ranking["vendors"] if v["score"] is not None]
    assert widths == sorted(widths, reverse=True)
    assert widths[0] / widths[-1] == pytest.approx(scores[0] / scores[-1], rel=1e-2)
    assert "knocked out (below the threshold on Delivery track record)" in desc(root)


# ---------------------------------------------------------------- criterion_profile


def test_profile_shows_each_vendor_mean_per_criterion(ranking):
    root = parse(charts.criterion_profile(ranking))
    shown = shown_texts(root)
    for c in CRITERIA:
        assert c.name in shown
    assert "weight 30.0%, knock-out < 2" in shown
    assert "no score" in shown  # Umbrella on compliance
    text = desc(root)
    assert "Acme Consulting: Delivery track record 4.0, Setback handling 4.0" in text
    assert "Umbrella Corp: " in text and "Compliance & audit no score" in text
    assert EVIL in tips(root)  # legend entry cut to fit, full name as tooltip


def test_profile_picks_and_orders_vendors_and_caps_them(ranking):
    root = parse(charts.criterion_profile(ranking, vendor_ids=[3, 1, 99]))
    text = desc(root)
    assert text.index("Globex:") < text.index("Acme Consulting:")
    assert "Initech" not in text and "Umbrella" not in text
    many = make_ranking(
        profiles={i: [3, 3, 3, 3, 3] for i in range(1, 9)},
        names={i: f"Vendor number {i}" for i in range(1, 9)}, lenses=(),
    )
    text = desc(parse(charts.criterion_profile(many)))
    assert [f"Vendor number {i}:" in text for i in range(1, 9)] == [True] * 6 + [False] * 2


# ---------------------------------------------------------------- rank_acceptability


def test_rank_acceptability_labels_p_rank1_and_stacks_to_the_full_width(ranking):
    root = parse(charts.rank_acceptability(ranking))
    shown = shown_texts(root)
    competing = [v for v in ranking["vendors"] if v["rank_acceptability"] is not None]
    assert len(competing) == 3
    for v in competing:
        assert percent(v["p_rank1"]) in shown
    assert shown.count("not competing (knocked out)") == 1
    assert shown.count("not competing (incomplete)") == 1
    assert {"Rank 1", "Rank 2", "Rank 3"} <= set(shown)
    segments = [r for r in root.iter(f"{NS}rect") if r.get("height") == "18.0"]
    assert len(segments) == 3 * 3
    for row in range(3):
        widths = [float(r.get("width")) for r in segments[row * 3:row * 3 + 3]]
        assert sum(widths) == pytest.approx(280, abs=0.5)  # the 0-100 % axis
    leader = vendor(ranking, 1)
    assert f"Acme Consulting: rank 1 {percent(leader['rank_acceptability'][0])}" \
        in desc(root)


def test_rank_acceptability_merges_low_ranks_beyond_five():
    many = make_ranking(
        profiles={i: [2 + i % 4, 5 - i % 4, 3, 3, 2 + i % 3] for i in range(1, 9)},
        names={i: f"V{i}" for i in range(1, 9)}, lenses=(),
    )
    assert len(many["vendors"][0]["rank_acceptability"]) == 8
    shown = shown_texts(parse(charts.rank_acceptability(many)))
    assert "Rank 4" in shown and "Rank 5–8" in shown and "Rank 6" not in shown


# ---------------------------------------------------------------- flip_tornado


def test_flip_tornado_sorts_by_closeness_and_names_the_takeover(ranking):
    root = parse(charts.flip_tornado(ranking))
    shown = shown_texts(root)
    flips = ranking["sensitivity"]["flips"]
    names = {c["key"]: c["name"] for c in ranking["criteria"]}
    expected = sorted(
        flips, key=lambda f: (f["flip"] is None, abs((f["flip"] or 0) - f["current"]))
    )
    order = [s for s in shown if s in names.values()]
    assert order == [names[f["criterion"]] for f in expected]
    assert "Winner now: Acme Consulting" in shown
    for f in flips:
        if f["flip"] is None:
            continue
        verb = "falls" if f["flip"] < f["current"] else "rises"
        taker = vendor(ranking, f["takeover"])["name"]
        assert (f"If this weight {verb} to {percent(f['flip'])} "
                f"(now {percent(f['current'])}), {taker} takes rank 1") in shown


def test_flip_tornado_lists_criteria_without_a_flip_as_robust():
    dominant = make_ranking(
        profiles={1: [5, 5, 5, 5, 5], 2: [3, 3, 3, 3, 3]}, names={1: "Best", 2: "Other"}, lenses=()
    )
    assert all(f["flip"] is None for f in dominant["sensitivity"]["flips"])
    root = parse(charts.flip_tornado(dominant))
    robust = [s for s in shown_texts(root) if s.startswith("Robust")]
    assert len(robust) == len(CRITERIA)
    assert "Delivery track record: robust, now 30.0%" in desc(root)


# ---------------------------------------------------------------- lens_comparison


def test_lens_comparison_names_each_lens_winner_and_shows_disagreement(ranking):
    root = parse(charts.lens_comparison(ranking))
    shown = shown_texts(root)
    assert ranking["consensus"]["lenses_disagree"] is True
    assert "The lenses disagree on the winner" in shown
    assert [lens["name"] for lens in ranking["lenses"]] == [
        "Base weights", "CFO: cost <control>", "Operations"]
    assert "CFO: cost <control>" in shown and "&lt;control&gt;" in str(
        charts.lens_comparison(ranking))
    for lens in ranking["lenses"]:
        winners = [vendor(ranking, w)["name"] for w in lens["winners"]]
        assert f"winner: {' and '.join(winners)}" in shown
    # one marker per scored (lens, vendor) pair, hollow when knocked out
    scored = [v for lens in ranking["lenses"] for v in lens["vendors"]
              if v["score"] is not None and not v["incomplete"]]
    shapes = [el for el in root if el.tag in {f"{NS}circle", f"{NS}rect", f"{NS}polygon"}
              and el.get("stroke-width") == "1.5"]
    legend = len(ranking["lenses"])
    assert len(shapes) == len(scored) + legend
    assert sum(el.get("fill") == "#ffffff" for el in shapes) == sum(
        v["knocked_out"] for v in scored)


def test_lens_comparison_with_agreeing_lenses():
    agreeing = make_ranking(
        profiles={1: [5, 5, 5, 5, 5], 2: [3, 3, 3, 3, 3]}, names={1: "Best", 2: "Other"},
        lenses=(scoring.Lens("Only compliance", {"compliance": 1}),),
    )
    shown = shown_texts(parse(charts.lens_comparison(agreeing)))
    assert "All lenses pick the same winner: Best" in shown


# ---------------------------------------------------------------- degenerate input


def _degenerate() -> dict[str, object]:
    one = {1: [3, 3, 3, 3, 3]}
    gaps = {1: [3, None, 3, 3, 3], 2: [None, 3, 3, 3, 3]}
    return {
        "none": None,
        "empty dict": {},
        "no vendors": make_ranking(profiles={}, names={}),
        "all incomplete": make_ranking(profiles=gaps, names={1: "A", 2: "B"}, lenses=()),
        "nulls and junk": {
            "vendors": [{"id": 1, "name": None, "score": None, "rank": None, "p_rank1": None,
                         "rank_acceptability": None, "criterion_means": {"x": None}}, "junk"],
            "criteria": [{"key": "x", "name": None, "weight": None}],
            "scale": {"min": 1, "max": 1},
            "sensitivity": {"flips": [{"criterion": "x", "current": None, "flip": None}]},
            "lenses": [{"name": None, "vendors": [{"id": 1, "score": float("nan")}]}],
            "consensus": None,
        },
        "single vendor": make_ranking(profiles=one, names={1: EVIL}, lenses=()),
    }


DEGENERATE = _degenerate()
#: (case, builder) pairs that still have something true to draw.
DRAWN = {
    ("all incomplete", "criterion_profile"),  # partial means are real data
    ("single vendor", "score_bars"),
    ("single vendor", "criterion_profile"),
    ("single vendor", "rank_acceptability"),
    ("single vendor", "lens_comparison"),
}


@pytest.mark.parametrize("case", list(DEGENERATE))
@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_degenerate_input_never_raises(build, case):
    root = parse(build(DEGENERATE[case]))
    shown = shown_texts(root)
    if (case, build.__name__) in DRAWN:
        assert "No data yet" not in shown
    else:
        assert "No data yet" in shown
        assert desc(root).startswith("No data yet. ")
    assert root.find(f"{NS}title").text


def test_single_vendor_is_certain_and_has_no_flip():
    single = DEGENERATE["single vendor"]
    assert "100%" in shown_texts(parse(charts.rank_acceptability(single)))
    assert "Needs at least two competing vendors" in desc(parse(charts.flip_tornado(single)))
    assert EVIL in desc(parse(charts.score_bars(single)))
