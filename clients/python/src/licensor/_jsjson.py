"""JavaScript's ``JSON.stringify`` of a parsed JSON value, in Python.

An offline answer's ``license_signature_v2`` covers the answer re-serialized as
``JSON.stringify(JSON.parse(text))`` does (license-api.md §3.2, internal/wire/offline.go).
``json.dumps(..., separators=(",", ":"), ensure_ascii=False)`` agrees with it on strings
and on the order of ordinary keys, but not on two things this module handles:

* numbers: JS has only doubles, printed in the shortest round-trip form, without ``.0``
  for integral values and with an exponent only from 1e21 up or below 1e-6
  (``1.0`` → ``1``, ``1e16`` → ``10000000000000000``, ``1e-7`` → ``1e-7``); integers
  beyond 2^53 are rounded to the nearest double first, as ``JSON.parse`` does;
* lone surrogates in strings are escaped (``\\udXXX``);
* object keys that are array indices (``"0"``, ``"17"``, below 2^32 - 1) come first, in
  ascending order, before the other keys in their order of appearance.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, List

_MAX_INDEX = 2 ** 32 - 2
_SAFE_INT = 2 ** 53
_SURROGATE = re.compile("[\ud800-\udfff]")


def stringify(value: Any) -> str:
    """``JSON.stringify(value)`` for a value ``json.loads`` produced."""
    out: List[str] = []
    _write(value, out)
    return "".join(out)


def _write(value: Any, out: List[str]) -> None:
    if isinstance(value, str):
        out.append(_js_string(value))
    elif value is None or isinstance(value, bool):
        out.append(json.dumps(value))
    elif isinstance(value, (int, float)):
        out.append(js_number(value))
    elif isinstance(value, list):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(_js_key_order(list(value))):
            if i:
                out.append(",")
            out.append(_js_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"not a JSON value: {type(value).__name__}")


def _js_string(text: str) -> str:
    # Lone surrogates (JSON.parse keeps them) are escaped by JSON.stringify; Python would
    # write them raw, which is not even UTF-8.
    return _SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()),
                          json.dumps(text, ensure_ascii=False))


def _is_index(key: str) -> bool:
    return key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") \
        and int(key) <= _MAX_INDEX


def _js_key_order(keys: List[str]) -> List[str]:
    indices = sorted((k for k in keys if _is_index(k)), key=int)
    return indices + [k for k in keys if not _is_index(k)]


def js_number(value: Any) -> str:
    """JavaScript's ``Number.prototype.toString()`` of a parsed JSON number."""
    if isinstance(value, int) and abs(value) <= _SAFE_INT:
        return str(value)
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        return "null"  # JSON.stringify's rendering; JSON text cannot hold them anyway
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest round-trip digits; only the layout differs from JS.
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    point = len(whole) + (int(exp) if exp else 0)  # decimal point after this many digits
    point -= len(whole + frac) - len((whole + frac).lstrip("0"))
    digits = digits.rstrip("0") or "0"
    k, n = len(digits), point
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") \
            + str(abs(e))
    return sign + text
