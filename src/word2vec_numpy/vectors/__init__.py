"""The vectors you query: KeyedVectors, evaluation, plots, word classes."""
