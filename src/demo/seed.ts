import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { sql } from 'kysely'
import type { Db, Tx } from '../core/db.js'
import { AppError } from '../core/errors.js'
import { asSystem, type RequestContext } from '../core/scope.js'
import { recordAudit } from '../audit/service.js'
import { hashPassword } from '../accounts/service.js'
import { boundaryFromGeoJson } from '../jurisdiction/geometry.js'
import { levels } from '../jurisdiction/service.js'
import { seedOpen311Demo } from '../open311/keys.js'
import type { FieldCipher } from '../core/crypto.js'
import { seedDemoRegistry } from '../registry/demo.js'
import { seedDemoDisputes } from '../disputes/demo.js'
import { seedConsultationsDemo } from '../participation/consultations-demo.js'
import { seedDemoMeetings } from '../participation/meetings-demo.js'
import { seedDemoNotices } from '../participation/notices-demo.js'
import { seedDemoProposals } from '../participation/proposals-demo.js'
import { seedDemoSurveys } from '../participation/surveys-demo.js'
import { seedCatalogueDemo } from '../services/catalogue-demo.js'
import { verifyDemoResident } from '../services/demo.js'
import { seedFacilitiesDemo } from '../services/facilities-demo.js'
import { seedProjectsDemo } from '../services/projects-demo.js'
import { seedVolunteersDemo } from '../services/volunteers-demo.js'
import { seedAlertsDemo } from '../emergency/alerts-demo.js'
import { seedChecksDemo } from '../emergency/checks-demo.js'
import { seedIncidentsDemo } from '../emergency/incidents-demo.js'
import { seedResponseDemo, seedTasksDemo } from '../emergency/response-demo.js'
import { seedAlarmsDemo } from '../devices/alarms-demo.js'
import { seedDevicesDemo } from '../devices/registry-demo.js'
import { seedCobuildDemo } from '../party/cobuild-demo.js'
import { seedMembersDemo } from '../party/members-demo.js'
import { seedOrganisationsDemo } from '../party/organisations-demo.js'
import { seedCoursesDemo } from '../training/courses-demo.js'
import { seedLearningDemo } from '../training/learning-demo.js'
import { seedModelsDemo } from '../training/models-demo.js'
import { seedPoliciesDemo } from '../training/policies-demo.js'
import { seedComponentsDemo } from './components.js'
import { seedGridDemo } from '../grid/demo.js'
import { seedAssessmentSchemesDemo } from '../analytics/assessment-demo.js'
import { importCatalogue, type CatalogueEntry } from '../cases/catalogue-import.js'
import { packageRoot } from '../config.js'
import { DEMO_PASSWORD, generateDemoCity } from './city.js'

export interface DemoAccountInfo {
  username: string
  password: string
  role: string
  area: string
  areaName: string
}

const systemCtx: RequestContext = { actor: null, ip: 'local' }

export async function isSeeded(db: Db): Promise<boolean> {
  return !!(await db.selectFrom('area').select('id').limit(1).executeTakeFirst())
}

/**
 * Builds the demo city into an empty database. Refuses in production and when areas already
 * exist, so it can never mix demo data into a real jurisdiction.
 */
/** With a cipher, the demo communities also get their registry (people, households, buildings, places). */
export async function seedDemo(
  db: Db,
  seed = 1,
  opts: { production: boolean; cipher?: FieldCipher },
): Promise<DemoAccountInfo[]> {
  if (opts.production) throw new AppError('FORBIDDEN', 'demo data is never created when NODE_ENV=production')
  if (await isSeeded(db))
    throw new AppError('CONFLICT', 'the database already has areas; the demo city goes only into an empty database')
  const city = generateDemoCity(seed)
  // One hash for all demo accounts: they share a published password anyway, and argon2 is slow.
  const passwordHash = await hashPassword(DEMO_PASSWORD)

  await asSystem(db, async (tx) => {
    const ids = new Map<string, number>()
    // Parents first; non-grid areas start with a placeholder and become the union of their children.
    const placeholder = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [0.0001, 0],
          [0.0001, 0.0001],
          [0, 0.0001],
          [0, 0],
        ],
      ] as [number, number][][],
    }
    for (const level of levels) {
      const batch = city.areas.filter((a) => a.level === level)
      const rows = await tx
        .insertInto('area')
        .values(
          batch.map((a) => ({
            parent_id: a.parentKey ? ids.get(a.parentKey)! : null,
            level: a.level,
            code: a.code,
            name_zh: a.nameZh,
            name_en: a.nameEn,
            path: '',
            boundary: boundaryFromGeoJson(a.boundary ?? placeholder),
          })),
        )
        .returning(['id', 'code'])
        .execute()
      const byCode = new Map(rows.map((r) => [r.code, r.id]))
      for (const a of batch) ids.set(a.key, byCode.get(a.code)!)
    }
    for (const level of ['community', 'street', 'district', 'city'] as const) {
      await sql`
        update area p set boundary = (select ST_Multi(ST_Union(c.boundary)) from area c where c.parent_id = p.id)
        where p.level = ${level}`.execute(tx)
    }
    const deptIds = new Map<string, number>()
    const depts = await tx
      .insertInto('department')
      .values(
        city.departments.map((d) => ({
          area_id: ids.get(d.areaKey)!,
          code: d.code,
          name_zh: d.nameZh,
          name_en: d.nameEn,
          kind: d.kind,
        })),
      )
      .returning(['id', 'code'])
      .execute()
    for (const d of depts) deptIds.set(d.code, d.id)
    for (const a of city.accounts) {
      const u = await tx
        .insertInto('app_user')
        .values({
          username: a.username,
          display_name: a.displayName,
          password_hash: passwordHash,
          department_id: a.departmentCode ? deptIds.get(a.departmentCode)! : null,
          is_demo: true,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await tx
        .insertInto('role_grant')
        .values({ user_id: u.id, role: a.role, area_id: ids.get(a.areaKey)!, granted_by: null })
        .execute()
    }
    await seedCatalogue(tx)
    await seedOpen311Demo(tx)
    const registry = opts.cipher ? await seedDemoRegistry(tx, opts.cipher, seed, new Date()) : { people: 0 }
    const disputes = opts.cipher ? await seedDemoDisputes(tx, opts.cipher, new Date()) : { disputes: 0, petitions: 0 }
    // Participation: proposals first (meetings and accountability records refer to them).
    const now = new Date()
    const participation = {
      ...(await seedDemoProposals(tx, now, passwordHash)),
      ...(await seedDemoNotices(tx, now)),
      ...(await seedConsultationsDemo(tx, now)),
      ...(await seedDemoSurveys(tx, now)),
      ...(await seedDemoMeetings(tx, now)),
    }
    // Services: guihua.resident tied to their registry record first, volunteers before the
    // catalogue (an application is paid with time-bank hours).
    if (opts.cipher) await verifyDemoResident(tx, now)
    const services = opts.cipher
      ? {
          ...(await seedVolunteersDemo(tx, now)),
          ...(await seedCatalogueDemo(tx, now)),
          ...(await seedFacilitiesDemo(tx, now)),
          ...(await seedProjectsDemo(tx, now)),
        }
      : {}
    // Emergency: the inventory (resources, shelters) first, then incidents (each makes its check
    // list), their alerts, the checks done so far and the tasks.
    const emergency = opts.cipher
      ? {
          ...(await seedResponseDemo(tx, now)),
          ...(await seedIncidentsDemo(tx, now)),
          ...(await seedAlertsDemo(tx, now)),
          ...(await seedChecksDemo(tx, now)),
          ...(await seedTasksDemo(tx, now)),
        }
      : {}
    // Devices: the registry with its reading history, then the rules and the alarms they raised.
    const devices = opts.cipher ? { ...(await seedDevicesDemo(tx, now)), ...(await seedAlarmsDemo(tx, now)) } : {}
    // Party-building: the organisation network, then its members (registry people; some reporting
    // to their community as volunteers, some on grids and cases), then co-building.
    const party = opts.cipher
      ? {
          ...(await seedOrganisationsDemo(tx, now)),
          ...(await seedMembersDemo(tx, now)),
          ...(await seedCobuildDemo(tx, now)),
        }
      : {}
    // Training: the courses, then who must take them (the induction rule, enrolments with
    // progress and attempts), then the policy explainers and the model-case library (written up
    // from the registry's disputes and the devices' categories, so only with the full demo).
    const courses = await seedCoursesDemo(tx, now)
    const training = {
      ...courses.stats,
      ...(await seedLearningDemo(tx, now, courses.courses)),
      ...(await seedPoliciesDemo(tx, now)),
      ...(opts.cipher ? await seedModelsDemo(tx, now) : {}),
    }
    // Components (部件): the inventory of the district's grids, classed after GB/T 30428.2.
    const components = await seedComponentsDemo(tx, now)
    // Grid work: the demo grid workers' duty types.
    const grid = await seedGridDemo(tx)
    // Assessment: a KPI scheme per unit type over the district (scored once the history is in).
    const assessment = await seedAssessmentSchemesDemo(tx, now)
    await recordAudit(tx, systemCtx, {
      action: 'demo.seed',
      detail: {
        seed,
        areas: city.areas.length,
        departments: city.departments.length,
        accounts: city.accounts.length,
        people: registry.people,
        ...disputes,
        ...participation,
        ...services,
        ...emergency,
        ...devices,
        ...party,
        ...training,
        ...components,
        ...grid,
        ...assessment,
      },
    })
  })
  return demoAccounts(db)
}

/** The demo accounts present in the database, with the shared demo password. */
export async function demoAccounts(db: Db): Promise<DemoAccountInfo[]> {
  const rows = await db
    .selectFrom('app_user as u')
    .innerJoin('role_grant as g', 'g.user_id', 'u.id')
    .innerJoin('area as a', 'a.id', 'g.area_id')
    .select(['u.username', 'g.role', 'a.code', 'a.name_zh', 'a.name_en'])
    .where('u.is_demo', '=', true)
    .orderBy('u.id')
    .orderBy('g.id')
    .execute()
  return rows.map((r) => ({
    username: r.username,
    password: DEMO_PASSWORD,
    role: r.role,
    area: r.code,
    areaName: `${r.name_zh} / ${r.name_en}`,
  }))
}

/** The demo category catalogue with its routing, and the working-day calendar. */
export async function seedCatalogue(tx: Tx): Promise<void> {
  // Data files in the import formats an admin would use (`grassroots categories import`).
  const read = async <T>(name: string) =>
    JSON.parse(await readFile(path.join(packageRoot, 'src', 'demo', name), 'utf8')) as T
  await importCatalogue(tx, await read<CatalogueEntry[]>('catalogue.json'))
  const calendar =
    await read<{ day: string; kind: 'holiday' | 'workday'; nameZh: string; nameEn: string }[]>('calendar.json')
  await tx
    .insertInto('calendar_day')
    .values(calendar.map((d) => ({ day: d.day, kind: d.kind, name_zh: d.nameZh, name_en: d.nameEn })))
    .execute()
}
