"""File formats: our .npz files and the word2vec C tool's text/binary format."""
