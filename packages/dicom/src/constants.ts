/** DICOM UIDs and defaults used across the package (PS3.6, PS3.7, PS3.8). */

/** The only application context name defined by DICOM (PS3.7 Annex A.2.1). */
export const DICOM_APPLICATION_CONTEXT = '1.2.840.10008.3.1.1.1'
/** Verification SOP Class: the abstract syntax of C-ECHO. */
export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1'
export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2'
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1'

/** A UUID-derived UID (2.25 arc, PS3.5 Annex B.2): needs no registered root. */
export const IMPLEMENTATION_CLASS_UID = '2.25.180698792539184727473852828770901287518'
export const IMPLEMENTATION_VERSION_NAME = 'GSLB_DICOM_0_1'

export const PROTOCOL_VERSION = 1

/** Defaults of echo(). dcmtk's echoscu uses the same two AE titles' style. */
export const DEFAULT_CALLING_AE = 'GSLB-LB'
export const DEFAULT_CALLED_AE = 'ANY-SCP'
export const DEFAULT_ECHO_TIMEOUT_MS = 5_000
export const MAX_ECHO_TIMEOUT_MS = 600_000

/** Largest P-DATA-TF variable field we advertise and accept (dcmtk's default receive size). */
export const DEFAULT_MAX_PDU_LENGTH = 16_384
export const MIN_MAX_PDU_LENGTH = 1_024
export const MAX_MAX_PDU_LENGTH = 4 * 1024 * 1024
/** Largest A-ASSOCIATE PDU accepted: 128 presentation contexts proposing 38 transfer syntaxes each take ~130 KB. */
export const MAX_ASSOCIATE_PDU_LENGTH = 262_144
/** Largest reassembled command set (a C-ECHO command is under 100 bytes). */
export const MAX_COMMAND_LENGTH = 65_536

/** Verification server defaults. */
export const DEFAULT_SERVER_AE_TITLE = 'GSLB-SCP'
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_CONNECTIONS = 64

/** sniffAssociation() never looks at more than this many bytes. */
export const DEFAULT_SNIFF_MAX_BYTES = 65_536

/** DIMSE command fields and values (PS3.7 Annex E). */
export const COMMAND_C_ECHO_RQ = 0x0030
export const COMMAND_C_ECHO_RSP = 0x8030
export const DATA_SET_TYPE_NONE = 0x0101
export const STATUS_SUCCESS = 0x0000

/** Group 0000 elements of a DIMSE command set (PS3.7 section E.1). */
export const COMMAND_TAG = {
  CommandGroupLength: 0x0000,
  AffectedSOPClassUID: 0x0002,
  CommandField: 0x0100,
  MessageID: 0x0110,
  MessageIDBeingRespondedTo: 0x0120,
  CommandDataSetType: 0x0800,
  Status: 0x0900,
} as const

/** PDU type bytes (PS3.8 section 9.3). */
export const PDU_TYPE = {
  'A-ASSOCIATE-RQ': 0x01,
  'A-ASSOCIATE-AC': 0x02,
  'A-ASSOCIATE-RJ': 0x03,
  'P-DATA-TF': 0x04,
  'A-RELEASE-RQ': 0x05,
  'A-RELEASE-RP': 0x06,
  'A-ABORT': 0x07,
} as const

/** Every PDU starts with type (1), reserved (1) and a big-endian 32-bit length of what follows. */
export const PDU_HEADER_LENGTH = 6
