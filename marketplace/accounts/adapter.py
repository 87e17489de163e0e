from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from marketplace.emails import email_enqueue


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (verification, password reset…) go through the Celery email path.

    Every message leaves with a plain-text and an HTML part.
    """

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
