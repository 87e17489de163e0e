"""The staff roles support, finance and admin as groups (marketplace/staff_roles.py says what each holds)."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from marketplace.staff_roles import staff_roles_sync

    staff_roles_sync(apps=apps, using=schema_editor.connection.alias)


def remove_roles(apps, schema_editor):
    from marketplace.staff_roles import staff_roles_remove

    staff_roles_remove(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    # After every app's latest migration, so their models (and the custom permissions) exist.
    dependencies = [
        ("marketplace", "0003_stripe_event_unprocessed_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0002_email_preferences"),
        ("vendors", "0004_review_vendor_permission"),
        ("catalog", "0007_product_hidden_by_staff"),
        ("checkout", "0009_resend_receipt_permission"),
        ("orders", "0011_refund_cancel_permissions"),
        ("reviews", "0002_review_photos"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
