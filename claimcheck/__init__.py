"""claimcheck: compliance screening of live-commerce selling points."""

__version__ = "0.1.0"
