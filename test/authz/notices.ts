import { expect } from 'vitest'
import { call, type Call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// The notices routes in both authorization tables (see parts.ts). Notices are read by everyone on
// the area's branch (every signed-in caller of A) and run by A's admins, leaders and staff; grid
// workers, department handlers, mediators and residents only read them.

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n')

/** Uploads PDF to a notice as the raw body, answered like `call`. */
async function upload(p: TestPlatform, token: string | null, noticeId: number, fileName = 'probe.pdf'): Promise<Call> {
  const res = await p.app.inject({
    method: 'POST',
    url: `/api/v1/notices/${noticeId}/attachments?fileName=${encodeURIComponent(fileName)}`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/pdf' },
    payload: PDF,
  })
  return { status: res.statusCode, body: res.json(), headers: res.headers }
}

const get = async (p: TestPlatform, token: string | null, url: string): Promise<Call> => {
  const res = await p.app.inject({
    method: 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  })
  return { status: res.statusCode, body: res.body, headers: res.headers }
}

interface OwnData {
  /** A live notice of A with one attachment. */
  live: number
  attachment: number
  /** A withdrawn notice of A: withdrawing it again is refused on its merits (409). */
  withdrawn: number
}

const staffRow = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const readerRow = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')

export const own: OwnPart<OwnData> = {
  setup: async (p, base) => {
    const staff = await base.token('guihua.staff')
    const publish = async (title: string) =>
      must(
        'publish',
        await call(p.app, 'POST', '/api/v1/notices', {
          token: staff,
          body: { areaId: base.community, kind: 'policy', title, body: '权限表用的通知。', explainer: '解读。' },
        }),
        201,
      ).id as number
    const live = await publish('权限表：有效通知')
    const attachment = must('attach', await upload(p, staff, live), 201).id as number
    const withdrawn = await publish('权限表：已撤回通知')
    must(
      'withdraw',
      await call(p.app, 'POST', `/api/v1/notices/${withdrawn}/withdraw`, { token: staff, body: { reason: '测试' } }),
      200,
    )
    return { live, attachment, withdrawn }
  },
  rows: {
    'POST /api/v1/notices': staffRow,
    'GET /api/v1/notices': readerRow,
    'GET /api/v1/notices/:id': readerRow,
    'PATCH /api/v1/notices/:id': staffRow,
    'POST /api/v1/notices/:id/withdraw': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'POST /api/v1/notices/:id/read': readerRow,
    'GET /api/v1/notices/:id/reads': staffRow,
    'POST /api/v1/notices/:id/attachments': staffRow,
    'GET /api/v1/notices/:id/attachments/:attachmentId': readerRow,
    'DELETE /api/v1/notices/:id/attachments/:attachmentId': staffRow,
  },
  probes: {
    // A draft: a throwaway row that no resident's list shows.
    'POST /api/v1/notices': ({ p, token, base }) =>
      call(p.app, 'POST', '/api/v1/notices', {
        token,
        body: { areaId: base.community, kind: 'notice', title: '权限表草稿', body: '草稿。', status: 'draft' },
      }),
    'GET /api/v1/notices': ({ p, token }) => call(p.app, 'GET', '/api/v1/notices', { token }),
    'GET /api/v1/notices/:id': ({ p, token, data }) => call(p.app, 'GET', `/api/v1/notices/${data.live}`, { token }),
    'PATCH /api/v1/notices/:id': ({ p, token, data }) =>
      call(p.app, 'PATCH', `/api/v1/notices/${data.live}`, { token, body: { pinned: false } }),
    'POST /api/v1/notices/:id/withdraw': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/notices/${data.withdrawn}/withdraw`, { token, body: { reason: '再次撤回' } }),
    'POST /api/v1/notices/:id/read': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/notices/${data.live}/read`, { token }),
    'GET /api/v1/notices/:id/reads': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/notices/${data.live}/reads`, { token }),
    'POST /api/v1/notices/:id/attachments': ({ p, token, data }) => upload(p, token, data.live, '探针.pdf'),
    'GET /api/v1/notices/:id/attachments/:attachmentId': ({ p, token, data }) =>
      get(p, token, `/api/v1/notices/${data.live}/attachments/${data.attachment}`),
    // A fresh attachment (uploaded by A's staff) for each caller to try to remove.
    'DELETE /api/v1/notices/:id/attachments/:attachmentId': async ({ p, token, data, base }) => {
      const fresh = must('attach', await upload(p, await base.token('guihua.staff'), data.live, '待删.pdf'), 201).id
      return call(p.app, 'DELETE', `/api/v1/notices/${data.live}/attachments/${fresh}`, { token })
    },
  },
}

interface ScopingData {
  /** B's live notice with an attachment, and a draft of B. */
  live: number
  attachment: number
  draft: number
  community: number
}

export const scoping: ScopingPart<ScopingData> = {
  setup: async (p, base) => {
    const staff = await base.token('cuizhu.staff')
    const publish = async (title: string, status: 'draft' | 'published') =>
      must(
        'publish',
        await call(p.app, 'POST', '/api/v1/notices', {
          token: staff,
          body: { areaId: base.community, kind: 'notice', title, body: '翠竹社区的通知。', pinned: true, status },
        }),
        201,
      ).id as number
    const live = await publish('翠竹：有效通知', 'published')
    const attachment = must('attach', await upload(p, staff, live), 201).id as number
    const draft = await publish('翠竹：草稿', 'draft')
    // Someone of B has read it, so a leak of the read counts would show.
    must(
      'read',
      await call(p.app, 'POST', `/api/v1/notices/${live}/read`, { token: await base.token('cuizhu.resident') }),
      200,
    )
    return { live, attachment, draft, community: base.community }
  },
  probes: {
    'POST /api/v1/notices': async (p, token, d) =>
      unchanged(
        () =>
          p.database.db.selectFrom('notice').select('id').where('area_id', '=', d.community).orderBy('id').execute(),
        () =>
          call(p.app, 'POST', '/api/v1/notices', {
            token,
            body: { areaId: d.community, kind: 'notice', title: '越权发布', body: '不应出现。' },
          }),
      ),
    'GET /api/v1/notices': async (p, token, d) => {
      for (const url of ['/api/v1/notices?pageSize=500', `/api/v1/notices?areaId=${d.community}`]) {
        const res = await call(p.app, 'GET', url, { token })
        if (res.status !== 200) {
          denied(res.status)
          continue
        }
        const ids = res.body.items.map((i: { id: number }) => i.id)
        expect(ids).not.toContain(d.live)
        expect(ids).not.toContain(d.draft)
      }
    },
    'GET /api/v1/notices/:id': async (p, token, d) => {
      denied((await call(p.app, 'GET', `/api/v1/notices/${d.live}`, { token })).status)
      denied((await call(p.app, 'GET', `/api/v1/notices/${d.draft}`, { token })).status)
    },
    'PATCH /api/v1/notices/:id': async (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('notice').selectAll().where('id', '=', d.live).executeTakeFirst(),
        () => call(p.app, 'PATCH', `/api/v1/notices/${d.live}`, { token, body: { title: '被篡改', pinned: false } }),
      ),
    'POST /api/v1/notices/:id/withdraw': async (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('notice').selectAll().where('id', '=', d.live).executeTakeFirst(),
        () => call(p.app, 'POST', `/api/v1/notices/${d.live}/withdraw`, { token, body: { reason: '越权撤回' } }),
      ),
    'POST /api/v1/notices/:id/read': async (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('notice_read').selectAll().where('notice_id', '=', d.live).execute(),
        () => call(p.app, 'POST', `/api/v1/notices/${d.live}/read`, { token }),
      ),
    'GET /api/v1/notices/:id/reads': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/notices/${d.live}/reads`, { token })).status),
    'POST /api/v1/notices/:id/attachments': async (p, token, d) =>
      unchanged(
        () =>
          p.database.db
            .selectFrom('notice_attachment')
            .select(['id', 'file_name'])
            .where('notice_id', '=', d.live)
            .execute(),
        () => upload(p, token, d.live, '越权.pdf'),
      ),
    'GET /api/v1/notices/:id/attachments/:attachmentId': async (p, token, d) =>
      denied((await get(p, token, `/api/v1/notices/${d.live}/attachments/${d.attachment}`)).status),
    'DELETE /api/v1/notices/:id/attachments/:attachmentId': async (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('notice_attachment').select('id').where('notice_id', '=', d.live).execute(),
        () => call(p.app, 'DELETE', `/api/v1/notices/${d.live}/attachments/${d.attachment}`, { token }),
      ),
  },
}
