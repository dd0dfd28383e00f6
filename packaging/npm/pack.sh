#!/usr/bin/env bash
# Packs @gslb/cli and the @gslb libraries it depends on into dist/npm/ with `pnpm pack`, which turns the
# `workspace:^` ranges into the versions being released (npm pack would keep them, and the tarballs would not
# install). These are the files `pnpm publish` uploads; docs/install.md installs them without a registry.
# Usage: bash packaging/npm/pack.sh [--no-build]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out_dir="$root/dist/npm"
if [ "${1:-}" != "--no-build" ]; then
  pnpm exec turbo run build --filter=@gslb/cli... --output-logs=errors-only >/dev/null
fi
rm -rf "$out_dir" && mkdir -p "$out_dir"
# @gslb/cli and its @gslb dependencies, dependencies first.
mapfile -t packages < <(node packaging/npm/workspace-closure.mjs @gslb/cli)
for dir in "${packages[@]}"; do
  log=$(cd "$dir" && pnpm pack --pack-destination "$out_dir" 2>&1) || { echo "$log" >&2; exit 1; }
done
node packaging/npm/check-tarballs.mjs "$out_dir"
ls -1 "$out_dir"/*.tgz
