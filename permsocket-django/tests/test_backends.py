"""Object-level grants through the backend, for model instances and resource strings, with
UUID primary keys; the grant list comes from the configured backends."""
import unittest

from tests import django_setup


def setUpModule():
    django_setup.setup()


class ScopedBackendTest(unittest.TestCase):
    def setUp(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission

        from tests.app.models import Doc

        self.user = get_user_model().objects.create_user(f"backend-{self._testMethodName}")
        self.doc, self.other = Doc.objects.create(title="a"), Doc.objects.create(title="b")
        self.publish = Permission.objects.get(codename="publish_doc")

    def fresh(self):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(pk=self.user.pk)

    def test_a_scoped_grant_answers_for_the_model_instance_and_its_resource_string(self):
        from permsocket_django.models import ScopedGrant

        ScopedGrant.objects.create(user=self.user, permission=self.publish, resource=f"doc:{self.doc.pk}")
        user = self.fresh()
        self.assertTrue(user.has_perm("docs.publish_doc", self.doc))
        self.assertTrue(user.has_perm("docs.publish_doc", f"doc:{self.doc.pk}"))
        self.assertFalse(user.has_perm("docs.publish_doc", self.other))
        self.assertFalse(user.has_perm("docs.publish_doc"))
        self.assertIn(f"docs.publish_doc@doc:{self.doc.pk}", user.get_all_permissions())

    def test_a_global_grant_covers_every_object(self):
        self.user.user_permissions.add(self.publish)
        self.assertTrue(self.fresh().has_perm("docs.publish_doc", self.other))

    def test_an_inactive_user_holds_nothing(self):
        from permsocket_django.grants import effective_grants

        self.user.user_permissions.add(self.publish)
        self.user.is_active = False
        self.user.save()
        user = self.fresh()
        self.assertFalse(user.has_perm("docs.publish_doc", self.doc))
        self.assertEqual(effective_grants(user), [])

    def test_the_client_gets_what_every_configured_backend_lists(self):
        from django.test import override_settings

        from permsocket_django.grants import effective_grants

        with override_settings(AUTHENTICATION_BACKENDS=[
            "django.contrib.auth.backends.ModelBackend", "tests.test_backends.TeamBackend",
        ]):
            self.assertEqual(effective_grants(self.fresh()), ["docs.review_doc"])


class TeamBackend:
    """A backend that is not Django's (as LDAP or django-rules would be)."""

    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        return {"docs.review_doc"} if obj is None else set()


class UuidKeysTest(unittest.TestCase):
    def test_a_token_names_a_uuid_user_exactly_as_issued(self):
        from django.contrib.auth import get_user_model

        from permsocket_django.grants import canonical_user_id
        from permsocket_django.tokens import decode_access_token, issue_access_token

        user = get_user_model().objects.create_user("uuid-user")
        claims = decode_access_token(issue_access_token(user)[0])
        self.assertEqual(claims["sub"], str(user.pk))
        self.assertEqual(canonical_user_id(claims["sub"]), user.pk)
        for other in (str(user.pk).upper(), user.pk.hex, "1", "", "x" * 300):
            self.assertIsNone(canonical_user_id(other), other)


if __name__ == "__main__":
    unittest.main()


class GroupScopedGrantTest(unittest.TestCase):
    def test_a_scoped_grant_to_a_group_reaches_its_members_and_their_grant_list(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission

        from permsocket_django import fanout
        from permsocket_django.grants import effective_grants, snapshot
        from permsocket_django.models import PermissionVersion, ScopedGrant
        from tests.app.models import Doc

        doc = Doc.objects.create(title="shared")
        group = Group.objects.create(name="editors-of-one-doc")
        member = get_user_model().objects.create_user("editor")
        outsider = get_user_model().objects.create_user("outsider")
        member.groups.add(group)
        before = snapshot(member.pk)[1]
        ScopedGrant.objects.create(group=group, permission=Permission.objects.get(codename="publish_doc"), resource=f"doc:{doc.pk}")
        fanout.wait()
        fresh = get_user_model().objects.get(pk=member.pk)
        self.assertTrue(fresh.has_perm("docs.publish_doc", doc))
        self.assertFalse(get_user_model().objects.get(pk=outsider.pk).has_perm("docs.publish_doc", doc))
        self.assertEqual(effective_grants(fresh), [f"docs.publish_doc@doc:{doc.pk}"])
        self.assertEqual(PermissionVersion.objects.get(user_id=member.pk).version, before + 1)

    def test_a_scoped_grant_names_exactly_one_user_or_one_group(self):
        from django.contrib.auth.models import Permission
        from django.db import IntegrityError, transaction

        from permsocket_django.models import ScopedGrant

        with self.assertRaises(IntegrityError), transaction.atomic():
            ScopedGrant.objects.create(permission=Permission.objects.get(codename="publish_doc"), resource="doc:x")
