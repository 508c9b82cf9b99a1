"""HTTP routes: the same API as the Node reference server, then the built demo web app.
Unknown routes answer JSON 404."""
from django.urls import include, path, re_path

from permsocket_django import admin_views, views
from permsocket_django.http import json_error

from .web import web_app

urlpatterns = [
    path("healthz", views.healthz),
    path("auth/", include("permsocket_django.urls")),
    path("admin/users", admin_views.users),
    path("admin/users/<str:username>/active", admin_views.active),
    path("admin/users/<str:username>/groups/<path:group>", admin_views.group),
    # `path:` because a decoded resource may hold a slash (chat.send_message@doc:a/b).
    path("admin/users/<str:username>/grants/<path:grant>", admin_views.grant),
    # Last: the built demo web app, if any; anything else is a JSON 404.
    re_path(r"^(?P<path>.*)$", web_app),
]


def not_found(request, exception=None):
    """JSON, not Django's HTML page."""
    return json_error(404, "not_found", "no such endpoint")


def server_error(request):
    """JSON, not Django's HTML page; the details stay in the server log."""
    return json_error(500, "internal", "internal server error")


handler404 = not_found
handler500 = server_error
