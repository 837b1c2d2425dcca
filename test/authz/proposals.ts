import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, DEMO_PASSWORD, tokenFor, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Resident proposals, verification and participation preferences in both authorization tables.

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

async function upload(p: TestPlatform, token: string): Promise<string> {
  const res = await p.app.inject({
    method: 'POST',
    url: '/api/v1/photos',
    headers: { 'content-type': 'image/png', authorization: `Bearer ${token}` },
    payload: PNG,
  })
  if (res.statusCode !== 201) throw new Error(`photo: ${res.statusCode} ${res.body}`)
  return res.json().token
}

/** A resident account of the community, verified in person as an active person of it. */
async function verifiedResident(
  p: TestPlatform,
  community: number,
  username: string,
  adminToken: string,
  staffToken: string,
) {
  const user = must(
    'resident',
    await call(p.app, 'POST', '/api/v1/users', {
      token: adminToken,
      body: {
        username,
        displayName: username,
        password: DEMO_PASSWORD,
        grants: [{ role: 'resident', areaId: community }],
      },
    }),
    201,
  )
  const person = await p.database.db
    .selectFrom('person as x')
    .innerJoin('area as a', 'a.id', 'x.area_id')
    .leftJoin('resident_verification as v', 'v.person_id', 'x.id')
    .select('x.id')
    .where('a.path', 'like', sql<string>`(select path from area where id = ${community}) || '%'`)
    .where('x.status', '=', 'active')
    .where('v.user_id', 'is', null)
    .orderBy('x.id')
    .executeTakeFirstOrThrow()
  must(
    'verify',
    await call(p.app, 'POST', '/api/v1/verification/in-person', {
      token: staffToken,
      body: { userId: user.id, personId: person.id },
    }),
    204,
  )
  return { userId: user.id as number, personId: person.id, token: await tokenFor(p.app, username) }
}

const proposalBody = (areaId: number, title: string) => ({
  areaId,
  category: 'facilities',
  title,
  body: '楼下的健身器材已经损坏多时，建议更换新的器材并定期检查。',
})

interface OwnData {
  proposalId: number
  photoId: number
  authorUserId: number
  verifiedPersonId: number
}

export const own: OwnPart<OwnData> = {
  async setup(p, base) {
    const admin = await base.token('guihua.admin')
    const staff = await base.token('guihua.staff')
    // Anyone signed in may propose and support here, so the rows show the roles, not verification.
    must(
      'setting',
      await call(p.app, 'PUT', '/api/v1/proposal-settings', {
        token: admin,
        body: {
          areaId: base.community,
          supportThreshold: 1000,
          answerDays: 30,
          verifiedToPropose: false,
          verifiedToSupport: false,
        },
      }),
      200,
    )
    const author = await verifiedResident(p, base.community, 'gh.authz.author', admin, staff)
    const photo = await upload(p, author.token)
    const made = must(
      'proposal',
      await call(p.app, 'POST', '/api/v1/proposals', {
        token: author.token,
        body: { ...proposalBody(base.community, '更换楼下损坏的健身器材'), photos: [photo] },
      }),
      201,
    )
    const detail = must(
      'detail',
      await call(p.app, 'GET', `/api/v1/proposals/${made.id}`, { token: author.token }),
      200,
    )
    return {
      proposalId: made.id,
      photoId: detail.photoIds[0],
      authorUserId: author.userId,
      verifiedPersonId: author.personId,
    }
  },
  rows: {
    'GET /api/v1/verification': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    // A name that matches nobody: refused on its merits for everyone signed in.
    'POST /api/v1/verification/challenge': row('unauth', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried'),
    // No code was asked for: refused on its merits.
    'POST /api/v1/verification/confirm': row('unauth', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried'),
    // The person is verified already (409) for the area's participation staff; others may not try.
    'POST /api/v1/verification/in-person': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'GET /api/v1/participation/preferences': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    'PUT /api/v1/participation/preferences': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    'POST /api/v1/participation/unsubscriptions': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    'DELETE /api/v1/participation/unsubscriptions': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    // Everyone on the branch takes part (this fixture needs no verification).
    'POST /api/v1/proposals': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    'GET /api/v1/proposals': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    'GET /api/v1/proposals/similar': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    'GET /api/v1/proposals/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    'POST /api/v1/proposals/:id/supports': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    'DELETE /api/v1/proposals/:id/supports': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    // Accepting without the answer's text: staff of the area get past the roles (400), others not.
    'POST /api/v1/proposals/:id/actions': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'GET /api/v1/proposals/:id/photos/:photoId': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    'GET /api/v1/proposal-settings': row(
      'unauth',
      'ok',
      'ok',
      'ok',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'PUT /api/v1/proposal-settings': row(
      'unauth',
      'ok',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
  },
  probes: {
    'GET /api/v1/verification': ({ p, token }) => call(p.app, 'GET', '/api/v1/verification', { token }),
    'POST /api/v1/verification/challenge': ({ p, token }) =>
      call(p.app, 'POST', '/api/v1/verification/challenge', {
        token,
        body: { name: '查无此人', idNumber: '110101199001011234' },
      }),
    'POST /api/v1/verification/confirm': ({ p, token }) =>
      call(p.app, 'POST', '/api/v1/verification/confirm', { token, body: { code: '123456' } }),
    'POST /api/v1/verification/in-person': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/verification/in-person', {
        token,
        body: { userId: data.authorUserId, personId: data.verifiedPersonId },
      }),
    'GET /api/v1/participation/preferences': ({ p, token }) =>
      call(p.app, 'GET', '/api/v1/participation/preferences', { token }),
    'PUT /api/v1/participation/preferences': ({ p, token }) =>
      call(p.app, 'PUT', '/api/v1/participation/preferences', { token, body: { delivery: 'digest' } }),
    'POST /api/v1/participation/unsubscriptions': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/participation/unsubscriptions', {
        token,
        body: { subjectKind: 'proposal', subjectId: data.proposalId },
      }),
    'DELETE /api/v1/participation/unsubscriptions': ({ p, token, data }) =>
      call(p.app, 'DELETE', '/api/v1/participation/unsubscriptions', {
        token,
        body: { subjectKind: 'proposal', subjectId: data.proposalId },
      }),
    'POST /api/v1/proposals': ({ p, token, base, who }) =>
      call(p.app, 'POST', '/api/v1/proposals', {
        token,
        body: proposalBody(base.community, `探针提议：${who}`),
      }),
    'GET /api/v1/proposals': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/proposals?areaId=${base.community}`, { token }),
    'GET /api/v1/proposals/similar': ({ p, token }) =>
      call(p.app, 'GET', `/api/v1/proposals/similar?q=${encodeURIComponent('健身器材')}`, { token }),
    'GET /api/v1/proposals/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/proposals/${data.proposalId}`, { token }),
    'POST /api/v1/proposals/:id/supports': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/proposals/${data.proposalId}/supports`, { token }),
    'DELETE /api/v1/proposals/:id/supports': ({ p, token, data }) =>
      call(p.app, 'DELETE', `/api/v1/proposals/${data.proposalId}/supports`, { token }),
    'POST /api/v1/proposals/:id/actions': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/proposals/${data.proposalId}/actions`, { token, body: { action: 'accept' } }),
    'GET /api/v1/proposals/:id/photos/:photoId': async ({ p, token, data }) => {
      const res = await p.app.inject({
        method: 'GET',
        url: `/api/v1/proposals/${data.proposalId}/photos/${data.photoId}`,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      })
      return { status: res.statusCode, body: null, headers: res.headers }
    },
    'GET /api/v1/proposal-settings': ({ p, token, base }) =>
      call(p.app, 'GET', `/api/v1/proposal-settings?areaId=${base.community}`, { token }),
    'PUT /api/v1/proposal-settings': ({ p, token, base }) =>
      call(p.app, 'PUT', '/api/v1/proposal-settings', {
        token,
        body: {
          areaId: base.community,
          supportThreshold: 1000,
          answerDays: 30,
          verifiedToPropose: false,
          verifiedToSupport: false,
        },
      }),
  },
}

interface BData {
  proposalId: number
  photoId: number
  title: string
  personId: number
  userId: number
}

const proposalRow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('proposal').selectAll().where('id', '=', id).executeTakeFirst()
const settingRow = (p: TestPlatform, areaId: number) =>
  p.database.db.selectFrom('proposal_setting').selectAll().where('area_id', '=', areaId).executeTakeFirst()

export const scoping: ScopingPart<BData> = {
  async setup(p, base) {
    const admin = await base.token('cuizhu.admin')
    const staff = await base.token('cuizhu.staff')
    must(
      'setting of B',
      await call(p.app, 'PUT', '/api/v1/proposal-settings', {
        token: admin,
        body: {
          areaId: base.community,
          supportThreshold: 50,
          answerDays: 20,
          verifiedToPropose: true,
          verifiedToSupport: true,
        },
      }),
      200,
    )
    const author = await verifiedResident(p, base.community, 'cz.authz.author', admin, staff)
    const photo = await upload(p, author.token)
    const title = '翠竹小区增设快递柜'
    const made = must(
      'proposal of B',
      await call(p.app, 'POST', '/api/v1/proposals', {
        token: author.token,
        body: { ...proposalBody(base.community, title), photos: [photo] },
      }),
      201,
    )
    const detail = must(
      'detail',
      await call(p.app, 'GET', `/api/v1/proposals/${made.id}`, { token: author.token }),
      200,
    )
    return { proposalId: made.id, photoId: detail.photoIds[0], title, personId: author.personId, userId: author.userId }
  },
  probes: {
    // The caller's own verification and preferences: nothing of B in them, whatever is asked.
    'GET /api/v1/verification': async (p, t, _b, base) => {
      const res = await call(p.app, 'GET', '/api/v1/verification', { token: t })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.areaId).not.toBe(base.community)
    },
    // Nobody of A can tie an account to B's person without the code sent to that person's phone.
    'POST /api/v1/verification/challenge': async (p, t, b) => {
      const res = await call(p.app, 'POST', '/api/v1/verification/challenge', {
        token: t,
        body: { name: '冒名者', idNumber: '110101199001011234' },
      })
      expect([401, 422, 429]).toContain(res.status)
      expect(JSON.stringify(res.body)).not.toContain(b.title)
    },
    'POST /api/v1/verification/confirm': async (p, t) => {
      const res = await call(p.app, 'POST', '/api/v1/verification/confirm', { token: t, body: { code: '123456' } })
      expect([401, 422]).toContain(res.status)
    },
    'POST /api/v1/verification/in-person': async (p, t, b) => {
      const count = () =>
        p.database.db
          .selectFrom('resident_verification')
          .select(sql<string>`count(*)`.as('n'))
          .executeTakeFirstOrThrow()
      await unchanged(count, () =>
        call(p.app, 'POST', '/api/v1/verification/in-person', {
          token: t,
          body: { userId: b.userId, personId: b.personId + 1 },
        }),
      )
    },
    'GET /api/v1/participation/preferences': async (p, t, b) => {
      const res = await call(p.app, 'GET', '/api/v1/participation/preferences', { token: t })
      if (res.status !== 200) return denied(res.status)
      expect(JSON.stringify(res.body)).not.toContain(b.title)
    },
    'PUT /api/v1/participation/preferences': async (p, t) => {
      const res = await call(p.app, 'PUT', '/api/v1/participation/preferences', {
        token: t,
        body: { delivery: 'digest' },
      })
      if (res.status !== 200) return denied(res.status)
    },
    // Unsubscribing from B's proposal is one's own preference: allowed, it tells and changes nothing of B.
    'POST /api/v1/participation/unsubscriptions': async (p, t, b) => {
      const before = await proposalRow(p, b.proposalId)
      const res = await call(p.app, 'POST', '/api/v1/participation/unsubscriptions', {
        token: t,
        body: { subjectKind: 'proposal', subjectId: b.proposalId },
      })
      expect([200, 401]).toContain(res.status)
      expect(JSON.stringify(res.body)).not.toContain(b.title)
      expect(await proposalRow(p, b.proposalId)).toEqual(before)
    },
    'DELETE /api/v1/participation/unsubscriptions': async (p, t, b) => {
      const before = await proposalRow(p, b.proposalId)
      const res = await call(p.app, 'DELETE', '/api/v1/participation/unsubscriptions', {
        token: t,
        body: { subjectKind: 'proposal', subjectId: b.proposalId },
      })
      expect([200, 401]).toContain(res.status)
      expect(await proposalRow(p, b.proposalId)).toEqual(before)
    },
    'POST /api/v1/proposals': async (p, t, b) => {
      const before = await p.database.db
        .selectFrom('proposal')
        .select(sql<string>`count(*)`.as('n'))
        .executeTakeFirstOrThrow()
      const res = await call(p.app, 'POST', '/api/v1/proposals', {
        token: t,
        body: proposalBody((await proposalRow(p, b.proposalId))!.area_id, '越界提议不应写入'),
      })
      denied(res.status)
      const after = await p.database.db
        .selectFrom('proposal')
        .select(sql<string>`count(*)`.as('n'))
        .executeTakeFirstOrThrow()
      expect(after.n).toBe(before.n)
    },
    'GET /api/v1/proposals': async (p, t, b, base) => {
      const res = await call(p.app, 'GET', `/api/v1/proposals?areaId=${base.community}&pageSize=100`, { token: t })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items).toEqual([])
      const all = await call(p.app, 'GET', '/api/v1/proposals?pageSize=100', { token: t })
      expect(all.body.items.map((i: { id: number }) => i.id)).not.toContain(b.proposalId)
    },
    'GET /api/v1/proposals/similar': async (p, t, b) => {
      const res = await call(p.app, 'GET', `/api/v1/proposals/similar?q=${encodeURIComponent(b.title)}`, { token: t })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((i: { id: number }) => i.id)).not.toContain(b.proposalId)
    },
    'GET /api/v1/proposals/:id': async (p, t, b) =>
      denied((await call(p.app, 'GET', `/api/v1/proposals/${b.proposalId}`, { token: t })).status),
    'POST /api/v1/proposals/:id/supports': async (p, t, b) =>
      unchanged(
        () => proposalRow(p, b.proposalId),
        () => call(p.app, 'POST', `/api/v1/proposals/${b.proposalId}/supports`, { token: t }),
      ),
    'DELETE /api/v1/proposals/:id/supports': async (p, t, b) =>
      unchanged(
        () => proposalRow(p, b.proposalId),
        () => call(p.app, 'DELETE', `/api/v1/proposals/${b.proposalId}/supports`, { token: t }),
      ),
    'POST /api/v1/proposals/:id/actions': async (p, t, b) =>
      unchanged(
        () => proposalRow(p, b.proposalId),
        () =>
          call(p.app, 'POST', `/api/v1/proposals/${b.proposalId}/actions`, {
            token: t,
            body: { action: 'reject', answer: '越界的答复不应生效。' },
          }),
      ),
    'GET /api/v1/proposals/:id/photos/:photoId': async (p, t, b) => {
      const res = await p.app.inject({
        method: 'GET',
        url: `/api/v1/proposals/${b.proposalId}/photos/${b.photoId}`,
        headers: t ? { authorization: `Bearer ${t}` } : {},
      })
      denied(res.statusCode)
    },
    'GET /api/v1/proposal-settings': async (p, t, _b, base) =>
      denied((await call(p.app, 'GET', `/api/v1/proposal-settings?areaId=${base.community}`, { token: t })).status),
    'PUT /api/v1/proposal-settings': async (p, t, _b, base) =>
      unchanged(
        () => settingRow(p, base.community),
        () =>
          call(p.app, 'PUT', '/api/v1/proposal-settings', {
            token: t,
            body: {
              areaId: base.community,
              supportThreshold: 1,
              answerDays: 1,
              verifiedToPropose: false,
              verifiedToSupport: false,
            },
          }),
      ),
  },
}
