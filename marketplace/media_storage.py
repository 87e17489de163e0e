"""The media storage on Azure Blob, with each public URL computed once per name.

django-storages builds a URL by constructing two ``BlobClient`` objects (~0.25 ms of CPU);
a page of 24 product cards asks for 120 URLs (WebP and JPEG at two sizes, plus the
fallback), ~30 ms of CPU on a search page that misses the cache. Our stored names never
change (content-hashed or de-duplicated) and the URLs are unsigned (``expiration_secs``
None), so a name's URL is fixed: it is kept, in a bounded LRU, per process.
"""

from functools import lru_cache

from storages.backends.azure_storage import AzureStorage

URLS_KEPT = 50_000  # ~10 MB at most; more than the photos a worker shows between restarts


class AzureMediaStorage(AzureStorage):
    def __init__(self, **settings):
        super().__init__(**settings)
        self._public_url = lru_cache(maxsize=URLS_KEPT)(lambda name: super(AzureMediaStorage, self).url(name))

    def url(self, name, expire=None, parameters=None, mode="r"):
        if expire is None and parameters is None and mode == "r" and not self.expiration_secs:
            return self._public_url(name)
        return super().url(name, expire=expire, parameters=parameters, mode=mode)
