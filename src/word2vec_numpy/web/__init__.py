"""``word2vec-numpy serve``: a local web page to explore a model (the ``serve`` extra).

``explorer.py`` answers the page's questions (neighbours, analogies, prefix search, the 2-D
map, the report) in plain Python; ``app.py`` is the Starlette app around it, with the page's
files in ``static/``; ``server.py`` runs it with uvicorn. Nothing here is imported by the
package's top level, so the rest works without Starlette installed.
"""
