// Real DICOM test objects written with dcmtk's dump2dcm. CommonJS so that the TypeScript tests (through jest) and
// the lab's plain Node scripts (lab/) share this one implementation; its types are in dicom-files.d.cts.
const { execFile } = require('node:child_process')
const { randomBytes } = require('node:crypto')
const { writeFile } = require('node:fs/promises')
const { join } = require('node:path')
const { promisify } = require('node:util')

const run = promisify(execFile)

/** UID root for test objects (the dcmtk example root, 1.2.826.0.1.3680043.8.498.x, is meant for such use). */
const TEST_UID_ROOT = '1.2.826.0.1.3680043.8.498'
const MAX_FILES = 10_000

/** A UID under the test root: root.<random 64-bit decimal>.<suffix>, well below the 64-character limit. */
function uid(kind, suffix) {
  const random = randomBytes(8).readBigUInt64BE().toString()
  return `${TEST_UID_ROOT}.${kind}.${random}.${suffix}`
}

function dump(fields) {
  // A 4x4 8-bit MONOCHROME2 Secondary Capture image: the smallest object a storage SCP stores as an image.
  const pixels = Array.from({ length: 16 }, (_, i) => (i * 16).toString(16).padStart(2, '0')).join('\\')
  return [
    '(0008,0016) UI =SecondaryCaptureImageStorage',
    `(0008,0018) UI [${fields.sopInstanceUID}]`,
    '(0008,0020) DA [20260101]',
    '(0008,0060) CS [OT]',
    '(0008,0064) CS [WSD]',
    `(0010,0010) PN [${fields.patientName}]`,
    `(0010,0020) LO [${fields.patientId}]`,
    `(0020,000d) UI [${fields.studyUID}]`,
    `(0020,000e) UI [${fields.seriesUID}]`,
    `(0020,0013) IS [${fields.instance}]`,
    '(0028,0002) US 1',
    '(0028,0004) CS [MONOCHROME2]',
    '(0028,0010) US 4',
    '(0028,0011) US 4',
    '(0028,0100) US 8',
    '(0028,0101) US 8',
    '(0028,0102) US 7',
    '(0028,0103) US 0',
    `(7fe0,0010) OB ${pixels}`,
    '',
  ].join('\n')
}

/**
 * Writes `count` real DICOM Secondary Capture files with dcmtk's `dump2dcm` (explicit VR little endian), one study
 * and series, each file with its own SOP Instance UID. Returns them in order.
 */
async function makeDicomFiles(options) {
  const { count } = options
  if (!Number.isInteger(count) || count < 1 || count > MAX_FILES) {
    throw new RangeError(`makeDicomFiles: count must be an integer from 1 to ${MAX_FILES}, got ${count}`)
  }
  const studyUID = uid(2, '1')
  const seriesUID = uid(3, '1')
  const prefix = options.namePrefix ?? 'sc'
  const files = []
  for (let i = 1; i <= count; i++) {
    const sopInstanceUID = uid(1, String(i))
    const name = `${prefix}-${String(i).padStart(4, '0')}`
    const dumpPath = join(options.dir, `${name}.dump`)
    const path = join(options.dir, `${name}.dcm`)
    await writeFile(
      dumpPath,
      dump({
        sopInstanceUID,
        studyUID,
        seriesUID,
        instance: i,
        patientName: options.patientName ?? 'DRILL^PATIENT',
        patientId: options.patientId ?? 'DRILL001',
      }),
    )
    await run(options.dump2dcm, ['--write-xfer-little', dumpPath, path], {
      timeout: options.timeoutMs ?? 10_000,
    })
    files.push({ path, sopInstanceUID })
  }
  return files
}

module.exports = { makeDicomFiles }
