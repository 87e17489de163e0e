"""Review photos go through the product photo pipeline: checked, re-encoded, thumbnails by a task; at most 3."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from reviews.models import Review, ReviewPhoto
from reviews.services import ReviewError, review_create, review_delete

pytestmark = pytest.mark.django_db


def _photo(name="photo.jpg", comment: bytes = b"") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 80, 20)).save(out, "JPEG", **({"comment": comment} if comment else {}))
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_a_photo_is_stored_rendered_shown_and_deleted_with_its_review(client, shopper, bought,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        review = review_create(author=shopper, order_item=bought, rating=5, photos=[_photo()])
    photo = ReviewPhoto.objects.get(review=review)
    assert set(photo.renditions) == {"200", "400", "display"}
    files = [photo.original.name, *(name for f in photo.renditions.values() for name in f.values())]
    assert all(default_storage.exists(name) for name in files)
    html = client.get(bought.product.get_absolute_url()).content.decode()
    assert default_storage.url(photo.renditions["200"]["jpeg"]) in html
    with django_capture_on_commit_callbacks(execute=True):
        review_delete(review=review, by=shopper)
    assert not any(default_storage.exists(name) for name in files)


def test_more_than_three_photos_or_a_disguised_file_are_refused(shopper, bought):
    with pytest.raises(ReviewError, match="at most 3 photos") as info:
        review_create(author=shopper, order_item=bought, rating=5, photos=[_photo() for _ in range(4)])
    assert info.value.field == "photos"
    with pytest.raises(ReviewError, match="script"):
        review_create(author=shopper, order_item=bought, rating=5, photos=[_photo(comment=b"<script>x</script>")])
    assert not Review.objects.exists() and not ReviewPhoto.objects.exists()


def test_the_form_takes_photos_and_shows_a_refusal_in_place(client, shopper, bought):
    client.force_login(shopper)
    url = reverse("reviews:write", args=[bought.pk])
    response = client.post(url, {"rating": "4", "photos": [_photo("a.jpg") for _ in range(4)]},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 422
    assert "at most 3 photos" in response.content.decode()
    response = client.post(url, {"rating": "4", "photos": [_photo("a.jpg"), _photo("b.jpg")]})
    assert response.status_code == 302
    assert ReviewPhoto.objects.filter(review__order_item=bought).count() == 2
