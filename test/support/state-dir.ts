import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// A gslb-lb node keeps state (SOA serials) in $STATE_DIRECTORY when its config sets no node.stateDir, as under
// systemd. Tests get a folder of their own, removed afterwards, so no test writes to /var/lib/gslb-lb.
const dir = mkdtempSync(join(tmpdir(), 'gslb-state-'))
process.env.STATE_DIRECTORY = dir
afterAll(() => rmSync(dir, { recursive: true, force: true }))
