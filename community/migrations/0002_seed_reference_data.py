from django.db import migrations


def forwards(apps, schema_editor):
    from community.seed import seed

    seed(
        apps.get_model("community", "TargetGroup"),
        apps.get_model("community", "Commune"),
        apps.get_model("community", "FormerUnit"),
    )


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
