"""Listing work: create, edit, publish, archive. Callers have checked the user owns the product."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from catalog.models import MAX_PRICE, Category, Product, ProductModeration
from marketplace.cache_versions import catalogue_changed
from marketplace.emails import email_enqueue, render_email
from marketplace.money import round_money

MAX_TAGS = 13
MAX_TAG_LENGTH = 40


class ProductError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


# Status moves a vendor may make. Archived products come back as drafts, never straight to sale.
ALLOWED_STATUS_MOVES: dict[str, set[str]] = {
    Product.Status.DRAFT: {Product.Status.ACTIVE, Product.Status.ARCHIVED},
    Product.Status.ACTIVE: {Product.Status.DRAFT, Product.Status.ARCHIVED},
    Product.Status.ARCHIVED: {Product.Status.DRAFT},
}

EDITABLE_FIELDS = {
    "title",
    "description",
    "category",
    "tags",
    "price",
    "stock_quantity",
    "made_to_order",
    "processing_days",
    "shipping_override",
    "status",
}


def _clean_tags(tags) -> list[str]:
    cleaned: list[str] = []
    for tag in tags or []:
        tag = " ".join(str(tag).split()).lower()[:MAX_TAG_LENGTH]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ProductError(f"Use at most {MAX_TAGS} tags.", field="tags")
    return cleaned


def _clean_price(price) -> Decimal:
    if isinstance(price, float):
        raise ProductError("Price must be a decimal amount.", field="price")
    try:
        value = round_money(price)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise ProductError("Price must be a decimal amount.", field="price") from exc
    if value <= 0:
        raise ProductError("Price must be above zero.", field="price")
    if value > MAX_PRICE:
        raise ProductError(f"Price can be at most {MAX_PRICE:,}.", field="price")
    return value


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:140] or "item"
    slug, n = base, 2
    taken = Product.objects.exclude(pk=exclude_pk) if exclude_pk else Product.objects
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _validate(product: Product) -> None:
    if not product.title.strip():
        raise ProductError("Give the product a title.", field="title")
    if product.made_to_order and not product.processing_days:
        raise ProductError("Made-to-order items need the days it takes to make them.", field="processing_days")
    if not isinstance(product.category, Category):
        raise ProductError("Choose a category.", field="category")
    try:
        product.full_clean(exclude=["vendor", "slug", "category"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ProductError(messages[0], field=field) from exc


@transaction.atomic
def product_create(
    *,
    vendor,
    title: str,
    category: Category,
    price,
    description: str = "",
    tags=None,
    stock_quantity: int = 0,
    made_to_order: bool = False,
    processing_days: int = 0,
    shipping_override=None,
    status: str = Product.Status.DRAFT,
) -> Product:
    if status == Product.Status.ARCHIVED:
        raise ProductError("A new product starts as a draft or active.", field="status")
    product = Product(
        vendor=vendor,
        title=" ".join(title.split()),
        description=description.strip(),
        category=category,
        tags=_clean_tags(tags),
        price=_clean_price(price),
        stock_quantity=stock_quantity,
        made_to_order=made_to_order,
        processing_days=processing_days,
        shipping_override=shipping_override,
        status=status,
    )
    _validate(product)
    product.slug = _unique_slug(product.title)
    product.save()
    transaction.on_commit(catalogue_changed)
    return product


@transaction.atomic
def product_update(*, product: Product, **changes) -> Product:
    """Edit a product. Past orders keep their own snapshot of title and price."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ProductError(f"These fields can't be changed: {', '.join(sorted(unknown))}.")
    product = Product.objects.select_for_update().get(pk=product.pk)
    new_status = changes.pop("status", product.status)
    if new_status != product.status and new_status not in ALLOWED_STATUS_MOVES[product.status]:
        raise ProductError(
            f"A {product.get_status_display().lower()} product can't become {new_status}.", field="status"
        )
    if "tags" in changes:
        changes["tags"] = _clean_tags(changes["tags"])
    if "price" in changes:
        changes["price"] = _clean_price(changes["price"])
    if "title" in changes:
        changes["title"] = " ".join(changes["title"].split())
    for field, value in changes.items():
        setattr(product, field, value)
    product.status = new_status
    _validate(product)
    product.save()
    transaction.on_commit(catalogue_changed)
    return product


def product_bulk_set_status(*, vendor, product_ids: list[int], status: str) -> int:
    """Publish or unpublish many of the vendor's own products at once; returns how many moved."""
    if status not in (Product.Status.ACTIVE, Product.Status.DRAFT):
        raise ProductError("Bulk changes can publish or unpublish only.")
    allowed_from = [s for s, moves in ALLOWED_STATUS_MOVES.items() if status in moves]
    moved = (
        Product.objects.filter(vendor=vendor, pk__in=product_ids, status__in=allowed_from)
        .exclude(status=status)
        .update(status=status)
    )
    if moved:
        transaction.on_commit(catalogue_changed)
    return moved


@transaction.atomic
def product_delete(*, product: Product) -> str:
    """Delete a product, or archive it when orders still point at it. Returns "deleted" or "archived"."""
    transaction.on_commit(catalogue_changed)
    try:
        with transaction.atomic():
            product.delete()
        return "deleted"
    except ProtectedError:
        Product.objects.filter(pk=product.pk).update(status=Product.Status.ARCHIVED)
        return "archived"


def product_set_hidden(*, product: Product, hidden: bool, by, reason: str) -> Product:
    """Staff hide a product from shoppers (or show it again), with the reason, in the audit; its maker is emailed.

    Apart from the maker's own status: a hidden product stays hidden whatever its maker publishes, until
    staff unhide it. ``by`` must be staff (the dashboard's action also needs ``catalog.hide_product``).
    """
    if not by.is_staff:
        raise ProductError("Only staff can hide or unhide products.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ProductError("Give the reason.", field="reason")
    with transaction.atomic():
        locked = Product.objects.select_for_update(of=("self",)).select_related("vendor__owner").get(pk=product.pk)
        if locked.hidden_by_staff == hidden:
            raise ProductError(f"“{locked.title}” is already {'hidden' if hidden else 'shown'}.")
        locked.hidden_by_staff = hidden
        locked.hidden_reason = reason[:300] if hidden else ""
        locked.save(update_fields=["hidden_by_staff", "hidden_reason", "updated_at"])
        ProductModeration.objects.create(
            product=locked,
            action=ProductModeration.Action.HIDE if hidden else ProductModeration.Action.UNHIDE,
            reason=reason[:300],
            changed_by=by,
        )
        transaction.on_commit(catalogue_changed)
        subject, text, html = render_email("catalog/email/product_hidden", {"product": locked, "reason": reason})
        email_enqueue(to=[locked.vendor.owner.email], subject=subject, text=text, html=html)
    return locked
