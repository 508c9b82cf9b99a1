"""A consumer written as a project would: one @action method per contract action."""
from permsocket_django.consumer import ActionError, PermsocketConsumer, action

from .app.models import Doc


class DocsConsumer(PermsocketConsumer):
    def subscriptions(self):
        return ["docs"]

    @action("docs.publish")
    def publish_doc(self, payload):
        updated = Doc.objects.filter(pk=payload["id"]).update(published=True)
        if not updated:
            raise ActionError("not_found", "no such document")
        return {"id": payload["id"], "by": self.scope["user"].get_username()}

    @action("docs.whoami")
    async def whoami(self, payload):
        return {"id": str(self.scope["user"].pk), "name": self.user.get_username()}
