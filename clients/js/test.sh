#!/usr/bin/env bash
# The JS client's whole test run on a fresh machine with node and npm: install the pinned dev
# dependencies from package-lock.json, build (CommonJS, ESM, declarations), then run every test:
# conformance vectors, unit tests against local servers, and the end-to-end test against the real
# licensor binary named by LICENSOR_BIN (built here from ../.. when unset).
set -euo pipefail
cd "$(dirname "$0")"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "${LICENSOR_BIN:-}" ]; then
  go=$(command -v go || echo /usr/local/go/bin/go)
  echo "test.sh: LICENSOR_BIN is not set; building licensor with $go"
  (cd ../.. && CGO_ENABLED=0 "$go" build -o "$tmp/licensor" ./cmd/licensor)
  export LICENSOR_BIN="$tmp/licensor"
fi

# The stand-in OpenID Connect provider of the SSO test (internal/oidctest).
if [ -z "${LICENSOR_OIDC_BIN:-}" ]; then
  go=$(command -v go || echo /usr/local/go/bin/go)
  (cd ../.. && "$go" build -o "$tmp/oidc-standin" ./internal/oidctest/standin)
  export LICENSOR_OIDC_BIN="$tmp/oidc-standin"
fi

# --ignore-scripts: the build below is the one step that runs the "prepare" script's work.
npm ci --ignore-scripts --no-audit --no-fund
npm run build
node --test test/*.test.mjs
