"""Outgoing email: every message has a plain-text and an HTML part, and is sent by Celery after commit."""

import logging
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)


def absolute_url(location: str) -> str:
    """``location`` (a path, or a URL whose path is kept) as a link on ``SITE_URL``: the one source of
    links that leave the site, in emails and in the return URLs given to Stripe.

    Emails are read away from the request that caused them, and are often rendered by a worker that
    has no request at all, so their links never come from a Host header. ``make run`` sets SITE_URL to
    the host and port it serves.
    """
    parts, site = urlsplit(location), urlsplit(settings.SITE_URL)
    return urlunsplit((site.scheme, site.netloc, site.path.rstrip("/") + parts.path, parts.query, parts.fragment))


def email_send(
    *, to: list[str], subject: str, text: str, html: str, from_email: str | None = None, headers: dict | None = None
) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=from_email, to=to, headers=headers)
    message.attach_alternative(html, "text/html")
    message.send()


def email_enqueue(
    *, to: list[str], subject: str, text: str, html: str, from_email: str | None = None, headers: dict | None = None
) -> None:
    """Send after the current transaction commits (never for a rolled-back change). ``headers``: extra ones,
    such as ``List-Unsubscribe`` on optional mail.

    Addresses in the ``.invalid`` top-level domain (RFC 2606: never delivers) are left out: erased accounts
    and anonymised orders carry one in place of the person's address, and their later order updates
    must reach no one rather than bounce at the email provider.
    """
    from marketplace.tasks import send_email

    to = [address for address in to if not address.rstrip(".").lower().endswith(".invalid")]
    if not to:
        return

    payload = {"to": to, "subject": subject, "text": text, "html": html, "from_email": from_email}
    if headers:
        payload["headers"] = headers

    def enqueue():
        try:
            send_email.delay(**payload)
        except (KombuError, OSError) as exc:
            # The change is committed; losing its email (a sign-up confirmation, a shop's approval) or
            # answering 500 would both be worse than a slower response: send it now instead.
            logger.warning("Broker unavailable (%s); sending %r inline", exc, subject)
            email_send(**payload)

    transaction.on_commit(enqueue)


def render_email(template_prefix: str, context: dict) -> tuple[str, str, str]:
    """``<prefix>_subject.txt``, ``<prefix>.txt`` and ``<prefix>.html`` rendered with ``context``.

    Every template gets ``site_url`` (``SITE_URL``, see ``absolute_url``) to build its links on.
    """
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
    return (
        subject,
        render_to_string(f"{template_prefix}.txt", context),
        render_to_string(f"{template_prefix}.html", context),
    )
