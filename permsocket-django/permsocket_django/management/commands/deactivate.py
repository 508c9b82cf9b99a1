"""`manage.py deactivate <username>`: revokes refresh tokens and closes every open socket of the user with 4403.
"""
from django.core.management.base import BaseCommand, CommandError

from permsocket_django.admin_ops import NotFound, get_user, set_active


class Command(BaseCommand):
    """Sets the user's is_active to False."""

    help = "Deactivate a user."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        try:
            set_active(get_user(username), active=False)
        except NotFound as error:
            raise CommandError(str(error)) from None
