"""Read models of the reports pages."""

from __future__ import annotations

from sqlalchemy import select

from clinic.auth.models import Team, User
from clinic.extensions import db
from clinic.permissions.scope import overseen_visitors


def overseen_teams(user: User) -> list[Team]:
    """The teams of the visitors ``user`` oversees (an admin: every team with visitors), by name."""
    team_ids = overseen_visitors(user).with_only_columns(User.team_id)
    return list(db.session.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.name, Team.id)))
