"""This installation's settings as one immutable object.

The bootstrap builds it once from the configuration (`Settings.from_config`) and hands it to
the services that need it: the engine step carries it, routes and jobs pass it in. Nothing
reads settings from module globals, so two apps in one process (tests) never see each other's.
"""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

from app.files.service import FileStore


@dataclass(frozen=True)
class CaseSettings:
    """The rules of the standard flow an installation may tune (art. 13)."""

    max_correction_rounds: int = 3
    correction_limit_days: int = 5
    tolerance_limit_days: int = 10


@dataclass(frozen=True)
class WarningThresholds:
    """When a deadline turns yellow: at most `days_left` working days left, or at most
    `fraction` of its limit."""

    days_left: int = 1
    fraction: float = 0.2


@dataclass(frozen=True)
class ScriptLimits:
    """What the scripts and expressions of a process may use (issue 14). Over any of these a
    script stops and its step fails like any script error, naming the element."""

    opcodes: int = 1_000_000       # bytecode instructions of one script or expression
    seconds: float = 2.0           # wall clock for all scripts and expressions of one engine step
    int_bits: int = 4096           # the largest integer `**`, `*` or `<<` may produce
    items: int = 1_000_000         # the longest string, bytes, list or tuple an operation may produce
    format_width: int = 10_000     # the widest width or precision of a %-format or f-string field
    state_bytes: int = 5 * 1024 * 1024  # a case's stored engine state (serialized instance)


@dataclass(frozen=True)
class Settings:
    store: FileStore
    secret: str                       # signs tokens, e-delivery links and rating proofs
    seal_key_path: Path               # the office's private signing key
    seal_office: str                  # the name on the electronic seal
    public_base_url: str | None       # where the public pages live (None: the request's own address)
    end_of_day: time = time(23, 59, 59)  # when a deadline day ends (Asia/Shanghai)
    warnings: WarningThresholds = field(default_factory=WarningThresholds)
    cases: CaseSettings = field(default_factory=CaseSettings)
    timer_max_attempts: int = 5
    e_delivery_days: int = 30
    token_max_age: int = 8 * 3600          # API tokens and page sessions, from signing in
    staff_idle_seconds: int = 2 * 3600     # a staff page session ends after this long idle
    max_bpmn_bytes: int = 2 * 1024 * 1024  # one deployed BPMN file
    max_form_bytes: int = 256 * 1024       # one deployed form
    forms_dir: Path = Path("forms")        # the shipped task forms a deployment may use
    progress_lookups_per_hour: int = 10
    consultations_per_hour: int = 5
    complaints_per_hour: int = 5           # online complaints per client address
    max_application_bytes: int = 200 * 1024 * 1024
    scripts: ScriptLimits = field(default_factory=ScriptLimits)
    timer_backoff_seconds: float = 60.0    # a failed timer is tried again after 1, 2, 4 … times this

    @property
    def document_base_url(self) -> str:
        """The address printed in documents and messages (there is no request to take it from)."""
        return (self.public_base_url or "http://127.0.0.1:5000").rstrip("/")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Settings":
        instance = Path(config["INSTANCE_PATH"])
        return cls(
            store=FileStore(Path(config["FILES_DIR"]), int(config["MAX_UPLOAD_BYTES"])),
            secret=config["SECRET_KEY"],
            seal_key_path=Path(config.get("SEAL_KEY_PATH") or instance / "seal" / "office_ed25519.pem"),
            seal_office=config["SEAL_OFFICE"],
            public_base_url=config.get("PUBLIC_BASE_URL") or None,
            end_of_day=datetime.strptime(config["DEADLINE_TIME"], "%H:%M:%S").time(),
            warnings=WarningThresholds(int(config["WARNING_DAYS_LEFT"]), float(config["WARNING_FRACTION"])),
            cases=CaseSettings(int(config["MAX_CORRECTION_ROUNDS"]), int(config["CORRECTION_LIMIT_DAYS"]),
                               int(config["TOLERANCE_LIMIT_DAYS"])),
            timer_max_attempts=int(config["TIMER_MAX_ATTEMPTS"]),
            e_delivery_days=int(config["E_DELIVERY_DAYS"]),
            token_max_age=int(config["TOKEN_MAX_AGE_SECONDS"]),
            staff_idle_seconds=int(config["STAFF_IDLE_SECONDS"]),
            max_bpmn_bytes=int(config["MAX_BPMN_BYTES"]),
            max_form_bytes=int(config["MAX_FORM_BYTES"]),
            forms_dir=Path(config["FORMS_DIR"]),
            progress_lookups_per_hour=int(config["PROGRESS_LOOKUPS_PER_HOUR"]),
            consultations_per_hour=int(config["CONSULTATIONS_PER_HOUR"]),
            complaints_per_hour=int(config["COMPLAINTS_PER_HOUR"]),
            max_application_bytes=int(config["MAX_APPLICATION_BYTES"]),
            scripts=ScriptLimits(
                opcodes=int(config["SCRIPT_MAX_OPCODES"]), seconds=float(config["SCRIPT_STEP_SECONDS"]),
                int_bits=int(config["SCRIPT_MAX_INT_BITS"]), items=int(config["SCRIPT_MAX_ITEMS"]),
                format_width=int(config["SCRIPT_MAX_FORMAT_WIDTH"]), state_bytes=int(config["CASE_STATE_MAX_BYTES"])),
            timer_backoff_seconds=float(config["TIMER_BACKOFF_SECONDS"]),
        )
