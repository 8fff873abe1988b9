"""The ``clinic`` console script: the Flask CLI with the app loaded."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def main() -> None:
    from clinic import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True)
    cli.main(args=sys.argv[1:], prog_name="clinic")


def register_commands(app: Flask) -> None:
    from clinic.auth.cli import teams_cli, users_cli
    from clinic.migrations_cli import db_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(teams_cli)
