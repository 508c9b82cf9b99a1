from django.apps import AppConfig


class DocsConfig(AppConfig):
    name = "tests.app"
    label = "docs"
    default_auto_field = "django.db.models.AutoField"
