from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from marketplace.emails import absolute_url, email_enqueue


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (verification, password reset…) go through the Celery email path.

    Every message leaves with a plain-text and an HTML part.
    """

    # Links in emails come from SITE_URL (marketplace.emails.absolute_url), not the request's host.
    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return absolute_url(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return absolute_url(super().get_reset_password_from_key_url(key))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, ctx)
        html = next((body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), None)
        if message.content_subtype == "html":
            html, text = message.body, strip_tags(message.body)
        else:
            text = message.body
        if html is None:
            html = render_to_string("email/plain_as_html.html", {"text": text})
        email_enqueue(to=list(message.to), subject=message.subject, text=text, html=html, from_email=message.from_email)
