import { spawn } from 'node:child_process'
import { DEFAULT_EXTERNAL_OUTPUT_BYTES, EXTERNAL_KILL_GRACE_MS } from '../constants.js'
import type { ExternalMonitor, MonitorOutcome, ResolvedTarget } from '../types.js'
import { down, fromAbort, fromError, onAbort, up } from './outcome.js'

/** Keeps the first `limit` bytes of a stream and counts the rest. */
class Capture {
  private readonly chunks: Buffer[] = []
  private kept = 0
  dropped = 0
  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    const room = this.limit - this.kept
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk
      this.chunks.push(part)
      this.kept += part.length
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0))
  }

  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8').trim()
    return this.dropped > 0 ? `${body}… (${this.dropped} bytes dropped)` : body
  }
}

/**
 * Runs a command (no shell) in its own process group with the target in its environment. Exit 0 = up. On timeout
 * or stop the whole group gets SIGKILL, so children the command started die with it.
 */
export function checkExternal(
  target: ResolvedTarget,
  monitor: ExternalMonitor,
  signal: AbortSignal,
): Promise<MonitorOutcome> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(fromAbort(signal))
    const limit = monitor.maxOutputBytes ?? DEFAULT_EXTERNAL_OUTPUT_BYTES
    const stdout = new Capture(limit)
    const stderr = new Capture(limit)
    let spawnError: unknown = null
    let graceTimer: ReturnType<typeof setTimeout> | undefined
    const child = spawn(monitor.command, monitor.args ?? [], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...monitor.env,
        GSLB_TARGET_ID: target.id,
        GSLB_TARGET_ADDRESS: target.address,
        GSLB_TARGET_PORT: String(target.port),
      },
    })
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk))
    // Runs only before 'close': the command may have exited already while a child it started still holds the
    // pipes, so the group is killed whether or not its leader is gone.
    const killGroup = () => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
      // A grandchild that left the group may hold the pipes open: stop waiting for it after a grace period.
      graceTimer = setTimeout(() => {
        child.stdout.destroy()
        child.stderr.destroy()
      }, EXTERNAL_KILL_GRACE_MS)
    }
    const dropAbort = onAbort(signal, killGroup)
    child.once('error', (error) => {
      spawnError = error
    })
    child.once('close', (code, killSignal) => {
      dropAbort()
      if (graceTimer !== undefined) clearTimeout(graceTimer)
      if (signal.aborted) return resolve(fromAbort(signal))
      if (spawnError !== null) return resolve(fromError(spawnError, signal))
      const output = stderr.text() || stdout.text()
      const detail = output ? `: ${output}` : ''
      if (code === 0) return resolve(up(`exit 0${detail}`))
      const how = code !== null ? `exit ${code}` : `killed by ${killSignal}`
      resolve(down('exit', `${how}${detail}`))
    })
  })
}
