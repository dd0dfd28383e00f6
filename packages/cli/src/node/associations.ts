import type { AssociationView, FinishedAssociationView } from '@gslb/console'
import type { ActiveConnection, ConnectionLog } from '@gslb/forwarder'

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

/** The console's view of a connection open now. */
export function openAssociation(
  connection: ActiveConnection,
  siteOf: (address: string) => string,
): AssociationView {
  return {
    id: connection.id,
    service: connection.service,
    client: { address: connection.client.address, port: connection.client.port },
    callingAE: connection.callingAE ?? null,
    calledAE: connection.calledAE ?? null,
    server: connection.server,
    site: connection.address ? siteOf(connection.address) || null : null,
    bytesFromClient: connection.bytesFromClient,
    bytesFromServer: connection.bytesFromServer,
    startedAt: connection.startedAt,
  }
}
