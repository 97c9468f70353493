"""Reading text: tokenising, vocabulary, encoding, the sample corpus, downloads, phrases."""
