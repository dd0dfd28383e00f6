import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { resolve } from 'node:path'

// The README's promise: after `pnpm demo`, every command the demo prints under "Try:" works as printed, from the
// folder the demo was started in (the repository root). Runs the built CLI as the root `demo` script does.

const repoRoot = resolve(__dirname, '..', '..', '..', '..')
let demo: ChildProcess | undefined

afterEach(async () => {
  if (!demo || demo.exitCode !== null) return
  const exited = new Promise((done) => demo?.once('exit', done))
  demo.kill('SIGINT')
  await exited
})

/** Starts the demo on free ports; resolves with its "Try:" commands once it has printed them. */
function startDemo(): Promise<string[]> {
  const child = spawn(
    process.execPath,
    ['packages/cli/dist/bin.cjs', 'demo', '--port', '0', '--admin-port', '0'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  demo = child
  return new Promise((resolvePrinted, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`the demo printed no commands in 30 s:\n${out}`)), 30_000)
    child.once('exit', (code) =>
      reject(new Error(`the demo exited (${code}) before printing its commands:\n${out}`)),
    )
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const tryAt = out.indexOf('\nTry:\n')
      const end = out.indexOf('State changes follow', tryAt)
      if (tryAt === -1 || end === -1) return
      clearTimeout(timer)
      resolvePrinted(
        out
          .slice(tryAt + '\nTry:\n'.length, end)
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '' && !line.startsWith('keys:')),
      )
    })
  })
}

function shell(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('bash', ['-c', command], { cwd: repoRoot, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

test('every command the demo prints runs as printed from where the demo was started', async () => {
  const commands = await startDemo()
  expect(commands.length).toBeGreaterThanOrEqual(4)
  const echoLine = commands.find((command) => / echo /.test(command.split('#')[0]!))
  expect(echoLine).toMatch(/^pnpm gslb-lb echo 127\.0\.0\.1 \d+ /)
  for (const command of commands) {
    const result = await shell(command)
    if (result.code !== 0)
      throw new Error(`'${command}' exited ${result.code}:\n${result.stdout}${result.stderr}`)
    if (command === echoLine) expect(result.stdout).toMatch(/C-ECHO 127\.0\.0\.1:\d+ ok in/)
    else expect(result.stdout.trim()).toMatch(/^\{/) // the admin API answered with JSON
  }
})
