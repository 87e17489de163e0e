"""The staff dashboard: Django's admin at ``STAFF_URL_PATH`` (``staff/`` unless set).

Signed into through allauth only.

Django's own admin login form knows nothing of allauth's rate limits or its
two-factor step, so it is never shown: its login page hands over to the
site's sign-in page (``secure_admin_login``), where a user with TOTP set up
must give a code after the password, and failed attempts are limited
(``ACCOUNT_RATE_LIMITS``).

With ``STAFF_REQUIRE_MFA`` (always on in production) a staff member without
two-factor set up can use no dashboard page except sign-out: every other one
sends them to set up TOTP first. Staff sessions cannot skip the code step,
since allauth runs it on every login of a user who has an authenticator.
"""

from functools import update_wrapper

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.http import HttpResponseRedirect
from django.urls import reverse

# allauth is imported inside the functions: this module is loaded with the app registry, before models.


def staff_must_set_up_two_factor(user) -> bool:
    from allauth.mfa.utils import is_mfa_enabled

    return bool(settings.STAFF_REQUIRE_MFA and user.is_staff and not is_mfa_enabled(user))


class StaffAdminSite(admin.AdminSite):
    # The index is the platform dashboard: figures for a period above the list of apps (marketplace.dashboard).
    index_template = "admin/dashboard.html"

    def index(self, request, extra_context=None):
        from marketplace.dashboard.page import dashboard_context

        context = dashboard_context(request)
        response = super().index(request, extra_context={**context, **(extra_context or {})})
        if context["period_error"]:
            response.status_code = 400  # the page still shows, with the message and the default period
        return response

    def login(self, request, extra_context=None):
        from allauth.account.decorators import secure_admin_login

        # Anonymous visitors go to allauth's sign-in page and come back here, signed in.
        return secure_admin_login(super().login)(request, extra_context)

    def admin_view(self, view, cacheable=False):
        checked = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if (
                self.has_permission(request)
                and staff_must_set_up_two_factor(request.user)
                and request.path != reverse("admin:logout", current_app=self.name)
            ):
                messages.warning(request, "Set up two-factor authentication to use the staff dashboard.")
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
            return checked(request, *args, **kwargs)

        return update_wrapper(inner, checked)

    def get_urls(self):
        from django.urls import path

        from marketplace.operations import operations_view

        def operations(request):
            return operations_view(request, admin_site=self)

        return [path("operations/", self.admin_view(operations), name="operations"), *super().get_urls()]

    def get_app_list(self, request, app_label=None):
        # The operations page is no model's changelist: listed first on the index (and in the sidebar) as its own
        # entry, so every staff member sees where the work waiting for a human is. No queries here: every page calls it.
        app_list = super().get_app_list(request, app_label)
        if app_label is None and request.user.is_active and request.user.is_staff:
            url = reverse("admin:operations", current_app=self.name)
            entry = {"name": "Needs a human", "object_name": "Operations", "admin_url": url, "view_only": True,
                     "perms": {"view": True}, "add_url": None}  # fmt: skip
            app_list.insert(0, {"name": "Operations", "app_label": "operations", "app_url": url,
                                "has_module_perms": True, "models": [entry]})  # fmt: skip
        return app_list


class StaffAdminConfig(AdminConfig):
    """``django.contrib.admin`` with the site above as ``admin.site``."""

    default_site = "marketplace.staff_site.StaffAdminSite"

    def ready(self):
        super().ready()
        from django.utils.module_loading import autodiscover_modules

        # Each app's kinds of trouble for the operations page (marketplace.operations), found like admin.py.
        # Not "operations": django.contrib.postgres has a module of that name (migration operations).
        autodiscover_modules("staff_operations")
