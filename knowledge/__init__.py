"""The knowledge base: curated entries and the matching engine.

The engine modules (entries, normalise, segment, synonyms, typos, matcher, evaluate) are plain Python
with no Sanic or ORM imports, so they run the same in a worker, the CLI and the benchmarks.
Its one HTTP adapter, the public search, lives in the JSON API face (miniapp_api.search).
"""
