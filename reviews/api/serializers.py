from rest_framework import serializers

from marketplace.api import InputSerializer

from ..models import MAX_PHOTOS, REASON_MAX, REPLY_MAX, TEXT_MAX, TITLE_MAX, ReviewReport
from ..photos import photo_url
from ..selectors import reviewer_name


class ReplyOut(serializers.Serializer):
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PhotoOut(serializers.Serializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        return photo_url(photo, "display")

    def get_thumbnail_url(self, photo) -> str:
        return photo_url(photo, "400")


class ReviewOut(serializers.Serializer):
    id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    rating = serializers.IntegerField(min_value=1, max_value=5)
    title = serializers.CharField()
    text = serializers.CharField()
    author_name = serializers.SerializerMethodField()
    verified_purchase = serializers.SerializerMethodField()
    helpful_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    reply = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    def get_photos(self, review) -> PhotoOut(many=True):
        return PhotoOut(review.photos.all(), many=True).data

    def get_author_name(self, review) -> str:
        return reviewer_name(review.author)

    def get_verified_purchase(self, review) -> bool:
        return True  # every review is of an item its author bought

    @staticmethod
    def _reply(review):
        try:
            return review.reply
        except review._meta.get_field("reply").related_model.DoesNotExist:
            return None

    def get_reply(self, review) -> ReplyOut(allow_null=True):
        reply = self._reply(review)
        return ReplyOut(reply).data if reply else None


# Lengths and ratings are checked by the services (one rule for the pages and the API); the
# limits here only document them in the schema, so a longer value still gets the services' message.
class ReviewIn(InputSerializer):
    rating = serializers.IntegerField(help_text="1 to 5 stars.")
    title = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False,
                                  help_text=f"Plain text, at most {TITLE_MAX} characters.")  # fmt: skip
    text = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False,
                                 help_text=f"Plain text, at most {TEXT_MAX} characters.")  # fmt: skip


class ReviewCreateIn(ReviewIn):
    accepts_also = ("photos",)  # multipart: read from request.FILES by the view
    order_item_id = serializers.IntegerField(
        required=False, help_text="The bought item reviewed; by default your newest item of this product."
    )


class ReviewCreateWithPhotosIn(ReviewCreateIn):
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=MAX_PHOTOS,
        help_text=f"Up to {MAX_PHOTOS} JPG or PNG photos (multipart/form-data only).",
    )  # fmt: skip


class ReplyIn(InputSerializer):
    text = serializers.CharField(trim_whitespace=False, help_text=f"Plain text, at most {REPLY_MAX} characters.")


class ReportIn(InputSerializer):
    reason = serializers.ChoiceField(choices=ReviewReport.Reason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=REASON_MAX)


class HelpfulOut(serializers.Serializer):
    helpful_count = serializers.IntegerField()
