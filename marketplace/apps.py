from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MarketplaceConfig(AppConfig):
    """The project package as an app: shared templates tags, management commands."""

    name = "marketplace"
    verbose_name = "Marketplace"

    def ready(self):
        from marketplace.staff_roles import sync_after_migrate

        # Models added since the roles' migration join the roles their rules describe.
        post_migrate.connect(sync_after_migrate, dispatch_uid="marketplace.staff_roles")
