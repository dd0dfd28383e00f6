import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { request } from 'node:http'

/** The last lines a child printed, for failure messages (bounded). */
const MAX_LOG_LINES = 200

/** A child process the drill owns: its output is kept (bounded) and it is stopped by id, never by name. */
export class Child {
  readonly process: ChildProcess
  readonly exited: Promise<void>
  /** Resolves once the child exited and its output streams are drained. */
  readonly closed: Promise<void>
  private readonly lines: string[] = []

  constructor(
    readonly label: string,
    command: string,
    args: readonly string[],
    options: { cwd?: string } = {},
  ) {
    this.process = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue
        this.lines.push(line)
        if (this.lines.length > MAX_LOG_LINES) this.lines.shift()
      }
    }
    this.process.stdout?.on('data', keep)
    this.process.stderr?.on('data', keep)
    this.closed = new Promise((resolve) => {
      this.process.once('close', () => resolve())
      this.process.once('error', () => resolve())
    })
    this.exited = new Promise((resolve) => {
      this.process.once('exit', () => resolve())
      this.process.once('error', (error) => {
        this.lines.push(`spawn error: ${error.message}`)
        resolve()
      })
    })
  }

  get running(): boolean {
    return (
      this.process.exitCode === null && this.process.signalCode === null && this.process.pid !== undefined
    )
  }

  /** The child's recent output, for a failure message. */
  output(lastLines = 40): string {
    return `--- ${this.label} (pid ${this.process.pid}, exit ${this.process.exitCode ?? this.process.signalCode}) ---\n${this.lines.slice(-lastLines).join('\n')}`
  }

  /** A crash: SIGKILL, then wait (bounded) for the exit. */
  async kill(): Promise<void> {
    if (!this.running) return
    this.process.kill('SIGKILL')
    await withDeadline(this.exited, 5_000, `${this.label} to exit after SIGKILL`)
  }

  /** SIGTERM, SIGKILL after `deadlineMs`; resolves when the child is gone. */
  async stop(deadlineMs = 3_000): Promise<void> {
    if (!this.running) return
    this.process.kill('SIGTERM')
    const timer = setTimeout(() => this.process.kill('SIGKILL'), deadlineMs)
    try {
      await withDeadline(this.exited, deadlineMs + 5_000, `${this.label} to exit`)
    } finally {
      clearTimeout(timer)
    }
  }
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** GET a JSON document over plain HTTP (no keep-alive, so no socket outlives the call), bounded by `timeoutMs`. */
export function getJson<T>(address: string, port: number, path: string, timeoutMs = 2_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address,
        port,
        path,
        method: 'GET',
        agent: false,
        timeout: timeoutMs,
        headers: { connection: 'close' },
      },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > 4 * 1024 * 1024) req.destroy(new Error(`${path}: response larger than 4 MiB`))
          else chunks.push(chunk)
        })
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T)
          } catch (error) {
            reject(error)
          }
        })
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
  startedAt: number
  endedAt: number
}

/**
 * Runs a program to completion (bounded by `timeoutMs`); never rejects: a failure is a non-zero `code`. `env`
 * replaces the environment (jest gives each test file its own copy of `process.env`, which a child does not see).
 */
export function runProgram(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<RunResult> {
  const startedAt = Date.now()
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL', env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, stdout: String(stdout), stderr: String(stderr), startedAt, endedAt: Date.now() })
    })
  })
}
