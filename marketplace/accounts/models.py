import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

FORMER_CUSTOMER = "Former customer"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: shopper, maker, staff or all three. Email is the login."""

    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into the platform dashboard.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    stripe_customer_id = models.CharField(max_length=64, blank=True, editable=False)
    # Email preferences. Transactional mail (receipts, order updates, messages about an order, account
    # security) is always sent; these two cover the only optional kinds (see marketplace.notifications).
    email_digest = models.BooleanField(
        "daily summary of unread notifications",
        default=True,
        help_text="Notifications you haven't read on the site, collected into one email a day at most.",
    )
    email_news = models.BooleanField(
        "news and offers from the marketplace",
        default=False,
        help_text="Occasional news about makers and the marketplace. Off unless you turn it on.",
    )

    # Set when the person erased their account: the row stays (orders, reviews and the audit point at it)
    # holding nothing personal; see ``marketplace.personal_data``.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.email

    def get_full_name(self):
        if self.erased_at:
            return FORMER_CUSTOMER
        return self.name or self.email

    def get_short_name(self):
        if self.erased_at:
            return FORMER_CUSTOMER
        return (self.name.split(" ")[0] if self.name else "") or self.email


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token for scripts and apps.

    Only a SHA-256 of the secret is stored: a leaked database gives nobody a
    working token. The secret is shown once, when the token is created.
    """

    PREFIX = "mkt_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=12, editable=False, help_text="First characters, to recognise a token.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class Address(models.Model):
    """A shipping address in a shopper's address book. Checkout copies it onto the checkout (a snapshot),
    so editing or deleting it never changes a placed order. Written through ``accounts.services``."""

    MAX_PER_USER = 20

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=40, blank=True, help_text="For you: “Home”, “Work”.")
    name = models.CharField("full name", max_length=150)
    line1 = models.CharField("address", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField("town or city", max_length=120)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code")
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "created_at", "id"]
        constraints = [
            # Services keep exactly one default by locking the user; this is the last line of defence.
            models.UniqueConstraint(fields=["user"], condition=models.Q(is_default=True), name="one_default_address")
        ]
        verbose_name_plural = "addresses"

    def __str__(self):
        return self.one_line()

    def one_line(self) -> str:
        parts = [self.name, self.line1, self.line2, f"{self.city} {self.postcode}".strip(), self.country]
        return ", ".join(p for p in parts if p)

    def as_fields(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in ("name", "line1", "line2", "city", "postcode", "country")}
