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
from .floating import FloatingKeepAlive
from .hardware import hardware_id
from .manager import CheckResult, LicenseManager
from .models import CustomField, Feature, Identity, License, LicenseUser
from .usage import (
    Borrow,
    Consumption,
    DeviceVariable,
    InstallationFile,
    OAuthUrl,
    SsoUrl,
    Version,
)

__all__ = [
    "__version__",
    "ApiError",
    "Borrow",
    "CheckResult",
    "Client",
    "Config",
    "Consumption",
    "CustomField",
    "CustomerLicenseUsers",
    "DeviceVariable",
    "Feature",
    "FloatingKeepAlive",
    "Identity",
    "InstallationFile",
    "License",
    "LicenseManager",
    "LicenseUser",
    "LicensorError",
    "LocalLicenseError",
    "NetworkError",
    "OAuthUrl",
    "ProductDetails",
    "SignatureError",
    "SsoUrl",
    "Trial",
    "TrialRequest",
    "UserLicense",
    "Version",
    "hardware_id",
]
