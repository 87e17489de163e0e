from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "marketplace.accounts"
    label = "accounts"
    # Not "Accounts": allauth's account app (e-mail addresses) has that name on the staff dashboard.
    verbose_name = "Users and API tokens"
