// Running programs in the lab: one-shot commands (bounded), and daemons that outlive `lab up`, tracked by PID files.
import { execFile, spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { logFile, pidFile } from './plan.mjs'

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Runs a program to completion, bounded by `timeoutMs`; never rejects: a failure is a non-zero `code`. */
export function run(command, args, { timeoutMs = 10_000 } = {}) {
  const startedAt = Date.now()
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout: String(stdout), stderr: String(stderr), startedAt, endedAt: Date.now() })
      },
    )
  })
}

/** Like `run`, but a non-zero exit throws with the command and its output. */
export async function must(command, args, options) {
  const result = await run(command, args, options)
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}: ${(result.stderr || result.stdout).trim()}`,
    )
  }
  return result
}

/** `ip netns exec <ns> <command> <args…>` (ip execs the command: its PID is the command's). */
export const inNs = (ns, command, args, options) =>
  run('ip', ['netns', 'exec', ns, command, ...args], options)
export const mustInNs = (ns, command, args, options) =>
  must('ip', ['netns', 'exec', ns, command, ...args], options)

/** Polls `probe` until it returns something other than undefined; throws naming `what` at the deadline. */
export async function waitFor(what, probe, timeoutMs, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs
  let lastError = ''
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error)
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${lastError})` : ''}`,
      )
    }
    await sleep(intervalMs)
  }
}

export function readPid(name) {
  const file = pidFile(name)
  if (!existsSync(file)) return undefined
  const pid = Number(readFileSync(file, 'utf8').trim())
  return Number.isInteger(pid) && pid > 1 ? pid : undefined
}

/** Whether `pid` runs (a zombie, exited but not yet reaped by whoever adopted it, does not). */
export function alive(pid) {
  if (pid === undefined) return false
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** A daemon `name` runs in namespace `ns`, detached, output appended to logs/<name>.log, PID in pids/<name>.pid. */
export function startDaemon(name, ns, command, args) {
  for (const file of [logFile(name), pidFile(name)]) mkdirSync(dirname(file), { recursive: true })
  const log = openSync(logFile(name), 'a')
  try {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], {
      detached: true,
      stdio: ['ignore', log, log],
    })
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`)
    writeFileSync(pidFile(name), `${child.pid}\n`)
    child.unref()
    return child.pid
  } finally {
    closeSync(log)
  }
}

/** Sends `signal` to the daemon `name` when it runs; returns whether it did. */
export function signalDaemon(name, signal) {
  const pid = readPid(name)
  if (!alive(pid)) return false
  process.kill(pid, signal)
  return true
}

/** SIGTERM, then SIGKILL after `graceMs`; waits (bounded) until the process is gone, then drops the PID file. */
export async function stopDaemon(name, graceMs = 3_000) {
  const pid = readPid(name)
  if (alive(pid)) {
    process.kill(pid, 'SIGTERM')
    const deadline = Date.now() + graceMs
    while (alive(pid) && Date.now() < deadline) await sleep(50)
    if (alive(pid)) process.kill(pid, 'SIGKILL')
    const hard = Date.now() + 5_000
    while (alive(pid) && Date.now() < hard) await sleep(50)
    if (alive(pid)) throw new Error(`${name} (pid ${pid}) is still running after SIGKILL`)
  }
  rmSync(pidFile(name), { force: true })
}

/** SIGKILL (a crash), waiting (bounded) until the process is gone. */
export async function killDaemon(name) {
  const pid = readPid(name)
  if (!alive(pid)) return
  process.kill(pid, 'SIGKILL')
  const deadline = Date.now() + 5_000
  while (alive(pid) && Date.now() < deadline) await sleep(20)
}
