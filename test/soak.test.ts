import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, inject, it } from 'vitest'
import { openDatabase } from '../src/core/db.js'

// The quick variant of `npm run soak` for CI: a few seconds of mixed load on the embedded
// backend must produce no 5xx and a clean stop. The memory verdict needs the full 10 minutes.
describe('soak, quick variant', () => {
  it('serves a mixed load without a single failure', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'grassroots-soak-test-'))
    try {
      const seeded = await openDatabase({ dataDir, loadDataDir: new Blob([await readFile(inject('pgliteTemplate'))]) })
      await seeded.close()
      const { stdout } = await promisify(execFile)(path.resolve('node_modules/.bin/tsx'), ['scripts/soak.ts'], {
        env: { ...process.env, SOAK_MINUTES: '0.25', SOAK_DATA_DIR: dataDir, SOAK_JUDGE_MEMORY: '0', DATABASE_URL: '' },
        timeout: 120_000,
      })
      expect(stdout).toMatch(/verdict: PASS/)
      expect(stdout).not.toMatch(/not 2xx: .*5\d\d/)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 150_000)
})
