#!/usr/bin/env bash
# Runs the README's Quick start from a fresh clone of this checkout: exactly two commands must be there; the first
# (install, build, demo) runs here with the demo bounded by `--duration` so it performs its scripted failover
# self-check and exits 0/1. The second (`pnpm test`) is what .ci/run itself runs on its own fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t commands < <(awk '/^## Quick start/{q=1} q&&/^```sh/{c=1;next} c&&/^```/{exit} c&&NF' README.md)
if [ "${#commands[@]}" -ne 2 ]; then
  echo "README Quick start must hold exactly two commands, found ${#commands[@]}:" >&2
  printf '  %s\n' "${commands[@]}" >&2
  exit 1
fi
first="${commands[0]}"
case "$first" in
  *'pnpm demo') ;;
  *) echo "the first Quick start command should end with 'pnpm demo': $first" >&2; exit 1 ;;
esac
[ "${commands[1]}" = "pnpm test" ] || { echo "the second Quick start command should be 'pnpm test': ${commands[1]}" >&2; exit 1; }

clone=$(mktemp -d)
trap 'rm -rf "$clone"' EXIT
git clone -q . "$clone"
cd "$clone"
echo "\$ $first --duration 30s   (in a fresh clone)"
timeout 600 bash -c "$first --duration 30s"
