from django.urls import path

from . import views

urlpatterns = [
    path("", views.account_page, name="account"),
    path("email-preferences/", views.email_preferences, name="email_preferences"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read", views.notification_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read", views.notification_read, name="notification_read"),
    path("tokens/<int:token_id>/revoke", views.api_token_revoke_view, name="api_token_revoke"),
]
