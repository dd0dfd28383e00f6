import type { FinishedAssociationView } from '@gslb/console'
import type { ConnectionLog } from '@gslb/forwarder'

/** The console's view of a finished forwarded connection: who called whom, where it went, which site. */
export function finishedAssociation(
  log: ConnectionLog,
  siteOf: (address: string) => string,
): FinishedAssociationView {
  const connected = log.attempts.find((attempt) => attempt.error === undefined)
  return {
    id: log.id,
    service: log.service,
    client: { address: log.client.address, port: log.client.port },
    callingAE: log.callingAE ?? null,
    calledAE: log.calledAE ?? null,
    server: log.server,
    site: connected ? siteOf(connected.address) || null : null,
    bytesFromClient: log.bytesFromClient,
    bytesFromServer: log.bytesFromServer,
    startedAt: log.startedAt,
    end: log.end,
    durationMs: log.durationMs,
  }
}
