"""``python -m word2vec_numpy`` runs the command line."""

from .cli import entry

entry()
