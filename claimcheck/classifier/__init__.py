"""Inference of the exaggeration classifiers: artifacts, the two models and the cascade.

Training (``claimcheck.training``) imports this package; nothing here imports training.
"""
