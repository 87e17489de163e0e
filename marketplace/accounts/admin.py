from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.http import urlencode

from marketplace.admin import CsvExportMixin

from .admin_privacy import erase_personal_data, export_personal_data
from .models import ApiToken, User


@admin.register(User)
class UserAdmin(CsvExportMixin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "date_joined"]
    search_fields = ["email", "name"]
    readonly_fields = ["date_joined", "last_login", "stripe_customer_id", "related"]
    show_full_result_count = False
    csv_fields = ["id", "email", "name", "is_active", "is_staff", "is_superuser", "email_digest", "email_news",
                  "date_joined", "last_login"]  # fmt: skip

    @admin.display(description="related")
    def related(self, user):
        # By URL name only: the core imports no app. A shop's owner leads to the shop, a buyer to their orders.
        links = [
            ("Shop", reverse("admin:vendors_vendor_changelist") + f"?owner__id__exact={user.pk}"),
            ("Checkouts", reverse("admin:checkout_checkout_changelist") + f"?user__id__exact={user.pk}"),
            ("Orders", reverse("admin:orders_order_changelist") + "?" + urlencode({"q": user.email})),
            ("Reviews", reverse("admin:reviews_review_changelist") + f"?author__id__exact={user.pk}"),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', ((url, label) for label, url in links))

    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "stripe_customer_id"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
        ("Related", {"fields": ["related"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]
    actions = [export_personal_data, erase_personal_data]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__email", "key_prefix"]
    list_select_related = ["user"]
    readonly_fields = ["user", "key_prefix", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False  # tokens are made by their owners, who alone see the secret
