#!/usr/bin/env bash
# The Angular example against the package as it is published: builds and packs
# the library, installs the example from its lockfile plus the packed tarball,
# then runs the example's unit tests (ng test: Vitest, marble tests), builds it
# (ng build) and drives the build in headless Chromium, on the embedded runtime
# and on `rx-assistants serve --cors`. Needs the repository's dependencies
# (npm ci at the root) and a Chromium: /usr/bin/chromium, or CHROMIUM_PATH.
# Usage, from anywhere: bash examples/angular/e2e.sh
set -euo pipefail
example="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$example/../.." && pwd)"
pack="$(mktemp -d)"
trap 'rm -rf "$pack"' EXIT
export NG_CLI_ANALYTICS=false
start=$SECONDS

echo "== build and pack rx-assistants"
cd "$root"
npm run build
npm pack --pack-destination "$pack"
tarball="$(ls "$pack"/rx-assistants-*.tgz)"

echo "== install the example, then the packed library (not saved: the lockfile never pins it)"
cd "$example"
npm ci --no-audit --no-fund
npm install --no-save --no-audit --no-fund "$tarball"

echo "== unit tests (ng test)"
npx ng test --watch=false

echo "== build (ng build)"
npx ng build

echo "== end to end, headless Chromium"
node e2e/e2e.test.mjs

echo "== examples/angular: passed in $((SECONDS - start)) s"
