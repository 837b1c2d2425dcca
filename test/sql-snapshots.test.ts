// SQL snapshots: the important queries, as PostgreSQL receives them, checked in beside their
// module (src/cases/queries.sql, src/analytics/stats.sql, src/registry/people.sql,
// src/registry/opendata.sql), so that a changed query shows in review as changed SQL.
//
// Each variant runs the real use case against the demo city on the embedded database, through a
// Kysely plugin that compiles every statement it sees with PostgreSQL's compiler and records it
// with its parameters (a subquery is seen once on its own, just before the statement that holds
// it). A stale snapshot fails this test; `npm run generate` (vitest -u on this
// file) rewrites them.
import {
  PostgresQueryCompiler,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { caseStats, type StatsQuery } from '../src/analytics/stats.js'
import { listCases, type CaseFilter } from '../src/cases/queries.js'
import { cipherFor } from '../src/core/crypto.js'
import type { Db } from '../src/core/db.js'
import { inScope, type RequestContext } from '../src/core/scope.js'
import { populationStats, type PopulationBreakdown } from '../src/registry/opendata.js'
import { searchPeople, suspectedDuplicates, type PersonSearch } from '../src/registry/people.js'
import { areaId, openTestPlatform, type TestPlatform } from './support.js'

class Recorder implements KyselyPlugin {
  readonly statements: string[] = []
  private readonly compiler = new PostgresQueryCompiler()
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    const { sql, parameters } = this.compiler.compileQuery(node, queryId)
    // inScope's settings of role and grants precede every variant alike.
    if (sql.startsWith("select set_config('role'")) return node
    const params = parameters.map((p) => (p instanceof Date ? p.toISOString() : p))
    this.statements.push(`${sql.trim()};\n-- parameters: ${JSON.stringify(params)}`)
    return node
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result
  }
}

const NOW = new Date('2026-11-23T02:00:00Z')

describe('SQL snapshots', () => {
  let p: TestPlatform
  let ctx: RequestContext
  let community: number
  beforeAll(async () => {
    p = await openTestPlatform('pglite', NOW.toISOString())
    const root = await areaId(p, 'JZ')
    community = await areaId(p, 'JZ-QH-01-01')
    ctx = {
      actor: {
        userId: 1,
        username: 'admin',
        displayName: 'admin',
        grants: [{ role: 'admin', areaId: root, path: `/${root}/` }],
      },
      ip: '127.0.0.1',
    }
  })
  afterAll(() => p?.close())

  /** The statements one call issues, each variant under its name. */
  async function record(variants: Record<string, (db: Db) => Promise<unknown>>): Promise<string> {
    const blocks: string[] = []
    for (const [name, run] of Object.entries(variants)) {
      const recorder = new Recorder()
      await run(p.database.db.withPlugin(recorder))
      blocks.push(`-- ${name}\n${recorder.statements.join('\n\n')}\n`)
    }
    return blocks.join('\n')
  }

  it('case list, each filter', async () => {
    const page = { page: 1, pageSize: 50, sort: 'newest' } as const
    const list = (f: Partial<CaseFilter>) => (db: Db) =>
      inScope(db, ctx, (tx) => listCases(tx, ctx, { ...page, ...f }, NOW))
    const text = await record({
      'no filter (newest first)': list({}),
      'area subtree': list({ areaId: community }),
      states: list({ state: ['submitted', 'dispatched'] }),
      category: list({ categoryId: 1 }),
      department: list({ departmentId: 1 }),
      overdue: list({ overdue: true }),
      escalated: list({ escalated: true }),
      colour: list({ colour: 'red' }),
      'submitted between': list({ from: '2026-11-01T00:00:00Z', to: '2026-11-23T00:00:00Z' }),
      'text search': list({ q: '路灯' }),
      mine: list({ mine: true }),
      'due first': list({ sort: 'due' }),
      'keyset page (after)': list({ after: 1000 }),
    })
    await expect(text).toMatchFileSnapshot('../src/cases/queries.sql')
  })

  it('statistics', async () => {
    const stats = (q: StatsQuery) => (db: Db) => inScope(db, ctx, (tx) => caseStats(tx, ctx, q, NOW))
    const text = await record({
      'whole caller scope, last 30 days': stats({}),
      'by area': stats({ areaId: community, groupBy: 'area' }),
      'by department': stats({ groupBy: 'department' }),
      'by category': stats({ groupBy: 'category' }),
      'by worker': stats({ groupBy: 'worker' }),
      'by day': stats({ groupBy: 'day', from: '2026-11-01T00:00:00Z', to: '2026-11-23T00:00:00Z' }),
      'by month': stats({ groupBy: 'month' }),
    })
    await expect(text).toMatchFileSnapshot('../src/analytics/stats.sql')
  })

  it('people search variants and duplicate suggestions', async () => {
    const cipher = cipherFor(p.config)
    const page = { page: 1, pageSize: 50 }
    const search = (f: Partial<PersonSearch>) => (db: Db) =>
      inScope(db, ctx, (tx) => searchPeople(tx, ctx, cipher, { ...page, ...f }, NOW))
    const text = await record({
      'resident ID (blind index)': search({ idNumber: '110101199003074477' }),
      'phone (blind index)': search({ phone: '13800138000' }),
      surname: search({ name: '王' }),
      'two-character name': search({ name: '王芳' }),
      'part of a name': search({ name: '王小芳' }),
      address: search({ address: '桂花' }),
      'free text as ID': search({ q: '110101199003074477' }),
      'free text as name': search({ q: '李' }),
      'care tags in an area': search({ tags: ['elderly_alone'], areaId: community }),
      'residence status and age': search({ residenceStatus: 'registered', ageFrom: 60, ageTo: 80 }),
      'suspected duplicates': (db) => inScope(db, ctx, (tx) => suspectedDuplicates(tx, { ...page, areaId: community })),
    })
    await expect(text).toMatchFileSnapshot('../src/registry/people.sql')
  })

  it('open-data counts', async () => {
    const by = (b: PopulationBreakdown) => (db: Db) => inScope(db, ctx, (tx) => populationStats(tx, community, b, NOW))
    const text = await record({
      'by area': by('area'),
      'by sex': by('sex'),
      'by age band': by('age_band'),
      'by residence status': by('residence_status'),
      'by care group': by('care_group'),
    })
    await expect(text).toMatchFileSnapshot('../src/registry/opendata.sql')
  })
})
