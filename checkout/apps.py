from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "checkout"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from .models import Cart, CartItem
        from .receivers import cart_count_changed, merge_guest_cart

        # Django's own login hook (not our control flow): the guest's cart follows them into their account.
        user_logged_in.connect(merge_guest_cart, dispatch_uid="checkout.merge_guest_cart")
        # Every write to a cart, whoever makes it (a queryset's delete() sends these too, one per row):
        # the badge's kept count follows. A queryset update() or bulk write would not: none is made.
        for signal in (post_save, post_delete):
            for model in (Cart, CartItem):
                signal.connect(cart_count_changed, sender=model, dispatch_uid=f"checkout.cart_count.{model.__name__}")
