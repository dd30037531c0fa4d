"""How a request's transaction ends (database.end_read_only_requests_with_commit): COMMIT when
a GET answered below 400 having run only SELECTs (so PostgreSQL keeps psycopg's prepared
statements), ROLLBACK for anything else, so nothing a request did half-way is kept."""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import event, select, update

from evaluator.extensions import db
from evaluator.models import Role, Vendor
from tests.conftest import TEST_DATABASE_URL, login, make_user


@pytest.fixture
def ends(app):
    """The transaction ends the requests ran into, in order."""
    seen: list[str] = []

    def commit(conn):
        seen.append("commit")

    def rollback(conn):
        seen.append("rollback")

    event.listen(db.engine, "commit", commit)
    event.listen(db.engine, "rollback", rollback)
    yield seen
    event.remove(db.engine, "commit", commit)
    event.remove(db.engine, "rollback", rollback)


@pytest.fixture
def routes(app):
    """Views that write without committing (registered before the first request)."""

    def flushed():
        db.session.add(Vendor(name="Flushed, never committed"))
        db.session.flush()
        return "ok"

    def pending():
        db.session.scalars(select(Vendor)).first().name = "Changed, never flushed"
        return "ok"

    def failing():
        db.session.add(Vendor(name="Written before the failure"))
        db.session.flush()
        raise RuntimeError("view failed after writing")

    def core_write():  # no ORM flush: an UPDATE statement through the session
        db.session.execute(update(Vendor).values(name="Updated, never committed"))
        return "ok"

    def savepoint():
        with db.session.begin_nested():
            db.session.add(Vendor(name="In a released savepoint"))
        return "ok"

    def read_then_refuse():
        db.session.scalars(select(Vendor)).all()
        abort(400)

    for view in (flushed, pending, failing, core_write, savepoint, read_then_refuse):
        app.add_url_rule(f"/_test/{view.__name__}", view.__name__, view)
    make_user("tx@example.com", role=Role.LEAD)
    db.session.add(Vendor(name="Existing vendor"))
    db.session.commit()


def test_a_read_only_request_commits(client, routes, ends):
    login(client, "tx@example.com")
    ends.clear()
    assert client.get("/vendors/").status_code == 200
    assert ends == ["commit"]


def test_a_request_that_flushed_rolls_back_and_keeps_nothing(client, routes, ends):
    login(client, "tx@example.com")
    ends.clear()
    assert client.get("/_test/flushed").status_code == 200
    assert ends == ["rollback"]
    assert db.session.scalar(select(Vendor).where(Vendor.name.like("Flushed%"))) is None


def test_pending_changes_are_not_committed_by_the_end_of_the_request(client, routes, ends):
    login(client, "tx@example.com")
    ends.clear()
    assert client.get("/_test/pending").status_code == 200
    assert "commit" not in ends
    assert db.session.scalars(select(Vendor.name)).all() == ["Existing vendor"]


def test_a_failed_request_rolls_back(app, client, routes, ends):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(client, "tx@example.com")
    ends.clear()
    assert client.get("/_test/failing").status_code == 500
    assert "commit" not in ends and "rollback" in ends
    assert db.session.scalars(select(Vendor.name)).all() == ["Existing vendor"]


@pytest.mark.parametrize("view", ["core_write", pytest.param("savepoint", marks=pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"),
    reason="pysqlite commits a released outermost SAVEPOINT by itself"))])
def test_writes_outside_an_orm_flush_are_not_committed(client, routes, ends, view):
    login(client, "tx@example.com")
    ends.clear()
    assert client.get(f"/_test/{view}").status_code == 200
    assert "commit" not in ends
    assert db.session.scalars(select(Vendor.name)).all() == ["Existing vendor"]


def test_an_error_answer_rolls_back_even_after_reads_only(client, routes, ends):
    login(client, "tx@example.com")
    ends.clear()
    assert client.get("/_test/read_then_refuse").status_code == 400
    assert ends == ["rollback"]
