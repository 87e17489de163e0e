"""The rate-limit headers of API answers; kept apart from ``marketplace.api``, which imports DRF's views,
whose settings import ``marketplace.api`` back (a middleware loaded first would meet it half-built)."""


class RateLimitHeadersMiddleware:
    """``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` on every answer a DRF throttle counted.

    Of several limits (per address and per user, a route's own scope), the one nearest to refusing
    is announced: the fewest remaining, then the smallest. A refusal (429) also carries DRF's
    ``Retry-After``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        notes = request.__dict__.get("rate_limits")
        if notes:
            limit, remaining = min(notes, key=lambda note: (note[1], note[0]))
            response["X-RateLimit-Limit"] = str(limit)
            response["X-RateLimit-Remaining"] = str(remaining)
        return response
