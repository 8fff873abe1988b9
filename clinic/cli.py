"""The ``clinic`` console script: the Flask CLI with the app loaded."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from clinic import clock, create_app
from clinic.auth.cli import teams_cli, users_cli
from clinic.data_cli import audit_cli, backup_command, export_family
from clinic.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, database_is_empty, load_demo
from clinic.extensions import db
from clinic.migrations_cli import db_cli
from clinic.worklist.cli import reminders_cli


def main() -> None:
    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True)
    cli.main(args=sys.argv[1:], prog_name="clinic")


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(teams_cli)
    app.cli.add_command(demo)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(export_family)
    app.cli.add_command(backup_command)
    app.cli.add_command(audit_cli)


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (successfully) when the database has staff already.")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Fill an empty database with a believable demo clinic."""
    if not database_is_empty():
        if if_empty:
            click.echo("The database already has data; the demo clinic is not loaded again.")
            return
        raise click.ClickException("The database is not empty; the demo clinic loads only into an empty one.")
    summary = load_demo(clock.today())
    db.session.commit()
    click.echo(
        f"Demo clinic loaded: {summary.families} families, {summary.children} children, "
        f"{summary.screenings} screenings, {len(summary.referrals)} referrals; "
        f"{summary.reminders.family_reminders} reminders and {summary.reminders.visitor_digests} visitor digests "
        "in the outbox (open Mail in the app)."
    )
    click.echo(f"Sign in at the address below with password {DEMO_PASSWORD!r} as:")
    for role, email in summary.sign_ins:
        click.echo(f"  {email:<28} {role}")
    click.echo(
        f"Supervisors and the admin then enter a code of the TOTP key {DEMO_TOTP_SECRET} (add it to an "
        "authenticator app, or run: oathtool --totp -b " + DEMO_TOTP_SECRET + " ; each code works once)."
    )
