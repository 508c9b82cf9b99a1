#!/usr/bin/env python3
"""Starts the Django Channels reference server: installs permsocket-django into the demo's
virtual environment when needed (bootstrap.py), migrates and seeds on first start, then serves HTTP
and WebSockets with daphne's Server (what permsocket_django needs from daphne it applies itself
when the app loads; this launcher only adds seeding and the "listening on" line with the bound
port, which the test factories read).

Configuration is by environment (HOST, PORT, JWT_SECRET, ACCESS_TOKEN_TTL, ALLOWED_ORIGINS,
DATABASE, REDIS_URL, RATE_LIMIT, AUTH_TIMEOUT), as for the Node server; see config/env.py.
"""
import os
import sys
from pathlib import Path


def prepare_database():
    """Creates the tables and the reference data the first time (both are no-ops afterwards)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed")


def serve(host, port):
    """Runs daphne until SIGTERM/SIGINT."""
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server

    from config.asgi import application

    def ready():
        # The port actually bound (PORT=0 lets the system pick one), as the Node server reports it;
        # test factories and scripts read it from this line. daphne's TCP listen has completed by
        # now: the endpoint listens synchronously and records each address in listen_success.
        bound = server.listening_addresses[0][1] if server.listening_addresses else port
        shown = f"[{host}]" if ":" in host else host
        print(f"listening on http://{shown}:{bound}", flush=True)

    server = Server(
        application=application,
        endpoints=build_endpoint_description_strings(host=host, port=port),
        ready_callable=ready,
        # Pings keep idle proxies from dropping the socket; the protocol has its own ping too.
        ping_interval=20,
        ping_timeout=30,
        # The socket lives as long as its token allows; daphne's own 24 h cap must not cut it.
        websocket_timeout=-1,
        application_close_timeout=5,
        verbosity=0,
    )
    server.run()


def main():
    """Reads the environment, prepares the database and serves."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bootstrap

    # Runs this script again inside demo/django/.venv, where permsocket-django is pip-installed.
    bootstrap.enter()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config import env

    prepare_database()
    serve(env.HOST, env.PORT)


if __name__ == "__main__":
    main()
