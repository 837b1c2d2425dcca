import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  areaId,
  backends,
  call,
  DEMO_PASSWORD,
  openTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../../test/support.js'
import { asSystem } from '../core/scope.js'
import { contentDisposition } from '../core/uploads.js'
import { statusOf } from './notices.js'
import { seedDemoNotices } from './notices-demo.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

// A minimal but real PDF (file-type knows it by its %PDF header) and a 1×1 PNG.
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
)
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

describe('notice helpers', () => {
  const now = new Date('2026-11-23T02:00:00Z')
  const at = (ms: number) => new Date(now.getTime() + ms)
  it('tells a notice’s status from its row and the time', () => {
    expect(statusOf({ status: 'draft', publish_at: at(-DAY), expires_at: null }, now)).toBe('draft')
    expect(statusOf({ status: 'published', publish_at: at(HOUR), expires_at: null }, now)).toBe('scheduled')
    expect(statusOf({ status: 'published', publish_at: now, expires_at: at(1) }, now)).toBe('published')
    expect(statusOf({ status: 'published', publish_at: at(-DAY), expires_at: now }, now)).toBe('expired')
    expect(statusOf({ status: 'withdrawn', publish_at: at(-DAY), expires_at: null }, now)).toBe('withdrawn')
  })
  it('names a file in Content-Disposition for old and new clients (RFC 5987)', () => {
    expect(contentDisposition('attachment', '垃圾分类实施细则(2026).pdf')).toBe(
      'attachment; filename="________(2026).pdf"; filename*=UTF-8\'\'%E5%9E%83%E5%9C%BE%E5%88%86%E7%B1%BB%E5%AE%9E%E6%96%BD%E7%BB%86%E5%88%99%282026%29.pdf',
    )
    expect(contentDisposition('inline', 'a "b";c.pdf')).toBe(
      'inline; filename="a _b__c.pdf"; filename*=UTF-8\'\'a%20%22b%22%3Bc.pdf',
    )
  })
})

describe.each(backends())('notices and policies on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let guihua: number
  let donghu: number
  let xiyuan: number
  let cuizhu: number
  const as = (who: string) => t[who]!
  const publish = (who: string, body: object, headers: Record<string, string> = {}) =>
    call(p.app, 'POST', '/api/v1/notices', { token: as(who), body, headers })
  const list = (who: string, query = '') =>
    call(p.app, 'GET', `/api/v1/notices?pageSize=100${query}`, { token: as(who) })
  const ids = async (who: string, query = '') => {
    const res = await list(who, query)
    expect(res.status).toBe(200)
    return (res.body.items as { id: number }[]).map((i) => i.id)
  }
  const detail = (who: string, id: number) => call(p.app, 'GET', `/api/v1/notices/${id}`, { token: as(who) })
  const upload = (who: string, id: number, data: Buffer, type: string, fileName: string) =>
    p.app.inject({
      method: 'POST',
      url: `/api/v1/notices/${id}/attachments?fileName=${encodeURIComponent(fileName)}`,
      headers: { authorization: `Bearer ${as(who)}`, 'content-type': type },
      payload: data,
    })
  const audit = (noticeId: number, action: string) =>
    p.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_name', 'detail', 'area_id'])
      .where('entity_type', '=', 'notice')
      .where('entity_id', '=', String(noticeId))
      .where('action', '=', action)
      .execute()
  const notice = (areaId: number, extra: object = {}) => ({
    areaId,
    kind: 'notice',
    title: '关于小区停水的通知',
    body: '因管网维修，本周三上午9时至下午5时停水，请居民提前储水。',
    ...extra,
  })
  const now = () => p.clock.now()
  const later = (ms: number) => new Date(now().getTime() + ms).toISOString()

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    for (const u of [
      'guihua.staff',
      'guihua.admin',
      'guihua.leader',
      'guihua.resident',
      'guihua.grid',
      'cuizhu.staff',
      'cuizhu.resident',
      'donghu.staff',
      'admin',
    ])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
    donghu = await areaId(p, 'JZ-QH-01')
    xiyuan = await areaId(p, 'JZ-QH-02')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    // A second resident of 桂花, not verified, made as an administrator would.
    const made = await call(p.app, 'POST', '/api/v1/users', {
      token: as('guihua.admin'),
      body: {
        username: 'guihua.resident2',
        displayName: '桂花居民二',
        password: DEMO_PASSWORD,
        grants: [{ role: 'resident', areaId: guihua }],
      },
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    t['guihua.resident2'] = await tokenFor(p.app, 'guihua.resident2')
  })
  afterAll(() => p?.close())

  it('publishes to an area, audited, and answers the notice', async () => {
    const res = await publish('guihua.staff', notice(guihua, { pinned: true, explainer: '  ' }))
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      area: { id: guihua, code: 'JZ-QH-01-01' },
      kind: 'notice',
      status: 'published',
      pinned: true,
      explainer: null,
      hasExplainer: false,
      attachments: [],
      canManage: true,
      readCount: 0,
      read: false,
      publishAt: now().toISOString(),
    })
    const entries = await audit(res.body.id, 'notice.publish')
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({ actor_name: 'guihua.staff', area_id: guihua })
  })

  it('honours an Idempotency-Key: one notice for a retried publication', async () => {
    const key = { 'idempotency-key': 'notice-retry-1' }
    const a = await publish('guihua.staff', notice(guihua, { title: '重试的通知' }), key)
    const b = await publish('guihua.staff', notice(guihua, { title: '重试的通知' }), key)
    expect(a.status).toBe(201)
    expect(b.body.id).toBe(a.body.id)
    expect((await list('guihua.staff', `&q=${encodeURIComponent('重试的通知')}`)).body.total).toBe(1)
  })

  it('reaches a street’s communities: seen by a Guihua resident, not by a Cuizhu one', async () => {
    const res = await publish('donghu.staff', notice(donghu, { kind: 'policy', title: '东湖街道养老服务补贴政策' }))
    expect(res.status).toBe(201)
    const id = res.body.id
    expect(await ids('guihua.resident')).toContain(id)
    expect((await detail('guihua.resident', id)).body).toMatchObject({
      id,
      kind: 'policy',
      canManage: false,
      readCount: null,
      withdrawnReason: null,
      createdBy: null,
    })
    expect(await ids('cuizhu.resident')).not.toContain(id)
    expect((await detail('cuizhu.resident', id)).status).toBe(404)
    // Guihua's staff see it as residents do: they do not run the street's notices.
    const seen = await detail('guihua.staff', id)
    expect(seen.body.canManage).toBe(false)
    expect(
      (await call(p.app, 'PATCH', `/api/v1/notices/${id}`, { token: as('guihua.staff'), body: { pinned: true } }))
        .status,
    ).toBe(403)
    expect((await call(p.app, 'GET', `/api/v1/notices/${id}/reads`, { token: as('guihua.staff') })).status).toBe(403)
    // Staff of a community cannot publish to its street, nor to another street.
    expect((await publish('guihua.staff', notice(donghu))).status).toBe(403)
    expect((await publish('guihua.staff', notice(xiyuan))).body.error.code).toBe('FORBIDDEN')
    expect((await publish('guihua.resident', notice(guihua))).status).toBe(403)
  })

  it('shows a scheduled notice only once its time has come', async () => {
    const res = await publish(
      'guihua.staff',
      notice(guihua, { title: '预定发布：燃气安全检查', publishAt: later(DAY) }),
    )
    expect(res.status).toBe(201)
    const id = res.body.id
    expect(res.body.status).toBe('scheduled')
    expect(await ids('guihua.resident')).not.toContain(id)
    expect((await detail('guihua.resident', id)).status).toBe(404)
    expect((await call(p.app, 'POST', `/api/v1/notices/${id}/read`, { token: as('guihua.resident') })).status).toBe(404)
    expect(await ids('guihua.staff', '&status=scheduled')).toContain(id)
    expect(await ids('guihua.staff', '&status=published')).not.toContain(id)
    p.clock.advance(DAY + 60_000)
    expect(await ids('guihua.resident')).toContain(id)
    expect((await detail('guihua.resident', id)).body.status).toBe('published')
  })

  it('drops an expired notice off the residents’ list and keeps it for staff', async () => {
    const res = await publish(
      'guihua.staff',
      notice(guihua, { title: '即将过期：疫苗接种', expiresAt: later(2 * HOUR) }),
    )
    const id = res.body.id
    expect(await ids('guihua.resident')).toContain(id)
    p.clock.advance(3 * HOUR)
    expect(await ids('guihua.resident')).not.toContain(id)
    expect(await ids('guihua.staff', '&status=expired')).toContain(id)
    expect((await list('guihua.staff', '&status=expired')).body.items.every((i: any) => i.status === 'expired')).toBe(
      true,
    )
    // Its link still opens, marked expired.
    expect((await detail('guihua.resident', id)).body.status).toBe('expired')
  })

  it('lists pinned live notices first, then the newest, with the caller’s read mark', async () => {
    const pinned = (await publish('guihua.staff', notice(guihua, { title: '置顶：物业费公示', pinned: true }))).body.id
    p.clock.advance(HOUR)
    const newer = (await publish('guihua.staff', notice(guihua, { title: '最新：文明养犬倡议' }))).body.id
    const items = (await list('guihua.resident')).body.items as { id: number; pinned: boolean; read: boolean }[]
    const firstUnpinned = items.findIndex((i) => !i.pinned)
    expect(items.slice(0, firstUnpinned).map((i) => i.id)).toContain(pinned)
    expect(items.slice(firstUnpinned).every((i) => !i.pinned)).toBe(true)
    expect(items[firstUnpinned]!.id).toBe(newer)
    expect(items.find((i) => i.id === newer)!.read).toBe(false)
    expect((await list('guihua.resident', '&unread=true')).body.items.map((i: any) => i.id)).toContain(newer)
  })

  it('keeps a draft from residents until it is published (audited)', async () => {
    const res = await publish('guihua.staff', notice(guihua, { title: '草稿：垃圾分类新规', status: 'draft' }))
    const id = res.body.id
    expect(res.body.status).toBe('draft')
    expect((await audit(id, 'notice.draft')).length).toBe(1)
    expect(await ids('guihua.resident')).not.toContain(id)
    expect((await detail('guihua.resident', id)).status).toBe(404)
    expect(await ids('guihua.staff', '&status=draft')).toContain(id)
    const done = await call(p.app, 'PATCH', `/api/v1/notices/${id}`, {
      token: as('guihua.leader'),
      body: { status: 'published', explainer: '新规从下月起实行，厨余垃圾请于早7点至9点投放。' },
    })
    expect(done.status).toBe(200)
    expect(done.body).toMatchObject({ status: 'published', hasExplainer: true })
    expect((await audit(id, 'notice.publish'))[0]).toMatchObject({ actor_name: 'guihua.leader' })
    expect((await detail('guihua.resident', id)).body.explainer).toBe('新规从下月起实行，厨余垃圾请于早7点至9点投放。')
  })

  it('counts a reader once, by the reader’s area, rolled up below the notice’s area', async () => {
    const id = (await publish('donghu.staff', notice(donghu, { title: '街道通知：冬季防火' }))).body.id
    const read = (who: string) => call(p.app, 'POST', `/api/v1/notices/${id}/read`, { token: as(who) })
    const first = await read('guihua.resident')
    expect(first.status).toBe(200)
    expect(first.body.first).toBe(true)
    const again = await Promise.all([read('guihua.resident'), read('guihua.resident'), read('guihua.resident')])
    expect(again.map((r) => [r.status, r.body.first, r.body.readAt])).toEqual(
      again.map(() => [200, false, first.body.readAt]),
    )
    await read('guihua.grid')
    expect((await detail('guihua.resident', id)).body).toMatchObject({ read: true, readAt: first.body.readAt })
    const reads = await call(p.app, 'GET', `/api/v1/notices/${id}/reads`, { token: as('donghu.staff') })
    expect(reads.status).toBe(200)
    expect(reads.body.total).toBe(2)
    const byCode = Object.fromEntries(reads.body.byArea.map((b: any) => [b.area?.code ?? null, b.count]))
    // The resident's community and the grid worker's grid both lie in Guihua.
    expect(byCode['JZ-QH-01-01']).toBe(2)
    expect(Object.values(byCode).reduce((a: number, b) => a + Number(b), 0)).toBe(2)
    // Every community of the street shows, read or not.
    const communities = await p.database.db.selectFrom('area').select('code').where('parent_id', '=', donghu).execute()
    expect(Object.keys(byCode).sort()).toEqual(communities.map((c) => c.code).sort())
    expect(communities.length).toBeGreaterThan(1)
    // A community's notice: its grids show only where someone read it. The grid worker reads for
    // their grid, the resident for their registry record's grid (the demo verified them in G04),
    // and a resident not verified for the community itself.
    const own = (await publish('guihua.staff', notice(guihua, { title: '社区通知：楼道清理' }))).body.id
    await call(p.app, 'POST', `/api/v1/notices/${own}/read`, { token: as('guihua.resident') })
    await call(p.app, 'POST', `/api/v1/notices/${own}/read`, { token: as('guihua.grid') })
    await call(p.app, 'POST', `/api/v1/notices/${own}/read`, { token: as('guihua.resident2') })
    const local = (await call(p.app, 'GET', `/api/v1/notices/${own}/reads`, { token: as('guihua.staff') })).body
    expect(local.byArea.map((b: any) => [b.area.code, b.count])).toEqual([
      ['JZ-QH-01-01', 1],
      ['JZ-QH-01-01-G01', 1],
      ['JZ-QH-01-01-G04', 1],
    ])
    const row = (await list('donghu.staff', `&q=${encodeURIComponent('冬季防火')}`)).body.items[0]
    expect(row).toMatchObject({ id, readCount: 2 })
    expect((await call(p.app, 'GET', `/api/v1/notices/${id}/reads`, { token: as('guihua.resident') })).status).toBe(403)
    const rows = await p.database.db.selectFrom('notice_read').select('user_id').where('notice_id', '=', id).execute()
    expect(rows).toHaveLength(2)
  })

  it('takes a real PDF with a Chinese name and refuses text labelled as one', async () => {
    const id = (await publish('guihua.staff', notice(guihua, { kind: 'policy', title: '附件测试政策' }))).body.id
    const fake = await upload(
      'guihua.staff',
      id,
      Buffer.from('this is plain text, not a PDF'),
      'application/pdf',
      'x.pdf',
    )
    expect(fake.statusCode).toBe(422)
    expect(JSON.parse(fake.body).error).toMatchObject({ code: 'ATTACHMENT_INVALID', field: 'body' })
    const empty = await upload('guihua.staff', id, Buffer.alloc(0), 'application/pdf', 'x.pdf')
    expect([400, 422]).toContain(empty.statusCode)
    const json = await call(p.app, 'POST', `/api/v1/notices/${id}/attachments?fileName=a.pdf`, {
      token: as('guihua.staff'),
      body: { pdf: true },
    })
    expect(json.status).toBe(415)
    const name = '实施细则（2026年版）.pdf'
    const ok = await upload('guihua.staff', id, PDF, 'application/octet-stream', name)
    expect(ok.statusCode).toBe(201)
    const att = JSON.parse(ok.body)
    expect(att).toMatchObject({ fileName: name, contentType: 'application/pdf', size: PDF.length })
    // An image declared as a PDF is stored as what it is.
    const img = JSON.parse((await upload('guihua.staff', id, PNG, 'application/pdf', '示意图.png')).body)
    expect(img.contentType).toBe('image/png')
    expect((await upload('guihua.resident', id, PDF, 'application/pdf', 'r.pdf')).statusCode).toBe(403)
    expect((await upload('cuizhu.staff', id, PDF, 'application/pdf', 'c.pdf')).statusCode).toBe(404)

    const seen = await detail('guihua.resident', id)
    expect(seen.body.attachments.map((a: any) => a.fileName)).toEqual([name, '示意图.png'])
    const file = await p.app.inject({
      method: 'GET',
      url: `/api/v1/notices/${id}/attachments/${att.id}?download=true`,
      headers: { authorization: `Bearer ${as('guihua.resident')}` },
    })
    expect(file.statusCode).toBe(200)
    expect(file.headers['content-type']).toBe('application/pdf')
    expect(file.headers['content-disposition']).toBe(contentDisposition('attachment', name))
    expect(file.rawPayload.equals(PDF)).toBe(true)
    const inline = await p.app.inject({
      method: 'GET',
      url: `/api/v1/notices/${id}/attachments/${img.id}`,
      headers: { authorization: `Bearer ${as('guihua.resident')}` },
    })
    expect(inline.headers['content-type']).toBe('image/png')
    expect(String(inline.headers['content-disposition'])).toMatch(/^inline; /)
    const foreign = await p.app.inject({
      method: 'GET',
      url: `/api/v1/notices/${id}/attachments/${att.id}`,
      headers: { authorization: `Bearer ${as('cuizhu.resident')}` },
    })
    expect(foreign.statusCode).toBe(404)
    // An attachment id of another notice is not found under this one.
    const other = (await publish('guihua.staff', notice(guihua, { title: '另一条' }))).body.id
    expect(
      (await call(p.app, 'GET', `/api/v1/notices/${other}/attachments/${att.id}`, { token: as('guihua.staff') }))
        .status,
    ).toBe(404)

    const removed = await call(p.app, 'DELETE', `/api/v1/notices/${id}/attachments/${img.id}`, {
      token: as('guihua.staff'),
    })
    expect(removed.status).toBe(200)
    expect(removed.body.attachments.map((a: any) => a.id)).toEqual([att.id])
    expect((await audit(id, 'notice.detach')).length).toBe(1)
  })

  it('withdraws with a reason: gone for residents, kept for staff and in the audit trail', async () => {
    const id = (await publish('guihua.staff', notice(guihua, { title: '将被撤回的通知', pinned: true }))).body.id
    await upload('guihua.staff', id, PDF, 'application/pdf', 'a.pdf')
    const withdraw = (body: object, who = 'guihua.staff') =>
      call(p.app, 'POST', `/api/v1/notices/${id}/withdraw`, { token: as(who), body })
    expect((await withdraw({})).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'reason' })
    expect((await withdraw({ reason: '   ' })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'reason' })
    expect((await withdraw({ reason: '误发' }, 'guihua.resident')).status).toBe(403)
    expect((await withdraw({ reason: '误发' }, 'cuizhu.staff')).status).toBe(404)
    const res = await withdraw({ reason: '时间有误，另行通知' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ status: 'withdrawn', withdrawnReason: '时间有误，另行通知', pinned: false })
    expect(res.body.withdrawnBy).toEqual(expect.any(String))
    expect(await ids('guihua.resident')).not.toContain(id)
    expect((await detail('guihua.resident', id)).status).toBe(404)
    const file = (await detail('guihua.staff', id)).body.attachments[0].id
    expect(
      (await call(p.app, 'GET', `/api/v1/notices/${id}/attachments/${file}`, { token: as('guihua.resident') })).status,
    ).toBe(404)
    const staffView = (await list('guihua.staff', '&status=withdrawn')).body.items.find((i: any) => i.id === id)
    expect(staffView).toMatchObject({ status: 'withdrawn', withdrawnReason: '时间有误，另行通知' })
    const entries = await audit(id, 'notice.withdraw')
    expect(entries).toHaveLength(1)
    expect(entries[0]!.detail).toMatchObject({ reason: '时间有误，另行通知', title: '将被撤回的通知' })
    // Nothing changes a withdrawn notice any more.
    expect((await withdraw({ reason: '再次' })).status).toBe(409)
    expect(
      (await call(p.app, 'PATCH', `/api/v1/notices/${id}`, { token: as('guihua.staff'), body: { title: '改' } }))
        .status,
    ).toBe(409)
    expect((await upload('guihua.staff', id, PDF, 'application/pdf', 'b.pdf')).statusCode).toBe(409)
    expect(
      (await call(p.app, 'DELETE', `/api/v1/notices/${id}/attachments/${file}`, { token: as('guihua.staff') })).status,
    ).toBe(409)
  })

  it('edits a notice and refuses bad input naming the field, writing nothing', async () => {
    const id = (await publish('guihua.staff', notice(guihua, { title: '待修改的通知' }))).body.id
    const patch = (body: object) => call(p.app, 'PATCH', `/api/v1/notices/${id}`, { token: as('guihua.staff'), body })
    const edited = await patch({ title: '  已修改的通知 ', pinned: true, expiresAt: later(7 * DAY) })
    expect(edited.body).toMatchObject({ title: '已修改的通知', pinned: true, expiresAt: later(7 * DAY) })
    expect((await patch({ expiresAt: null })).body.expiresAt).toBeNull()
    expect((await audit(id, 'notice.update')).length).toBe(2)

    const field = async (res: Promise<{ status: number; body: any }>) => {
      const r = await res
      expect(r.status, JSON.stringify(r.body)).toBeGreaterThanOrEqual(400)
      expect(r.status).toBeLessThan(500)
      return r.body.error.field
    }
    expect(await field(patch({}))).toBe('body')
    expect(await field(patch({ title: '' }))).toBe('title')
    expect(await field(patch({ publishAt: later(DAY), expiresAt: later(HOUR) }))).toBe('expiresAt')
    expect(await field(patch({ status: 'draft' }))).toBe('status')
    const before = (await detail('guihua.staff', id)).body

    const { areaId: _, ...noArea } = notice(guihua)
    expect(await field(publish('guihua.staff', noArea))).toBe('areaId')
    expect(await field(publish('guihua.staff', notice(guihua, { title: undefined })))).toBe('title')
    expect(await field(publish('guihua.staff', notice(guihua, { title: 'x'.repeat(201) })))).toBe('title')
    expect(await field(publish('guihua.staff', notice(guihua, { title: ' \n ' })))).toBe('title')
    expect(await field(publish('guihua.staff', notice(guihua, { body: 'x'.repeat(20001) })))).toBe('body')
    expect(await field(publish('guihua.staff', notice(guihua, { kind: 'rumour' })))).toBe('kind')
    expect(await field(publish('guihua.staff', notice(guihua, { explainer: 'x'.repeat(20001) })))).toBe('explainer')
    expect(await field(publish('guihua.staff', notice(guihua, { publishAt: 'tomorrow' })))).toBe('publishAt')
    expect(await field(publish('guihua.staff', notice(guihua, { publishAt: '0001-01-01T00:00:00Z' })))).toBe(
      'publishAt',
    )
    expect(await field(publish('guihua.staff', notice(guihua, { expiresAt: later(-HOUR) })))).toBe('expiresAt')
    expect(
      await field(publish('guihua.staff', notice(guihua, { publishAt: later(2 * DAY), expiresAt: later(DAY) }))),
    ).toBe('expiresAt')
    expect(await field(publish('guihua.staff', notice(guihua, { colour: 'red' })))).toBe('colour')
    const unknown = await publish('guihua.staff', notice(2147483647))
    expect(unknown.body.error).toMatchObject({ code: 'AREA_NOT_FOUND', field: 'areaId' })
    expect(
      (await call(p.app, 'GET', `/api/v1/notices/${id}/attachments/1?download=maybe`, { token: as('guihua.staff') }))
        .status,
    ).toBe(400)
    expect((await detail('guihua.staff', id)).body).toEqual(before)
    expect((await list('guihua.staff', `&q=${encodeURIComponent('x'.repeat(201))}`)).status).toBe(400)
  })

  it('keeps each community’s staff to their own notices', async () => {
    const id = (await publish('cuizhu.staff', notice(cuizhu, { title: '翠竹社区通知' }))).body.id
    expect(await ids('guihua.staff')).not.toContain(id)
    expect(await ids('admin')).toContain(id)
    expect((await detail('guihua.admin', id)).status).toBe(404)
    expect(
      (await call(p.app, 'PATCH', `/api/v1/notices/${id}`, { token: as('guihua.admin'), body: { pinned: true } }))
        .status,
    ).toBe(404)
    expect(
      (await call(p.app, 'GET', `/api/v1/notices?areaId=${cuizhu}`, { token: as('guihua.staff') })).body.items,
    ).toEqual([])
    expect((await call(p.app, 'GET', '/api/v1/notices')).status).toBe(401)
  })
})

describe.each(backends())('the notices of the demo city on %s', (backend) => {
  let p: TestPlatform
  beforeAll(async () => {
    p = await openTestPlatform(backend)
    await asSystem(p.database.db, (tx) => seedDemoNotices(tx, p.clock.now()))
  })
  afterAll(() => p?.close())

  it('leaves real work for the Guihua resident and staff', async () => {
    const resident = await tokenFor(p.app, 'guihua.resident')
    const staff = await tokenFor(p.app, 'guihua.staff')
    const items = (await call(p.app, 'GET', '/api/v1/notices?pageSize=100', { token: resident })).body.items as any[]
    const titles = items.map((i) => i.title)
    expect(items[0]).toMatchObject({ title: '关于桂花苑二次供水水箱清洗停水的通知', pinned: true, read: false })
    expect(titles).toContain('东湖街道高龄老人津贴申领政策解读')
    expect(items.find((i) => i.title === '东湖街道高龄老人津贴申领政策解读').read).toBe(true)
    for (const hidden of [
      '冬季消防安全培训暨灭火器使用演练',
      '国庆期间社区服务中心开放时间调整',
      '2027年度居民议事会换届选举公告（草稿）',
      '关于桂花苑临时停电的通知',
      '翠竹社区电动自行车集中充电棚启用通知',
    ])
      expect(titles).not.toContain(hidden)
    const policy = items.find((i) => i.title === '桂花社区生活垃圾分类实施细则')
    expect(policy).toMatchObject({ kind: 'policy', hasExplainer: true, attachmentCount: 1 })
    const detail = (await call(p.app, 'GET', `/api/v1/notices/${policy.id}`, { token: resident })).body
    const file = await p.app.inject({
      method: 'GET',
      url: `/api/v1/notices/${policy.id}/attachments/${detail.attachments[0].id}`,
      headers: { authorization: `Bearer ${resident}` },
    })
    expect(file.headers['content-type']).toBe('application/pdf')
    expect(file.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')

    const mine = (await call(p.app, 'GET', '/api/v1/notices?pageSize=100', { token: staff })).body.items as any[]
    const statusOfTitle = (title: string) => mine.find((i) => i.title === title)?.status
    expect(statusOfTitle('冬季消防安全培训暨灭火器使用演练')).toBe('scheduled')
    expect(statusOfTitle('国庆期间社区服务中心开放时间调整')).toBe('expired')
    expect(statusOfTitle('2027年度居民议事会换届选举公告（草稿）')).toBe('draft')
    expect(statusOfTitle('关于桂花苑临时停电的通知')).toBe('withdrawn')
    expect(mine.find((i) => i.title === '关于桂花苑二次供水水箱清洗停水的通知').readCount).toBe(1)
    const cuizhu = (await call(p.app, 'GET', '/api/v1/notices', { token: await tokenFor(p.app, 'cuizhu.resident') }))
      .body.items as any[]
    expect(cuizhu.map((i) => i.title)).toContain('翠竹社区电动自行车集中充电棚启用通知')
    expect(cuizhu.map((i) => i.title)).not.toContain('东湖街道高龄老人津贴申领政策解读')
  })
})
