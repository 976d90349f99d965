"""Flask CLI commands: demo data, the timer scheduler, firing due timers by hand."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

seed_cli = AppGroup("seed", help="Demo data.")
scheduler_cli = AppGroup("scheduler", help="The timer scheduler.")
timers_cli = AppGroup("timers", help="Timers (jobs).")


def deploy_limits():
    from app.processes.service import DeployLimits

    config = current_app.config
    return DeployLimits(config["MAX_BPMN_BYTES"], config["MAX_FORM_BYTES"], Path(config["FORMS_DIR"]))


@seed_cli.command("demo")
def seed_demo():
    """Create the demo hall, users, items and processes (idempotent)."""
    from app.demo.seed import DEMO_PASSWORD, DEMO_USERS, seed

    for line in seed(db.session, Path(current_app.config["PROCESSES_DIR"]), deploy_limits()):
        click.echo(line)
    click.echo(f"demo users (password {DEMO_PASSWORD}): " + ", ".join(u for u, _, _ in DEMO_USERS))


@scheduler_cli.command("run")
def scheduler_run():
    """Run a timer scheduler process in the foreground."""
    from app.timers.scheduler import run_blocking

    run_blocking(current_app._get_current_object())


@timers_cli.command("fire")
def timers_fire():
    """Fire every timer that is due now, once."""
    from app.timers.service import run_due

    click.echo(run_due(db.session, current_app.config["TIMER_MAX_ATTEMPTS"]))


def register(app) -> None:
    for group in (seed_cli, scheduler_cli, timers_cli):
        app.cli.add_command(group)
