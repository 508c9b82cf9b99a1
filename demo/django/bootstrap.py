"""Installs permsocket-django into this demo's own virtual environment, the way a user would
(`pip install` of the package folder), and runs the demo's entry points in it.

The environment (demo/django/.venv, git-ignored) is created on first use with
--system-site-packages, so it sees Debian's Django, Channels and daphne; the package is installed
again whenever its source changed. run.py and manage.py call `enter()` first, so
`/usr/bin/python3 demo/django/run.py` works on a fresh clone.
"""
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent.parent / "permsocket-django"
VENV = HERE / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / "permsocket-django.sha256"
LOCK = HERE / ".venv.lock"


def _source_digest():
    """A digest of what pip would install, so an edit to the package reinstalls it."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if not path.is_file() or relative.parts[0] in ("build", "tests") or "__pycache__" in relative.parts:
            continue
        if relative.parts[0].endswith(".egg-info"):
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def ensure():
    """Creates the environment and (re)installs the package when needed; returns its python.
    Serialised by a lock file: test workers start several servers at once."""
    wanted = _source_digest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return PYTHON
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
            return PYTHON
        # setuptools builds in the source folder and keeps what it copied there: a module deleted
        # from the package would still be in the next wheel.
        shutil.rmtree(PACKAGE / "build", ignore_errors=True)
        if not PYTHON.exists():
            subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(VENV)], check=True)
        subprocess.run(
            [str(PYTHON), "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-index",
             "--disable-pip-version-check", "--force-reinstall", "--no-deps", str(PACKAGE)],
            # The dependencies (Django, channels, PyJWT, jsonschema) are Debian's, seen through
            # --system-site-packages; --no-deps keeps --force-reinstall from reaching for them.
            check=True,
            stdout=sys.stderr,
        )
        STAMP.write_text(wanted)
    return PYTHON


def enter():
    """Re-runs the current script inside the environment unless it already runs there."""
    python = ensure()
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(python), [str(python), *sys.argv])


if __name__ == "__main__":
    print(ensure())
