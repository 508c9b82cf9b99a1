"""`manage.py grant <username> <grant>`: grants a direct grant; open sockets of the user
get the new `perms` (from another process only through Redis, REDIS_URL)."""
from django.core.management.base import BaseCommand, CommandError

from permsocket_django.admin_ops import Malformed, NotFound, get_user, set_grant


class Command(BaseCommand):
    """Grants a grant such as chat.send_message or chat.send_message@room:general."""

    help = "Grants a grant (app_label.codename, app_label.codename@resource or *)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("grant")

    def handle(self, *args, username, grant, **options):
        try:
            set_grant(get_user(username), grant, present=True)
        except (NotFound, Malformed) as error:
            raise CommandError(str(error)) from None
