"""`manage.py activate <username>`: lets the user sign in again.
"""
from django.core.management.base import BaseCommand, CommandError

from permsocket_django.admin_ops import NotFound, get_user, set_active


class Command(BaseCommand):
    """Sets the user's is_active to True."""

    help = "Activate a user."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        try:
            set_active(get_user(username), active=True)
        except NotFound as error:
            raise CommandError(str(error)) from None
