import { isLoopback } from '../addresses.js'
import type { CheckContext } from './context.js'

/** An admin API reachable from the network needs a token. */
export function checkAdmin({ config, issue, checkAddress }: CheckContext): void {
  const listen = config.admin?.listen
  if (!listen) return
  checkAddress('admin.listen.address', listen.address)
  if (!isLoopback(listen.address) && !config.admin?.token) {
    issue('admin.token', `is required because admin.listen (${listen.address}) is not a loopback address`)
  }
}
