import type { FastifyInstance } from 'fastify'
import type { Backend, Database } from '../../src/core/db.js'

/** One row of the bench table. */
export interface Measurement {
  section: string
  name: string
  unit: string
  value: number | null
  /** The same measurement on the baseline (bare insert, hand-written SQL), when there is one. */
  baseline?: number | null
  /** value / baseline, oriented so that it reads as "times the baseline" (see ratioOf). */
  ratio?: number | null
  /** Human-readable target, e.g. "≥ 1000/s" or "≤ 200 ms"; only where the issue sets one. */
  target?: string
  met?: boolean | null
  note?: string
  /** Extra figures kept in the JSON (p50, p99, errors, …). */
  detail?: Record<string, unknown>
}

export type ProfileName = 'smoke' | 'quick' | 'full'

export interface Profile {
  name: ProfileName
  /** Generator counts per backend (sections may add entities through `data`). */
  cases: Record<Backend, number>
  /** Seconds per throughput run (intake, Open311). */
  loadSeconds: number
  /** Concurrency levels of the intake runs. */
  concurrency: number[]
  /** Requests per latency measurement (dashboards, lists, detail). */
  samples: number
  /** Requests before each latency measurement, not counted. */
  warmup: number
}

/** What the bench knows about the prepared database, shared by all sections. */
export interface DataInfo {
  backend: Backend
  /** Rows per table after generation. */
  counts: Record<string, number>
  generated: unknown
  until: string
  city: { id: number; code: string }
  district: { id: number; code: string }
  street: { id: number; code: string; nameEn: string }
  community: { id: number; code: string }
  /** Grid points for intake: a point inside each grid. */
  points: { areaId: number; districtId: number; lng: number; lat: number }[]
  /** Leaf categories a plain report may use (no photo, no required attribute). */
  categories: { id: number; code: string; respondHours: number }[]
  /** A department with many cases (for filters). */
  departmentId: number
  /** Some case ids for detail pages. */
  caseIds: number[]
}

export interface BaselineContext {
  url: string
  profile: Profile
  data: DataInfo
}

export interface ServerContext extends BaselineContext {
  /** Bearer tokens of the demo accounts by username. */
  tokens: Record<string, string>
  /** RSS samples of the server process (bytes), labelled with the section running. */
  rss: { at: number; section: string; bytes: number }[]
  pid: number
  /** Results of earlier sections in this run (the memory section reads them). */
  earlier: Measurement[]
}

/**
 * A bench section: a module measuring one part of the product. The runner calls, per backend:
 *   data(profile)              — extra generator counts this section needs (e.g. {people: 100000});
 *   baselineRoutes(app, db)    — in the baseline server process: bare routes on the same database;
 *   baseline(ctx)              — in the bench process, against the baseline server;
 *   run(ctx, baselineResult)   — in the bench process, against the real server.
 * To add a section, write bench/sections/<name>.ts exporting one and list it in bench/sections/index.ts.
 */
export interface Section<B = unknown> {
  name: string
  description: string
  data?(profile: Profile, backend: Backend): Record<string, number>
  baselineRoutes?(app: FastifyInstance, database: Database, data: DataInfo): void | Promise<void>
  baseline?(ctx: BaselineContext): Promise<B>
  run(ctx: ServerContext, baseline: B | undefined): Promise<Measurement[]>
}
