import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, openTestPlatform, type TestPlatform } from '../../test/support.js'
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
