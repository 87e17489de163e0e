from django.urls import path

from . import address_views, privacy_views, views

urlpatterns = [
    path("", views.account_page, name="account"),
    path("email-preferences/", views.email_preferences, name="email_preferences"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read", views.notification_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read", views.notification_read, name="notification_read"),
    path("tokens/<int:token_id>/revoke", views.api_token_revoke_view, name="api_token_revoke"),
    path("addresses/", address_views.address_list, name="addresses"),
    path("addresses/new", address_views.address_add, name="address_add"),
    path("addresses/<int:address_id>/edit", address_views.address_edit, name="address_edit"),
    path("addresses/<int:address_id>/default", address_views.address_default, name="address_default"),
    path("addresses/<int:address_id>/delete", address_views.address_remove, name="address_delete"),
    path("privacy/", privacy_views.privacy_page, name="privacy"),
    path("privacy/export", privacy_views.privacy_export, name="privacy_export"),
]
