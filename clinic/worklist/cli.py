"""``clinic reminders run [--today YYYY-MM-DD]``: one reminder pass now (rule 8), the same the
worker's daily task runs."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from clinic import clock
from clinic.worklist.reminders import run_reminders_locked

reminders_cli = AppGroup("reminders", help="Reminder emails to families and home visitors.")


@reminders_cli.command("run")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The clinic date to run for (default: today in CLINIC_TIMEZONE).",
)
def run(today) -> None:
    """Queue today's reminders, as the daily worker task does."""
    day = today.date() if today is not None else clock.today()
    counts = run_reminders_locked(day)
    if counts is None:
        raise click.ClickException("Another reminder run is in progress; nothing was queued.")
    click.echo(
        f"Reminders for {day.isoformat()}: {counts['family_reminders']} to families, "
        f"{counts['visitor_digests']} digests to home visitors."
    )
