from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from marketplace.paths import slug_path
from marketplace.rules import FieldRule
from vendors.models import VISIBLE_SHOP, vendor_visible_sql

MAX_PRICE = Decimal("100000.00")


def marketplace_currency() -> str:
    # A callable, so changing the setting never shows up as a model change.
    return settings.MARKETPLACE_CURRENCY


class Category(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_per_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_path("catalog:category", self.slug)


class ProductManager(models.Manager):
    def get_queryset(self):
        # The tsvector is for the database's eyes only; reading it back costs more than the rest of the row.
        return super().get_queryset().defer("search_vector")


# A product shoppers may see: listed (active) by its maker, in a shop shoppers may see (VISIBLE_SHOP).
# The one definition: visible(), Product.is_visible and VISIBLE_SQL are made from it, and a test
# (catalog/tests/test_visibility.py) checks the three agree on every case.
LISTED_PRODUCT = FieldRule({"status": "active", "hidden_by_staff": False})


class ProductQuerySet(models.QuerySet):
    def visible(self):
        """Products a shopper may see (``LISTED_PRODUCT`` in a ``VISIBLE_SHOP``)."""
        return self.filter(LISTED_PRODUCT.q() & VISIBLE_SHOP.q("vendor__"))


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="products")
    title = models.CharField(max_length=140)
    slug = models.SlugField(max_length=160, unique=True)
    description = models.TextField(blank=True, help_text="Plain text; blank lines separate paragraphs.")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_PRICE)],
    )
    currency = models.CharField(max_length=3, default=marketplace_currency, editable=False)
    stock_quantity = models.PositiveIntegerField(default=0)
    made_to_order = models.BooleanField(default=False, help_text="Made after purchase; stock is not counted.")
    processing_days = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(90)])
    shipping_override = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Shipping for this item instead of the shop's flat rate.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # Moderation, apart from the maker's own status: only staff hide or unhide (catalog.services.products).
    hidden_by_staff = models.BooleanField(default=False, editable=False)
    hidden_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by a database trigger (migration 0002) from title (A), tags + category name (B),
    # description + shop name (C), so every write path (admin, bulk inserts) stays searchable.
    search_vector = SearchVectorField(null=True, editable=False)
    # Filled by the reviews app; denormalised so sorting and filtering by rating need no join.
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, editable=False)
    rating_count = models.PositiveIntegerField(default=0, editable=False)

    objects = ProductManager.from_queryset(ProductQuerySet)()

    class Meta:
        # Staff roles (marketplace/staff_roles.py): support moderates products without editing them.
        permissions = [("hide_product", "Can hide and unhide products")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gt=0) & models.Q(price__lte=MAX_PRICE), name="product_price_range"
            ),
        ]
        indexes = [
            models.Index(fields=["vendor", "status"], name="product_vendor_status"),
            GinIndex(fields=["search_vector"], name="product_search_vector"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="product_title_trgm"),
            # "Shops near me" + category + price: the shops in range give a short vendor list; one
            # scan of this answers all three (at 1M products: ~25 ms -> ~1 ms where the category
            # index alone made a 126K-row bitmap).
            models.Index(
                fields=["vendor", "category", "price"],
                name="product_active_shop_cat_price",
                condition=models.Q(status="active"),
            ),
            # Sorted listings walk these and stop after a page, instead of sorting every match.
            models.Index(fields=["price", "id"], name="product_active_price", condition=models.Q(status="active")),
            models.Index(
                models.F("rating_avg").desc(nulls_last=True),
                models.F("rating_count").desc(),
                models.F("id").desc(),
                name="product_active_rating",
                condition=models.Q(status="active"),
            ),
            models.Index(
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="product_active_newest",
                condition=models.Q(status="active"),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return slug_path("catalog:product", self.slug)

    @property
    def is_visible(self) -> bool:
        """Whether shoppers may see it (reads ``vendor``: select it along)."""
        return LISTED_PRODUCT.holds(self) and self.vendor.is_visible

    @property
    def primary_image(self):
        if "_card_image" in self.__dict__:  # set by selectors.products_by_ids for result cards
            return self._card_image
        images = list(self.images.all())  # uses prefetch when present
        for image in images:
            if image.is_primary:
                return image
        return images[0] if images else None


class ProductModeration(models.Model):
    """Staff hid or unhid a product: who, when and why (written by ``product_set_hidden``)."""

    class Action(models.TextChoices):
        HIDE = "hide", "Hidden"
        UNHIDE = "unhide", "Shown again"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="moderations")
    action = models.CharField(max_length=6, choices=Action.choices)
    reason = models.CharField(max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.product_id}: {self.action}"


def product_visible_sql(product_alias: str = "p", shop_alias: str = "v") -> str:
    """``visible()`` as SQL, for raw statements joining products (``p``) to their shops (``v``)."""
    return f"{LISTED_PRODUCT.sql(Product, product_alias)} AND {vendor_visible_sql(shop_alias)}"


# What the search statements and the prebuilt product reads filter on.
VISIBLE_SQL = product_visible_sql()


def _image_path(instance, filename):
    return f"products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    original = models.ImageField(upload_to=_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_primary = models.BooleanField(default=False)
    # Storage names of the derived files, filled by the thumbnail task:
    # {"200": {"webp": name, "jpeg": name}, "400": {...}, "display": {...}}
    renditions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"], condition=models.Q(is_primary=True), name="one_primary_image_per_product"
            ),
        ]

    def __str__(self):
        return self.alt_text or f"Image {self.pk} of {self.product_id}"


class SearchWord(models.Model):
    """The words of listed titles and tags, for "Did you mean …?" (rebuilt by a periodic task).

    Correcting a misspelt word against this short list, through a trigram
    index, is fast at any catalogue size; scanning titles would not be.
    """

    word = models.CharField(max_length=100, unique=True)
    documents = models.PositiveIntegerField(default=0, help_text="How many products use the word.")

    class Meta:
        indexes = [GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="searchword_word_trgm")]

    def __str__(self):
        return self.word


# --- A shopper's own lists: favourites, followed shops, recently viewed ------------------------------
# Personal data: exported and erased by ``catalog.personal_data`` (the account's data export/deletion).


class Favourite(models.Model):
    """A product a shopper hearted. One row per (user, product): favouriting twice is the same row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="favourite_one_per_user_product")]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="favourite_user_newest")]

    def __str__(self):
        return f"{self.user_id} ♥ {self.product_id}"


class ShopFollow(models.Model):
    """A shopper following a shop: its new work appears on their home page (and in the weekly digest)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_follows")
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "vendor"], name="shopfollow_one_per_user_vendor")]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="shopfollow_user_newest")]

    def __str__(self):
        return f"{self.user_id} follows {self.vendor_id}"


class RecentlyViewed(models.Model):
    """A product page a signed-in shopper opened; the newest ``RECENTLY_VIEWED_MAX`` are kept per person."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recently_viewed")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="recentlyviewed_one_per_user_product")]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="recentlyviewed_user_newest")]

    def __str__(self):
        return f"{self.user_id} saw {self.product_id}"


class FollowDigestSubscription(models.Model):
    """Opt-in to the weekly "new from shops you follow" email: the row's existence is the choice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="follow_digest"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"weekly digest for {self.user_id}"


class FollowDigestSend(models.Model):
    """One weekly digest to one person, claimed (inserted) before the email is enqueued.

    The unique (user, week) row is what makes "at most once per ISO week" hold when the
    beat job runs twice, two workers race, or a task is retried.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8, help_text="ISO week, e.g. 2026-W48.")
    product_count = models.PositiveIntegerField(default=0)
    # The moment the digest's product list was read as of: the next digest lists what is newer.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="followdigestsend_one_per_user_week")]

    def __str__(self):
        return f"digest {self.week} for {self.user_id}"
