import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fireDueTimers } from '../core/scheduler.js'
import { timerHandlers } from '../main.js'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'

const DAY = 86_400_000
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n')

describe.each(backends())('service applications on %s', (backend) => {
  let p: TestPlatform
  let guihua: number
  const t: Record<string, string> = {}
  /** Test services by name: id. */
  const svc: Record<string, number> = {}
  let residentPerson: number
  let residentUser: number

  async function addService(code: string, extra: Record<string, unknown>) {
    const res = await call(p.app, 'POST', '/api/v1/services', {
      token: t['guihua.staff'],
      body: {
        areaId: guihua,
        code,
        category: 'certificate',
        name: `测试服务${code}`,
        description: '测试用的服务事项。',
        eligibility: [],
        documents: [],
        form: [],
        reviewDays: 4,
        deliveryDays: 8,
        status: 'active',
        ...extra,
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.id as number
  }

  const apply = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call(p.app, 'POST', '/api/v1/service-applications', { token, body, headers })
  const act = (token: string, id: number, body: Record<string, unknown>) =>
    call(p.app, 'POST', `/api/v1/service-applications/${id}/actions`, { token, body })
  const detail = async (token: string, id: number) =>
    (await call(p.app, 'GET', `/api/v1/service-applications/${id}`, { token })).body
  const upload = (token: string, id: number, key: string, fileName: string, data: Buffer, type = 'application/pdf') =>
    p.app.inject({
      method: 'POST',
      url: `/api/v1/service-applications/${id}/documents?key=${key}&fileName=${encodeURIComponent(fileName)}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      payload: data,
    })
  const notices = async (username: string, kind: string, reference: string) => {
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from notification n join app_user u on u.id = n.user_id
      where u.username = ${username} and n.kind = ${kind} and n.params->>'reference' = ${reference}`.execute(
      p.database.db,
    )
    return Number(rows[0]!.n)
  }
  /** A registry person of 桂花 matching `where` (owner rights). */
  async function personOfGuihua(where: string): Promise<number> {
    const { rows } = await sql<{ id: string }>`
      select pe.id from person pe join area a on a.id = pe.area_id join area c on c.id = ${guihua}
      where a.path like c.path || '%' and pe.status = 'active' and ${sql.raw(where)}
        and not exists (select 1 from service_application x join service s on s.id = x.service_id
                        where x.person_id = pe.id and s.code like 'T-%')
      order by pe.id limit 1`.execute(p.database.db)
    return Number(rows[0]!.id)
  }

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    guihua = await areaId(p, 'JZ-QH-01-01')
    for (const u of [
      'guihua.staff',
      'guihua.resident',
      'guihua.leader',
      'guihua.admin',
      'guihua.handler',
      'cuizhu.staff',
      'cuizhu.resident',
    ])
      t[u] = await tokenFor(p.app, u)
    const v = await p.database.db
      .selectFrom('resident_verification as v')
      .innerJoin('app_user as u', 'u.id', 'v.user_id')
      .select(['v.person_id', 'v.user_id'])
      .where('u.username', '=', 'guihua.resident')
      .executeTakeFirstOrThrow()
    residentPerson = Number(v.person_id)
    residentUser = v.user_id
    svc.cert = await addService('T-CERT', {
      eligibility: [
        { field: 'residence_status', op: 'in', value: ['registered'] },
        { field: 'age', op: 'gte', value: 18 },
        { field: 'area', op: 'within', value: guihua },
      ],
      documents: [
        { key: 'id_card', label: '身份证', required: true, types: ['application/pdf', 'image/jpeg'] },
        { key: 'photo', label: '照片', required: false },
      ],
      form: [
        { key: 'purpose', label: '用途', type: 'text', required: true, max: 50 },
        { key: 'copies', label: '份数', type: 'number', required: false, max: 5 },
        { key: 'pickup', label: '领取', type: 'choice', required: false, options: ['自取', '邮寄'] },
      ],
    })
    svc.elderly = await addService('T-ELDERLY', {
      category: 'elderly_care',
      eligibility: [
        { field: 'age', op: 'gte', value: 60 },
        { field: 'tags', op: 'has_any', value: ['elderly_alone'] },
        { field: 'household_size', op: 'lte', value: 30 },
      ],
    })
  })
  afterAll(async () => p?.close())

  it('refuses the ineligible naming the first failing rule and listing all of them', async () => {
    const res = await apply(t['guihua.resident'], { serviceId: svc.elderly, form: {} })
    expect(res.status).toBe(422)
    expect(res.body.error).toMatchObject({ code: 'APPLICATION_NOT_ELIGIBLE', field: 'eligibility.0' })
    expect(res.body.error.details.failed.map((f: { index: number }) => f.index)).toEqual([0, 1])
    // Household size and residence also decide: a floating resident fails the certificate's first rule.
    const floating = await personOfGuihua("pe.residence_status = 'floating' and pe.birth_date < '2000-01-01'")
    const f = await apply(t['guihua.staff'], { serviceId: svc.cert, personId: floating, form: { purpose: '开证明' } })
    expect(f.status).toBe(422)
    expect(f.body.error.field).toBe('eligibility.0')
    const big = await addService('T-SMALL-HH', { eligibility: [{ field: 'household_size', op: 'lte', value: 1 }] })
    const { rows } = await sql<{ person_id: string }>`
      select m.person_id from household_member m join area a on a.id = m.area_id join area c on c.id = ${guihua}
      where a.path like c.path || '%' and (select count(*) from household_member m2 where m2.household_id = m.household_id) >= 2
      limit 1`.execute(p.database.db)
    const hh = await apply(t['guihua.staff'], { serviceId: big, personId: Number(rows[0]!.person_id), form: {} })
    expect(hh.status).toBe(422)
    expect(hh.body.error.field).toBe('eligibility.0')
  })

  it('the eligible with tags applies at the counter; the form is checked by its fields', async () => {
    const alone = await personOfGuihua("'elderly_alone' = any (pe.tags) and pe.birth_date < '1966-01-01'")
    const ok = await apply(t['guihua.staff'], { serviceId: svc.elderly, personId: alone, form: {} })
    expect(ok.status, JSON.stringify(ok.body)).toBe(201)
    expect(ok.body).toMatchObject({ status: 'submitted', channel: 'counter', personId: alone })
    expect(ok.body.eligibility.every((r: { ok: boolean }) => r.ok)).toBe(true)
    expect(ok.body.person.idNumberMasked).toMatch(/\*/)
    const bad = async (form: Record<string, unknown>, field: string) => {
      const res = await apply(t['guihua.resident'], { serviceId: svc.cert, form })
      expect(res.status, JSON.stringify(res.body)).toBe(422)
      expect(res.body.error).toMatchObject({ code: 'APPLICATION_FORM_INVALID', field })
    }
    await bad({}, 'form.purpose')
    await bad({ purpose: 'x'.repeat(51) }, 'form.purpose')
    await bad({ purpose: '开证明', copies: 9 }, 'form.copies')
    await bad({ purpose: '开证明', pickup: '快递' }, 'form.pickup')
    await bad({ purpose: '开证明', extra: 'x' }, 'form.extra')
    // Staff cannot apply for someone outside their areas; a resident cannot name another person.
    const other = await apply(t['cuizhu.staff'], { serviceId: svc.cert, personId: alone, form: { purpose: 'x' } })
    expect(other.status).toBe(404)
    const notSelf = await apply(t['guihua.resident'], { serviceId: svc.cert, personId: alone, form: { purpose: 'x' } })
    expect(notSelf.status).toBe(404)
    const unverified = await apply(t['cuizhu.resident'], { serviceId: svc.cert, form: { purpose: 'x' } })
    expect(unverified.status).toBe(404) // 桂花's service is not on 翠竹's branch
  })

  let appId = 0
  let reference = ''
  it('applies once: idempotent retry, then one open application per person and service', async () => {
    const body = { serviceId: svc.cert, form: { purpose: '办理居住证明', copies: 2 } }
    const first = await apply(t['guihua.resident'], body, { 'idempotency-key': 'cert-1' })
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    appId = first.body.id
    reference = first.body.reference
    expect(reference).toMatch(/^FW-2026-\d{6}$/)
    expect(first.body).toMatchObject({ status: 'submitted', channel: 'portal', mine: true, person: null })
    expect(new Date(first.body.dueAt).getTime() - p.clock.now().getTime()).toBe(4 * DAY)
    expect(first.body.allowedActions).toEqual(['withdraw'])
    const retry = await apply(t['guihua.resident'], body, { 'idempotency-key': 'cert-1' })
    expect(retry.status).toBe(201)
    expect(retry.body.id).toBe(appId)
    const again = await apply(t['guihua.resident'], body)
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('APPLICATION_ALREADY_OPEN')
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from service_application where service_id = ${svc.cert} and person_id = ${residentPerson}`.execute(
      p.database.db,
    )
    expect(Number(rows[0]!.n)).toBe(1)
  })

  it('two concurrent applications for one person and service: one lands', async () => {
    const person = await personOfGuihua("pe.residence_status = 'registered' and pe.birth_date < '2000-01-01'")
    const body = { serviceId: svc.cert, personId: person, form: { purpose: '并发' } }
    const [a, b] = await Promise.all([apply(t['guihua.staff'], body), apply(t['guihua.admin'], body)])
    expect([a.status, b.status].sort()).toEqual([201, 409])
    expect([a, b].find((r) => r.status === 409)!.body.error.code).toBe('APPLICATION_ALREADY_OPEN')
  })

  it('documents: sniffed by their bytes, only the service’s keys, read only by who reads the application', async () => {
    const txt = await upload(t['guihua.resident'], appId, 'id_card', 'id.pdf', Buffer.from('just some text, not a pdf'))
    expect(txt.statusCode).toBe(422)
    expect(txt.json().error.code).toBe('ATTACHMENT_INVALID')
    const wrongKey = await upload(t['guihua.resident'], appId, 'passport', 'p.pdf', PDF)
    expect(wrongKey.statusCode).toBe(400)
    expect(wrongKey.json().error.field).toBe('key')
    const ok = await upload(t['guihua.resident'], appId, 'id_card', '身份证.pdf', PDF)
    expect(ok.statusCode, ok.body).toBe(201)
    expect(ok.json()).toMatchObject({ key: 'id_card', contentType: 'application/pdf', checked: null })
    const file = await p.app.inject({
      method: 'GET',
      url: `/api/v1/service-applications/${appId}/documents/${ok.json().id}`,
      headers: { authorization: `Bearer ${t['guihua.staff']}` },
    })
    expect(file.statusCode).toBe(200)
    expect(file.rawPayload.equals(PDF)).toBe(true)
    const stranger = await p.app.inject({
      method: 'GET',
      url: `/api/v1/service-applications/${appId}/documents/${ok.json().id}`,
      headers: { authorization: `Bearer ${t['cuizhu.staff']}` },
    })
    expect(stranger.statusCode).toBe(404)
    const residentChecks = await call(
      p.app,
      'POST',
      `/api/v1/service-applications/${appId}/documents/${ok.json().id}/check`,
      { token: t['guihua.resident'], body: { ok: true } },
    )
    expect(residentChecks.status).toBe(403)
  })

  it('a resident reading another’s application gets 404; staff of another area too', async () => {
    for (const u of ['cuizhu.resident', 'cuizhu.staff']) {
      const res = await call(p.app, 'GET', `/api/v1/service-applications/${appId}`, { token: t[u] })
      expect(res.status, u).toBe(404)
    }
    const list = await call(p.app, 'GET', '/api/v1/service-applications?pageSize=100', { token: t['cuizhu.resident'] })
    expect(list.body.items.map((i: { id: number }) => i.id)).not.toContain(appId)
    const act404 = await act(t['cuizhu.staff'], appId, { action: 'approve', version: 1 })
    expect(act404.status).toBe(404)
  })

  it('the review clock warns the staff at 75 % and escalates to the leaders at the limit, once each', async () => {
    p.clock.advance(3.1 * DAY)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    expect(await notices('guihua.staff', 'service_warning', reference)).toBe(1)
    expect(await notices('guihua.leader', 'service_overdue', reference)).toBe(0)
    p.clock.advance(1 * DAY)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    expect(await notices('guihua.leader', 'service_overdue', reference)).toBe(1)
    expect(await notices('guihua.staff', 'service_overdue', reference)).toBe(1)
    expect(await notices('guihua.staff', 'service_warning', reference)).toBe(1)
    const queue = await call(p.app, 'GET', `/api/v1/service-applications?overdue=true&areaId=${guihua}&sort=due`, {
      token: t['guihua.staff'],
    })
    expect(queue.body.items.map((i: { id: number }) => i.id)).toContain(appId)
    expect(queue.body.items.find((i: { id: number }) => i.id === appId)).toMatchObject({ overdue: true })
    expect(queue.body.items[0].applicantName).toBeTruthy()
  })

  it('approve needs each required document checked; reject needs a reason', async () => {
    const d = await detail(t['guihua.staff'], appId)
    expect(d.allowedActions).toEqual(['approve', 'reject'])
    expect(d.mayCheck).toBe(true)
    const early = await act(t['guihua.staff'], appId, { action: 'approve', version: d.version })
    expect(early.status).toBe(422)
    expect(early.body.error).toMatchObject({ code: 'APPLICATION_DOCUMENT_MISSING', field: 'documents.id_card' })
    const noReason = await act(t['guihua.staff'], appId, { action: 'reject', version: d.version })
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.field).toBe('reason')
    const byResident = await act(t['guihua.resident'], appId, { action: 'approve', version: d.version })
    expect(byResident.status).toBe(403)
    const checked = await call(
      p.app,
      'POST',
      `/api/v1/service-applications/${appId}/documents/${d.documents[0].id}/check`,
      { token: t['guihua.staff'], body: { ok: true, note: '与原件一致' } },
    )
    expect(checked.status).toBe(200)
    expect(checked.body.checked).toBe(true)
    const stale = await act(t['guihua.staff'], appId, { action: 'approve', version: d.version + 5 })
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe('APPLICATION_VERSION_CONFLICT')
    const ok = await act(t['guihua.staff'], appId, { action: 'approve', version: d.version })
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    expect(ok.body.status).toBe('approved')
    expect(new Date(ok.body.dueAt).getTime() - p.clock.now().getTime()).toBe(8 * DAY)
    expect(await notices('guihua.resident', 'service_update', reference)).toBe(1)
    // The review's timers were cancelled, the delivery's scheduled.
    const { rows } = await sql<{ stage: string; kind: string; open: boolean }>`
      select stage, kind, fired_at is null and cancelled_at is null as open from workflow_timer
      where subject_type = 'service_application' and subject_id = ${appId} order by stage, kind`.execute(p.database.db)
    expect(rows.filter((r) => r.open).map((r) => `${r.stage}.${r.kind}`)).toEqual(['delivery.due', 'delivery.warn'])
    const upload2 = await upload(t['guihua.resident'], appId, 'photo', 'p.pdf', PDF)
    expect(upload2.statusCode).toBe(409)
  })

  it('delivered, then rated once by the applicant; events, audit and notifications', async () => {
    let d = await detail(t['guihua.staff'], appId)
    const handler = await act(t['guihua.handler'], appId, { action: 'deliver', version: d.version })
    expect([403, 404]).toContain(handler.status) // the service names no department
    const del = await act(t['guihua.staff'], appId, { action: 'deliver', version: d.version, note: '已开具' })
    expect(del.status, JSON.stringify(del.body)).toBe(200)
    expect(del.body).toMatchObject({ status: 'delivered', deliveryNote: '已开具' })
    const rateByStaff = await act(t['guihua.staff'], appId, { action: 'rate', version: del.body.version, rating: 5 })
    expect(rateByStaff.status).toBe(403)
    d = await detail(t['guihua.resident'], appId)
    expect(d.allowedActions).toEqual(['rate'])
    expect(d.eligibility[0].actual).toBe('registered')
    const badRating = await act(t['guihua.resident'], appId, { action: 'rate', version: d.version, rating: 6 })
    expect(badRating.status).toBe(400)
    const rate = await act(t['guihua.resident'], appId, {
      action: 'rate',
      version: d.version,
      rating: 4,
      comment: '办得很快',
    })
    expect(rate.status, JSON.stringify(rate.body)).toBe(200)
    expect(rate.body).toMatchObject({ status: 'delivered', rating: 4, ratingComment: '办得很快', allowedActions: [] })
    const twice = await act(t['guihua.resident'], appId, { action: 'rate', version: rate.body.version, rating: 5 })
    expect(twice.status).toBe(409)
    expect(twice.body.error.code).toBe('APPLICATION_ALREADY_RATED')
    expect(rate.body.events.map((e: { action: string }) => e.action)).toEqual([
      'submit',
      'document',
      'document_accepted',
      'approve',
      'deliver',
      'rate',
    ])
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'service_application')
      .where('entity_id', '=', String(appId))
      .execute()
    expect(audit.map((a) => a.action).sort()).toEqual(
      [
        'service_application.approve',
        'service_application.deliver',
        'service_application.rate',
        'service_application.submit',
      ].sort(),
    )
    expect(await notices('guihua.resident', 'service_update', reference)).toBe(2)
    // Delivered: the delivery clock stopped.
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from workflow_timer where subject_type = 'service_application' and subject_id = ${appId}
        and fired_at is null and cancelled_at is null`.execute(p.database.db)
    expect(Number(rows[0]!.n)).toBe(0)
  })

  it('the applicant withdraws an open application; the reviewer cannot', async () => {
    const a = await apply(t['guihua.resident'], { serviceId: svc.cert, form: { purpose: '第二次' } })
    expect(a.status).toBe(201)
    const staff = await act(t['guihua.staff'], a.body.id, { action: 'withdraw', version: a.body.version })
    expect(staff.status).toBe(403)
    const w = await act(t['guihua.resident'], a.body.id, { action: 'withdraw', version: a.body.version })
    expect(w.status).toBe(200)
    expect(w.body).toMatchObject({ status: 'withdrawn', allowedActions: [] })
    const again = await act(t['guihua.resident'], a.body.id, { action: 'withdraw', version: w.body.version })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('APPLICATION_ILLEGAL_TRANSITION')
  })

  it('at the counter for a verified resident: they follow it; a rejection with its reason stops the clock', async () => {
    const a = await apply(t['guihua.staff'], {
      serviceId: svc.cert,
      personId: residentPerson,
      form: { purpose: '柜台代办' },
    })
    expect(a.status, JSON.stringify(a.body)).toBe(201)
    expect(a.body).toMatchObject({ channel: 'counter', mine: false })
    const seen = await detail(t['guihua.resident'], a.body.id)
    expect(seen).toMatchObject({ id: a.body.id, mine: true, person: null, allowedActions: ['withdraw'] })
    expect(await notices('guihua.resident', 'service_update', a.body.reference)).toBe(1)
    const r = await act(t['guihua.staff'], a.body.id, {
      action: 'reject',
      version: a.body.version,
      reason: '用途不属于居住证明的开具范围',
    })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({
      status: 'rejected',
      decisionReason: '用途不属于居住证明的开具范围',
      allowedActions: [],
    })
    expect(await notices('guihua.resident', 'service_update', a.body.reference)).toBe(2)
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from workflow_timer where subject_type = 'service_application' and subject_id = ${a.body.id}
        and fired_at is null and cancelled_at is null`.execute(p.database.db)
    expect(Number(rows[0]!.n)).toBe(0)
    // Rejected is closed: the person may apply again.
    const again = await apply(t['guihua.resident'], { serviceId: svc.cert, form: { purpose: '重新申请' } })
    expect(again.status).toBe(201)
    const w = await act(t['guihua.resident'], again.body.id, { action: 'withdraw', version: again.body.version })
    expect(w.status).toBe(200)
  })

  it('a suspended service takes no applications', async () => {
    const s = await call(p.app, 'GET', `/api/v1/services/${svc.elderly}`, { token: t['guihua.staff'] })
    await call(p.app, 'POST', `/api/v1/services/${svc.elderly}/actions`, {
      token: t['guihua.staff'],
      body: { action: 'suspend', version: s.body.version },
    })
    const alone = await personOfGuihua("'elderly_alone' = any (pe.tags) and pe.birth_date < '1966-01-01'")
    const res = await apply(t['guihua.staff'], { serviceId: svc.elderly, personId: alone, form: {} })
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('SERVICE_NOT_AVAILABLE')
  })

  it('paid in hours: the delivery spends the applicant’s balance; an overdraft is refused', async () => {
    const paid = await addService('T-PAID', {
      category: 'elderly_care',
      timeBankHours: 2,
      departmentId: (
        await p.database.db
          .selectFrom('app_user')
          .select('department_id')
          .where('username', '=', 'guihua.handler')
          .executeTakeFirstOrThrow()
      ).department_id,
    })
    // The applicant's volunteer record with 3 hours (owner rights: the volunteers part's rows).
    let vol = await p.database.db
      .selectFrom('volunteer')
      .select(['id', 'balance'])
      .where('person_id', '=', residentPerson)
      .executeTakeFirst()
    const staffUser = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.staff')
      .executeTakeFirstOrThrow()
    if (!vol) {
      const pe = await p.database.db
        .selectFrom('person')
        .select(['area_id', 'district_id'])
        .where('id', '=', residentPerson)
        .executeTakeFirstOrThrow()
      vol = await p.database.db
        .insertInto('volunteer')
        .values({
          person_id: residentPerson,
          user_id: residentUser,
          area_id: pe.area_id,
          district_id: pe.district_id,
          status: 'active',
          registered_by: staffUser.id,
          created_at: p.clock.now(),
          updated_at: p.clock.now(),
        })
        .returning(['id', 'balance'])
        .executeTakeFirstOrThrow()
    }
    const topUp = 3 - Number(vol.balance)
    if (topUp !== 0)
      await p.database.db
        .insertInto('time_bank_entry')
        .values({
          volunteer_id: vol.id,
          area_id: guihua,
          kind: 'adjusted',
          hours: topUp,
          note: 'test',
          created_by: staffUser.id,
          created_at: p.clock.now(),
        })
        .execute()
    const noHours = await apply(t['guihua.resident'], {
      serviceId: svc.cert,
      form: { purpose: 'x' },
      payWithHours: true,
    })
    expect(noHours.status).toBe(400)
    expect(noHours.body.error.field).toBe('payWithHours')

    const deliverOnce = async () => {
      const a = await apply(t['guihua.resident'], { serviceId: paid, form: {}, payWithHours: true })
      expect(a.status, JSON.stringify(a.body)).toBe(201)
      const ap = await act(t['guihua.staff'], a.body.id, { action: 'approve', version: a.body.version })
      expect(ap.status).toBe(200)
      // The delivering department's handler delivers.
      return act(t['guihua.handler'], a.body.id, { action: 'deliver', version: ap.body.version })
    }
    const first = await deliverOnce()
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    const after = await p.database.db
      .selectFrom('volunteer')
      .select('balance')
      .where('id', '=', vol.id)
      .executeTakeFirstOrThrow()
    expect(Number(after.balance)).toBe(1)
    const entry = await p.database.db
      .selectFrom('time_bank_entry')
      .select(['hours', 'kind'])
      .where('application_id', '=', first.body.id)
      .executeTakeFirstOrThrow()
    expect(entry).toMatchObject({ kind: 'spent' })
    expect(Number(entry.hours)).toBe(-2)
    // The delivering department's handlers list its applications; the resident lists their own.
    const handlerList = await call(p.app, 'GET', '/api/v1/service-applications?pageSize=100', {
      token: t['guihua.handler'],
    })
    const ids = handlerList.body.items.map((i: { id: number }) => i.id)
    expect(ids).toContain(first.body.id)
    expect(ids).not.toContain(appId)
    const own = await call(p.app, 'GET', '/api/v1/service-applications?pageSize=100', { token: t['guihua.resident'] })
    expect(own.body.items.map((i: { id: number }) => i.id)).toEqual(expect.arrayContaining([first.body.id, appId]))
    expect(own.body.items.every((i: { applicantName: string | null }) => i.applicantName === null)).toBe(true)
    const second = await deliverOnce()
    expect(second.status).toBe(422)
    expect(second.body.error.code).toBe('TIME_BANK_INSUFFICIENT')
    const still = await p.database.db
      .selectFrom('volunteer')
      .select('balance')
      .where('id', '=', vol.id)
      .executeTakeFirstOrThrow()
    expect(Number(still.balance)).toBe(1)
  })
})
