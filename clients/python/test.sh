#!/usr/bin/env bash
# Tests of licensor's Python client, as a user gets it: installs what is missing (Debian
# packages, as root), builds the package into a fresh venv, and runs the whole unittest
# suite (conformance, unit, end-to-end against the real server) with that venv's python,
# from outside the source tree, so that the installed package is what is tested.
#
#   bash clients/python/test.sh            # builds licensor unless LICENSOR_BIN is set
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/licensor-python-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
export PYTHONDONTWRITEBYTECODE=1

# 1. Debian's packages: PyPI may be unreachable, so pip installs nothing from an index.
packages=(python3-venv python3-wheel python3-setuptools python3-requests python3-cryptography)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "test.sh: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "test.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. The licensor binary for the end-to-end tests.
if [[ -z "${LICENSOR_BIN:-}" ]]; then
  (cd "$here/../.." && CGO_ENABLED=0 go build -o "$tmp/licensor" ./cmd/licensor)
  export LICENSOR_BIN="$tmp/licensor"
fi

# 2b. The stand-in OpenID Connect provider for the SSO tests (internal/oidctest).
if [[ -z "${LICENSOR_OIDC_BIN:-}" ]]; then
  (cd "$here/../.." && go build -o "$tmp/oidc-standin" ./internal/oidctest/standin)
  export LICENSOR_OIDC_BIN="$tmp/oidc-standin"
fi

# 3. A venv on the system's python, and the package installed into it as a user would
#    (`pip install .`). The build leaves build/ and *.egg-info beside the sources: remove
#    them again unless they were there before.
cleanup=("$tmp")
for artefact in "$here/build" "$here/src/licensor_client.egg-info"; do
  [[ -e "$artefact" ]] || cleanup+=("$artefact")
done
trap 'rm -rf "${cleanup[@]}"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$tmp/venv"
(cd "$here" && "$tmp/venv/bin/pip" install -q --disable-pip-version-check \
  --no-build-isolation --no-index .) >"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log" >&2; exit 1; }
py="$tmp/venv/bin/python"
installed="$(cd "$tmp" && "$py" -c 'import licensor; print(licensor.__file__)')"
case "$installed" in
  "$tmp/venv/"*) ;;
  *) echo "test.sh: licensor imported from $installed, not from the venv" >&2; exit 1 ;;
esac
"$py" -c 'import requests, cryptography, sys
print("python %s, requests %s, cryptography %s" % (sys.version.split()[0],
      requests.__version__, cryptography.__version__))' >&2

# 4. The tests, run from the temporary directory: `import licensor` finds the venv's copy.
set +e
(cd "$tmp" && "$py" -m unittest discover -s "$here/tests" -t "$here/tests" -v) 2>&1 \
  | tee "$tmp/unittest.log"
status=${PIPESTATUS[0]}
set -e
ran="$(sed -n 's/^Ran \([0-9][0-9]*\) tests\{0,1\} in .*/\1/p' "$tmp/unittest.log" | tail -1)"
if [[ "$status" -eq 0 && "${ran:-0}" -eq 0 ]]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit "$status"
