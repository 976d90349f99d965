"""Flask CLI commands: demo data, the scheduler, firing due timers and sending messages by hand,
the calendar, the catalogue, the seal's keys, policy and appointment sweeps."""
import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from app import clock, reference
from app.appointments.reminders import remind_due
from app.audit import checks
from app.bootstrap import Runtime, runtime_of, scheduler_for
from app.calendar import service as calendar
from app.cases import recompute
from app.cases.firing import run_due
from app.catalog import editing, guides, transfer
from app.database import unit_of_work
from app.demo.frontoffice import seed_front_office
from app.demo.seed import DEMO_PASSWORD, DEMO_USERS, seed
from app.documents import keys
from app.errors import DomainError
from app.extensions import db
from app.files import service as files
from app.jobs.scheduler import run_blocking
from app.notify import service as notify
from app.policies.sweep import sweep
from app.processes.service import DeployLimits

seed_cli = AppGroup("seed", help="Demo data.")
scheduler_cli = AppGroup("scheduler", help="The scheduler (timers, messages, sweeps).")
timers_cli = AppGroup("timers", help="Timers (jobs).")
calendar_cli = AppGroup("calendar", help="The working-day calendar.")
catalog_cli = AppGroup("catalog", help="Service items and their guides (import, export, lint, publish).")
notify_cli = AppGroup("notify", help="Notifications to applicants.")
seal_cli = AppGroup("seal", help="The office seal's signing keys.")
policies_cli = AppGroup("policies", help="Policy documents (art. 30).")
appointments_cli = AppGroup("appointments", help="Appointments (art. 12).")
files_cli = AppGroup("files", help="The file store.")
audit_cli = AppGroup("audit", help="Consistency checks of the stored cases, timers, messages and files.")
reference_cli = AppGroup("reference", help="The reference data every worker caches (halls, items, guides, accounts).")


def _runtime() -> Runtime:
    return runtime_of(current_app)


def _session() -> Session:
    return db.session()


@seed_cli.command("demo")
def seed_demo():
    """Create the demo hall, users, items and processes (idempotent)."""
    settings = _runtime().settings
    for line in seed(_session(), Path(current_app.config["PROCESSES_DIR"]), DeployLimits.of(settings), settings):
        click.echo(line)
    for line in seed_front_office(_session(), settings):
        click.echo(line)
    click.echo(f"demo users (password {DEMO_PASSWORD}): " + ", ".join(u for u, _, _ in DEMO_USERS))


@scheduler_cli.command("run")
def scheduler_run():
    """Run a scheduler process in the foreground."""
    run_blocking(scheduler_for(current_app._get_current_object()))  # type: ignore[attr-defined]  # a proxy


@timers_cli.command("fire")
def timers_fire():
    """Fire every timer that is due now, once."""
    click.echo(run_due(_session(), _runtime()))


@calendar_cli.command("import")
def calendar_import():
    """(Re)seed the holiday table from the chinesecalendar package."""
    years, counts = recompute.import_official(_session(), "cli", _runtime())
    click.echo(f"official years: {years[0]}–{years[-1]}")
    click.echo(f"recomputed deadlines: {counts.to_dict()}")


@calendar_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def calendar_load(path):
    """Enter an official notice from a CSV (date,is_workday,name) or JSON file."""
    rows = calendar.parse_notice(Path(path).read_text(encoding="utf-8"), path)
    years, counts = recompute.enter_notice(_session(), rows, "cli", _runtime())
    click.echo(f"loaded {len(rows)} days for {years}")
    click.echo(f"recomputed deadlines: {counts.to_dict()}")


@catalog_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish each imported draft (refused if the linter finds problems).")
def catalog_import(paths, publish):
    """Import guide documents (JSON) as drafts."""
    failed = False
    for path in paths:
        try:
            version, _ = editing.import_document(_session(), transfer.parse(json.loads(path.read_text("utf-8"))),
                                                 "cli", _runtime().settings.store, publish=publish)
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
    item = guides.item_by_code(_session(), code)
    version = guides.version_of(_session(), item, number) if number else guides.published_of(_session(), item)
    if version is None:
        raise click.ClickException(f"{code} has no published version; pass --version")
    doc = transfer.export_document(_session(), version, _runtime().settings.store if embed else None)
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2))


@notify_cli.command("send")
def notify_send():
    """Send the notifications that are due, once (the scheduler does this on every round)."""
    click.echo(notify.dispatch_due(_session(), _runtime().channels))


def _moment(value) -> str:
    return value.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else "—"


@seal_cli.command("rotate")
def seal_rotate():
    """Put a new signing key in place; the old one is retired and its private key deleted
    (documents it signed still verify: both public keys are pinned in the key's public/ folder)."""
    key_file = _runtime().key_file
    old, new = keys.rotate(_session(), key_file)
    click.echo(f"retired key {old.key_id} (private key deleted; public key pinned in {key_file.public_dir})")
    click.echo(f"signing key {new.key_id}")


@seal_cli.command("keys")
def seal_keys():
    """List the seal's keys: id, office, created, retired; keys whose documents do not verify on
    this host (not pinned here, or the table's key differs from the pinned one) are marked."""
    key_file = _runtime().key_file
    rows, current = keys.listing(_session(), key_file)
    click.echo("key_id            office  created  retired")
    for row in rows:
        mark = "  (current)" if row.key_id == current else ""
        why = keys.trusted(_session(), row.key_id, key_file)[1]
        if why == keys.UNREGISTERED:
            mark += f"  (not pinned on this host, does not verify: copy its public key to {key_file.public_dir})"
        elif why == keys.MISMATCH:
            mark += "  (the table's public key differs from the pinned one: does not verify)"
        click.echo(f"{row.key_id}  {row.office}  {_moment(row.created_at)}  {_moment(row.retired_at)}{mark}")


@policies_cli.command("sweep")
def policies_sweep():
    """Warn owners of policies due soon and flag overdue ones, once (the scheduler does this on every round)."""
    click.echo(sweep(_session(), _runtime().settings))


@appointments_cli.command("remind")
def appointments_remind():
    """Queue the day-before SMS of bookings starting within 24 hours, once (the scheduler does this on every round)."""
    click.echo(f"{remind_due(_session())} reminders queued")


@files_cli.command("sweep")
def files_sweep():
    """Delete stored files no row refers to and interrupted writes, older than a day, once (the
    scheduler does this every hour)."""
    click.echo(files.sweep(_session(), _runtime().settings.store))


@audit_cli.command("check")
def audit_check():
    """Print every inconsistency found (one per line: check, subject, what is wrong); exit 1 if any."""
    found = 0
    for violation in checks.run(_session(), _runtime().settings.store):
        found += 1
        click.echo(str(violation))
    cases = checks.case_count(_session())
    if found:
        click.echo(f"{found} violation(s) in {cases} case(s)", err=True)
        raise SystemExit(1)
    click.echo(f"no violations ({cases} cases checked)")


@audit_cli.command("verify")
def audit_verify():
    """Re-hash every case's whole history and compare its head with the case row; exit 1 if any is broken."""
    found = 0
    for violation in checks.verify_histories(_session()):
        found += 1
        click.echo(str(violation))
    cases = checks.case_count(_session())
    if found:
        click.echo(f"{found} broken history(ies) in {cases} case(s)", err=True)
        raise SystemExit(1)
    click.echo(f"every history intact ({cases} cases verified)")


@reference_cli.command("reload")
def reference_reload():
    """After a change made outside the app (SQL by hand, e.g. an account deactivated in an
    emergency): every worker reads reference data and accounts again at its next request."""
    session = _session()
    with unit_of_work(session):
        now = reference.invalidate(session)
    click.echo(f"reference data revision {now}: every worker reloads at its next request")


def register(app: Flask) -> None:
    for group in (seed_cli, scheduler_cli, timers_cli, calendar_cli, catalog_cli, notify_cli, seal_cli, policies_cli,
                  appointments_cli, files_cli, audit_cli, reference_cli):
        app.cli.add_command(group)
