from django.db import migrations, models


class Migration(migrations.Migration):
    """A counter bumped in the same transaction as anything that may change a user's permissions,
    so an open socket reads one integer per request and reloads only when it moved."""

    dependencies = [
        ("permsocket", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="permissionversion",
            name="stamp",
            field=models.PositiveBigIntegerField(default=0),
        ),
    ]
