"""Flask CLI commands: demo data, the timer scheduler, firing due timers by hand, the seal's keys."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

seed_cli = AppGroup("seed", help="Demo data.")
scheduler_cli = AppGroup("scheduler", help="The timer scheduler.")
timers_cli = AppGroup("timers", help="Timers (jobs).")
calendar_cli = AppGroup("calendar", help="The working-day calendar.")
catalog_cli = AppGroup("catalog", help="Service items and their guides (import, export, lint, publish).")


def file_store():
    from app.files.service import FileStore

    return FileStore.of(current_app.config)


def deploy_limits():
    from app.processes.service import DeployLimits

    config = current_app.config
    return DeployLimits(config["MAX_BPMN_BYTES"], config["MAX_FORM_BYTES"], Path(config["FORMS_DIR"]))


@seed_cli.command("demo")
def seed_demo():
    """Create the demo hall, users, items and processes (idempotent)."""
    from app.demo.seed import DEMO_PASSWORD, DEMO_USERS, seed

    for line in seed(db.session, Path(current_app.config["PROCESSES_DIR"]), deploy_limits(), file_store()):
        click.echo(line)
    from app.demo.frontoffice import seed_front_office

    for line in seed_front_office(db.session):
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


@catalog_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish each imported draft (refused if the linter finds problems).")
def catalog_import(paths, publish):
    """Import guide documents (JSON) as drafts."""
    import json

    from app.catalog import guides, transfer
    from app.database import unit_of_work
    from app.errors import DomainError

    failed = False
    for path in paths:
        try:
            with unit_of_work(db.session):
                version, _ = transfer.import_document(db.session, transfer.parse(json.loads(path.read_text("utf-8"))),
                                                      "cli", file_store())
                if publish:
                    guides.publish(db.session, version, "cli")
            click.echo(f"{path}: {version.item.code} v{version.version} {version.status}")
        except (DomainError, ValueError) as exc:
            failed = True
            click.echo(f"{path}: {getattr(exc, 'message', exc)}", err=True)
            for finding in getattr(exc, "extra", {}).get("findings", []):
                click.echo(f"  {finding['rule']}  {finding['path']}  {finding['message']}", err=True)
    if failed:
        raise SystemExit(1)


@catalog_cli.command("export")
@click.argument("code")
@click.option("--version", "number", type=int, help="Version to export (default: the published one).")
@click.option("--embed", is_flag=True, help="Embed blank forms and samples (Base64).")
def catalog_export(code, number, embed):
    """Print an item's guide as an import document (JSON)."""
    import json

    from app.catalog import guides, transfer

    item = guides.item_by_code(db.session, code)
    version = guides.version_of(db.session, item, number) if number else guides.published_of(db.session, item)
    if version is None:
        raise click.ClickException(f"{code} has no published version; pass --version")
    doc = transfer.export_document(db.session, version, file_store() if embed else None)
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2))


notify_cli = AppGroup("notify", help="Notifications to applicants.")


@notify_cli.command("send")
def notify_send():
    """Send the notifications that are due, once (the scheduler does this on every round)."""
    from app.notify import channels
    from app.notify import service as notify

    click.echo(notify.dispatch_due(db.session, channels.configured(current_app.config)))


seal_cli = AppGroup("seal", help="The office seal's signing keys.")


def _key_file():
    from app.documents import service as documents

    return documents.settings_for(db.session).key_file


def _moment(value) -> str:
    from app import clock

    return value.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else "—"


@seal_cli.command("rotate")
def seal_rotate():
    """Put a new signing key in place; the old one is retired and its private key deleted
    (documents it signed still verify: both public keys are pinned in the key's public/ folder)."""
    from app.documents import keys

    old, new = keys.rotate(db.session, _key_file())
    click.echo(f"retired key {old.key_id} (private key deleted; public key pinned in {_key_file().public_dir})")
    click.echo(f"signing key {new.key_id}")


@seal_cli.command("keys")
def seal_keys():
    """List the seal's keys: id, office, created, retired; keys whose documents do not verify on
    this host (not pinned here, or the table's key differs from the pinned one) are marked."""
    from app.documents import keys

    key_file = _key_file()
    rows, current = keys.listing(db.session, key_file)
    click.echo("key_id            office  created  retired")
    for row in rows:
        mark = "  (current)" if row.key_id == current else ""
        why = keys.trusted(db.session, row.key_id, key_file)[1]
        if why == keys.UNREGISTERED:
            mark += f"  (not pinned on this host, does not verify: copy its public key to {key_file.public_dir})"
        elif why == keys.MISMATCH:
            mark += "  (the table's public key differs from the pinned one: does not verify)"
        click.echo(f"{row.key_id}  {row.office}  {_moment(row.created_at)}  {_moment(row.retired_at)}{mark}")


policies_cli = AppGroup("policies", help="Policy documents (art. 30).")


@policies_cli.command("sweep")
def policies_sweep():
    """Warn owners of policies due soon and flag overdue ones, once (the scheduler does this on every round)."""
    from app.policies.sweep import sweep

    click.echo(sweep(db.session))


appointments_cli = AppGroup("appointments", help="Appointments (art. 12).")


@appointments_cli.command("remind")
def appointments_remind():
    """Queue the day-before SMS of bookings starting within 24 hours, once (the scheduler does this on every round)."""
    from app.appointments.reminders import remind_due

    click.echo(f"{remind_due(db.session)} reminders queued")


def register(app) -> None:
    for group in (seed_cli, scheduler_cli, timers_cli, calendar_cli, catalog_cli, notify_cli, seal_cli, policies_cli,
                  appointments_cli):
        app.cli.add_command(group)
