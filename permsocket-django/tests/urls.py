"""The URLconf a project writes: the sign-in views under /auth/."""
from django.urls import include, path

urlpatterns = [path("auth/", include("permsocket_django.urls"))]
