"""Production refuses weak settings at start-up, each with one line naming the variable (issue 14,
part 7): a weak SECRET_KEY, no DATABASE_URL, and (in every environment) an unknown ONEWINDOW_ENV.
Each start runs in a fresh interpreter, as gunicorn and `flask` would, and must exit non-zero with
the RuntimeError's sentence as the last line of stderr. The starts run side by side (each takes
the seconds of importing the app)."""
import os
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.config import config_class, weak_secret

ROOT = Path(__file__).resolve().parents[2]
STRONG = "9f1c2e7a4b8d0f3a6c5e1b7d2a9f4c8e0b3d6a1f5c2e8b7d4a0f9c3e6b1d5a2f"  # secrets.token_hex(32)
PRODUCTION = {"ONEWINDOW_ENV": "production", "SECRET_KEY": STRONG, "PUBLIC_BASE_URL": "https://zwfw.example.cn",
              "DATABASE_URL": "sqlite:///{instance}/production.db"}
PYTHON = ("-c", "from app import create_app; create_app()")
FLASK = ("-m", "flask", "--app", "wsgi", "routes")
WEAK = ["x", "a" * 64]

# name: (command, variables; None unsets one)
STARTS = {
    "sound": (PYTHON, PRODUCTION),
    **{f"weak {secret[:4]}": (PYTHON, {**PRODUCTION, "SECRET_KEY": secret}) for secret in WEAK},
    "no secret": (PYTHON, {**PRODUCTION, "SECRET_KEY": None}),
    "no database": (PYTHON, {**PRODUCTION, "DATABASE_URL": None}),
    "staging": (PYTHON, {"ONEWINDOW_ENV": "staging"}),
    "flask no database": (FLASK, {**PRODUCTION, "DATABASE_URL": None}),
    "flask staging": (FLASK, {"ONEWINDOW_ENV": "staging"}),
}


def _start(instance: Path, command, variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ONEWINDOW_ENV", "SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL", "FLASK_APP")}
    env.update({"ONEWINDOW_INSTANCE": str(instance), "SCHEDULER_ENABLED": "0", "LOG_LEVEL": "WARNING"})
    env.update({k: v.format(instance=instance) for k, v in variables.items() if v is not None})
    return subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> dict:
    with ThreadPoolExecutor(max_workers=len(STARTS)) as pool:
        futures = {name: pool.submit(_start, tmp_path_factory.mktemp("instance"), *start)
                   for name, start in STARTS.items()}
        return {name: future.result() for name, future in futures.items()}


def refused(result) -> str:
    """The last line of stderr, after checking the start failed with a RuntimeError."""
    assert result.returncode != 0, result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: "), result.stderr
    return last


def test_a_sound_production_configuration_starts(started):
    assert started["sound"].returncode == 0, started["sound"].stderr


@pytest.mark.parametrize("secret", WEAK)
def test_a_weak_secret_key_is_refused(started, secret):
    last = refused(started[f"weak {secret[:4]}"])
    assert last.startswith("RuntimeError: SECRET_KEY is too weak for production") and "32 characters" in last


def test_what_counts_as_weak():
    for secret in ("short-but-random-9f1c2e7a", "ab" * 32, "0123456789abcdef" * 2, "changeme" * 4, "abcdefg" * 10, ""):
        assert weak_secret(secret), secret
    for _ in range(200):
        assert not weak_secret(secrets.token_hex(32)) and not weak_secret(secrets.token_urlsafe(32))
        assert not weak_secret(secrets.token_hex(16))  # 32 hexadecimal characters: the shortest accepted


def test_production_without_a_secret_key_is_refused(started):
    assert refused(started["no secret"]).startswith("RuntimeError: SECRET_KEY must be set in production")


def test_production_without_database_url_is_refused(started):
    """Never again a production start on a SQLite file in instance/."""
    assert refused(started["no database"]).startswith("RuntimeError: DATABASE_URL must be set in production")


def test_an_unknown_environment_is_refused(started):
    assert refused(started["staging"]) == ("RuntimeError: ONEWINDOW_ENV='staging' is not a known environment: "
                                           "use one of development, testing, production")
    for name in ("Production", "prod", ""):  # names are exact
        with pytest.raises(RuntimeError, match=f"^ONEWINDOW_ENV='{name}' is not a known environment"):
            config_class(name)


def test_flask_shows_the_same_line(started):
    """`flask --app wsgi …` (and gunicorn, which imports wsgi the same way) end with the sentence too."""
    assert refused(started["flask no database"]).startswith("RuntimeError: DATABASE_URL")
    assert refused(started["flask staging"]).startswith("RuntimeError: ONEWINDOW_ENV='staging'")
