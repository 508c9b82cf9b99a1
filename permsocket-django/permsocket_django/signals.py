"""Receivers that bump permission versions and push them, whatever changed the grants: the admin
endpoints, a management command in another process, Django's admin or code calling
`user.user_permissions.add(...)` directly."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import fanout, pushes
from .grants import bump_stamps
from .models import RefreshToken, ScopedGrant

User = get_user_model()


def permissions_may_have_changed(user_ids=(), group_ids=()):
    """Moves the change counter of these users and of these groups' members now, in the
    changing transaction (so a socket's next request reloads), and re-reads their effective sets
    after commit, off this request (fanout.py)."""
    user_ids, group_ids = [pk for pk in set(user_ids) if pk is not None], list(set(group_ids))
    if user_ids:
        bump_stamps(pk__in=user_ids)
    if group_ids:
        bump_stamps(groups__in=group_ids)
    fanout.after_commit(user_ids, group_ids)


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
            permissions_may_have_changed(group_ids=[instance.pk])
    elif action == "pre_clear":
        instance._permsocket_cleared = list(instance.group_set.values_list("pk", flat=True))
    elif action == "post_clear":
        permissions_may_have_changed(group_ids=getattr(instance, "_permsocket_cleared", []))
    elif action in ("post_add", "post_remove") and pk_set:
        permissions_may_have_changed(group_ids=list(pk_set))


@receiver(pre_delete, sender=Group)
def group_deleting(sender, instance, **kwargs):
    """Remembers the members: a deleted group's m2m rows go without m2m signals."""
    instance._permsocket_members = list(User.objects.filter(groups=instance).values_list("pk", flat=True))


@receiver(post_delete, sender=Group)
def group_deleted(sender, instance, **kwargs):
    """A deleted group's members lose its permissions."""
    permissions_may_have_changed(getattr(instance, "_permsocket_members", []))


@receiver([post_save, post_delete], sender=ScopedGrant)
def scoped_grant_changed(sender, instance, **kwargs):
    """A scoped grant to a user or to a group was added, changed or removed."""
    permissions_may_have_changed([instance.user_id] if instance.user_id else [], [instance.group_id] if instance.group_id else [])


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


def connect_guardian():
    """With django-guardian installed, its per-object grants move counters and push like any
    other change (assign_perm saves a row; remove_perm deletes rows one signal each)."""
    from django.apps import apps

    if not apps.is_installed("guardian"):
        return
    from guardian.models import GroupObjectPermission, UserObjectPermission

    def user_grant_changed(sender, instance, **kwargs):
        permissions_may_have_changed([instance.user_id])

    def group_grant_changed(sender, instance, **kwargs):
        permissions_may_have_changed(group_ids=[instance.group_id])

    for signal in (post_save, post_delete):
        signal.connect(user_grant_changed, sender=UserObjectPermission, weak=False, dispatch_uid=f"permsocket-guardian-user-{signal is post_save}")
        signal.connect(group_grant_changed, sender=GroupObjectPermission, weak=False, dispatch_uid=f"permsocket-guardian-group-{signal is post_save}")


connect_guardian()
