"""The sign-in views a project includes under a prefix of its choice."""
import json
import unittest

from tests import django_setup


def setUpModule():
    django_setup.setup()


class SessionTokenTest(unittest.TestCase):
    def setUp(self):
        from django.contrib.auth import get_user_model
        from django.test import RequestFactory

        self.factory = RequestFactory()
        self.user = get_user_model().objects.create_user(f"session-{self._testMethodName}", password="pw-123456")

    def test_issues_an_access_token_for_the_user_of_the_django_session(self):
        from permsocket_django.tokens import decode_access_token
        from permsocket_django.views import session_token

        request = self.factory.post("/auth/token")
        request.user = self.user
        response = session_token(request)
        self.assertEqual(response.status_code, 200)
        body = json.loads(response.content)
        self.assertEqual(decode_access_token(body["accessToken"])["sub"], str(self.user.pk))
        self.assertEqual(body["expiresIn"], 300)

    def test_answers_401_without_a_signed_in_active_user(self):
        from django.contrib.auth.models import AnonymousUser

        from permsocket_django.views import session_token

        for user in (AnonymousUser(), None):
            request = self.factory.post("/auth/token")
            if user is not None:
                request.user = user
            self.assertEqual(session_token(request).status_code, 401)
        self.user.is_active = False
        request = self.factory.post("/auth/token")
        request.user = self.user
        self.assertEqual(session_token(request).status_code, 401)

    def test_scopes_the_refresh_cookie_to_the_prefix_the_views_are_included_under(self):
        from permsocket_django.views import REFRESH_COOKIE, login

        for prefix in ("/auth", "/api/v1/auth"):
            request = self.factory.post(f"{prefix}/login", json.dumps({"username": self.user.username, "password": "pw-123456"}),
                                        content_type="application/json")
            response = login(request)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.cookies[REFRESH_COOKIE]["path"], prefix)
            self.assertTrue(response.cookies[REFRESH_COOKIE]["httponly"])

    def test_the_urls_module_names_the_four_endpoints(self):
        from django.test import override_settings
        from django.urls import resolve

        import permsocket_django.urls as urls

        self.assertEqual([pattern.name for pattern in urls.urlpatterns], ["login", "refresh", "logout", "token"])
        with override_settings(ROOT_URLCONF="tests.urls"):
            self.assertEqual(resolve("/auth/token").url_name, "token")


if __name__ == "__main__":
    unittest.main()
