"""Media URLs on Azure Blob are computed once per name: the backend builds two BlobClients per URL."""

import base64
from unittest import mock

import pytest
from storages.backends.azure_storage import AzureStorage

from marketplace.media_storage import AzureMediaStorage

OPTIONS = {
    "account_name": "marketmedia",
    "account_key": base64.b64encode(b"k" * 32).decode(),
    "azure_container": "media",
    "expiration_secs": None,
}
NAMES = ["products/ab/cd/photo-400.webp", "reviews/1/a photo (1).jpg", "products/é/ü~x.jpeg", "a%20b.png"]


@pytest.mark.parametrize("custom_domain", [None, "media.example.com"])
def test_the_urls_are_the_backends_own(custom_domain):
    ours = AzureMediaStorage(**OPTIONS, custom_domain=custom_domain)
    theirs = AzureStorage(**OPTIONS, custom_domain=custom_domain)
    for name in NAMES:
        assert ours.url(name) == theirs.url(name)
        assert ours.url(name) == theirs.url(name)  # and again, from memory


def test_a_name_is_turned_into_a_url_once():
    storage = AzureMediaStorage(**OPTIONS)
    with mock.patch.object(AzureStorage, "url", autospec=True, side_effect=AzureStorage.url) as built:
        for _ in range(3):
            storage.url("products/1/photo.webp")
    assert built.call_count == 1


def test_signed_urls_are_never_kept():
    # With an expiry each URL carries its own signature and end time: always built afresh.
    storage = AzureMediaStorage(**{**OPTIONS, "expiration_secs": 60})
    with mock.patch.object(AzureStorage, "url", autospec=True, return_value="signed") as built:
        storage.url("a.jpg")
        storage.url("a.jpg")
    assert built.call_count == 2
