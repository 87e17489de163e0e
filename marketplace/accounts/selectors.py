from django.shortcuts import get_object_or_404

from .models import ApiToken, User


def api_token_for_user(*, user: User, token_id: int) -> ApiToken:
    """The user's own token, or 404 (another user's token id is not confirmed)."""
    return get_object_or_404(ApiToken, pk=token_id, user=user)
