// Writes the OpenAPI document the server publishes at /api/openapi.json, without a database:
// building the routes touches none. `npm run generate` turns it into web/src/api/schema.generated.ts.
import { writeFileSync } from 'node:fs'
import { loadConfig } from '../src/config.js'
import { systemClock } from '../src/core/clock.js'
import type { Database } from '../src/core/db.js'
import { buildServer } from '../src/server.js'

export async function openApiDocument(): Promise<object> {
  const config = loadConfig({ port: 0, schedulerIntervalMs: 0, dataKey: Buffer.alloc(32).toString('base64') })
  // Never queried: the document is read before any request.
  const database = { backend: 'pglite' } as unknown as Database
  const app = await buildServer({ database, config, clock: systemClock })
  await app.ready()
  const doc = app.swagger()
  await app.close()
  return doc
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'openapi.json'
  writeFileSync(out, `${JSON.stringify(await openApiDocument(), null, 2)}\n`)
}
