import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

describe.each(backends())('co-building on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let guihua = 0
  let cuizhu = 0
  let agreement = 0
  let cuizhuAgreement = 0

  const audits = async (action: string) =>
    (
      await p.database.db
        .selectFrom('audit_log')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('action', '=', action)
        .executeTakeFirstOrThrow()
    ).n
  const item = async (id: number) =>
    p.database.db
      .selectFrom('cobuild_item')
      .select(['status', 'version', 'done_on', 'agreement_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  const post = (user: string, url: string, body: unknown) => call(p.app, 'POST', url, { token: t[user], body })
  const newItem = (user: string, body: Record<string, unknown>) =>
    post(user, '/api/v1/party/cobuild/items', {
      topic: 'elderly_care',
      title: '测试条目',
      description: '测试用',
      ...body,
    })

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-05-10T02:00:00Z')
    for (const u of ['guihua.staff', 'guihua.leader', 'guihua.grid', 'guihua.resident', 'cuizhu.staff', 'admin'])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
  }, 180_000)
  afterAll(async () => p?.close())

  it('the demo leaves guihua.staff needs to match and projects to close', async () => {
    const list = (q: string) =>
      call(p.app, 'GET', `/api/v1/party/cobuild/items?areaId=${guihua}&${q}`, { token: t['guihua.staff'] })
    expect((await list('list=need&status=open')).body.total).toBeGreaterThanOrEqual(2)
    expect((await list('list=resource&status=open')).body.total).toBeGreaterThanOrEqual(2)
    expect((await list('list=project&status=in_progress')).body.total).toBeGreaterThanOrEqual(2)
    const done = (await list('list=project&status=done')).body
    expect(done.total).toBeGreaterThanOrEqual(1)
    expect(done.items[0]).toMatchObject({ canEdit: true, need: { title: expect.any(String) } })
    const agreements = await call(p.app, 'GET', `/api/v1/party/cobuild/agreements?areaId=${guihua}`, {
      token: t['guihua.staff'],
    })
    expect(agreements.body.items.map((a: { unitKind: string }) => a.unitKind).sort()).toEqual([
      'enterprise',
      'hospital',
      'school',
    ])
    const firm = agreements.body.items.find((a: { unitKind: string }) => a.unitKind === 'enterprise')
    expect(firm.unitOrganisation).not.toBeNull()
    const stats = await call(p.app, 'GET', '/api/v1/party/stats?from=2020-01-01', { token: t['guihua.staff'] })
    expect(stats.body.figures.agreementsActive).toBe(3)
    expect(stats.body.figures.projectsDone).toBeGreaterThanOrEqual(1)
  })

  it('creates and edits an agreement with a community; other areas and levels are refused', async () => {
    const before = await audits('cobuild.agreement.create')
    const school = await p.database.db
      .selectFrom('department')
      .select(['id', 'name_zh'])
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const made = await post('guihua.staff', '/api/v1/party/cobuild/agreements', {
      areaId: guihua,
      unitKind: 'school',
      unitName: '桂花实验小学',
      unitDepartmentId: school.id,
      contactName: '王老师',
      signedOn: '2027-01-05',
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body).toMatchObject({
      area: { id: guihua },
      unitKind: 'school',
      unitName: '桂花实验小学',
      unitDepartment: { id: school.id, name: school.name_zh },
      status: 'active',
      version: 1,
      canEdit: true,
      resources: 0,
    })
    agreement = made.body.id
    expect(await audits('cobuild.agreement.create')).toBe(before + 1)

    const street = await post('guihua.staff', '/api/v1/party/cobuild/agreements', {
      areaId: await areaId(p, 'JZ-QH-01'),
      unitKind: 'school',
      unitName: '街道学校',
      signedOn: '2027-01-05',
    })
    expect(street.status).toBe(403)
    const streetByAdmin = await post('admin', '/api/v1/party/cobuild/agreements', {
      areaId: await areaId(p, 'JZ-QH-01'),
      unitKind: 'school',
      unitName: '街道学校',
      signedOn: '2027-01-05',
    })
    expect(streetByAdmin.status).toBe(422)
    expect(streetByAdmin.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'areaId' })
    const backwards = await post('guihua.staff', '/api/v1/party/cobuild/agreements', {
      areaId: guihua,
      unitKind: 'hospital',
      unitName: '医院',
      signedOn: '2027-01-05',
      endsOn: '2026-01-05',
    })
    expect(backwards.status).toBe(422)
    expect(backwards.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'endsOn' })
    const badOrg = await post('guihua.staff', '/api/v1/party/cobuild/agreements', {
      areaId: guihua,
      unitKind: 'enterprise',
      unitName: '企业',
      unitOrganisationId: 2147483000,
      signedOn: '2027-01-05',
    })
    expect(badOrg.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'unitOrganisationId' })
    const yearZero = await post('guihua.staff', '/api/v1/party/cobuild/agreements', {
      areaId: guihua,
      unitKind: 'school',
      unitName: '零年学校',
      signedOn: '0000-01-01',
    })
    expect(yearZero.status).toBe(400)
    expect(yearZero.body.error).toMatchObject({ code: 'VALIDATION_FAILED' })
    const grid = await post('guihua.grid', '/api/v1/party/cobuild/agreements', {
      areaId: guihua,
      unitKind: 'school',
      unitName: '网格学校',
      signedOn: '2027-01-05',
    })
    expect(grid.status).toBe(403)
    const elsewhere = await post('cuizhu.staff', '/api/v1/party/cobuild/agreements', {
      areaId: guihua,
      unitKind: 'school',
      unitName: '翠竹学校',
      signedOn: '2027-01-05',
    })
    expect(elsewhere.status).toBe(403)

    const edited = await call(p.app, 'PATCH', `/api/v1/party/cobuild/agreements/${agreement}`, {
      token: t['guihua.leader'],
      body: { version: 1, contactName: '李老师', unitDepartmentId: null },
    })
    expect(edited.status, JSON.stringify(edited.body)).toBe(200)
    expect(edited.body).toMatchObject({ contactName: '李老师', unitDepartment: null, version: 2 })
    const stale = await call(p.app, 'PATCH', `/api/v1/party/cobuild/agreements/${agreement}`, {
      token: t['guihua.leader'],
      body: { version: 1, contactName: '赵老师' },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'PARTY_VERSION_CONFLICT', field: 'version' })

    const other = await post('cuizhu.staff', '/api/v1/party/cobuild/agreements', {
      areaId: cuizhu,
      unitKind: 'hospital',
      unitName: '翠竹社区卫生服务中心',
      signedOn: '2027-02-01',
    })
    expect(other.status).toBe(201)
    cuizhuAgreement = other.body.id
  })

  let need = 0
  let resource = 0
  let project = 0

  it('adds needs and resources; a project is not created as an item', async () => {
    const n = await newItem('guihua.staff', {
      list: 'need',
      areaId: guihua,
      title: '独居老人助餐',
      dueOn: '2027-06-30',
    })
    expect(n.status, JSON.stringify(n.body)).toBe(201)
    expect(n.body).toMatchObject({ list: 'need', status: 'open', agreementId: null, area: { id: guihua } })
    need = n.body.id
    const r = await newItem('guihua.staff', { list: 'resource', agreementId: agreement, title: '学校食堂午餐' })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    expect(r.body).toMatchObject({ list: 'resource', agreementId: agreement, unitName: '桂花实验小学' })
    expect(r.body.area.id).toBe(guihua)
    resource = r.body.id
    const proj = await newItem('guihua.staff', { list: 'project', areaId: guihua })
    expect(proj.status).toBe(422)
    expect(proj.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'list' })
    const orphan = await newItem('guihua.staff', { list: 'resource', areaId: guihua })
    expect(orphan.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'agreementId' })
    const mismatch = await newItem('admin', { list: 'resource', agreementId: agreement, areaId: cuizhu })
    expect(mismatch.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'agreementId' })
    const grid = await newItem('guihua.grid', { list: 'need', areaId: guihua })
    expect(grid.status).toBe(403)

    const board = await call(p.app, 'GET', `/api/v1/party/cobuild/items?areaId=${guihua}&list=need&status=open`, {
      token: t['guihua.grid'],
    })
    expect(board.status).toBe(200)
    expect(board.body.items.map((i: { id: number }) => i.id)).toContain(need)
    expect(
      board.body.items.every((i: { list: string; status: string }) => i.list === 'need' && i.status === 'open'),
    ).toBe(true)
    expect(board.body.items.find((i: { id: number }) => i.id === need).canEdit).toBe(false)
  })

  it('cuizhu reads none of guihua’s co-building, nor changes it', async () => {
    const list = await call(p.app, 'GET', '/api/v1/party/cobuild/items?pageSize=500', { token: t['cuizhu.staff'] })
    expect(list.status).toBe(200)
    expect(list.body.items.some((i: { area: { id: number } }) => i.area.id === guihua)).toBe(false)
    const agreements = await call(p.app, 'GET', '/api/v1/party/cobuild/agreements', { token: t['cuizhu.staff'] })
    expect(agreements.body.items.map((a: { id: number }) => a.id)).toContain(cuizhuAgreement)
    expect(agreements.body.items.map((a: { id: number }) => a.id)).not.toContain(agreement)
    const one = await call(p.app, 'GET', `/api/v1/party/cobuild/agreements/${agreement}`, { token: t['cuizhu.staff'] })
    expect(one.status).toBe(404)
    const change = await call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${need}`, {
      token: t['cuizhu.staff'],
      body: { version: 1, status: 'cancelled' },
    })
    expect(change.status).toBe(404)
    expect((await item(need)).status).toBe('open')
    const resident = await call(p.app, 'GET', '/api/v1/party/cobuild/items', { token: t['guihua.resident'] })
    expect(resident.status).toBe(403)
  })

  it('refuses a match across communities, naming the field', async () => {
    const theirs = await newItem('cuizhu.staff', { list: 'resource', agreementId: cuizhuAgreement, title: '义诊' })
    expect(theirs.status).toBe(201)
    // guihua's staff do not see cuizhu's resource at all.
    const hidden = await post('guihua.staff', '/api/v1/party/cobuild/projects', {
      needId: need,
      resourceId: theirs.body.id,
    })
    expect(hidden.status).toBe(404)
    expect(hidden.body.error).toMatchObject({ code: 'COBUILD_NOT_FOUND', field: 'resourceId' })
    // The city's admin sees both: still another community.
    const across = await post('admin', '/api/v1/party/cobuild/projects', { needId: need, resourceId: theirs.body.id })
    expect(across.status).toBe(422)
    expect(across.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'resourceId' })
    const swapped = await post('guihua.staff', '/api/v1/party/cobuild/projects', { needId: resource, resourceId: need })
    expect(swapped.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'needId' })
    expect((await item(need)).status).toBe('open')
  })

  it('matches a need with a resource into a project in progress under the resource’s agreement', async () => {
    const grid = await post('guihua.grid', '/api/v1/party/cobuild/projects', { needId: need, resourceId: resource })
    expect(grid.status).toBe(403)
    const made = await call(p.app, 'POST', '/api/v1/party/cobuild/projects', {
      token: t['guihua.staff'],
      headers: { 'idempotency-key': 'match-1' },
      body: { needId: need, resourceId: resource },
    })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body).toMatchObject({
      list: 'project',
      status: 'in_progress',
      agreementId: agreement,
      title: '独居老人助餐',
      topic: 'elderly_care',
      dueOn: '2027-06-30',
      need: { id: need, title: '独居老人助餐' },
      resource: { id: resource, title: '学校食堂午餐' },
    })
    project = made.body.id
    const again = await call(p.app, 'POST', '/api/v1/party/cobuild/projects', {
      token: t['guihua.staff'],
      headers: { 'idempotency-key': 'match-1' },
      body: { needId: need, resourceId: resource },
    })
    expect(again.body.id).toBe(project)
    expect(await item(need)).toMatchObject({ status: 'matched', agreement_id: agreement })
    expect((await item(resource)).status).toBe('matched')
    const twice = await post('guihua.staff', '/api/v1/party/cobuild/projects', { needId: need, resourceId: resource })
    expect(twice.status).toBe(422)
    expect(twice.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'needId' })
    const detail = await call(p.app, 'GET', `/api/v1/party/cobuild/agreements/${agreement}`, {
      token: t['guihua.grid'],
    })
    expect(detail.status).toBe(200)
    expect(detail.body).toMatchObject({ needs: 1, resources: 1, projects: 1, projectsDone: 0, canEdit: false })
    expect(detail.body.items.map((i: { id: number }) => i.id).sort()).toEqual([need, resource, project].sort())
  })

  it('marks the project done with its outcome, and its need with it; illegal moves are 409', async () => {
    const v = (await item(project)).version
    const noOutcome = await call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${project}`, {
      token: t['guihua.staff'],
      body: { version: v, status: 'done', doneOn: '2027-05-09' },
    })
    expect(noOutcome.status).toBe(422)
    expect(noOutcome.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'outcome' })
    const future = await call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${project}`, {
      token: t['guihua.staff'],
      body: { version: v, status: 'done', doneOn: '2027-06-09', outcome: '完成' },
    })
    expect(future.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'doneOn' })
    const cancel = await call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${project}`, {
      token: t['guihua.staff'],
      body: { version: v, status: 'cancelled' },
    })
    expect(cancel.status).toBe(409)
    expect(cancel.body.error).toMatchObject({ code: 'COBUILD_ILLEGAL_TRANSITION', field: 'status' })
    const stale = await call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${project}`, {
      token: t['guihua.staff'],
      body: { version: v + 5, title: '改名' },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'PARTY_VERSION_CONFLICT' })
    const before = await audits('cobuild.project.done')
    const done = await call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${project}`, {
      token: t['guihua.staff'],
      body: { version: v, status: 'done', doneOn: '2027-05-10', outcome: '每周三次送餐到户', beneficiaries: 23 },
    })
    expect(done.status, JSON.stringify(done.body)).toBe(200)
    expect(done.body).toMatchObject({
      status: 'done',
      doneOn: '2027-05-10',
      outcome: '每周三次送餐到户',
      beneficiaries: 23,
    })
    expect(await item(need)).toMatchObject({ status: 'done', done_on: '2027-05-10' })
    expect(await audits('cobuild.project.done')).toBe(before + 1)
    const again = await call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${project}`, {
      token: t['guihua.staff'],
      body: { version: done.body.version, status: 'done', doneOn: '2027-05-10', outcome: '再来' },
    })
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({ code: 'COBUILD_ILLEGAL_TRANSITION' })
    const needCancel = await call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${need}`, {
      token: t['guihua.staff'],
      body: { version: (await item(need)).version, status: 'cancelled' },
    })
    expect(needCancel.status).toBe(409)
  })

  it('cancels an open need; ends an agreement, after which it takes no resources', async () => {
    const n = await newItem('guihua.staff', { list: 'need', areaId: guihua, title: '楼道照明' })
    const cancelled = await call(p.app, 'PATCH', `/api/v1/party/cobuild/items/${n.body.id}`, {
      token: t['guihua.leader'],
      body: { version: 1, status: 'cancelled', title: '楼道照明（已由物业解决）' },
    })
    expect(cancelled.status).toBe(200)
    expect(cancelled.body).toMatchObject({ status: 'cancelled', title: '楼道照明（已由物业解决）', version: 2 })
    const v = (
      await p.database.db
        .selectFrom('cobuild_agreement')
        .select('version')
        .where('id', '=', agreement)
        .executeTakeFirstOrThrow()
    ).version
    const ended = await call(p.app, 'PATCH', `/api/v1/party/cobuild/agreements/${agreement}`, {
      token: t['guihua.staff'],
      body: { version: v, status: 'ended' },
    })
    expect(ended.status).toBe(200)
    expect(ended.body).toMatchObject({ status: 'ended', endsOn: '2027-05-10' })
    const late = await newItem('guihua.staff', { list: 'resource', agreementId: agreement })
    expect(late.status).toBe(422)
    expect(late.body.error).toMatchObject({ code: 'COBUILD_INVALID', field: 'agreementId' })
    const list = await call(p.app, 'GET', `/api/v1/party/cobuild/agreements?areaId=${guihua}&status=ended`, {
      token: t['guihua.staff'],
    })
    expect(list.body.items.map((a: { id: number }) => a.id)).toContain(agreement)
    expect(list.body.items.every((a: { status: string }) => a.status === 'ended')).toBe(true)
  })
})
