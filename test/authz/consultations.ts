import { expect } from 'vitest'
import { call, type TestPlatform } from '../support.js'
import { callers, denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// The consultations and comments routes in both authorization tables (see parts.ts).
// Consultations are drafted, replaced, opened, closed and published by the area's admins, leaders
// and staff; everybody signed in on the area's branch reads them and, while one is open, comments
// and replies. Anyone who reads a comment may report it once; the area's staff hide and restore
// comments and read the moderation queue.

const HOUR = 3_600_000

const consultationBody = (areaId: number, title: string, now: Date) => ({
  areaId,
  kind: 'community_rule',
  title,
  summary: '权限表用的征求意见。',
  opensAt: new Date(now.getTime() - HOUR).toISOString(),
  closesAt: new Date(now.getTime() + 30 * 24 * HOUR).toISOString(),
  verifiedOnly: false,
  sections: [
    { heading: '第一条', body: '第一条的内容。' },
    { heading: '第二条', body: '第二条的内容。' },
  ],
})

/** A consultation of `areaId` (opened unless `draft`): its id and its first section. */
async function consultation(p: TestPlatform, staff: string, areaId: number, title: string, draft = false) {
  const c = must(
    'create consultation',
    await call(p.app, 'POST', '/api/v1/consultations', {
      token: staff,
      body: consultationBody(areaId, title, p.clock.now()),
    }),
    201,
  )
  if (!draft)
    must(
      'open',
      await call(p.app, 'POST', `/api/v1/consultations/${c.id}/actions`, { token: staff, body: { action: 'open' } }),
      200,
    )
  return { id: c.id as number, section: c.sections[0].id as number }
}

async function comment(p: TestPlatform, token: string, subjectId: number, sectionId: number, body: string) {
  return must(
    'comment',
    await call(p.app, 'POST', '/api/v1/comments', {
      token,
      body: { subjectKind: 'consultation', subjectId, sectionId, body },
    }),
    201,
  ).id as number
}

interface OwnData {
  /** An open consultation of A, and its first section. */
  open: number
  section: number
  /** A draft of A that staff replace with itself. */
  draft: number
  /** A comment by the street's staff, which each caller reports once. */
  reportable: number
  /** One visible comment per caller to hide, one hidden comment per caller to restore. */
  toHide: Record<string, number>
  toRestore: Record<string, number>
}

const staffRow = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const everyone = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')

export const own: OwnPart<OwnData> = {
  setup: async (p, base) => {
    const staff = await base.token('guihua.staff')
    const resident = await base.token('guihua.resident')
    const { id: open, section } = await consultation(p, staff, base.community, '权限表：进行中的征求意见')
    const { id: draft } = await consultation(p, staff, base.community, '权限表：征求意见草稿', true)
    const reportable = await comment(p, await base.token('donghu.staff'), open, section, '街道的说明，供举报。')
    const toHide: Record<string, number> = {}
    const toRestore: Record<string, number> = {}
    for (const who of callers) {
      toHide[who] = await comment(p, resident, open, section, `待隐藏：${who}`)
      toRestore[who] = await comment(p, resident, open, section, `待恢复：${who}`)
      must(
        'hide',
        await call(p.app, 'POST', `/api/v1/comments/${toRestore[who]}/hide`, {
          token: staff,
          body: { reason: '权限表' },
        }),
        200,
      )
    }
    return { open, section, draft, reportable, toHide, toRestore }
  },
  rows: {
    // Throwaway drafts.
    'POST /api/v1/consultations': staffRow,
    'GET /api/v1/consultations': everyone,
    'GET /api/v1/consultations/:id': everyone,
    // The draft replaced with itself.
    'PUT /api/v1/consultations/:id': staffRow,
    // Opening the open consultation again is refused on its merits (409).
    'POST /api/v1/consultations/:id/actions': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'GET /api/v1/comments': everyone,
    // Every account of A is on the community's branch; the consultation asks no verification.
    'POST /api/v1/comments': everyone,
    // Each caller reports the street staff's comment once.
    'POST /api/v1/comments/:id/report': everyone,
    'POST /api/v1/comments/:id/hide': staffRow,
    'POST /api/v1/comments/:id/restore': staffRow,
    'GET /api/v1/moderation/comments': staffRow,
  },
  probes: {
    'POST /api/v1/consultations': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/consultations', {
        token,
        body: consultationBody(base.community, '权限表：探针草稿', p.clock.now()),
      }),
    'GET /api/v1/consultations': ({ p, token }) => call(p.app, 'GET', '/api/v1/consultations', { token }),
    'GET /api/v1/consultations/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/consultations/${data.open}`, { token }),
    'PUT /api/v1/consultations/:id': ({ p, token, data, base }) =>
      call(p.app, 'PUT', `/api/v1/consultations/${data.draft}`, {
        token,
        body: consultationBody(base.community, '权限表：征求意见草稿', p.clock.now()),
      }),
    'POST /api/v1/consultations/:id/actions': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/consultations/${data.open}/actions`, { token, body: { action: 'open' } }),
    'GET /api/v1/comments': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/comments?subjectKind=consultation&subjectId=${data.open}&sectionId=${data.section}`, {
        token,
      }),
    'POST /api/v1/comments': ({ p, token, data, who }) =>
      call(p.app, 'POST', '/api/v1/comments', {
        token,
        body: { subjectKind: 'consultation', subjectId: data.open, sectionId: data.section, body: `探针评论：${who}` },
      }),
    'POST /api/v1/comments/:id/report': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/comments/${data.reportable}/report`, { token, body: { reason: 'off_topic' } }),
    'POST /api/v1/comments/:id/hide': ({ p, token, data, who }) =>
      call(p.app, 'POST', `/api/v1/comments/${data.toHide[who]}/hide`, { token, body: { reason: '探针' } }),
    'POST /api/v1/comments/:id/restore': ({ p, token, data, who }) =>
      call(p.app, 'POST', `/api/v1/comments/${data.toRestore[who]}/restore`, { token }),
    'GET /api/v1/moderation/comments': ({ p, token }) => call(p.app, 'GET', '/api/v1/moderation/comments', { token }),
  },
}

interface ScopingData {
  community: number
  /** B's open consultation with its section, and a draft of B. */
  open: number
  section: number
  draft: number
  /** A comment of B's resident, reported once by B's staff; and a hidden one. */
  reported: number
  hidden: number
}

export const scoping: ScopingPart<ScopingData> = {
  setup: async (p, base) => {
    const staff = await base.token('cuizhu.staff')
    const resident = await base.token('cuizhu.resident')
    const { id: open, section } = await consultation(p, staff, base.community, '翠竹：进行中的征求意见')
    const { id: draft } = await consultation(p, staff, base.community, '翠竹：征求意见草稿', true)
    const reported = await comment(p, resident, open, section, '翠竹居民的意见。')
    must(
      'report',
      await call(p.app, 'POST', `/api/v1/comments/${reported}/report`, { token: staff, body: { reason: 'spam' } }),
      200,
    )
    const hidden = await comment(p, resident, open, section, '翠竹居民被隐藏的意见。')
    must(
      'hide',
      await call(p.app, 'POST', `/api/v1/comments/${hidden}/hide`, { token: staff, body: { reason: '广告' } }),
      200,
    )
    return { community: base.community, open, section, draft, reported, hidden }
  },
  probes: {
    'GET /api/v1/consultations': async (p, token, data) => {
      const res = await call(p.app, 'GET', '/api/v1/consultations?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      const ids = res.body.items.map((c: { id: number }) => c.id)
      for (const id of [data.open, data.draft]) expect(ids).not.toContain(id)
    },
    'GET /api/v1/consultations/:id': async (p, token, data) => {
      for (const id of [data.open, data.draft])
        denied((await call(p.app, 'GET', `/api/v1/consultations/${id}`, { token })).status)
    },
    'POST /api/v1/consultations': (p, token, data) =>
      unchanged(
        () => p.database.db.selectFrom('consultation').select('id').where('area_id', '=', data.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/consultations', {
            token,
            body: consultationBody(data.community, '越权征求意见', p.clock.now()),
          }),
      ),
    'PUT /api/v1/consultations/:id': (p, token, data) =>
      unchanged(
        async () => ({
          consultation: await p.database.db
            .selectFrom('consultation')
            .select(['title', 'area_id', 'updated_at'])
            .where('id', '=', data.draft)
            .executeTakeFirstOrThrow(),
          sections: await p.database.db
            .selectFrom('consultation_section')
            .select(['id', 'heading', 'body'])
            .where('consultation_id', '=', data.draft)
            .orderBy('position')
            .execute(),
        }),
        () =>
          call(p.app, 'PUT', `/api/v1/consultations/${data.draft}`, {
            token,
            body: consultationBody(data.community, '越权修改', p.clock.now()),
          }),
      ),
    'POST /api/v1/consultations/:id/actions': async (p, token, data) => {
      const state = (id: number) =>
        p.database.db
          .selectFrom('consultation')
          .select(['status', 'result', 'updated_at'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      await unchanged(
        () => state(data.open),
        () => call(p.app, 'POST', `/api/v1/consultations/${data.open}/actions`, { token, body: { action: 'close' } }),
      )
      await unchanged(
        () => state(data.draft),
        () => call(p.app, 'POST', `/api/v1/consultations/${data.draft}/actions`, { token, body: { action: 'open' } }),
      )
    },
    'GET /api/v1/comments': async (p, token, data) => {
      denied(
        (await call(p.app, 'GET', `/api/v1/comments?subjectKind=consultation&subjectId=${data.open}`, { token }))
          .status,
      )
      denied(
        (
          await call(
            p.app,
            'GET',
            `/api/v1/comments?subjectKind=consultation&subjectId=${data.open}&parentId=${data.reported}`,
            { token },
          )
        ).status,
      )
    },
    'POST /api/v1/comments': (p, token, data) =>
      unchanged(
        async () =>
          (
            await p.database.db
              .selectFrom('participation_comment')
              .select('id')
              .where('subject_kind', '=', 'consultation')
              .where('subject_id', '=', data.open)
              .execute()
          ).length,
        () =>
          call(p.app, 'POST', '/api/v1/comments', {
            token,
            body: { subjectKind: 'consultation', subjectId: data.open, sectionId: data.section, body: '越权评论' },
          }),
      ),
    'POST /api/v1/comments/:id/report': (p, token, data) =>
      unchanged(
        async () => ({
          count: (
            await p.database.db
              .selectFrom('participation_comment')
              .select('report_count')
              .where('id', '=', data.reported)
              .executeTakeFirstOrThrow()
          ).report_count,
          reports: await p.database.db
            .selectFrom('comment_report')
            .select('user_id')
            .where('comment_id', '=', data.reported)
            .execute(),
        }),
        () => call(p.app, 'POST', `/api/v1/comments/${data.reported}/report`, { token, body: { reason: 'spam' } }),
      ),
    'POST /api/v1/comments/:id/hide': (p, token, data) =>
      unchanged(
        () =>
          p.database.db
            .selectFrom('participation_comment')
            .select(['hidden_at', 'hidden_reason'])
            .where('id', '=', data.reported)
            .executeTakeFirstOrThrow(),
        () => call(p.app, 'POST', `/api/v1/comments/${data.reported}/hide`, { token, body: { reason: '越权隐藏' } }),
      ),
    'POST /api/v1/comments/:id/restore': (p, token, data) =>
      unchanged(
        () =>
          p.database.db
            .selectFrom('participation_comment')
            .select(['hidden_at', 'hidden_reason'])
            .where('id', '=', data.hidden)
            .executeTakeFirstOrThrow(),
        () => call(p.app, 'POST', `/api/v1/comments/${data.hidden}/restore`, { token }),
      ),
    'GET /api/v1/moderation/comments': async (p, token, data) => {
      const res = await call(p.app, 'GET', '/api/v1/moderation/comments?pageSize=500', { token })
      if (res.status === 200)
        expect(res.body.items.map((x: { comment: { id: number } }) => x.comment.id)).not.toContain(data.reported)
      else denied(res.status)
      denied((await call(p.app, 'GET', `/api/v1/moderation/comments?areaId=${data.community}`, { token })).status)
    },
  },
}
