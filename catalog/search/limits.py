"""How much one search may cost (see the package docstring).

The other modules read these as ``limits.NAME`` at call time, so a test or the
benchmark can change one bound in one place.
"""

PAGE_SIZE = 24
CANDIDATES = 1000
CANDIDATE_SLACK = 1.5  # how many more matches the id window aims at than it needs
COUNT_CAP = 1000
CACHE_SECONDS = 300
TYPO_THRESHOLD = 5  # fewer text matches than this: also look for near-miss titles
