"""`manage.py check` names what is wrong with PERMSOCKET; nothing waits for the handshake."""
import unittest

from tests import django_setup


def setUpModule():
    django_setup.setup()


def problems(**permsocket):
    from django.test import override_settings

    from permsocket_django.checks import check_settings
    from tests import settings

    with override_settings(PERMSOCKET={**settings.PERMSOCKET, **permsocket}):
        return {problem.id: problem.msg for problem in check_settings()}


class SettingsChecksTest(unittest.TestCase):
    def test_reports_nothing_for_a_complete_setting(self):
        self.assertEqual(problems(), {})

    def test_names_a_missing_secret(self):
        found = problems(JWT_SECRET="")
        self.assertIn("permsocket.E001", found)
        self.assertIn("JWT_SECRET", found["permsocket.E001"])

    def test_names_a_malformed_rate_limit_and_accepts_the_documented_forms(self):
        for bad in ("100", "a,b", (0, 5), (100,), "100,50,1", True):
            self.assertIn("permsocket.E002", problems(RATE_LIMIT=bad), bad)
        for good in ((100, 50), [10, 1.5], "100,50", None, "off", "OFF"):
            self.assertNotIn("permsocket.E002", problems(RATE_LIMIT=good), good)

    def test_names_an_empty_origin_list(self):
        for empty in ([], "", ["", None]):
            self.assertIn("permsocket.E003", problems(ALLOWED_ORIGINS=empty), empty)
        self.assertNotIn("permsocket.E003", problems(ALLOWED_ORIGINS=lambda scope: ["http://x.test"]))

    def test_names_a_missing_or_unreadable_contract(self):
        self.assertIn("permsocket.E004", problems(CONTRACT=None))
        self.assertIn("no-such-file", problems(CONTRACT="/no-such-file.json")["permsocket.E004"])

    def test_names_a_number_that_is_not_positive(self):
        self.assertIn("AUTH_TIMEOUT", problems(AUTH_TIMEOUT=0)["permsocket.E005"])

    def test_the_whole_setting_may_be_left_out_and_the_defaults_apply(self):
        from django.test import override_settings

        from permsocket_django import conf

        with override_settings(PERMSOCKET={"JWT_SECRET": "s" * 32}):
            self.assertEqual((conf.rate_limit(), conf.auth_timeout(), conf.access_token_ttl(), conf.max_frame_bytes()),
                             ((100, 50), 5.0, 300, 65536))
        with override_settings(PERMSOCKET={"RATE_LIMIT": "nonsense"}):
            # A malformed value never fails a connection: the default applies, the check says why.
            self.assertEqual(conf.rate_limit(), (100, 50))


if __name__ == "__main__":
    unittest.main()
