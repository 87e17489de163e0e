from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    """The project package as an app: shared templates tags, management commands."""

    name = "marketplace"
    verbose_name = "Marketplace"
