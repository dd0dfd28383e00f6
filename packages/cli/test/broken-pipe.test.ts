import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { main } from '../src/cli.js'

// `gslb-lb init -o - | head -1`: the reader goes away before the output is written. The write fails with EPIPE,
// which crashed the process with a stack trace; now the rest of the output is dropped and the command ends with
// its own exit code, saying nothing.

const EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'two-site', 'fleet.json')
const readers: ChildProcess[] = []

afterEach(async () => {
  for (const reader of readers.splice(0)) {
    const exited = new Promise((resolve) => reader.once('exit', resolve))
    if (reader.exitCode === null && reader.signalCode === null) {
      reader.kill()
      await exited
    }
    reader.stdin?.destroy()
    reader.stdout?.destroy()
  }
})

/** The write end of a real pipe whose reader closed it without reading a byte (what `| head -0` leaves). */
async function pipeWithoutReader(): Promise<NodeJS.WritableStream> {
  const child = spawn(
    process.execPath,
    ['-e', "require('fs').closeSync(0); console.log('closed'); setTimeout(() => {}, 60_000)"],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  )
  readers.push(child)
  await new Promise((resolve, reject) => {
    child.stdout!.once('data', resolve)
    child.once('exit', (code) => reject(new Error(`the reader exited (${code}) before closing its stdin`)))
  })
  return child.stdin!
}

function collector(): { stream: Writable; text: () => string } {
  let text = ''
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk)
      done()
    },
  })
  return { stream, text: () => text }
}

/** Runs the CLI into a broken pipe; resolves once the pipe's EPIPE has been emitted. */
async function runIntoBrokenPipe(argv: string[]) {
  const stdout = await pipeWithoutReader()
  const stderr = collector()
  // Not an 'error' listener of its own: that alone would keep the process alive.
  const closed = new Promise((resolve) => stdout.once('close', resolve))
  const code = await main(argv, { stdout, stderr: stderr.stream, env: {} })
  await closed
  expect((stdout as unknown as { errored: NodeJS.ErrnoException | null }).errored?.code).toBe('EPIPE')
  // The crash was an 'error' event with no listener, thrown on a later tick: give it that tick.
  await new Promise((resolve) => setImmediate(resolve))
  return { code, stderr: stderr.text() }
}

test('init -o - into a closed pipe ends quietly with exit 0', async () => {
  expect(await runIntoBrokenPipe(['init', '-o', '-'])).toEqual({ code: 0, stderr: '' })
})

test('validate into a closed pipe keeps its exit code; writes after the broken one are dropped too', async () => {
  expect(await runIntoBrokenPipe(['validate', EXAMPLE])).toMatchObject({ code: 0 })
  expect(await runIntoBrokenPipe(['validate', '--json', '/nonexistent/gslb-lb.json'])).toEqual({
    code: 3,
    stderr: '',
  })
})

test('--help into a closed pipe', async () => {
  expect(await runIntoBrokenPipe(['--help'])).toEqual({ code: 0, stderr: '' })
})
