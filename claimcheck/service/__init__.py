"""The service layer: every use case the front ends offer, written once.

The command line (``claimcheck.cli``), the HTTP API (``claimcheck.api``) and batch
jobs call these functions, the way the FastAPI template's routes call ``crud``:
front ends parse their input and present the output; what happens in between
(reading and checking files, screening, writing reports, recording in the review
record, importing products) lives here. Errors are :mod:`claimcheck.errors`
exceptions, which each front end turns into an exit code or an HTTP status.
"""

from claimcheck.service.app import Services

__all__ = ["Services"]
