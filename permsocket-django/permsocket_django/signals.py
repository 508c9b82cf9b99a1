"""Receivers that bump permission versions and push them, whatever changed the grants: the admin
endpoints, a management command in another process, Django's admin or code calling
`user.user_permissions.add(...)` directly."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import pushes
from .grants import fresh_user, sync_version
from .models import RefreshToken, ScopedGrant

User = get_user_model()


def permissions_may_have_changed(user_ids):
    """After the transaction commits, re-reads each user's effective set and pushes it when it
    changed. Run on commit so the sockets that re-read it see the new rows."""
    for user_id in set(user_ids):
        transaction.on_commit(lambda user_id=user_id: _sync_and_push(user_id))


def _sync_and_push(user_id):
    user = fresh_user(user_id)
    if user is None:
        return
    version, _, changed = sync_version(user)
    if changed:
        pushes.push_perms(user_id, version)


def _group_member_ids(group_ids):
    return list(User.objects.filter(groups__in=group_ids).values_list("pk", flat=True))


def _user_m2m_changed(instance, action, reverse, pk_set):
    """A change to one of the user's many-to-many relations (permissions or groups), made from
    either side: user.<relation>.add/remove/clear, or <other>.user_set.add/remove/clear. Only
    post_ actions push, so the push reads the committed change; a clear from the other side
    remembers its users in pre_clear, since post_clear no longer knows them."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            permissions_may_have_changed([instance.pk])
    elif action == "pre_clear":
        instance._permsocket_cleared = list(instance.user_set.values_list("pk", flat=True))
    elif action == "post_clear":
        permissions_may_have_changed(getattr(instance, "_permsocket_cleared", []))
    elif action in ("post_add", "post_remove") and pk_set:
        permissions_may_have_changed(pk_set)


@receiver(m2m_changed, sender=User.user_permissions.through)
def user_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """user.user_permissions.add/remove/clear, or permission.user_set.add/remove/clear."""
    _user_m2m_changed(instance, action, reverse, pk_set)


@receiver(m2m_changed, sender=User.groups.through)
def user_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """user.groups.add/remove/clear, or group.user_set.add/remove/clear."""
    _user_m2m_changed(instance, action, reverse, pk_set)


@receiver(m2m_changed, sender=Group.permissions.through)
def group_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """group.permissions.add/remove/clear reaches every member; so does permission.group_set."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            permissions_may_have_changed(_group_member_ids([instance.pk]))
    elif action == "pre_clear":
        instance._permsocket_cleared = _group_member_ids(list(instance.group_set.values_list("pk", flat=True)))
    elif action == "post_clear":
        permissions_may_have_changed(getattr(instance, "_permsocket_cleared", []))
    elif action in ("post_add", "post_remove") and pk_set:
        permissions_may_have_changed(_group_member_ids(list(pk_set)))


@receiver(pre_delete, sender=Group)
def group_deleting(sender, instance, **kwargs):
    """Remembers the members: a deleted group's m2m rows go without m2m signals."""
    instance._permsocket_members = _group_member_ids([instance.pk])


@receiver(post_delete, sender=Group)
def group_deleted(sender, instance, **kwargs):
    """A deleted group's members lose its permissions."""
    permissions_may_have_changed(getattr(instance, "_permsocket_members", []))


@receiver([post_save, post_delete], sender=ScopedGrant)
def scoped_grant_changed(sender, instance, **kwargs):
    """A scoped grant was added, changed or removed."""
    permissions_may_have_changed([instance.user_id])


@receiver(pre_save, sender=User)
def remember_flags(sender, instance, **kwargs):
    """Keeps the stored is_active/is_superuser so post_save can tell whether they changed."""
    if instance.pk is None:
        instance._permsocket_before = None
        return
    instance._permsocket_before = User.objects.filter(pk=instance.pk).values("is_active", "is_superuser").first()


@receiver(post_save, sender=User)
def user_saved(sender, instance, created, **kwargs):
    """Deactivation revokes refresh tokens and closes every socket with 4403; any change of
    is_active or is_superuser changes the effective set."""
    before = getattr(instance, "_permsocket_before", None)
    if created or before is None:
        return
    if before["is_active"] and not instance.is_active:
        RefreshToken.objects.filter(user=instance, revoked=False).update(revoked=True)
        user_id = instance.pk
        transaction.on_commit(lambda: pushes.push_deactivated(user_id))
    if before["is_active"] != instance.is_active or before["is_superuser"] != instance.is_superuser:
        permissions_may_have_changed([instance.pk])


@receiver(post_delete, sender=User)
def user_deleted(sender, instance, **kwargs):
    """A deleted user's sockets close like a deactivated user's."""
    user_id = instance.pk
    transaction.on_commit(lambda: pushes.push_deactivated(user_id))
