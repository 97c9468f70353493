"""``python -m word2vec_numpy`` runs the command line."""

from .cli.start import entry

entry()
