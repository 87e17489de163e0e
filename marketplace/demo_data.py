"""Demo and benchmark data: categories, shops in real towns, products with images.

Fast by construction: one password hash shared by every demo account, a
small pool of generated images shared by many products, and bulk inserts in
batches. Deterministic (seeded RNG) so two runs make the same catalogue.
"""

import hashlib
import io
import random
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw

from catalog.models import Category, Product, ProductImage
from marketplace.accounts.models import User
from marketplace.demo_logins import DEMO_PASSWORD, MAKER_EMAIL, SHOPPER_EMAIL, STAFF_EMAIL
from vendors.geocoding import town_locate
from vendors.models import Vendor

CATEGORY_TREE = {
    "Jewellery": ["Necklaces", "Earrings", "Rings", "Bracelets"],
    "Ceramics": ["Mugs & cups", "Bowls", "Vases", "Plates"],
    "Textiles": ["Scarves", "Quilts", "Rugs", "Cushions"],
    "Woodwork": ["Chopping boards", "Spoons & utensils", "Small furniture"],
    "Art & prints": ["Prints", "Paintings", "Illustration"],
    "Home & living": ["Candles", "Baskets", "Lighting"],
    "Leather": ["Wallets", "Bags", "Belts"],
    "Glass": ["Glassware", "Suncatchers"],
}

# (town, ISO country) — real places known for their makers.
TOWNS = [
    ("Bath", "GB"),
    ("Totnes", "GB"),
    ("Stoke-on-Trent", "GB"),
    ("Penzance", "GB"),
    ("Hebden Bridge", "GB"),
    ("Edinburgh", "GB"),
    ("Cardiff", "GB"),
    ("Brighton", "GB"),
    ("Norwich", "GB"),
    ("York", "GB"),
    ("Asheville", "US"),
    ("Santa Fe", "US"),
    ("Portland", "US"),
    ("Burlington", "US"),
    ("Taos", "US"),
    ("Savannah", "US"),
    ("Asbury Park", "US"),
    ("Boulder", "US"),
    ("Sedona", "US"),
    ("Ithaca", "US"),
    ("Kilkenny", "IE"),
    ("Galway", "IE"),
    ("Lyon", "FR"),
    ("Limoges", "FR"),
    ("Quimper", "FR"),
    ("Faenza", "IT"),
    ("Murano", "IT"),
    ("Florence", "IT"),
    ("Delft", "NL"),
    ("Utrecht", "NL"),
    ("Porto", "PT"),
    ("Caldas da Rainha", "PT"),
    ("Seville", "ES"),
    ("Granada", "ES"),
    ("Talavera de la Reina", "ES"),
    ("Arita", "JP"),
    ("Kyoto", "JP"),
    ("Oaxaca", "MX"),
    ("Puebla", "MX"),
    ("Cusco", "PE"),
    ("Fez", "MA"),
    ("Marrakesh", "MA"),
    ("Jaipur", "IN"),
    ("Hobart", "AU"),
    ("Nelson", "NZ"),
    ("Halifax", "CA"),
    ("Quebec", "CA"),
    ("Bergen", "NO"),
    ("Gothenburg", "SE"),
    ("Tallinn", "EE"),
]

SHOP_WORDS = (
    "Hearth",
    "Kiln",
    "Loom",
    "Willow",
    "Copper",
    "Thistle",
    "Saltmarsh",
    "Oak",
    "Bramble",
    "Linen",
    "Ember",
    "Fern",
    "Harbour",
    "Meadow",
    "Cobble",
    "Slate",
    "Juniper",
    "Hollow",
    "Tide",
    "Wren",
)
SHOP_SUFFIX = ("Studio", "Workshop", "Makers", "& Co", "Craft", "Atelier", "Goods", "Works")

ITEMS = {
    "Necklaces": ["pendant necklace", "beaded necklace", "chain necklace"],
    "Earrings": ["stud earrings", "hoop earrings", "drop earrings"],
    "Rings": ["stacking ring", "signet ring", "band ring"],
    "Bracelets": ["cuff bracelet", "woven bracelet", "bangle"],
    "Mugs & cups": ["mug", "tea bowl", "espresso cup"],
    "Bowls": ["serving bowl", "ramen bowl", "fruit bowl"],
    "Vases": ["bud vase", "tall vase", "bottle vase"],
    "Plates": ["dinner plate", "side plate", "platter"],
    "Scarves": ["wool scarf", "silk scarf", "cowl"],
    "Quilts": ["patchwork quilt", "baby quilt", "throw quilt"],
    "Rugs": ["rag rug", "woven rug", "runner"],
    "Cushions": ["cushion cover", "floor cushion", "bolster"],
    "Chopping boards": ["chopping board", "serving board", "cheese board"],
    "Spoons & utensils": ["carved spoon", "spatula", "scoop"],
    "Small furniture": ["stool", "side table", "shelf"],
    "Prints": ["linocut print", "screen print", "risograph print"],
    "Paintings": ["watercolour", "oil painting", "gouache study"],
    "Illustration": ["ink illustration", "botanical drawing", "map illustration"],
    "Candles": ["pillar candle", "soy candle", "taper candles"],
    "Baskets": ["storage basket", "market basket", "bread basket"],
    "Lighting": ["pendant lamp", "table lamp", "lantern"],
    "Wallets": ["card wallet", "billfold wallet", "coin purse"],
    "Bags": ["tote bag", "crossbody bag", "satchel"],
    "Belts": ["leather belt", "braided belt", "dog collar"],
    "Glassware": ["tumbler", "carafe", "wine glass"],
    "Suncatchers": ["suncatcher", "stained glass panel", "window hanging"],
}
MATERIALS = {
    "Jewellery": ["silver", "gold-filled", "brass", "copper", "sea glass", "pearl"],
    "Ceramics": ["stoneware", "porcelain", "earthenware", "speckled", "celadon", "raku"],
    "Textiles": ["merino", "linen", "organic cotton", "alpaca", "indigo-dyed", "hand-loomed"],
    "Woodwork": ["walnut", "cherry", "ash", "olive wood", "oak", "maple"],
    "Art & prints": ["coastal", "botanical", "abstract", "city", "mountain", "bird"],
    "Home & living": ["beeswax", "rattan", "willow", "seagrass", "paper", "brass"],
    "Leather": ["vegetable-tanned", "tan", "black", "oxblood", "natural", "waxed"],
    "Glass": ["blown", "recycled", "amber", "cobalt", "clear", "smoky"],
}
# Real catalogues have a long tail of rare words (glaze names, place names, makers' marks).
# Three syllables from this list give ~14K made-up words, so each is rare even at 1M products.
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ven",
    "tu",
    "sel",
    "dor",
    "ish",
    "an",
    "bre",
    "quo",
    "fen",
    "lys",
    "mar",
    "tho",
    "ul",
    "zem",
    "pa",
    "rin",
    "go",
    "wex",
    "cy",
    "sha",
]


def _mark(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(3))


ADJECTIVES = ["Handmade", "Hand-thrown", "Hand-carved", "Small-batch", "One-of-a-kind", "Rustic", "Minimal", "Classic"]
PALETTES = [
    ((138, 59, 18), (241, 236, 228)),
    ((31, 111, 63), (232, 242, 234)),
    ((26, 86, 219), (230, 236, 250)),
    ((120, 80, 150), (240, 232, 246)),
    ((180, 120, 30), (250, 244, 228)),
    ((60, 60, 60), (236, 236, 236)),
]


@dataclass
class SeedResult:
    categories: int = 0
    shops: int = 0
    shoppers: int = 0
    products: int = 0


def demo_already_loaded() -> bool:
    return User.objects.filter(email=STAFF_EMAIL).exists()


def _image_bytes(rng: random.Random, palette, size=800) -> bytes:
    ink, paper = palette
    image = Image.new("RGB", (size, size), paper)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 7)):
        x, y = rng.randint(0, size), rng.randint(0, size)
        r = rng.randint(size // 10, size // 3)
        shade = tuple(min(255, max(0, c + rng.randint(-40, 40))) for c in ink)
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
        else:
            draw.rounded_rectangle((x - r, y - r // 2, x + r, y + r // 2), radius=r // 4, fill=shade)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()


def _image_pool(rng: random.Random, count: int) -> list[tuple[str, dict]]:
    """Store ``count`` generated images and their renditions once; return (name, renditions) pairs.

    Shared by many demo products, so the pages look real without running the
    thumbnail task for every product.
    """
    from catalog.images import encoded_size, make_renditions

    pool = []
    for i in range(count):
        data = _image_bytes(rng, PALETTES[i % len(PALETTES)])
        digest = hashlib.sha256(data).hexdigest()[:16]
        name = f"demo/{digest}.jpg"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(data))
        renditions = {}
        for label, files in make_renditions(data).items():
            entry = {}
            for fmt, payload in files.items():
                path = f"demo/r/{digest}-{label}.{'jpg' if fmt == 'jpeg' else fmt}"
                if not default_storage.exists(path):
                    path = default_storage.save(path, ContentFile(payload))
                entry[fmt] = path
            width, height = encoded_size(files["jpeg"])
            renditions[label] = entry | {"width": width, "height": height}
        pool.append((name, renditions))
    return pool


def seed_categories() -> dict[str, list[Category]]:
    leaves: dict[str, list[Category]] = {}
    for position, (top_name, children) in enumerate(CATEGORY_TREE.items()):
        top, _ = Category.objects.get_or_create(
            slug=slugify(top_name), defaults={"name": top_name, "position": position}
        )
        leaves[top_name] = []
        for child_position, child_name in enumerate(children):
            child, _ = Category.objects.get_or_create(
                slug=slugify(child_name), defaults={"name": child_name, "parent": top, "position": child_position}
            )
            leaves[top_name].append(child)
    return leaves


def _verified_users(emails_and_names: list[tuple[str, str]], *, password_hash: str, is_staff=False) -> list[User]:
    users = User.objects.bulk_create(
        [User(email=e, name=n, password=password_hash, is_staff=is_staff) for e, n in emails_and_names],
        batch_size=1000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=1000
    )
    return users


def seed(*, shops: int = 50, products: int = 1000, shoppers: int = 1000, progress=None, seed: int = 2026) -> SeedResult:
    """Create the demo marketplace. ``progress(n)`` is called as products are written."""
    rng = random.Random(seed)
    result = SeedResult()
    password_hash = make_password(DEMO_PASSWORD)  # one Argon2 hash for every demo account

    with transaction.atomic():
        leaves = seed_categories()
        result.categories = Category.objects.count()
        staff = _verified_users([(STAFF_EMAIL, "Sam Staff")], password_hash=password_hash, is_staff=True)[0]
        staff.is_superuser = True
        staff.save(update_fields=["is_superuser"])
        _verified_users([(SHOPPER_EMAIL, "Sasha Shopper")], password_hash=password_hash)
        _verified_users(
            [(f"shopper{i}@demo.artisan.test", f"Shopper {i}") for i in range(1, shoppers)],
            password_hash=password_hash,
        )
        result.shoppers = shoppers

        owners = _verified_users(
            [(MAKER_EMAIL, "Morgan Maker")] + [(f"maker{i}@demo.artisan.test", f"Maker {i}") for i in range(1, shops)],
            password_hash=password_hash,
        )
        vendors = Vendor.objects.bulk_create(_make_shops(owners, rng, start=0), batch_size=1000)
        result.shops = len(vendors)
        image_names = _image_pool(rng, min(48, max(6, products // 20)))

    result.products = seed_products(
        vendors=vendors, leaves=leaves, count=products, images=image_names, rng=rng, progress=progress
    )
    from catalog.services.search_index import search_words_refresh

    search_words_refresh()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product")  # fresh statistics for the search planner
    return result


def _make_shops(owners, rng: random.Random, *, start: int) -> list[Vendor]:
    taken = set(Vendor.objects.values_list("name", flat=True))
    shops = []
    for i, owner in enumerate(owners, start=start):
        town, country = TOWNS[i % len(TOWNS)]
        place = town_locate(town=town, country=country)
        name = f"{SHOP_WORDS[i % len(SHOP_WORDS)]} {SHOP_SUFFIX[(i // len(SHOP_WORDS)) % len(SHOP_SUFFIX)]}"
        if name in taken:
            name = f"{name} of {town}"
        if name in taken:
            name = f"{name} {i}"
        taken.add(name)
        shops.append(
            Vendor(
                owner=owner,
                name=name,
                slug=slugify(name),
                description=f"Small studio in {town}. Everything is made by hand, in small batches.",
                town=place.name if place else town,
                country=country,
                latitude=place.latitude if place else None,
                longitude=place.longitude if place else None,
                shipping_flat=Decimal(rng.choice(["3.50", "4.95", "6.00", "8.00"])),
                free_shipping_over=Decimal(rng.choice(["50.00", "75.00", "100.00"])) if rng.random() < 0.6 else None,
                processing_days=rng.randint(1, 7),
                returns_policy="Returns accepted within 30 days of delivery, unused and in original packaging.",
                # A few shops wait for review so the dashboard has work to show.
                status=Vendor.Status.PENDING if i % 25 == 24 else Vendor.Status.APPROVED,
                stripe_account_id=f"acct_demo{i:06d}",
                charges_enabled=True,
                payouts_enabled=True,
            )
        )
    return shops


def ensure_benchmark_catalogue(*, products: int, shops: int, progress=None, seed: int = 7) -> tuple[int, int]:
    """Top the database up to ``shops`` shops and ``products`` products (never removes any)."""
    rng = random.Random(seed + Product.objects.count())
    if not Category.objects.exists():
        seed_categories()
    leaves = {top.name: list(top.children.all()) for top in Category.objects.filter(parent__isnull=True)}
    leaves = {name: children for name, children in leaves.items() if name in CATEGORY_TREE and children}
    have_shops = Vendor.objects.count()
    if have_shops < shops:
        password_hash = make_password(DEMO_PASSWORD)
        with transaction.atomic():
            owners = _verified_users(
                [(f"benchmaker{i}@demo.artisan.test", f"Bench Maker {i}") for i in range(have_shops, shops)],
                password_hash=password_hash,
            )
            Vendor.objects.bulk_create(_make_shops(owners, rng, start=have_shops), batch_size=1000)
    vendors = list(Vendor.objects.all())
    missing = products - Product.objects.count()
    if missing > 0:
        images = _image_pool(rng, 48)
        seed_products(
            vendors=vendors, leaves=leaves, count=missing, images=images, rng=rng, progress=progress, batch=5000
        )
    from catalog.services.search_index import search_words_refresh

    search_words_refresh()
    with connection.cursor() as cursor:
        # Every table filled here: without statistics (autovacuum may be off, or not yet round)
        # the planner guesses, and scanned all 100K photos for one storefront page.
        for table in ("catalog_product", "catalog_productimage", "vendors_vendor", "catalog_category"):
            cursor.execute(f"ANALYZE {table}")
    return Vendor.objects.count(), Product.objects.count()


def seed_products(*, vendors, leaves, count, images, rng, progress=None, batch=2000) -> int:
    tops = list(leaves)
    vendor_tops = {v.pk: tops[i % len(tops)] for i, v in enumerate(vendors)}
    made = 0
    start = Product.objects.count()
    while made < count:
        size = min(batch, count - made)
        rows = []
        for j in range(size):
            n = start + made + j
            vendor = vendors[rng.randrange(len(vendors))]
            top = vendor_tops[vendor.pk] if rng.random() < 0.8 else rng.choice(tops)
            leaf = rng.choice(leaves[top])
            item = rng.choice(ITEMS[leaf.name])
            material = rng.choice(MATERIALS[top])
            title = f"{rng.choice(ADJECTIVES)} {material} {item}"
            made_to_order = rng.random() < 0.15
            rows.append(
                Product(
                    vendor=vendor,
                    title=title,
                    slug=f"{slugify(title)}-{n:x}",
                    description=(
                        f"A {material} {item} made by hand at {vendor.name} in {vendor.town}.\n\n"
                        f"Each piece is slightly different. Handmade in small batches; "
                        f"care instructions are included with your order. Glaze or finish: {_mark(rng)}."
                    ),
                    category=leaf,
                    tags=[material, item.split()[-1], top.lower()],
                    price=Decimal(rng.randint(800, 40000)) / 100,
                    stock_quantity=0 if made_to_order else rng.randint(0, 25),
                    made_to_order=made_to_order,
                    processing_days=rng.randint(5, 21) if made_to_order else 0,
                    status=Product.Status.ACTIVE if rng.random() < 0.95 else Product.Status.DRAFT,
                )
            )
        with transaction.atomic():
            created = Product.objects.bulk_create(rows, batch_size=batch)
            ProductImage.objects.bulk_create(
                [
                    ProductImage(
                        product=p,
                        original=image[0],
                        renditions=image[1],
                        width=800,
                        height=800,
                        alt_text=p.title,
                        is_primary=True,
                    )
                    for p, image in ((p, images[rng.randrange(len(images))]) for p in created)
                ],
                batch_size=batch,
            )
        made += size
        if progress:
            progress(size)
    return made
