import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** UID root for test objects (the dcmtk example root, 1.2.826.0.1.3680043.8.498.x, is meant for such use). */
const TEST_UID_ROOT = '1.2.826.0.1.3680043.8.498'
const MAX_FILES = 10_000

export interface DicomFile {
  path: string
  sopInstanceUID: string
}

export interface DicomFileOptions {
  /** dcmtk's `dump2dcm` binary (from `requirePeer('dump2dcm', 'dcmtk')`). */
  dump2dcm: string
  /** Folder the `.dcm` files (and their text dumps) are written to. */
  dir: string
  count: number
  patientName?: string
  patientId?: string
  /** Bound on each dump2dcm run. */
  timeoutMs?: number
}

/** A UID under the test root: root.<random 64-bit decimal>.<suffix>, well below the 64-character limit. */
function uid(kind: number, suffix: string): string {
  const random = randomBytes(8).readBigUInt64BE().toString()
  return `${TEST_UID_ROOT}.${kind}.${random}.${suffix}`
}

function dump(fields: {
  sopInstanceUID: string
  studyUID: string
  seriesUID: string
  instance: number
  patientName: string
  patientId: string
}): string {
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
export async function makeDicomFiles(options: DicomFileOptions): Promise<DicomFile[]> {
  const { count } = options
  if (!Number.isInteger(count) || count < 1 || count > MAX_FILES) {
    throw new RangeError(`makeDicomFiles: count must be an integer from 1 to ${MAX_FILES}, got ${count}`)
  }
  const studyUID = uid(2, '1')
  const seriesUID = uid(3, '1')
  const files: DicomFile[] = []
  for (let i = 1; i <= count; i++) {
    const sopInstanceUID = uid(1, String(i))
    const name = `sc-${String(i).padStart(4, '0')}`
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
