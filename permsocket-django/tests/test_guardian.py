"""django-guardian's per-object grants to users and groups, as permsocket resources."""
import unittest

from tests import django_setup


def setUpModule():
    django_setup.setup()


class GuardianResourceBackendTest(unittest.TestCase):
    def setUp(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from tests.app.models import Doc

        User = get_user_model()
        self.user = User.objects.create_user(f"guarded-{self._testMethodName}")
        self.group = Group.objects.create(name=f"guardians-{self._testMethodName}")
        self.doc, self.other = Doc.objects.create(title="g"), Doc.objects.create(title="h")

    def fresh(self):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(pk=self.user.pk)

    def test_a_guardian_grant_to_the_user_answers_for_the_instance_and_the_resource_string(self):
        from guardian.shortcuts import assign_perm

        from permsocket_django.grants import effective_grants

        assign_perm("docs.publish_doc", self.user, self.doc)
        user = self.fresh()
        self.assertTrue(user.has_perm("docs.publish_doc", self.doc))
        self.assertTrue(user.has_perm("docs.publish_doc", f"doc:{self.doc.pk}"))
        self.assertFalse(user.has_perm("docs.publish_doc", self.other))
        self.assertEqual(effective_grants(user), [f"docs.publish_doc@doc:{self.doc.pk}"])

    def test_a_guardian_grant_to_a_group_reaches_its_members_with_a_push(self):
        from guardian.shortcuts import assign_perm, remove_perm

        from permsocket_django import fanout
        from permsocket_django.grants import snapshot
        from permsocket_django.models import PermissionVersion

        self.user.groups.add(self.group)
        before = snapshot(self.user.pk)[1]
        assign_perm("docs.publish_doc", self.group, self.doc)
        fanout.wait()
        self.assertTrue(self.fresh().has_perm("docs.publish_doc", f"doc:{self.doc.pk}"))
        self.assertEqual(PermissionVersion.objects.get(user_id=self.user.pk).version, before + 1)
        remove_perm("docs.publish_doc", self.group, self.doc)
        fanout.wait()
        self.assertFalse(self.fresh().has_perm("docs.publish_doc", self.doc))
        self.assertEqual(PermissionVersion.objects.get(user_id=self.user.pk).version, before + 2)


if __name__ == "__main__":
    unittest.main()
