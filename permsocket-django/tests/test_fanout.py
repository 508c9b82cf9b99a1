"""A permission change costs its request almost nothing: the re-read and the pushes run after
commit on a background thread, and the version moves only when the effective set changed."""
import time
import unittest

from tests import django_setup

MEMBERS = 200


def setUpModule():
    django_setup.setup()


class FanOutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission

        from permsocket_django.grants import snapshot

        User = get_user_model()
        cls.group = Group.objects.create(name="reviewers")
        cls.permission = Permission.objects.get(codename="publish_doc")
        cls.members = [User.objects.create_user(f"member-{n}") for n in range(MEMBERS)]
        cls.group.user_set.add(*cls.members)
        for member in cls.members:
            snapshot(member.pk)  # a version row, as a signed-in socket creates

    def versions(self):
        from permsocket_django import fanout
        from permsocket_django.models import PermissionVersion

        fanout.wait()
        return dict(PermissionVersion.objects.filter(user__in=self.members).values_list("user_id", "version"))

    def test_a_change_to_a_200_member_group_returns_in_under_100_ms_and_reaches_every_member(self):
        from django.db import transaction

        before = self.versions()
        started = time.perf_counter()
        with transaction.atomic():
            self.group.permissions.add(self.permission)
        elapsed = time.perf_counter() - started
        self.assertLess(elapsed, 0.1, f"{elapsed * 1000:.0f} ms")
        after = self.versions()
        self.assertTrue(all(after[pk] == before[pk] + 1 for pk in before))
        self.group.permissions.remove(self.permission)
        self.assertTrue(all(version == before[pk] + 2 for pk, version in self.versions().items()))

    def test_a_change_that_leaves_the_effective_set_as_it_was_moves_no_version(self):
        member = self.members[0]
        member.user_permissions.add(self.permission)
        before = self.versions()
        self.group.permissions.add(self.permission)  # member holds it directly already
        after = self.versions()
        self.assertEqual(after[member.pk], before[member.pk])
        self.assertEqual(after[self.members[1].pk], before[self.members[1].pk] + 1)
        self.group.permissions.remove(self.permission)
        member.user_permissions.remove(self.permission)
        self.versions()


if __name__ == "__main__":
    unittest.main()
