"""Flask CLI commands: demo data, the timer scheduler, firing due timers by hand."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

seed_cli = AppGroup("seed", help="Demo data.")
scheduler_cli = AppGroup("scheduler", help="The timer scheduler.")
timers_cli = AppGroup("timers", help="Timers (jobs).")
calendar_cli = AppGroup("calendar", help="The working-day calendar.")


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


def _recount(years: list[int], reason: str) -> None:
    from datetime import date

    from app.cases.recompute import recompute

    counts = recompute(db.session, date(min(years), 1, 1), date(max(years), 12, 31), reason)
    click.echo(f"recomputed deadlines: {counts.to_dict()}")


@calendar_cli.command("import")
def calendar_import():
    """(Re)seed the holiday table from the chinesecalendar package."""
    from app.calendar import service as calendar
    from app.database import unit_of_work

    with unit_of_work(db.session):
        years = calendar.import_chinesecalendar(db.session, "cli")
    click.echo(f"official years: {years[0]}–{years[-1]}")
    _recount(years, "导入 chinesecalendar 节假日数据")


@calendar_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def calendar_load(path):
    """Enter an official notice from a CSV (date,is_workday,name) or JSON file."""
    from app.calendar import service as calendar
    from app.database import unit_of_work

    rows = calendar.parse_notice(Path(path).read_text(encoding="utf-8"), path)
    with unit_of_work(db.session):
        years = calendar.load_notice(db.session, rows, "cli")
    click.echo(f"loaded {len(rows)} days for {years}")
    _recount(years, f"录入 {'、'.join(map(str, years))} 年节假日安排")


def register(app) -> None:
    for group in (seed_cli, scheduler_cli, timers_cli, calendar_cli):
        app.cli.add_command(group)
