"""The caseload search at program scale: children matched only inside the scope."""

from __future__ import annotations

from clinic.cases.queries import search_families
from tests.factories import AdminFactory, ChildFactory, FamilyFactory, UserFactory


def _names(page) -> list[str]:
    return [family.name for family in page.items]


def test_search_matches_a_child_by_first_last_or_full_name(db):
    visitor = UserFactory()
    okafor = FamilyFactory(name="Okafor", assigned_visitor=visitor)
    ChildFactory(family=okafor, first_name="Mateo", last_name="Brennan")
    FamilyFactory(name="Walsh", assigned_visitor=visitor)

    for q in ("mateo", "BRENNAN", "mateo brennan", "o bre"):
        page = search_families(visitor, q=q)
        assert (_names(page), page.total) == (["Okafor"], 1), q
    assert _names(search_families(visitor, q="brennan mateo")) == []


def test_search_never_finds_a_child_of_a_family_out_of_scope(db):
    visitor, other = UserFactory(), UserFactory()
    ChildFactory(family=FamilyFactory(name="Mine", assigned_visitor=visitor), first_name="Ivy", last_name="Mine")
    ChildFactory(family=FamilyFactory(name="Theirs", assigned_visitor=other), first_name="Ivy", last_name="Theirs")

    assert _names(search_families(visitor, q="ivy")) == ["Mine"]
    assert _names(search_families(AdminFactory(), q="ivy")) == ["Mine", "Theirs"]


def test_the_children_half_of_the_search_is_bounded_by_the_scope(db, count_queries):
    """The count and the page each look only at the visitor's children (the
    families' scope inside the children's subquery), not at every child."""
    visitor = UserFactory()
    ChildFactory(family=FamilyFactory(name="Mine", assigned_visitor=visitor), first_name="Ivy")

    with count_queries() as statements:
        search_families(visitor, q="ivy")

    searching = [s for s in statements if "FROM children" in s and "LIKE" in s]
    assert len(searching) == 2  # the count and the page
    for statement in searching:
        children_half = statement[statement.index("FROM children"):]
        assert "assigned_visitor_id" in children_half


def test_the_matches_are_read_as_a_list_of_ids(db, count_queries):
    """The count and the page take the union of matches as a list on PostgreSQL,
    which it reads through the primary key, and as ``IN`` on SQLite (same meaning)."""
    admin = AdminFactory()
    ChildFactory(family=FamilyFactory(name="Mine"), first_name="Ivy")

    with count_queries() as statements:
        page = search_families(admin, q="ivy")

    assert _names(page) == ["Mine"]
    searching = [" ".join(s.split()) for s in statements if "LIKE" in s]
    assert len(searching) == 2
    dialect = db.session.get_bind().dialect.name
    written = "families.id = ANY(ARRAY(SELECT" if dialect == "postgresql" else "families.id IN (SELECT"
    assert all(written in statement for statement in searching)
