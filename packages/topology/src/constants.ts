/** Longest address text accepted before parsing (the longest valid IPv6 form is 45 characters). */
export const MAX_ADDRESS_TEXT_LENGTH = 64

/** Longest datacenter name accepted. */
export const MAX_DATACENTER_NAME_LENGTH = 63

/** Datacenter names: letters, digits, `_`, `.`, `-`; starting with a letter or digit. */
export const DATACENTER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/** Upper bound on datacenters in one topology. */
export const MAX_DATACENTERS = 4096

/** Upper bound on prefixes in one topology or prefix set (all datacenters together). */
export const MAX_PREFIXES = 2_000_000

/** Longest piece of hostile input quoted back in an error message. */
export const MAX_QUOTED_INPUT_LENGTH = 64
