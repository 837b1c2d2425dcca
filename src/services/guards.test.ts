import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { actorForUser } from '../accounts/service.js'
import type { Db } from '../core/db.js'
import { inScope, type RequestContext } from '../core/scope.js'

// The database's own backstop (migration 0054): whatever query a use case might send, a resident's
// or volunteer's transaction changes only what their actions may change. Run from the demo
// resident's transaction (a verified resident, volunteer with credited hours and applicant).

describe.each(backends())('services guards on %s', (backend) => {
  let p: TestPlatform
  let db: Db
  let resident: RequestContext
  let staff: RequestContext
  let volunteer: { id: number; balance: number; area_id: number }

  const as = async (username: string): Promise<RequestContext> => {
    const u = await db.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirstOrThrow()
    return { actor: await actorForUser(db, u.id), ip: 'test' }
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    db = p.database.db
    resident = await as('guihua.resident')
    staff = await as('guihua.staff')
    volunteer = await db
      .selectFrom('volunteer')
      .select(['id', 'balance', 'area_id'])
      .where('user_id', '=', resident.actor!.userId)
      .executeTakeFirstOrThrow()
  })
  afterAll(() => p?.close())

  it('lets a volunteer edit their skills, never their balance or hours', async () => {
    await inScope(db, resident, (tx) =>
      tx
        .updateTable('volunteer')
        .set({ skills: ['repair'] })
        .where('id', '=', volunteer.id)
        .execute(),
    )
    await expect(
      inScope(db, resident, (tx) =>
        tx.updateTable('volunteer').set({ balance: 999 }).where('id', '=', volunteer.id).execute(),
      ),
    ).rejects.toThrow(/time bank/)
    // Not even staff write a balance: hours move through time_bank_entry.
    await expect(
      inScope(db, staff, (tx) =>
        tx.updateTable('volunteer').set({ hours_total: 999 }).where('id', '=', volunteer.id).execute(),
      ),
    ).rejects.toThrow(/time bank/)
    const after = await db
      .selectFrom('volunteer')
      .select(['balance', 'skills'])
      .where('id', '=', volunteer.id)
      .executeTakeFirstOrThrow()
    expect(after).toEqual({ balance: volunteer.balance, skills: ['repair'] })
  })

  it('credits a volunteer only hours their checked-out sign-up records', async () => {
    const activity = await db
      .selectFrom('volunteer_activity')
      .select(['id', 'area_id'])
      .where('status', '=', 'published')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    await expect(
      inScope(db, resident, (tx) =>
        tx
          .insertInto('time_bank_entry')
          .values({
            volunteer_id: volunteer.id,
            area_id: volunteer.area_id,
            kind: 'earned',
            hours: 8,
            activity_id: activity.id,
            created_at: p.clock.now(),
          })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/)
    const balance = await db
      .selectFrom('volunteer')
      .select('balance')
      .where('id', '=', volunteer.id)
      .executeTakeFirstOrThrow()
    expect(balance.balance).toBe(volunteer.balance)
  })

  it('lets a volunteer move an activity’s counter, not its text; and no sign-up outlasts its activity', async () => {
    const a = await db
      .selectFrom('volunteer_activity')
      .select(['id', 'title', 'signed_up', 'starts_at', 'ends_at'])
      .where('status', '=', 'published')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    await inScope(db, resident, (tx) =>
      tx.updateTable('volunteer_activity').set({ signed_up: sql`signed_up` }).where('id', '=', a.id).execute(),
    )
    await expect(
      inScope(db, resident, (tx) =>
        tx.updateTable('volunteer_activity').set({ title: '改掉的标题' }).where('id', '=', a.id).execute(),
      ),
    ).rejects.toThrow(/staff/)
    const signup = await db
      .selectFrom('activity_signup')
      .select('volunteer_id')
      .where('activity_id', '=', a.id)
      .executeTakeFirst()
    if (signup) {
      const hours = (new Date(a.ends_at).getTime() - new Date(a.starts_at).getTime()) / 3_600_000 + 1
      await expect(
        inScope(db, staff, (tx) =>
          tx
            .updateTable('activity_signup')
            .set({ hours })
            .where('activity_id', '=', a.id)
            .where('volunteer_id', '=', signup.volunteer_id)
            .execute(),
        ),
      ).rejects.toThrow(/length/)
    }
    expect(
      (await db.selectFrom('volunteer_activity').select('title').where('id', '=', a.id).executeTakeFirstOrThrow())
        .title,
    ).toBe(a.title)
  })

  it('lets an applicant withdraw or rate, never decide their own application', async () => {
    const own = await db
      .selectFrom('service_application')
      .select(['id', 'status'])
      .where('applicant_user_id', '=', resident.actor!.userId)
      .where('status', '=', 'submitted')
      .executeTakeFirstOrThrow()
    await expect(
      inScope(db, resident, (tx) =>
        tx.updateTable('service_application').set({ status: 'approved' }).where('id', '=', own.id).execute(),
      ),
    ).rejects.toThrow(/service staff/)
    await expect(
      inScope(db, resident, (tx) =>
        tx
          .updateTable('service_application')
          .set({ status: 'withdrawn', decision_reason: '自己批准' })
          .where('id', '=', own.id)
          .execute(),
      ),
    ).rejects.toThrow(/service staff/)
    await inScope(db, resident, (tx) =>
      tx.updateTable('service_application').set({ status: 'withdrawn' }).where('id', '=', own.id).execute(),
    )
    expect(
      (await db.selectFrom('service_application').select('status').where('id', '=', own.id).executeTakeFirstOrThrow())
        .status,
    ).toBe('withdrawn')
  })
})

describe.each(backends())('nobody decides their own case on %s', (backend) => {
  let p: TestPlatform
  let db: Db
  const tokens: Record<string, string> = {}

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    db = p.database.db
    for (const u of ['guihua.staff', 'guihua.admin']) tokens[u] = await tokenFor(p.app, u)
  })
  afterAll(() => p?.close())

  it('refuses staff deciding their own application or crediting their own hours; a colleague may', async () => {
    const staff = await db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.staff')
      .executeTakeFirstOrThrow()
    const admin = await db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.admin')
      .executeTakeFirstOrThrow()
    // guihua.staff lives in 桂花 too: a registered adult of the registry, tied to their account.
    const { rows } = await sql<{ id: number; area_id: number }>`
      select p.id, p.area_id from person p join area a on a.id = p.area_id
      where a.code like 'JZ-QH-01-01-%' and p.status = 'active' and p.residence_status = 'registered'
        and p.birth_date < '2000-01-01' and not exists (select 1 from resident_verification v where v.person_id = p.id)
      order by p.id limit 1`.execute(db)
    const person = rows[0]!
    await db
      .insertInto('resident_verification')
      .values({
        user_id: staff.id,
        person_id: person.id,
        area_id: person.area_id,
        method: 'in_person',
        verified_by: admin.id,
        verified_at: p.clock.now(),
      })
      .execute()
    const service = await db.selectFrom('service').select('id').where('name', '=', '居住证明').executeTakeFirstOrThrow()
    const applied = await call(p.app, 'POST', '/api/v1/service-applications', {
      token: tokens['guihua.staff'],
      body: { serviceId: service.id, form: { purpose: '社保', copies: 1 } },
    })
    expect(applied.status, JSON.stringify(applied.body)).toBe(201)
    expect(applied.body.allowedActions).toEqual(['withdraw'])
    const self = await call(p.app, 'POST', `/api/v1/service-applications/${applied.body.id}/actions`, {
      token: tokens['guihua.staff'],
      body: { action: 'reject', reason: '自己审核自己', version: applied.body.version },
    })
    expect(self.status).toBe(403)
    const colleague = await call(p.app, 'POST', `/api/v1/service-applications/${applied.body.id}/actions`, {
      token: tokens['guihua.admin'],
      body: { action: 'reject', reason: '材料不全，请补充', version: applied.body.version },
    })
    expect(colleague.status, JSON.stringify(colleague.body)).toBe(200)

    // As a volunteer, their hours are adjusted by a colleague only.
    const volunteer = await db
      .insertInto('volunteer')
      .values({
        person_id: person.id,
        user_id: staff.id,
        area_id: person.area_id,
        district_id: sql<number>`null`,
        status: 'active',
        registered_by: admin.id,
        created_at: p.clock.now(),
        updated_at: p.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const adjust = (who: string) =>
      call(p.app, 'POST', `/api/v1/volunteers/${volunteer.id}/adjustments`, {
        token: tokens[who],
        body: { hours: 5, note: '补录线下服务时长' },
      })
    expect((await adjust('guihua.staff')).status).toBe(403)
    expect((await adjust('guihua.admin')).status).toBe(201)
  })

  it('adds no evidence to the reports of a project that has ended', async () => {
    const report = await db
      .selectFrom('project_report as r')
      .innerJoin('service_project as x', 'x.id', 'r.project_id')
      .select(['r.id', 'r.project_id'])
      .where('x.status', '=', 'completed')
      .executeTakeFirstOrThrow()
    const res = await p.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${report.project_id}/reports/${report.id}/attachments?fileName=late.pdf`,
      headers: { authorization: `Bearer ${tokens['guihua.staff']}`, 'content-type': 'application/pdf' },
      payload: Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
    })
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'PROJECT_ENDED'])
  })

  it("names as a deliverer only an active social organisation of the caller's branch", async () => {
    const guihua = await db.selectFrom('area').select('id').where('code', '=', 'JZ-QH-01-01').executeTakeFirstOrThrow()
    const own = await db
      .selectFrom('social_organisation')
      .select('organisation_id')
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow()
    const plain = await db
      .selectFrom('organisation as o')
      .select('o.id')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('social_organisation as so')
              .select('so.organisation_id')
              .whereRef('so.organisation_id', '=', 'o.id'),
          ),
        ),
      )
      .executeTakeFirstOrThrow()
    const service = (code: string, organisationId: number) => ({
      areaId: guihua.id,
      code,
      category: 'elderly_care',
      name: '上门助浴',
      description: '为失能老人提供上门助浴服务。',
      eligibility: [],
      documents: [],
      form: [],
      reviewDays: 5,
      deliveryDays: 10,
      status: 'draft',
      organisationId,
    })
    const refused = await call(p.app, 'POST', '/api/v1/services', {
      token: tokens['guihua.staff'],
      body: service('GEN-BATH-1', plain.id),
    })
    expect([refused.status, refused.body.error.code, refused.body.error.field]).toEqual([
      404,
      'SOCIAL_ORGANISATION_NOT_FOUND',
      'organisationId',
    ])
    const made = await call(p.app, 'POST', '/api/v1/services', {
      token: tokens['guihua.staff'],
      body: service('GEN-BATH-2', own.organisation_id),
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body.organisationName).toBeTruthy()
  })
})
