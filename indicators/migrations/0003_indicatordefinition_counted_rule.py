"""Remember the counting rule each indicator's roll-up was built with, so the pages can
say when an administrator changed a rule and the figures await a recount. Existing
roll-ups were built with the rules as they stand."""

from django.db import migrations, models


def record(apps, schema_editor):
    Definition = apps.get_model("indicators", "IndicatorDefinition")
    for d in Definition.objects.filter(active=True):
        d.counted_rule = {
            "kinds": sorted(d.certificate_kinds),
            "target_group": d.target_group_id or "",
            "achievement_prefix": d.achievement_prefix,
            "min_level": d.min_level_code,
            "per_achievement": d.per_achievement,
        }
        d.save(update_fields=["counted_rule"])


class Migration(migrations.Migration):
    dependencies = [("indicators", "0002_seed_definitions")]

    operations = [
        migrations.AddField(
            model_name="indicatordefinition",
            name="counted_rule",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.RunPython(record, migrations.RunPython.noop),
    ]
