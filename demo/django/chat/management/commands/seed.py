"""Seeds the reference users, groups and grants of PROTOCOL.md once, on an empty database."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from permsocket_django.models import ScopedGrant

# In this order, so the ids are 1-5 as on the Node server.
USERS = [
    ("alice", ["chat.view_message", "chat.send_message"], []),
    ("bob", [], ["viewer"]),
    ("carol", [], ["moderator"]),
    ("dave", ["chat.view_message", "chat.send_message@room:general"], []),
    ("admin", ["*"], []),
]
GROUPS = {
    "viewer": ["view_message"],
    "moderator": ["view_message", "send_message", "delete_message"],
}


def _permission(codename):
    return Permission.objects.get(content_type__app_label="chat", codename=codename)


class Command(BaseCommand):
    """`manage.py seed`: does nothing when users exist already."""

    help = "Create the reference users, groups and grants (only on an empty database)."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.exists():
            return
        groups = {}
        for name, codenames in GROUPS.items():
            groups[name] = Group.objects.create(name=name)
            groups[name].permissions.set([_permission(codename) for codename in codenames])
        for username, grants, group_names in USERS:
            superuser = "*" in grants
            user = User.objects.create_user(username, password=f"{username}-pass", is_superuser=superuser, is_staff=superuser)
            user.groups.set([groups[name] for name in group_names])
            for grant in grants:
                if grant == "*":
                    continue
                name, _, resource = grant.partition("@")
                permission = _permission(name.split(".", 1)[1])
                if resource:
                    ScopedGrant.objects.create(user=user, permission=permission, resource=resource)
                else:
                    user.user_permissions.add(permission)
        self.stdout.write("seeded users alice, bob, carol, dave and admin")
