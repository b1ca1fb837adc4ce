"""The package version, sent in the User-Agent and as ``sdk_ver``."""

__version__ = "0.1.0"
