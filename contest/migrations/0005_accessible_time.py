# Accessible time (issue 8): pausing a placement session stops its clock.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contest", "0004_attemptanswer_client_page_attemptanswer_client_seq"),
    ]

    operations = [
        migrations.AddField(
            model_name="placementsession",
            name="paused_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
