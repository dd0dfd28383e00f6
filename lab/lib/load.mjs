// A site's legacy modality: dcmtk storescu, hard-coded to its site's VIP, one new DICOM object per association, in a
// loop bounded in time and count. Where each object landed is read from the PACS folders afterwards.

import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { DICOM_PORT, labEnv, machines, modalityVip, pacsDir, pacsOf, STATE_DIR } from './plan.mjs'
import { inNs, sleep } from './sh.mjs'

const { makeDicomFiles } = createRequire(import.meta.url)('../../test/support/dicom-files.cjs')

export const PACE_MS = Number(labEnv.GSLB_LAB_PACE_MS ?? 300)
/** storescu's connect, ACSE and DIMSE timeouts: how long the modality waits before it calls an association failed. */
export const ASSOCIATION_TIMEOUT_S = Number(labEnv.GSLB_LAB_ASSOCIATION_TIMEOUT_S ?? 10)
const MAX_ASSOCIATIONS = 10_000

/** Which PACS stored the object with this SOP Instance UID (storescp names it SC.<uid>); null when none did. */
export function storedAt(sopInstanceUID) {
  for (const pacs of pacsOf()) {
    if (existsSync(join(pacsDir(pacs), `SC.${sopInstanceUID}`))) return pacs
  }
  return null
}

/** Objects of `uids` found in each PACS folder: { a1: n, a2: n, b1: n, b2: n }. */
export function landedIn(uids) {
  const wanted = new Set(uids.map((uid) => `SC.${uid}`))
  const counts = {}
  for (const pacs of pacsOf()) {
    counts[pacs.pacs] = readdirSync(pacsDir(pacs)).filter((file) => wanted.has(file)).length
  }
  return counts
}

/**
 * Starts the modality of `site` sending one object every PACE_MS (start to start) until `stop()` or `maxMs`.
 * `stop()` resolves with one record per association: index, times, storescu's exit code, the PACS and site that
 * stored the object.
 */
export function startModality(site, label, { maxMs = 15 * 60_000 } = {}) {
  const modality = machines('modality', site)[0]
  const dir = join(STATE_DIR, 'files', label, site)
  mkdirSync(dir, { recursive: true })
  const dump2dcm = '/usr/bin/dump2dcm'
  const records = []
  let stopped = false
  const deadline = Date.now() + maxMs
  const done = (async () => {
    for (let index = 0; !stopped && Date.now() < deadline && index < MAX_ASSOCIATIONS; index++) {
      const startedAt = Date.now()
      const [file] = await makeDicomFiles({
        dump2dcm,
        dir,
        count: 1,
        namePrefix: String(index),
        patientId: label,
      })
      const timeout = String(ASSOCIATION_TIMEOUT_S)
      const sent = await inNs(
        modality.ns,
        'storescu',
        [
          '-aet',
          `MODALITY_${site}`,
          '-aec',
          'ANY-SCP',
          '-to',
          timeout,
          '-ta',
          timeout,
          '-td',
          timeout,
          modalityVip(site),
          String(DICOM_PORT),
          file.path,
        ],
        // storescu can wait longer than its own timeouts (a connection whose peer vanished mid-release); a modality
        // gives up too, and the loop must go on to measure the next associations
        { timeoutMs: (ASSOCIATION_TIMEOUT_S + 5) * 1_000 },
      )
      const pacs = storedAt(file.sopInstanceUID)
      records.push({
        modality: site,
        index,
        startedAt: sent.startedAt,
        endedAt: sent.endedAt,
        code: sent.code,
        uid: file.sopInstanceUID,
        pacs: pacs?.pacs ?? null,
        site: pacs?.site ?? null,
        error: sent.code === 0 ? undefined : (sent.stderr || sent.stdout).trim().split('\n').slice(-1)[0],
      })
      await sleep(Math.max(0, PACE_MS - (Date.now() - startedAt)))
    }
  })()
  return {
    site,
    stop: async () => {
      stopped = true
      await done
      return records
    },
  }
}
