import { DURATION_PATTERN } from '../duration.js'

/**
 * The JSON Schema of a gslb-lb configuration (draft 2020-12). `schema/gslb-lb.schema.json` is this object,
 * written out (a test keeps the two identical). Every object rejects unknown keys and accepts a `$comment`.
 */

type Schema = Record<string, unknown>

const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` })

function object(properties: Record<string, Schema>, required: string[] = [], description?: string): Schema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties: { $comment: { type: 'string', description: 'Free text; ignored.' }, ...properties },
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  }
}

/** `if`/`then`/`else` (built from entries: a literal `then` key would make the object look like a promise). */
const conditional = (condition: Schema, whenTrue: Schema, whenFalse: Schema): Schema =>
  Object.fromEntries([
    ['if', condition],
    ['then', whenTrue],
    ['else', whenFalse],
  ])

const mapOf = (value: Schema, description: string): Schema => ({
  type: 'object',
  description,
  propertyNames: ref('identifier'),
  additionalProperties: value,
})

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra })
const int = (description: string, minimum: number, maximum?: number): Schema => ({
  type: 'integer',
  description,
  minimum,
  ...(maximum !== undefined ? { maximum } : {}),
})
const oneOfStrings = (values: string[], description: string): Schema => ({ enum: values, description })
const duration = (description: string): Schema => ({ ...ref('duration'), description })

const thresholds = {
  interval: duration('Time between two checks.'),
  timeout: duration('How long one check may take.'),
  rise: int('Consecutive good checks before a down target is up again.', 1, 100),
  fall: int('Consecutive failed checks before an up target is down.', 1, 100),
}

const monitorCommon = {
  ...thresholds,
  port: { ...ref('port'), description: 'Port to check; defaults to the port of the member or server.' },
}

const monitorVariants: Schema[] = [
  object(
    {
      type: { const: 'tcp', description: 'A TCP connect (optionally send/expect).' },
      ...monitorCommon,
      send: str('Text sent after connecting.', { maxLength: 4096 }),
      expect: str('Text the reply must contain.', { maxLength: 4096 }),
    },
    ['type'],
  ),
  object(
    {
      type: { const: 'dicom', description: 'A DICOM C-ECHO (association + verification).' },
      ...monitorCommon,
      callingAE: { ...ref('aeTitle'), description: 'Our AE title (default GSLB_HEALTH).' },
      calledAE: { ...ref('aeTitle'), description: "The server's AE title (default ANY-SCP)." },
    },
    ['type'],
  ),
  object(
    {
      type: { enum: ['http', 'https'], description: 'An HTTP(S) request.' },
      ...monitorCommon,
      method: str('Request method (default GET).', { pattern: '^[A-Z]{1,16}$' }),
      path: str('Request path (default /).', { pattern: '^/', maxLength: 1024 }),
      hostname: str('Host header and TLS server name.', { maxLength: 253 }),
      expectStatus: {
        type: 'array',
        description: 'Status codes that count as up (default 200-399).',
        items: int('HTTP status.', 100, 599),
        minItems: 1,
        maxItems: 64,
      },
      bodyMatch: str('Text the body must contain.', { maxLength: 1024 }),
      verifyTls: { type: 'boolean', description: 'https: verify the server certificate (default true).' },
    },
    ['type'],
  ),
  object(
    {
      type: { const: 'dns', description: 'A DNS query the target (a DNS server) must answer.' },
      ...monitorCommon,
      name: { ...ref('hostname'), description: 'Name to ask for.' },
      rrtype: oneOfStrings(['A', 'AAAA'], 'Record type (default A).'),
      expectRcode: oneOfStrings(
        ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'NOTIMP', 'FORMERR'],
        'Response code that counts as up (default NOERROR).',
      ),
      expectAddress: { ...ref('address'), description: 'Up only if the answer contains this address.' },
    },
    ['type', 'name'],
  ),
  object(
    {
      type: {
        const: 'external',
        description:
          'A program (no shell): exit 0 means up; GSLB_TARGET_ADDRESS and GSLB_TARGET_PORT are set.',
      },
      ...monitorCommon,
      command: {
        type: 'array',
        description: 'Program and arguments.',
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        maxItems: 64,
      },
    },
    ['type', 'command'],
  ),
]

/** What a fleet overlay may hold: any top-level section, checked when each node's config is resolved. */
const overlaySections = Object.fromEntries(
  ['node', 'topology', 'health', 'monitors', 'gslb', 'resolvers', 'services', 'admin', 'logging'].map(
    (key) => [
      key,
      { type: ['object', 'null'], description: `Merged over the shared ${key} section (null removes it).` },
    ],
  ),
)

export const configSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://unpkg.com/@gslb/cli/schema/gslb-lb.schema.json',
  title: 'gslb-lb configuration',
  description: 'One gslb-lb node: GSLB DNS engine, name resolvers and L4 services, admin API and logging.',
  type: 'object',
  properties: {
    $schema: { type: 'string', description: 'Path or URL of this schema, for editor completion.' },
    $comment: { type: 'string', description: 'Free text; ignored.' },
    node: ref('node'),
    topology: ref('topology'),
    health: ref('health'),
    monitors: mapOf(ref('monitor'), 'Named health monitors, referenced by pools, members and services.'),
    gslb: ref('gslb'),
    resolvers: mapOf(ref('resolver'), 'Named resolvers: how backend names are kept resolved.'),
    services: mapOf(ref('service'), 'L4 services: a listener (VIP) forwarding to backends.'),
    admin: ref('admin'),
    logging: ref('logging'),
    fleet: ref('fleet'),
  },
  // `node` (with its name) is required of a single-node config; a fleet file names its nodes in `fleet.nodes`.
  additionalProperties: false,
  $defs: {
    identifier: str('A name: letters, digits, `_`, `-`, `.`.', {
      pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$',
    }),
    duration: {
      type: ['string', 'integer'],
      description: 'A duration: "500ms", "10s", "2m", "1h", "1m30s", or an integer number of milliseconds.',
      pattern: DURATION_PATTERN,
      minimum: 0,
    },
    port: int('A TCP/UDP port.', 0, 65535),
    address: str('An IPv4 or IPv6 address.', { minLength: 2, maxLength: 45 }),
    cidr: str('A subnet in CIDR notation (10.1.0.0/16, fd00::/8) or a single address.', { maxLength: 49 }),
    hostname: str('A DNS name.', {
      pattern:
        '^(?=.{1,253}\\.?$)[A-Za-z0-9_*]([A-Za-z0-9_-]{0,62})?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?)*\\.?$',
    }),
    aeTitle: str('A DICOM AE title (1-16 characters, no backslash).', { pattern: '^[^\\\\]{1,16}$' }),
    endpoint: object(
      { address: ref('address'), port: ref('port') },
      ['address', 'port'],
      'An address and port.',
    ),
    node: object(
      {
        name: str("This node's name (logs, metrics, status).", { minLength: 1, maxLength: 64 }),
        site: str('The datacenter this node is in (a key of topology.datacenters).', { minLength: 1 }),
        drainTimeout: duration(
          'On SIGTERM/SIGINT: how long established connections may continue (default 30s).',
        ),
        stopGrace: duration(
          'On SIGTERM/SIGINT: how long to report unfit and wait for the VIPs to leave this host before closing the listeners (default 5s).',
        ),
        stateDir: str(
          'Folder for state kept across restarts (the automatic SOA serials); created if missing; never fatal when unwritable (default $STATE_DIRECTORY from systemd, else /var/lib/gslb-lb).',
          { minLength: 1, maxLength: 4096 },
        ),
      },
      [],
      'Who this node is (name required, except in a fleet file where fleet.nodes names them).',
    ),
    fleet: object(
      {
        name: str('Name of the deployment (status, console).', { minLength: 1, maxLength: 64 }),
        sites: mapOf(
          ref('fleetOverlay'),
          'Per site: sections merged over the shared ones for every node of the site (objects merge key by key, arrays and values replace, null removes).',
        ),
        nodes: mapOf(
          ref('fleetNode'),
          "Per node (key = node name, chosen with --node, GSLB_LB_NODE or the host name): its site, its address and sections merged over its site's.",
        ),
      },
      ['nodes'],
      'One file for the whole deployment: the top-level sections are shared by every node.',
    ),
    fleetOverlay: object(overlaySections, [], 'Sections merged over the shared ones.'),
    fleetNode: object(
      {
        site: str('A key of fleet.sites: its overlay applies, and it is node.site.', { minLength: 1 }),
        address: {
          ...ref('address'),
          description: "The node's own address (peers reach its admin API there).",
        },
        ...overlaySections,
      },
      [],
      'One node of the fleet.',
    ),
    topology: object(
      {
        datacenters: mapOf(
          object(
            {
              cidrs: {
                type: 'array',
                description: 'Subnets of this datacenter; the longest prefix wins.',
                items: ref('cidr'),
                maxItems: 10000,
              },
              resolvers: {
                type: 'array',
                description:
                  "Resolvers asking for this datacenter's clients from outside its subnets (a site-local resolver): a query from them without ECS counts as from this datacenter.",
                items: ref('cidr'),
                maxItems: 1000,
              },
              description: str('Free text.'),
            },
            ['cidrs'],
          ),
          'Datacenters (sites) and the client subnets in each.',
        ),
        preferences: mapOf(
          {
            type: 'array',
            items: { type: 'string' },
            minItems: 1,
            uniqueItems: true,
            description: 'Other datacenters in order of preference.',
          },
          'For clients in a datacenter (key): the other datacenters to try, in order, after their own (which always comes first); default: the others in config order.',
        ),
      },
      ['datacenters'],
      'Which client subnets belong to which datacenter.',
    ),
    health: object(
      {
        profile: oneOfStrings(
          ['normal', 'fast'],
          'Preset defaults: normal (2s interval, 1s timeout, rise 2, fall 3) or fast (1s interval, 500ms timeout, rise 2, fall 2).',
        ),
        defaults: object(thresholds, [], 'Defaults for every monitor that does not set its own.'),
      },
      [],
      'Health-check defaults.',
    ),
    monitor: {
      type: 'object',
      description: 'A health monitor.',
      discriminator: { propertyName: 'type' },
      oneOf: monitorVariants,
    },
    gslb: object(
      {
        listen: {
          type: 'array',
          description: 'Where the DNS engine listens (UDP and TCP on each).',
          items: ref('endpoint'),
          minItems: 1,
          maxItems: 32,
        },
        zones: {
          type: 'array',
          description: 'Zones the engine is authoritative for (the delegated names).',
          minItems: 1,
          maxItems: 256,
          items: object(
            {
              name: ref('hostname'),
              ttl: int('TTL of the NS records (seconds).', 0, 2147483647),
              soa: object(
                {
                  mname: {
                    ...ref('hostname'),
                    description: 'Primary name server (default: the first nameserver).',
                  },
                  rname: str('Responsible mailbox, hostmaster.example.org or hostmaster@example.org.', {
                    minLength: 1,
                    maxLength: 253,
                  }),
                  serial: int(
                    'Fixed serial (default: automatic, increases whenever the zone changes).',
                    0,
                    4294967295,
                  ),
                  refresh: int('Seconds.', 0, 2147483647),
                  retry: int('Seconds.', 0, 2147483647),
                  expire: int('Seconds.', 0, 2147483647),
                  minimum: int('Negative-caching TTL (seconds).', 0, 2147483647),
                  ttl: int('TTL of the SOA record (seconds).', 0, 2147483647),
                },
                [],
                'Start of authority.',
              ),
              nameservers: {
                type: 'array',
                description:
                  'NS names of the zone: a name, or { name, addresses } with glue for a name inside the zone.',
                minItems: 1,
                maxItems: 32,
                items: conditional(
                  { type: 'object' },
                  object(
                    {
                      name: ref('hostname'),
                      addresses: {
                        type: 'array',
                        items: ref('address'),
                        minItems: 1,
                        maxItems: 16,
                        description: 'Glue addresses.',
                      },
                    },
                    ['name', 'addresses'],
                    'A nameserver inside the zone, with glue.',
                  ),
                  ref('hostname'),
                ),
              },
              records: {
                type: 'array',
                description: 'Static records of the zone.',
                maxItems: 10000,
                items: object(
                  {
                    name: str('Relative to the zone (www, @ for the apex) or a full name inside it.', {
                      minLength: 1,
                      maxLength: 253,
                    }),
                    type: oneOfStrings(['A', 'AAAA', 'CNAME', 'TXT'], 'Record type.'),
                    value: {
                      type: ['string', 'array'],
                      description: 'An address, a CNAME target or TXT text; a list makes one record each.',
                      items: { type: 'string' },
                      minItems: 1,
                      maxItems: 64,
                    },
                    ttl: int('Seconds.', 0, 2147483647),
                  },
                  ['name', 'type', 'value'],
                ),
              },
            },
            ['name', 'nameservers'],
          ),
        },
        pools: mapOf(ref('pool'), 'Pools of site addresses.'),
        names: {
          type: 'array',
          description: 'Global names: a name in a zone answered from a pool.',
          maxItems: 10000,
          items: object(
            {
              name: ref('hostname'),
              pool: str('A key of gslb.pools.'),
              ttl: int('Answer TTL in seconds (default 5).', 0, 86400),
            },
            ['name', 'pool'],
          ),
        },
        ecs: object(
          {
            enabled: { type: 'boolean', description: 'Use EDNS Client Subnet for topology (default true).' },
            trusted: {
              type: 'array',
              description: 'Senders (CIDRs) whose ECS option is believed (default: everyone).',
              items: ref('cidr'),
              maxItems: 1000,
            },
          },
          [],
          'EDNS Client Subnet.',
        ),
      },
      ['listen', 'zones'],
      'The authoritative GSLB DNS engine.',
    ),
    pool: object(
      {
        method: oneOfStrings(
          ['failover', 'topology', 'wrr', 'all'],
          "How members are chosen: failover (first up by priority), topology (the client's preferred site first), wrr (weighted round robin), all (every up member). Default failover.",
        ),
        allDown: {
          type: ['string', 'array'],
          description:
            'When no member is up: any (answer with every enabled member), refuse (REFUSED), empty (no addresses), or a list of fallback addresses.',
          items: ref('address'),
          minItems: 1,
          maxItems: 64,
          pattern: '^(any|refuse|empty)$',
        },
        unknownAs: oneOfStrings(
          ['up', 'down'],
          'How a member whose health is not known yet counts (default up).',
        ),
        maxAnswers: int(
          'Addresses in one answer: the chosen one first, then the next best (default 1; 8 for all).',
          1,
          64,
        ),
        maxAnswersViaResolver: int(
          'topology pools: addresses for an asker in no datacenter without ECS, e.g. a central resolver that shuffles records (default 1; at most maxAnswers).',
          1,
          64,
        ),
        monitor: str(
          "A key of monitors: how every member is checked (its port, or the monitor's port). None: members count as up unless an admin override says otherwise.",
        ),
        port: {
          ...ref('port'),
          description: "Port the monitor checks on every member (default: the monitor's port).",
        },
        members: {
          type: 'array',
          minItems: 1,
          maxItems: 1024,
          items: object(
            {
              name: ref('identifier'),
              address: ref('address'),
              datacenter: str('A key of topology.datacenters.'),
              weight: int('Weight for wrr (default 1).', 1, 1000000),
              priority: int(
                'Lower is preferred (failover order); ties keep config order.',
                -1000000,
                1000000,
              ),
              enabled: { type: 'boolean', description: 'false: never served (default true).' },
              monitorAddress: {
                ...ref('address'),
                description: 'Address to check, when it differs from the one served.',
              },
            },
            ['name', 'address'],
          ),
        },
      },
      ['members'],
      'A pool of site addresses.',
    ),
    resolver: object(
      {
        nameservers: {
          type: 'array',
          description: 'Nameservers asked in order ("10.0.0.2", "127.0.0.1:53", "[::1]:53").',
          items: str('address[:port]', { minLength: 2, maxLength: 60 }),
          minItems: 1,
          maxItems: 8,
        },
        interval: duration('Time between two lookups of a tracked name.'),
        timeout: duration('How long one nameserver may take.'),
        failThreshold: int(
          'Failed lookup cycles after which a name with no last good addresses is offline (default 3).',
          1,
          1000,
        ),
        lastGoodMaxAge: duration(
          'While every nameserver fails, how long after their answer the last good addresses are kept (default 24h, at most 720h; 0 keeps nothing).',
        ),
        negativePolicy: oneOfStrings(
          ['fallthrough', 'authoritative'],
          'On NXDOMAIN or an empty answer: fallthrough asks the next nameserver (default), authoritative accepts it.',
        ),
        respectTtl: { type: 'boolean', description: "Refresh at the answer's TTL instead of interval." },
      },
      ['nameservers'],
      'How backend names are resolved.',
    ),
    backend: {
      type: 'object',
      description: 'A backend: a fixed address, or a name kept resolved by a resolver.',
      ...conditional(
        { type: 'object', properties: { name: true }, required: ['name'] },
        ref('nameBackend'),
        ref('addressBackend'),
      ),
    },
    addressBackend: object(
      {
        address: ref('address'),
        port: ref('port'),
        weight: int(
          'Relative share for roundrobin, leastconn and source (0 = never chosen; default 1).',
          0,
          256,
        ),
        backup: { type: 'boolean', description: 'Only used when no other server is up.' },
      },
      ['address', 'port'],
      'A server at a fixed address; its id is address:port.',
    ),
    nameBackend: object(
      {
        name: ref('hostname'),
        port: ref('port'),
        resolver: str('A key of resolvers.'),
        weight: int(
          'Relative share for roundrobin, leastconn and source (0 = never chosen; default 1).',
          0,
          256,
        ),
        backup: { type: 'boolean', description: 'Only used when no other server is up.' },
        family: { enum: [4, 6, 'both'], description: 'Address families to resolve (default 4).' },
        prefer: { enum: [4, 6], description: 'With family both: which family is tried first (default 4).' },
      },
      ['name', 'port', 'resolver'],
      'Servers at every address a name resolves to, kept fresh by a resolver.',
    ),
    service: object(
      {
        listen: {
          type: 'array',
          description: 'Addresses (VIPs) and ports the service accepts on.',
          items: ref('endpoint'),
          minItems: 1,
          maxItems: 32,
        },
        backends: { type: 'array', items: ref('backend'), minItems: 1, maxItems: 1024 },
        balance: oneOfStrings(
          ['first', 'roundrobin', 'leastconn', 'source'],
          'How a server is chosen (default first).',
        ),
        monitor: str(
          "A key of monitors (type tcp or dicom): active checks of every server, on the server's port.",
        ),
        retries: int('Further servers tried after a failed connect (default 3).', 0, 16),
        limits: object(
          {
            maxConnections: int('Concurrent connections of the service; 0 = unlimited.', 0, 1000000),
            maxConnectionsPerClient: int(
              'Concurrent connections from one client address; 0 = unlimited.',
              0,
              1000000,
            ),
            connectTimeout: duration('How long a connect to one server may take before the next is tried.'),
            firstResponseTimeout: duration(
              "A hung server: how long after the client's first bytes the server may stay silent before they are replayed to the next server (default 0 = no limit).",
            ),
            idleTimeout: duration('Close a connection idle this long; 0 = never.'),
            finTimeout: duration('After one side closed, how long the other may keep sending.'),
            keepAlive: duration(
              'TCP keepalive delay on both sides (default 60s), so firewalls keep long idle associations.',
            ),
          },
          [],
          'Limits and timeouts.',
        ),
        allow: {
          type: 'array',
          description: 'Only clients in these subnets are served (default: all).',
          items: ref('cidr'),
          maxItems: 10000,
        },
        passive: object(
          {
            failures: int('Consecutive failed connects that take a server out.', 1, 100),
            hold: duration('How long a server stays out after them.'),
          },
          [],
          'Passive health: failed connects take a server out for a while.',
        ),
        onMarkedDown: oneOfStrings(
          ['keep', 'shutdown'],
          'When a server goes down or drains: keep its connections (default) or close them.',
        ),
        sniffDicom: {
          type: 'boolean',
          description: 'Log the AE titles of each association (peeks at the A-ASSOCIATE-RQ).',
        },
        retryOnEmpty: {
          type: 'boolean',
          description:
            "A server that closes before sending a byte is replaced by the next one, with the client's bytes replayed (safe for DICOM; default false).",
        },
        proxyProtocol: { enum: [1, 2], description: 'Send a PROXY protocol v1 or v2 header to servers.' },
      },
      ['listen', 'backends'],
      'An L4 service.',
    ),
    admin: object(
      {
        listen: ref('endpoint'),
        token: str('Bearer token for writes; required when listen is not a loopback address.', {
          minLength: 16,
          maxLength: 256,
        }),
        allowedHosts: {
          type: 'array',
          description:
            "Extra names the admin API answers to in the Host header (besides its listen address, localhost, 127.0.0.1 and [::1]), e.g. the node's DNS name when it is scraped by name.",
          items: ref('hostname'),
          maxItems: 64,
        },
      },
      [],
      'The admin HTTP API (default 127.0.0.1:9180).',
    ),
    logging: object(
      {
        level: oneOfStrings(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'Default info.'),
        format: oneOfStrings(['auto', 'json', 'pretty'], 'auto: readable on a TTY, JSON otherwise.'),
      },
      [],
      'Logs.',
    ),
  },
} as const
