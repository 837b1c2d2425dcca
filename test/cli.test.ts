import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { openDatabase } from '../src/core/db.js'

// The CLI against a running server on the embedded database: the server holds the data
// directory, so every command must go through its control channel, never open the files again.

const exec = promisify(execFile)
const tsx = path.resolve('node_modules/.bin/tsx')

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

describe('CLI and server process on the embedded database', () => {
  let dataDir: string
  let port: number
  let server: ChildProcess
  let output = ''
  const env = () => ({
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
  })
  const cli = (...args: string[]) => exec(tsx, ['src/cli.ts', ...args], { env: env() })

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'grassroots-cli-'))
    // Start from the seeded template instead of spending ~15 s creating PostGIS and the city.
    const seeded = await openDatabase({ dataDir, loadDataDir: new Blob([await readFile(inject('pgliteTemplate'))]) })
    await seeded.close()
    port = await freePort()
    // Node itself, not the tsx wrapper: under load the wrapper turns SIGTERM into SIGKILL after 30 ms.
    server = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    server.stdout!.on('data', (d) => (output += d))
    server.stderr!.on('data', (d) => (output += d))
    for (let i = 0; i < 120; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) return
      await new Promise((r) => setTimeout(r, 500))
    }
    throw new Error(`server did not start:\n${output}`)
  })
  afterAll(() => {
    server?.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('prints the demo accounts while the server runs', async () => {
    const { stdout } = await cli('demo-accounts', '--json')
    const accounts = JSON.parse(stdout) as { username: string; password: string; role: string; area: string }[]
    expect(new Set(accounts.map((a) => a.role))).toEqual(
      new Set(['admin', 'leader', 'staff', 'grid_worker', 'department_handler', 'mediator', 'resident']),
    )
    expect(accounts.every((a) => a.password === 'grassroots-demo')).toBe(true)
    const communities = new Set(accounts.filter((a) => a.role === 'staff').map((a) => a.area))
    expect(communities.size).toBeGreaterThanOrEqual(2)
  })

  it('verifies the audit trail and creates a user through the running server', async () => {
    expect((await cli('audit', 'verify')).stdout).toMatch(/intact/)
    const { stdout } = await exec(tsx, ['src/cli.ts', 'user', 'create', '--username', 'ops.admin', '--area', 'JZ'], {
      env: { ...env(), GRASSROOTS_PASSWORD: 'a-very-long-password' },
    })
    expect(JSON.parse(stdout)).toMatchObject({ username: 'ops.admin', role: 'admin', area: 'JZ' })
    const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ops.admin', password: 'a-very-long-password' }),
    })
    expect(login.status).toBe(200)
  })

  it('imports a jurisdiction with its root city from GeoJSON through the running server', async () => {
    const sq = (x: number, y: number, s: number) => ({
      type: 'Polygon',
      coordinates: [
        [
          [x, y],
          [x + s, y],
          [x + s, y + s],
          [x, y + s],
          [x, y],
        ],
      ],
    })
    const file = path.join(dataDir, 'jurisdiction.geojson')
    writeFileSync(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            geometry: sq(100, 20, 0.1),
            properties: { code: 'NC-D1', nameZh: '新区', nameEn: 'New District', level: 'district', parentCode: 'NC' },
          },
          {
            type: 'Feature',
            geometry: sq(100, 20, 0.1),
            properties: { code: 'NC', nameZh: '新城市', nameEn: 'New City', level: 'city' },
          },
        ],
      }),
    )
    expect(JSON.parse((await cli('areas', 'import', file)).stdout)).toEqual({ created: 2, updated: 0 })
    const tree = await (await fetch(`http://127.0.0.1:${port}/api/v1/areas/tree`)).json()
    const root = tree.areas.find((a: { code: string }) => a.code === 'NC')
    expect(root.children.map((c: { code: string }) => c.code)).toEqual(['NC-D1'])
  })

  it('imports categories with their routing through the running server', async () => {
    const file = path.join(dataDir, 'categories.json')
    writeFileSync(
      file,
      JSON.stringify([
        { code: 'ZZ', parentCode: null, nameZh: '测试类', nameEn: 'Test group' },
        {
          code: 'ZZ-01',
          parentCode: 'ZZ',
          nameZh: '测试小类',
          nameEn: 'Test leaf',
          respondHours: 8,
          handleWorkdays: 2,
          routing: { 'JZ-QH': 'QH-CG' },
        },
      ]),
    )
    expect(JSON.parse((await cli('categories', 'import', file)).stdout)).toEqual({ created: 2, updated: 0, routes: 1 })
    const cats = await (await fetch(`http://127.0.0.1:${port}/api/v1/categories`)).json()
    const group = cats.categories.find((c: { code: string }) => c.code === 'ZZ')
    expect(group.children.map((c: { code: string; handleWorkdays: number }) => [c.code, c.handleWorkdays])).toEqual([
      ['ZZ-01', 2],
    ])
    writeFileSync(
      file,
      JSON.stringify([
        { code: 'ZZ-02', parentCode: 'NOPE', nameZh: '甲', nameEn: 'A', respondHours: 1, handleWorkdays: 1 },
      ]),
    )
    const bad = await cli('categories', 'import', file).catch((e) => e)
    expect(bad.stderr).toMatch(/categories\[0\]\.parentCode/)
  })

  it('refuses a second server on the same data directory', async () => {
    const second = await exec(tsx, ['src/cli.ts', 'serve'], {
      env: { ...env(), PORT: String(await freePort()) },
    }).catch((e) => e)
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/in use by process/)
  })

  it('finishes in-flight requests on SIGTERM, then releases the data directory', async () => {
    const inFlight = fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'grassroots-demo' }),
    })
    await new Promise((r) => setTimeout(r, 30))
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve))
    server.kill('SIGTERM')
    const res = await inFlight
    expect(res.status).toBe(200)
    const code = await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r(`timeout; output so far:\n${output}`), 15000)),
    ])
    expect(code).toBe(0)
    expect(existsSync(path.join(dataDir, 'grassroots.lock'))).toBe(false)
    // With no server, the CLI opens the data directory itself.
    expect((await cli('audit', 'verify')).stdout).toMatch(/intact/)
  })
})
