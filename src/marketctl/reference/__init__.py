"""Facts from outside the repository: ISO, CLDR, IANA time zones, reviewed law data.

``iso`` (ISO 3166-1/2, ISO 4217 from pycountry's data), ``cldr`` and ``territories`` (Babel),
``locales`` (CLDR fallback chains), ``tz`` and ``schedule`` (the pinned tzdata package, local
rollout times to UTC), ``consumer_law`` with ``data/`` (the reviewed tax and consumer-law floors,
a source for every number). Stands on ``core`` and on the runtime's plural data.
"""
