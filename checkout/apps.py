from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "checkout"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .receivers import merge_guest_cart

        # Django's own login hook (not our control flow): the guest's cart follows them into their account.
        user_logged_in.connect(merge_guest_cart, dispatch_uid="checkout.merge_guest_cart")
