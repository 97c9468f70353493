"""Reading text: tokenising, vocabulary, encoding, sample corpus, downloads, phrases."""
