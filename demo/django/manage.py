#!/usr/bin/env python3
"""Django's command-line utility for the permsocket reference server (grant, revoke, deactivate...)."""
import os
import sys
from pathlib import Path


def main():
    """Runs a management command with the same environment as the server."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bootstrap

    # Runs inside demo/django/.venv, where permsocket-django is pip-installed.
    bootstrap.enter()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
