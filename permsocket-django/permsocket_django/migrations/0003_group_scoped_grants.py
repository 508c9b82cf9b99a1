import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Scoped grants to a group as well as to a user (exactly one of the two)."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("permsocket", "0002_permissionversion_stamp"),
    ]

    operations = [
        migrations.AlterField(
            model_name="scopedgrant",
            name="user",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="scoped_grants", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="scopedgrant",
            name="group",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="scoped_grants", to="auth.group"),
        ),
        migrations.AlterField(
            model_name="scopedgrant",
            name="resource",
            field=models.CharField(help_text="what the grant covers, such as room:general or doc:<id>", max_length=255),
        ),
        migrations.AddConstraint(
            model_name="scopedgrant",
            constraint=models.UniqueConstraint(fields=("group", "permission", "resource"), name="unique_group_scoped_grant"),
        ),
        migrations.AddConstraint(
            model_name="scopedgrant",
            constraint=models.CheckConstraint(check=models.Q(models.Q(("group__isnull", True), ("user__isnull", False)), models.Q(("group__isnull", False), ("user__isnull", True)), _connector="OR"), name="scoped_grant_to_a_user_or_a_group"),
        ),
    ]
