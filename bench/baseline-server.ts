/**
 * The bench's baseline server: a bare Fastify app on the same database as the product server
 * (never at the same time on the embedded one), with the routes each section registers — one
 * INSERT for intake, the hand-written SQL for the dashboards. No sessions, no row-level security,
 * no validation beyond JSON parsing: the floor the product is compared with.
 *
 * Environment: DATABASE_URL or DATA_DIR, PORT, BENCH_DATA (the DataInfo JSON file).
 */
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import { openDatabase } from '../src/core/db.js'
import { acquireLock } from '../src/core/lock.js'
import { sections } from './sections/index.js'
import type { DataInfo } from './lib/types.js'

const databaseUrl = process.env.DATABASE_URL || undefined
const dataDir = process.env.DATA_DIR
const lock = databaseUrl ? null : acquireLock(dataDir!)
const database = await openDatabase({ databaseUrl, dataDir })
const data = JSON.parse(readFileSync(process.env.BENCH_DATA!, 'utf8')) as DataInfo
const app = Fastify({ logger: false })
app.get('/ready', async () => ({ ok: true }))
for (const s of sections) await s.baselineRoutes?.(app, database, data)
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
const stop = async () => {
  await app.close()
  await database.close()
  lock?.release()
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
process.once('SIGINT', () => void stop())
