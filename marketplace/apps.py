from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_migrate


class MarketplaceConfig(AppConfig):
    """The project package as an app: shared templates tags, management commands."""

    name = "marketplace"
    verbose_name = "Marketplace"

    def ready(self):
        from marketplace import cache_versions
        from marketplace.staff_roles import sync_after_migrate

        # The catalogue version is read once per request (cache_versions.py says why).
        request_started.connect(cache_versions.request_began, dispatch_uid="marketplace.cache_versions.began")
        request_finished.connect(cache_versions.request_ended, dispatch_uid="marketplace.cache_versions.ended")

        # Models added since the roles' migration join the roles their rules describe.
        post_migrate.connect(sync_after_migrate, dispatch_uid="marketplace.staff_roles")
