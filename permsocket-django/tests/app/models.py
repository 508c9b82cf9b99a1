"""A project that is not the demo: a user model with UUID keys and a model with object grants."""
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A custom user whose primary key is a UUID."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)


class Doc(models.Model):
    """A document; `docs.publish` is checked on one of them (`doc:<uuid>`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=100)
    published = models.BooleanField(default=False)

    class Meta:
        permissions = [("publish_doc", "Can publish a document")]
