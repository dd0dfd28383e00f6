import { isIP } from 'node:net'
import { LOCAL_ENGINE_NAMESERVER } from '../../constants.js'
import { formatEndpoint, isLoopback, isWildcard, parseHostPort } from '../addresses.js'
import type { Endpoint } from '../types.js'
import type { CheckContext } from './context.js'

/** Each nameserver is address[:port] or 'engine' (with gslb configured); a loopback typo of the engine is caught. */
export function checkResolvers({ config, issue }: CheckContext): void {
  const gslb = config.gslb
  for (const [name, resolver] of Object.entries(config.resolvers ?? {})) {
    resolver.nameservers.forEach((entry, i) => {
      const path = `resolvers.${name}.nameservers[${i}]`
      if (entry === LOCAL_ENGINE_NAMESERVER) {
        if (!gslb)
          issue(
            path,
            `'${LOCAL_ENGINE_NAMESERVER}' means this node's GSLB engine, but gslb is not configured`,
          )
        return
      }
      const server = parseHostPort(entry, 53)
      if (!server) {
        issue(
          path,
          `'${entry}' is not address[:port] (e.g. 10.0.0.2, 127.0.0.1:53, [::1]:53) or '${LOCAL_ENGINE_NAMESERVER}'`,
        )
        return
      }
      const listeners = gslb?.listen ?? []
      if (
        isLoopback(server.address) &&
        looksLikeEngine(listeners, server.address, server.port) &&
        !engineServes(listeners, server.address, server.port)
      ) {
        issue(
          path,
          `${formatEndpoint(server.address, server.port)} looks like this node's engine (same address or port as a ` +
            `gslb.listen entry), but no gslb.listen entry listens there ` +
            `(engine listeners: ${listeners.map((l) => formatEndpoint(l.address, l.port)).join(', ')}); ` +
            `use '${LOCAL_ENGINE_NAMESERVER}' for this node's engine`,
        )
      }
    })
  }
}

/**
 * A loopback nameserver that shares an address or a port with one of this node's engine listeners was meant to be
 * the engine (a typo otherwise). Other loopback nameservers are other DNS servers on this host — a local unbound,
 * systemd-resolved, an engine run by a separate gslb-lb process — and are taken as written.
 */
function looksLikeEngine(listeners: readonly Endpoint[], address: string, port: number) {
  return listeners.some((l) => l.port === port || sameAddress(l.address, address))
}

function engineServes(listeners: readonly Endpoint[], address: string, port: number) {
  return listeners.some((l) => l.port === port && sameAddress(l.address, address))
}

/** The listener's own address, or its family's wildcard (the engine's '::' is IPv6-only: it does not serve 127.0.0.1). */
function sameAddress(listener: string, address: string): boolean {
  return listener === address || (isWildcard(listener) && isIP(listener) === isIP(address))
}
