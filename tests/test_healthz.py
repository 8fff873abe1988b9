"""``/healthz``: the benchmark's trivial route and a liveness probe."""

from __future__ import annotations


def test_healthz_answers_without_signing_in_or_touching_the_database(client, count_queries):
    with count_queries() as statements:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == []


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
