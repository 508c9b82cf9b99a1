"""ASGI entry point: HTTP goes to Django's views, the socket on /ws to the chat consumer behind
permsocket_django's Origin check."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models (the consumer does).
django_http = get_asgi_application()

from permsocket_django.routing import permsocket_application  # noqa: E402

from chat.consumers import ChatConsumer  # noqa: E402

application = permsocket_application(django_http, ChatConsumer)
