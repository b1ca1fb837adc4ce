"""licensor: the Python client of licensor's License API v4 server.

Start with :class:`Config` and :class:`Client`; embed :class:`LicenseManager` in an
application. Every answer is verified with the server's pinned public key.
"""

from ._version import __version__
from .answers import CustomerLicenseUsers, ProductDetails, Trial, TrialRequest, UserLicense
from .client import Client, Config
from .errors import (
    ApiError,
    LicensorError,
    LocalLicenseError,
    NetworkError,
    SignatureError,
)
from .hardware import hardware_id
from .manager import CheckResult, LicenseManager
from .models import CustomField, Feature, Identity, License, LicenseUser

__all__ = [
    "__version__",
    "ApiError",
    "CheckResult",
    "Client",
    "Config",
    "CustomField",
    "CustomerLicenseUsers",
    "Feature",
    "Identity",
    "License",
    "LicenseManager",
    "LicenseUser",
    "LicensorError",
    "LocalLicenseError",
    "NetworkError",
    "ProductDetails",
    "SignatureError",
    "Trial",
    "TrialRequest",
    "UserLicense",
    "hardware_id",
]
