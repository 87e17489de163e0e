from django.urls import path

from . import views

urlpatterns = [
    path("", views.account_page, name="account"),
    path("tokens/<int:token_id>/revoke", views.api_token_revoke_view, name="api_token_revoke"),
]
