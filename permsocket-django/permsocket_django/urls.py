"""The sign-in endpoints, to include under a prefix: `path("auth/", include("permsocket_django.urls"))`.

    POST login     {username, password} -> {accessToken, expiresIn} + refresh cookie
    POST refresh   refresh cookie -> {accessToken, expiresIn}, cookie rotated
    POST logout    revokes the refresh cookie -> 204
    POST token     the Django session's user -> {accessToken, expiresIn} (CSRF-checked)
"""
from django.urls import path

from . import views

app_name = "permsocket"

urlpatterns = [
    path("login", views.login, name="login"),
    path("refresh", views.refresh, name="refresh"),
    path("logout", views.logout, name="logout"),
    path("token", views.session_token, name="token"),
]
