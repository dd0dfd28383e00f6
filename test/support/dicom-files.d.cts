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
  /** File names are `<namePrefix>-0001.dcm`, … (default `sc`): several batches can share a folder. */
  namePrefix?: string
  patientName?: string
  patientId?: string
  /** Bound on each dump2dcm run. */
  timeoutMs?: number
}

/**
 * Writes `count` real DICOM Secondary Capture files with dcmtk's `dump2dcm` (explicit VR little endian), one study
 * and series, each file with its own SOP Instance UID. Returns them in order.
 */
export function makeDicomFiles(options: DicomFileOptions): Promise<DicomFile[]>
