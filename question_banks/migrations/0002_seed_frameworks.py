from django.db import migrations


def forwards(apps, schema_editor):
    from question_banks.frameworks_seed import seed

    seed(
        apps.get_model("question_banks", "Framework"),
        apps.get_model("question_banks", "Domain"),
        apps.get_model("question_banks", "Competence"),
        apps.get_model("question_banks", "Level"),
    )


class Migration(migrations.Migration):
    dependencies = [("question_banks", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
