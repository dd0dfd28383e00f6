// Writes gslb-lb(1) in roff from the CLI's own --help, so the man page lists exactly the commands and options of the
// binary it ships with. Usage: node packaging/deb/man.mjs <gslb-lb.cjs> <version> <date YYYY-MM-DD> > gslb-lb.1
import { execFileSync } from 'node:child_process'

const [bundle, version, date] = process.argv.slice(2)
if (!bundle || !version || !date) {
  console.error('usage: node packaging/deb/man.mjs <gslb-lb.cjs> <version> <YYYY-MM-DD>')
  process.exit(2)
}
const help = (...args) => execFileSync(process.execPath, [bundle, ...args, '--help'], { encoding: 'utf8' })
const roff = (text) =>
  text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1')

/** The entries of a help section ("Options:", "Commands:"): [term, description], wrapped lines joined. */
function section(text, title) {
  const lines = text.split('\n')
  const start = lines.indexOf(`${title}:`)
  if (start === -1) return []
  const entries = []
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break
    const entry = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line)
    if (entry) entries.push([entry[1], entry[2] ?? ''])
    else if (entries.length > 0) entries[entries.length - 1][1] += ` ${line.trim()}`
  }
  return entries
}

const top = help()
const description = top.split('\n\n')[1].replace(/\n/g, ' ')
const exitCodes = top.slice(top.indexOf('Exit codes:')).replace(/\n/g, ' ').trim()
const out = [
  `.TH GSLB\\-LB 1 "${date}" "gslb-lb ${version}" "User Commands"`,
  '.SH NAME',
  `gslb\\-lb \\- ${roff(description)}`,
  '.SH SYNOPSIS',
  '.B gslb\\-lb',
  '.I command',
  '.RI [ options ]',
  '.SH DESCRIPTION',
  'gslb\\-lb gives legacy DICOM modalities, which are hard\\-coded to one IP address, high availability and site',
  'failover. One process, configured by one JSON file, runs the authoritative GSLB DNS engine for a delegated name,',
  'resolvers that keep backend names fresh, and L4 forwarders listening on the virtual IPs the modalities use.',
  'It is normally run by systemd as',
  '.BR "gslb\\-lb run \\-c /etc/gslb\\-lb/config.json" ;',
  '.B systemctl reload gslb\\-lb',
  're\\-reads the config (SIGHUP) and',
  '.B systemctl stop gslb\\-lb',
  'drains established associations first (SIGTERM).',
  '.SH COMMANDS',
]
for (const [usage, text] of section(top, 'Commands')) {
  const name = usage.split(' ')[0]
  if (name === 'help') continue
  out.push('.TP', `.B gslb\\-lb ${roff(usage.replace(' [options]', ''))}`, roff(text))
  const options = section(help(name), 'Options').filter(([flag]) => !flag.startsWith('-h, --help'))
  for (const [flag, text] of options) out.push('.RS', '.TP', `.B ${roff(flag)}`, roff(text), '.RE')
}
out.push(
  '.SH OPTIONS',
  '.TP',
  '.B \\-V, \\-\\-version',
  'Print the version and exit.',
  '.TP',
  '.B \\-h, \\-\\-help',
  'Print help for gslb\\-lb or for one command.',
  '.SH ENVIRONMENT',
  '.TP',
  '.B GSLB_LB_TOKEN',
  'Bearer token for the admin API, used by status, check, reload and set when \\-\\-token is not given.',
  '.SH EXIT STATUS',
  roff(exitCodes.replace(/^Exit codes: /, '')),
  '.SH FILES',
  '.TP',
  '.I /etc/gslb\\-lb/config.json',
  "The node's configuration (a conffile: kept across upgrades). Check it with",
  '.BR "gslb\\-lb validate /etc/gslb\\-lb/config.json" .',
  '.TP',
  '.I /usr/share/gslb\\-lb/gslb\\-lb.schema.json',
  'The JSON Schema of the configuration, for editor completion (the config\'s "$schema").',
  '.TP',
  '.I /var/lib/gslb\\-lb',
  "State kept across restarts (the engine's SOA serials).",
  '.TP',
  '.I /usr/lib/sysctl.d/60\\-gslb\\-lb.conf',
  'Sets net.ipv4.ip_nonlocal_bind and net.ipv6.ip_nonlocal_bind, so the backup node of a keepalived pair can bind the VIP.',
  '.TP',
  '.I /usr/lib/systemd/system/gslb\\-lb.service',
  'The systemd unit: runs as the gslb\\-lb user with CAP_NET_BIND_SERVICE only.',
  '.SH SEE ALSO',
  '.BR systemctl (1),',
  '.BR journalctl (1),',
  '.BR keepalived (8),',
  '.BR echoscu (1).',
  'The guides in',
  '.IR /usr/share/doc/gslb\\-lb/ .',
)
process.stdout.write(`${out.join('\n')}\n`)
