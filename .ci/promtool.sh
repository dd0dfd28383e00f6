#!/usr/bin/env bash
# The shipped Prometheus alert rules (docs/alerts.yml): valid for promtool, and their unit tests
# (docs/alerts.test.yml) pass. promtool comes with the Debian package 'prometheus'.
set -euo pipefail
cd "$(dirname "$0")/../docs"
if ! command -v promtool >/dev/null; then
  echo "promtool is not installed: apt-get install -y prometheus" >&2
  exit 1
fi
promtool check rules alerts.yml
promtool test rules alerts.test.yml
