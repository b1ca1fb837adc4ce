"""Lenient readers for decoded JSON, and the API's date format."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from .errors import unexpected_response

_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: Any) -> Optional[datetime]:
    """Parse an ISO-8601 date or date-time of the API into an aware UTC datetime.

    ``None`` or ``""`` give ``None``; anything else that does not parse raises ValueError.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python < 3.11 accepts only 3 or 6 fraction digits: normalise to 6.
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def format_time(when: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. ``2026-12-03T17:00:00.000Z``."""
    when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def as_time(value: Any) -> Optional[datetime]:
    try:
        return parse_time(value)
    except ValueError:
        return None


def as_int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def as_dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []


def expect_object(data: Any) -> Dict[str, Any]:
    """A verified answer that must be a JSON object."""
    if not isinstance(data, dict):
        raise unexpected_response(200, "the answer is not a JSON object")
    return data


def expect_array(data: Any) -> List[Dict[str, Any]]:
    """A verified answer that must be a JSON array of objects."""
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise unexpected_response(200, "the answer is not a JSON array of objects")
    return data
