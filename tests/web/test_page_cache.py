"""The comparison page and the ranking JSON are rendered once per data version and follow every
change (web/page_cache.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, select

from evaluator.evaluations import compare_routes
from evaluator.extensions import db
from evaluator.models import AuditEvent, Membership, Role, Score, Vendor
from evaluator.services import vendors as vendor_service
from evaluator.web import page_cache
from tests.conftest import CSRF_RE, count_queries, csrf_token, login, make_user
from tests.web.test_workflow import _build_evaluation


def _page(client, url: str) -> str:
    """The page without its CSRF token, which is signed with the time of each request."""
    return CSRF_RE.sub("", client.get(url).get_data(as_text=True))


def _counting(monkeypatch, name):
    calls = []
    real = getattr(compare_routes, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(compare_routes, name, counted)
    return calls


def test_comparison_is_rendered_once_per_data_version_and_follows_changes(client, monkeypatch):
    evaluation = _build_evaluation(3, 2, 2, "cache")
    url = f"/evaluations/{evaluation.id}/compare"
    login(client, "lead-cache@example.com")
    renders = _counting(monkeypatch, "_compare_body")

    miss = count_queries(client, url)
    first = _page(client, url)
    hit = count_queries(client, url)
    assert len(renders) == 1
    assert hit < miss
    assert _page(client, url) == first

    # A renamed vendor and a changed score (ORM changes, so audited) show on the next request.
    vendor = db.session.scalars(select(Vendor).where(Vendor.name == "cache vendor 0")).one()
    vendor.name = "Renamed vendor"
    for score in db.session.scalars(select(Score).where(Score.vendor_id == vendor.id)):
        score.value = 5
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert len(renders) == 2
    assert "Renamed vendor" in page and "cache vendor 0" not in page
    assert "<strong>5.00</strong>" in page and "<strong>5.00</strong>" not in first


def test_ranking_json_follows_score_changes(client, monkeypatch):
    evaluation = _build_evaluation(3, 2, 2, "json")
    url = f"/evaluations/{evaluation.id}/ranking.json"
    login(client, "lead-json@example.com")
    builds = _counting(monkeypatch, "comparison")
    before = client.get(url).get_json()
    assert client.get(url).get_json() == before
    assert len(builds) == 1
    last = max(before["vendors"], key=lambda v: -v["rank"])
    for score in db.session.scalars(select(Score).where(Score.vendor_id == last["id"])):
        score.value = 5
    db.session.commit()
    after = client.get(url).get_json()
    assert len(builds) == 2
    assert next(v for v in after["vendors"] if v["id"] == last["id"])["rank"] == 1


def _audit(id_: int) -> None:
    db.session.execute(AuditEvent.__table__.insert(), [{
        "id": id_, "at": datetime.now(UTC), "actor": "test", "action": "update",
        "entity_type": "Vendor", "entity_id": 1}])
    db.session.commit()


def test_data_version_moves_when_a_lower_id_commits_late(app):
    """PostgreSQL can commit id 51 after id 52 was already visible: the version must move."""
    _audit(50)
    _audit(52)
    seen = page_cache.data_version(db.session)
    assert page_cache.data_version(db.session) == seen  # nothing changed, same version
    _audit(51)
    assert page_cache.data_version(db.session) != seen


def test_cache_keeps_one_version_per_key_and_a_bounded_size():
    store = page_cache.PageCache(size=2)
    store.put("a", (1, 1), "old")
    store.put("a", (2, 2), "new")
    assert store.get("a", (1, 1)) is None
    assert store.get("a", (2, 2)) == "new"
    store.put("b", (2, 2), "b")
    store.put("c", (2, 2), "c")
    assert store.get("a", (2, 2)) is None  # least recently used went first
    assert store.get("c", (2, 2)) == "c"


def test_vendor_list_part_is_shared_but_follows_changes_and_roles(client, monkeypatch):
    make_user("lead-list@example.com", role=Role.LEAD)
    make_user("ev-list@example.com", role=Role.EVALUATOR)
    db.session.add_all([Vendor(name="Alpha Systems"), Vendor(name="Beta Works")])
    db.session.commit()
    loads = []
    real = vendor_service.list_vendors
    monkeypatch.setattr(vendor_service, "list_vendors",
                        lambda *a, **k: loads.append(a) or real(*a, **k))

    login(client, "lead-list@example.com")
    lead_page = client.get("/vendors/").get_data(as_text=True)
    assert "Alpha Systems" in lead_page and "New vendor" in lead_page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "ev-list@example.com")
    evaluator_page = client.get("/vendors/").get_data(as_text=True)
    assert "Alpha Systems" in evaluator_page and "New vendor" not in evaluator_page
    client.get("/vendors/")
    before = len(loads)
    client.get("/vendors/")
    assert len(loads) == before

    vendor = db.session.scalars(select(Vendor).where(Vendor.name == "Alpha Systems")).one()
    vendor.name = "Alpha Renamed"
    db.session.commit()
    page = client.get("/vendors/").get_data(as_text=True)
    assert "Alpha Renamed" in page and "Alpha Systems" not in page
    assert client.get("/vendors/?q=Beta").get_data(as_text=True).count("Alpha Renamed") == 0


def test_a_part_is_rendered_afresh_after_its_lifetime_even_if_the_version_stands():
    now = [100.0]
    store = page_cache.PageCache(ttl=60, clock=lambda: now[0])
    store.put("a", (5, 5), "part")
    now[0] += 59
    assert store.get("a", (5, 5)) == "part"
    now[0] += 2
    assert store.get("a", (5, 5)) is None


def test_version_comes_with_the_reader_until_the_request_writes(app):
    """load_reader() brings the data version in the same statement; data_version() reuses it
    without a query, and reads it afresh once the request has flushed a change."""

    user_id = make_user("reader-version@example.com").id
    current = page_cache.data_version(db.session)  # no request yet: read by its own statement
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    with app.app_context(), app.test_request_context("/"):  # its own g, as a request has
        assert page_cache.load_reader(db.session, user_id).email == "reader-version@example.com"
        assert len(statements) == 1
        assert page_cache.data_version(db.session) == current
        assert len(statements) == 1  # the version came with the reader
        db.session.add(Vendor(name="Written in this request"))
        db.session.flush()  # audited: the version moves, and this request must see it move
        after = page_cache.data_version(db.session)
        assert after != current and len(statements) > 1
        db.session.rollback()
    event.remove(db.engine, "before_cursor_execute", record)
    with app.test_request_context("/"):
        assert page_cache.load_reader(db.session, user_id + 1000) is None


def test_who_may_see_a_comparison_is_kept_but_follows_membership_changes(client):
    """The access decision is cached per reader and data version, and every audited change
    moves the version: a blind evaluator gets in once they submit, and out once removed."""

    evaluation = _build_evaluation(3, 2, 2, "access")
    url = f"/evaluations/{evaluation.id}/compare"
    member = db.session.scalars(select(Membership).where(
        Membership.evaluation_id == evaluation.id,
        Membership.user.has(email="ev0-access@example.com"))).one()
    login(client, "ev0-access@example.com")
    assert client.get(url).status_code == 403  # blind until their own scores are submitted

    member.submitted_at = datetime.now(UTC)
    db.session.commit()
    assert client.get(url).status_code == 200
    assert count_queries(client, url) == 1  # reader and version; page and decision cached
    assert client.get(f"/evaluations/{evaluation.id}/ranking.json").status_code == 200

    db.session.delete(member)
    db.session.commit()
    assert client.get(url).status_code == 404
    assert client.get(f"/evaluations/{evaluation.id}/ranking.json").status_code == 404
