#!/usr/bin/env bash
# The browser example end to end, as a user of the published package gets it:
#
#   1. build rx-assistants and pack it (npm pack) into a temporary directory;
#   2. install the example from its own lockfile (npm ci), then the tarball
#      with --no-save, so that the lockfile never pins a local build;
#   3. type-check the page against the installed package, and bundle it;
#   4. drive the page in headless Chromium (e2e.spec.ts): the embedded runtime
#      in the page, then the openai SDK against `rx-assistants serve --cors`.
#
# Run from anywhere, after `npm ci` in the repository's root (it uses the
# root's tsc, vitest and playwright-core): bash examples/browser/e2e.sh
# Chromium: /usr/bin/chromium, or the one CHROMIUM_PATH names.
set -euo pipefail
example="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$example/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== build and pack rx-assistants"
cd "$root"
npm run build
npm pack --pack-destination "$tmp"
tarballs=("$tmp"/rx-assistants-*.tgz)
tarball="${tarballs[0]}"

echo "== install the example from its lockfile, then $(basename "$tarball")"
cd "$example"
cp package-lock.json "$tmp/package-lock.json"
npm ci --no-audit --no-fund
npm install --no-save --no-audit --no-fund "$tarball"
if ! cmp -s package-lock.json "$tmp/package-lock.json"; then
  echo "examples/browser/package-lock.json changed during the install" >&2
  exit 1
fi

echo "== type-check and bundle the page"
"$root/node_modules/.bin/tsc" -p tsconfig.json
npm run build

echo "== the page in headless Chromium"
cd "$root"
node_modules/.bin/vitest run -c examples/browser/vitest.config.ts
