"""Headers every API answer gets on its way out: rate limits, and no caching unless the view chose it.

Kept apart from ``marketplace.api``, which imports DRF's views, whose settings import ``marketplace.api``
back (a middleware loaded first would meet it half-built).
"""

API_PREFIX = "/api/"


class ApiHeadersMiddleware:
    """On ``/api/`` answers:

    - ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining`` when a DRF throttle counted the request (noted by
      ``marketplace.api.ReportsRateLimit``). Of several limits (per address, per user, a route's own scope)
      the one nearest to refusing is announced: the fewest remaining, then the smallest. A refusal (429)
      also carries DRF's ``Retry-After``.
    - ``Cache-Control: private, no-store`` unless the view set its own (the public reads do, in
      ``marketplace.api_caching``): carts, orders, tokens and errors depend on who asks, and no cache
      along the way should keep them.
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
        if request.path.startswith(API_PREFIX) and "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response
