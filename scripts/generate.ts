// `npm run generate` regenerates every checked-in generated file: the table types from the
// migrated database (kysely-codegen over an in-memory PGlite), the web client's API types from the
// OpenAPI document (openapi-typescript, in tools/codegen because it needs TypeScript 5), and the SQL
// snapshots (test/sql-snapshots.test.ts with vitest -u; it needs no database).
// `npm run check:generated` (`--check`) writes the types to a temporary directory instead, runs the
// snapshot test without updating, and fails naming each checked-in file that is stale. Every
// generator prints deterministically (Biome leaves *.generated.ts alone), so a second run changes
// nothing.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { generate, PostgresDialect, RawExpressionNode } from 'kysely-codegen'
import { type Db, openDatabase } from '../src/core/db.js'
import { migrate } from '../src/core/migrate.js'
import { openApiDocument } from './openapi.js'
import { startVitest } from 'vitest/node'

const root = path.resolve(import.meta.dirname, '..')
const TABLES = 'src/core/tables.generated.ts'
const API = 'web/src/api/schema.generated.ts'

// Column types the catalogue alone cannot tell: JSON columns whose shape the code knows, and
// district_id columns filled by the registry_set_district trigger (so inserts may leave them out).
const district = 'Generated<number>'
const json = (t: string) => `ColumnType<${t}, string, string>`
const overrides: Record<string, string> = {
  'household_member.district_id': district,
  'person_organisation.district_id': district,
  'person_distinct.district_id': district,
  'registry_history.district_id': district,
  'data_grant.district_id': district,
  'import_job.district_id': district,
  'registry_history.changes': json('Record<string, { from: unknown; to: unknown }>'),
  'registry_history.snapshot': json('Record<string, unknown>'),
  'import_job.headers': json('string[]'),
  'import_job.mapping': `${json('Record<string, string>')} | null`,
}

// Enumerations kept by check constraints that the code reads and writes as unions; their values come
// from the constraint (`CHECK (level IN ('city', …))`, kept as `level = ANY (ARRAY['city'::text, …])`).
// Other checked columns stay strings until their code takes the union.
const enumerated = [
  'area.level',
  'department.kind',
  'app_user.status',
  'calendar_day.kind',
  'import_job.kind',
  'import_job.format',
  'import_job.status',
  'dispute.state',
  'dispute.level',
  'dispute.category',
  'dispute.source',
  'dispute.risk_level',
  'dispute.risk_rule_level',
  'dispute.risk_judgement',
  'dispute.outcome',
  'dispute.settled_level',
  'dispute.judicial_mode',
  'dispute.agreement_status',
  'dispute.judicial_status',
  'dispute_party.role',
  'dispute_party.kind',
  'dispute_risk_rule.factor',
  'dispute_risk_rule.level',
  'mediation_agreement.form',
  'mediation_agreement.status',
  'mediation_agreement.judicial_status',
  'dispute_follow_up.performance',
  'petition.channel',
  'petition.state',
]

async function enumerations(db: Db): Promise<Record<string, string>> {
  const { rows } = await sql<{ relation: string; name: string; def: string; has_default: boolean }>`
    select t.relname as relation, a.attname as name, pg_get_constraintdef(c.oid) as def, a.atthasdef as has_default
    from pg_constraint c
    join pg_class t on t.oid = c.conrelid
    join pg_namespace n on n.oid = t.relnamespace and n.nspname = 'public'
    join pg_attribute a on a.attrelid = c.conrelid and c.conkey = array[a.attnum]::int2[]
    where c.contype = 'c' and a.atttypid = 'text'::regtype
    order by 1, 2`.execute(db)
  const unions: Record<string, string> = {}
  for (const r of rows) {
    const listed = new RegExp(`^CHECK \\(+${r.name} = (ANY \\(ARRAY\\[.*\\]\\)|'[^']*'::text)\\)+$`)
    if (!enumerated.includes(`${r.relation}.${r.name}`) || !listed.test(r.def)) continue
    const values = [...r.def.matchAll(/'((?:[^']|'')*)'::text/g)].map((m) =>
      JSON.stringify(m[1]!.replaceAll("''", "'")),
    )
    const union = values.join(' | ')
    unions[`${r.relation}.${r.name}`] = r.has_default ? `Generated<${union}>` : union
  }
  const missing = enumerated.filter((c) => !(c in unions))
  if (missing.length > 0) throw new Error(`no check constraint listing the values of ${missing.join(', ')}`)
  return unions
}
async function tables(outFile: string): Promise<void> {
  const database = await openDatabase({})
  try {
    await migrate(database)
    await generate({
      db: database.db,
      dialect: new PostgresDialect(),
      outFile,
      // Raw: the override parser needs TypeScript 5's API, which the project's TypeScript 7 lacks.
      overrides: {
        columns: Object.fromEntries(
          Object.entries({ ...(await enumerations(database.db)), ...overrides }).map(([c, t]) => [
            c,
            new RawExpressionNode(t),
          ]),
        ),
      },
      // The type parsers in src/core/db.ts: int8 and numeric as numbers, date as 'YYYY-MM-DD'.
      // Geometry is written and read through PostGIS functions, so it is an opaque string.
      typeMapping: {
        int8: 'number',
        numeric: 'number',
        date: 'string',
        geometry: 'string',
        geography: 'string',
        bytea: 'ColumnType<Uint8Array, Buffer, Buffer>',
        json: 'ColumnType<unknown, string, string>',
        jsonb: 'ColumnType<unknown, string, string>',
      },
      // PostGIS's own catalogue tables and views.
      excludePattern: '{spatial_ref_sys,geography_columns,geometry_columns}',
      logger: undefined,
    })
  } finally {
    await database.close()
  }
}

async function api(outFile: string, dir: string): Promise<void> {
  const json = path.join(dir, 'openapi.json')
  writeFileSync(json, `${JSON.stringify(await openApiDocument(), null, 2)}\n`)
  execFileSync(path.join(root, 'tools/codegen/node_modules/.bin/openapi-typescript'), [json, '-o', outFile], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

/**
 * Runs the SQL snapshot test, updating the snapshots unless checking, and answers the snapshot
 * files whose test failed (each test is named by its file) or, when none ran, the test file.
 */
async function sqlSnapshots(update: boolean): Promise<string[]> {
  const file = 'test/sql-snapshots.test.ts'
  // No config file: the project's global setup starts PostgreSQL, which these snapshots do not need.
  const vitest = await startVitest('test', [file], {
    root,
    config: false,
    include: [file],
    run: true,
    watch: false,
    update: update ? 'all' : 'none',
  })
  await vitest.close()
  const tests = vitest.state.getFiles().flatMap((f) => f.tasks)
  if (tests.length === 0) return [file]
  return tests.filter((t) => t.result?.state !== 'pass').map((t) => t.name.split(':')[0]!)
}

const check = process.argv.includes('--check')
const dir = mkdtempSync(path.join(tmpdir(), 'grassroots-generate-'))
try {
  const target = (file: string) => (check ? path.join(dir, path.basename(file)) : path.join(root, file))
  await tables(target(TABLES))
  await api(target(API), dir)
  const stale = check
    ? [TABLES, API].filter((file) => readFileSync(target(file), 'utf8') !== readFileSync(path.join(root, file), 'utf8'))
    : []
  for (const file of stale) console.error(`${file} is stale: run npm run generate`)
  const failed = await sqlSnapshots(!check)
  for (const file of failed)
    console.error(check ? `${file} is stale: run npm run generate` : `${file} failed (see above)`)
  if (stale.length + failed.length > 0) process.exitCode = 1
} finally {
  rmSync(dir, { recursive: true, force: true })
}
