"""The Azure Blob backend, against Azurite (a real Azure Storage emulator process)."""

import pytest
import requests
from django.core.files.base import ContentFile


def test_files_round_trip_through_azure_blob_storage(azure_storage):
    name = azure_storage.save("products/1/hello.txt", ContentFile(b"handmade"))
    assert azure_storage.exists(name)
    with azure_storage.open(name) as f:
        assert f.read() == b"handmade"
    # The URL is a plain blob URL a browser (or the CDN) can fetch.
    url = azure_storage.url(name)
    assert url.startswith("http://127.0.0.1:")
    assert requests.get(url, timeout=5).content == b"handmade"


def test_a_second_upload_with_the_same_name_never_overwrites(azure_storage):
    first = azure_storage.save("a.txt", ContentFile(b"one"))
    second = azure_storage.save("a.txt", ContentFile(b"two"))
    assert first != second
    with azure_storage.open(first) as f:
        assert f.read() == b"one"


@pytest.mark.django_db(transaction=True)
def test_health_reports_azure_storage(client, azure_storage, localstripe):
    body = client.get("/api/health").json()
    assert body["services"]["storage"]["status"] == "up"
    assert body["services"]["storage"]["backend"] == "AzureStorage"
