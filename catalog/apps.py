from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalogue"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .receivers import shopper_lists_follow_sign_in

        # Django's own login hook (not our control flow): what a guest viewed and hearted follows them in.
        user_logged_in.connect(shopper_lists_follow_sign_in, dispatch_uid="catalog.shopper_lists_follow_sign_in")
