"""Corpus, training, artifacts and evaluation of the exaggeration classifiers."""
