#!/usr/bin/env bash
# The second test pass, on Node.js 24 (the Lambda runtime's version): vitest run under tools/node24's Node, with that
# Node first on the PATH so the forked test workers and anything they spawn run on it too. Arguments are test files
# or directories (default: the handlers, storage, SDK and bundle tests below) and vitest options; `npm ci --prefix tools/node24` first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NODE24_BIN="$PWD/tools/node24/node_modules/.bin"
if [[ ! -x "$NODE24_BIN/node" ]]; then
  echo "No Node 24 in tools/node24: run \`npm ci --prefix tools/node24\` first." >&2
  exit 1
fi
version="$("$NODE24_BIN/node" --version)"
if [[ "$version" != v24.* ]]; then
  echo "tools/node24 holds Node $version, not 24." >&2
  exit 1
fi
echo "Node 24 pass: $version"

# The route handlers through the local server, storage, the SDK against it, and the Lambda bundles.
DEFAULT_TESTS=(
  test/storage.test.ts
  test/http
  test/ingest
  test/dashboard
  test/users
  test/charts/chartRoutes.test.ts
  test/reports/reportRoutes.test.ts
  test/limits/tenantLimits.test.ts
  test/local/server.test.ts
  test/openapi
  test/infra/bundle.test.ts
  sdk/test
)
files=()
options=()
for arg in "$@"; do
  if [[ "$arg" == -* ]]; then options+=("$arg"); else files+=("$arg"); fi
done
if [[ ${#files[@]} -eq 0 ]]; then files=("${DEFAULT_TESTS[@]}"); fi

PATH="$NODE24_BIN:$PATH" exec "$NODE24_BIN/node" node_modules/vitest/vitest.mjs run "${options[@]}" "${files[@]}"
