"""``clinic users ...`` and ``clinic teams ...``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from clinic.auth import services
from clinic.auth.models import ROLES
from clinic.extensions import db

users_cli = AppGroup("users", help="Staff accounts.")
teams_cli = AppGroup("teams", help="Teams of home visitors.")


def _team(name: str | None, option: str):
    if name is None:
        return None
    team = services.find_team(name)
    if team is None:
        raise click.BadParameter(f"no team named {name!r}; create it with `clinic teams create`", param_hint=option)
    return team


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--team", "team_name", help="The team a home visitor belongs to.")
@click.option("--supervises", "supervises_name", help="The team a supervisor supervises.")
def create_user(email: str, name: str, role: str, team_name: str | None, supervises_name: str | None) -> None:
    """Create a staff account; the password is read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = services.create_user(
            email=email,
            name=name,
            role=role,
            password=password,
            team=_team(team_name, "--team"),
            supervises=_team(supervises_name, "--supervises"),
            by=None,
        )
    except services.ServiceError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user(email: str) -> None:
    """Deactivate an account: sign-in, sessions and API tokens stop at once."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account with email {email}")
    services.deactivate_user(user, by=None)
    db.session.commit()
    click.echo(f"Deactivated {user.email}.")


@teams_cli.command("create")
@click.argument("name")
def create_team(name: str) -> None:
    """Create a team."""
    try:
        team = services.create_team(name, by=None)
    except services.ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Created team {team.name} (id {team.id}).")
