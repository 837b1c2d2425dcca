import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './cluster.js'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface Spawned {
  url: string
  pid: number
  output: () => string
  stop(): Promise<number | null>
}

/**
 * Starts a Node process (the product server: src/cli.ts serve, or the baseline server) with tsx
 * as its loader, so the pid is that of the server itself; waits for `readyPath`.
 */
export async function spawnServer(script: string[], env: Record<string, string>, readyPath: string): Promise<Spawned> {
  const port = await freePort()
  let output = ''
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ...script], {
    cwd: root,
    env: {
      ...(process.env as Record<string, string>),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)))
  child.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)))
  const url = `http://127.0.0.1:${port}`
  let up = false
  for (let i = 0; i < 1200 && child.exitCode === null; i++) {
    if (
      await fetch(`${url}${readyPath}`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      up = true
      break
    }
    await sleep(250)
  }
  if (!up) {
    child.kill('SIGKILL')
    throw new Error(`${script.join(' ')} did not start:\n${output}`)
  }
  return {
    url,
    pid: child.pid!,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
      child.kill('SIGTERM')
      const code = await Promise.race([exited, sleep(60_000).then(() => 'timeout' as const)])
      if (code === 'timeout') {
        child.kill('SIGKILL')
        return null
      }
      return code
    },
  }
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number | null {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}
