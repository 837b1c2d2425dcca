import { randomBytes, timingSafeEqual } from 'node:crypto'
import { hashPassword, checkPasswordPolicy } from './accounts/service.js'
import { recordAudit, verifyAuditChain } from './audit/service.js'
import { AppError } from './core/errors.js'
import type { App } from './core/http.js'
import { migrate } from './core/migrate.js'
import type { Platform } from './core/platform.js'
import { asSystem, roles, type Role } from './core/scope.js'
import { importCatalogue, type CatalogueEntry } from './cases/catalogue-import.js'
import { demoAccounts, seedDemo } from './demo/seed.js'
import { cipherFor } from './core/crypto.js'
import { importJurisdiction, type JurisdictionFeature } from './jurisdiction/service.js'
import { backup } from './operations/backup.js'
import { renderQueuedReports, scheduleMonthlyReports } from './analytics/report.js'
import { runMonthlyAssessments } from './analytics/assessment.js'
import { detectWarnings } from './analytics/warnings.js'
import { errorReport, loadJob, startLocalImport, type ImportProgress } from './registry/import.js'
import { writeFile } from 'node:fs/promises'

// The operations the CLI performs on the database. Each runs either directly (PostgreSQL, or an
// embedded database no server holds) or inside the running server through the control channel,
// so an embedded data directory is never opened twice.

export interface UserCreateArgs {
  username: string
  displayName: string
  password: string
  role: Role
  areaCode: string
}

export const controlCommands = {
  migrate: async (p: Platform) => ({ applied: await migrate(p.database) }),
  'seed-demo': async (p: Platform, args: { seed?: number }) =>
    seedDemo(p.database.db, args.seed ?? 1, { production: p.config.production, cipher: cipherFor(p.config) }),
  'demo-accounts': async (p: Platform) => demoAccounts(p.database.db),
  'monthly-assessments': async (p: Platform) => ({ runs: await runMonthlyAssessments(p.database.db, p.clock.now()) }),
  'audit-verify': async (p: Platform) => verifyAuditChain(p.database.db),
  // Last month's reports of every street and district that has none yet, then every queued report.
  'monthly-reports': async (p: Platform) => {
    const queued = await scheduleMonthlyReports(p.database.db, p.clock.now())
    const failed: string[] = []
    const rendered = await renderQueuedReports(
      p.database.db,
      () => p.clock.now(),
      (err, id) => failed.push(`#${id}: ${err instanceof Error ? err.message : String(err)}`),
    )
    return { queued, rendered, failed }
  },
  'detect-warnings': async (p: Platform) => detectWarnings(p.database.db, p.clock.now()),
  // The process holding the database writes the file (args.file: an absolute path).
  backup: async (p: Platform, args: { file: string }) => backup(p, args),
  'categories-import': async (p: Platform, args: { categories: CatalogueEntry[] }) => {
    if (!Array.isArray(args.categories))
      throw new AppError('VALIDATION_FAILED', 'expected a JSON array of categories', 'categories')
    return asSystem(p.database.db, async (tx) => {
      const result = await importCatalogue(tx, args.categories)
      await recordAudit(
        tx,
        { actor: null, ip: 'cli' },
        { action: 'category.import', entityType: 'case_category', detail: result },
      )
      return result
    })
  },
  'areas-import': async (p: Platform, args: { features: JurisdictionFeature[] }) => {
    if (!Array.isArray(args.features))
      throw new AppError('VALIDATION_FAILED', 'expected a GeoJSON FeatureCollection', 'features')
    return asSystem(p.database.db, (tx) => importJurisdiction(tx, args.features))
  },
  'user-create': async (p: Platform, args: UserCreateArgs) => {
    if (!roles.includes(args.role))
      throw new AppError('VALIDATION_FAILED', `role must be one of ${roles.join(', ')}`, 'role')
    checkPasswordPolicy(args.password, 'password', args.username)
    const passwordHash = await hashPassword(args.password)
    return asSystem(p.database.db, async (tx) => {
      const area = await tx
        .selectFrom('area')
        .select(['id', 'code'])
        .where('code', '=', args.areaCode)
        .executeTakeFirst()
      if (!area) throw new AppError('AREA_NOT_FOUND', `no area with code ${args.areaCode}`, 'area')
      const user = await tx
        .insertInto('app_user')
        .values({ username: args.username, display_name: args.displayName, password_hash: passwordHash })
        .returning('id')
        .executeTakeFirstOrThrow()
      await tx
        .insertInto('role_grant')
        .values({ user_id: user.id, role: args.role, area_id: area.id, granted_by: null })
        .execute()
      await recordAudit(
        tx,
        { actor: null, ip: 'cli' },
        {
          action: 'user.create',
          entityType: 'user',
          entityId: user.id,
          areaId: area.id,
          detail: { username: args.username, role: args.role, via: 'cli' },
        },
      )
      return { id: user.id, username: args.username, role: args.role, area: area.code }
    })
  },
  // Through the server the import runs in its background and the CLI polls 'import-status'; run
  // directly (no server holds the data) it is awaited, reporting progress to the caller.
  'import-people': async (p: Platform, args: ImportPeopleArgs) => {
    const started = await startLocalImport(
      p.database.db,
      cipherFor(p.config),
      args,
      () => p.clock.now(),
      args.onProgress,
    )
    if (args.wait) return { jobId: started.jobId, totalBytes: started.totalBytes, result: await started.done }
    started.done.catch(() => {})
    return { jobId: started.jobId, totalBytes: started.totalBytes }
  },
  'import-status': async (p: Platform, args: { jobId: number }) =>
    asSystem(p.database.db, (tx) => loadJob(tx, args.jobId)),
  // The process holding the database writes the report (args.file: an absolute path).
  'import-errors': async (p: Platform, args: { jobId: number; file: string }) => {
    const csv = await asSystem(p.database.db, (tx) =>
      errorReport(tx, { actor: null, ip: 'cli' }, cipherFor(p.config), args.jobId, p.clock.now()),
    )
    await writeFile(args.file, csv, { mode: 0o600 })
    return { file: args.file }
  },
} satisfies Record<string, (p: Platform, args: never) => Promise<unknown>>

export interface ImportPeopleArgs {
  file: string
  areaCode: string
  encoding?: 'utf-8' | 'gb18030' | 'gbk'
  mapping?: Record<string, string>
  /** Direct runs only: wait for the end and report progress. */
  wait?: boolean
  onProgress?: (p: ImportProgress) => void
}

export type ControlCommand = keyof typeof controlCommands

const isControlCommand = (name: string): name is ControlCommand => Object.hasOwn(controlCommands, name)

export function newControlToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Mounts POST /internal/control/:command, usable only with the token from the lock file. */
export function controlRoutes(platform: Platform, token: string) {
  return (app: App) => {
    app.post('/internal/control/:command', {
      // The CLI holds no session: the handler checks the lock file's token and the caller's address.
      config: { access: 'public' },
      schema: {
        hide: true,
        params: { type: 'object', required: ['command'], properties: { command: { type: 'string' } } },
      },
      handler: async (req) => {
        // The channel shares the API's port; it answers only on the machine itself.
        if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? ''))
          throw new AppError('NOT_FOUND', 'no such route')
        const given = Buffer.from(String(req.headers['x-control-token'] ?? ''))
        const expected = Buffer.from(token)
        if (given.length !== expected.length || !timingSafeEqual(given, expected))
          throw new AppError('FORBIDDEN', 'bad control token')
        const { command } = req.params
        if (!isControlCommand(command)) throw new AppError('NOT_FOUND', `unknown command ${command}`)
        const run = controlCommands[command] as (p: Platform, args: unknown) => Promise<unknown>
        return { result: await run(platform, req.body ?? {}) }
      },
    })
  }
}
