import { extractText } from 'unpdf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fireDueTimers } from '../core/scheduler.js'
import { timerHandlers } from '../main.js'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { assessRisk, type RiskRule } from './risk.js'

const DAY = 86_400_000

const rule = (
  code: string,
  factor: RiskRule['factor'],
  threshold: number,
  level: RiskRule['level'],
  active = true,
): RiskRule => ({
  id: 0,
  code,
  factor,
  threshold,
  level,
  name_zh: code,
  name_en: code,
  active,
  updated_at: new Date(0),
})

describe('risk rules', () => {
  const rules = [
    rule('people_5', 'people_involved', 5, 'medium'),
    rule('people_30', 'people_involved', 30, 'high'),
    rule('amount_100k', 'amount', 100000, 'medium'),
    rule('threat', 'threat', 1, 'urgent'),
    rule('repeat', 'repeat_petitions', 2, 'high'),
    rule('off', 'vulnerable_party', 1, 'urgent', false),
  ]
  const facts = {
    peopleInvolved: 2,
    amount: null,
    repeatPetitions: 0,
    threat: false,
    vulnerableParty: false,
    brokenAgreements: 0,
  }
  it('gives low when nothing fires', () => expect(assessRisk(rules, facts)).toEqual({ level: 'low', fired: [] }))
  it('fires at the threshold, and the highest level wins', () => {
    expect(assessRisk(rules, { ...facts, peopleInvolved: 5 })).toEqual({ level: 'medium', fired: ['people_5'] })
    expect(assessRisk(rules, { ...facts, peopleInvolved: 30, amount: 100000 })).toEqual({
      level: 'high',
      fired: ['people_5', 'people_30', 'amount_100k'],
    })
    expect(assessRisk(rules, { ...facts, threat: true, repeatPetitions: 2 }).level).toBe('urgent')
  })
  it('ignores inactive rules', () => expect(assessRisk(rules, { ...facts, vulnerableParty: true }).level).toBe('low'))
})

describe.each(backends())('disputes and petitions on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let guihua: number
  let committee: number
  let streetCommittee: number
  const as = (who: string) => t[who]!
  const act = (who: string, id: number, body: object) =>
    call(p.app, 'POST', `/api/v1/disputes/${id}/actions`, { token: as(who), body })
  const detail = (who: string, id: number) => call(p.app, 'GET', `/api/v1/disputes/${id}`, { token: as(who) })
  const parties = [
    {
      role: 'applicant',
      name: '王秀兰',
      idNumber: '110101195003070021',
      phone: '13800138000',
      address: '桂花社区3栋201',
    },
    { role: 'respondent', name: '李建国', address: '桂花社区3栋301' },
  ]
  const register = (who: string, body: object = {}) =>
    call(p.app, 'POST', '/api/v1/disputes', {
      token: as(who),
      body: {
        category: 'neighbour',
        source: 'walk_in',
        areaId: guihua,
        address: '桂花社区3栋',
        facts: '楼上住户装修漏水，导致楼下天花板受损。',
        claims: '赔偿维修费用并修复防水。',
        amount: 8000,
        peopleInvolved: 2,
        parties,
        ...body,
      },
    })

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-03-01T02:00:00Z')
    for (const u of [
      'guihua.staff',
      'guihua.mediator',
      'guihua.leader',
      'guihua.handler',
      'guihua.resident',
      'guihua.grid',
      'cuizhu.mediator',
      'cuizhu.staff',
      'admin',
    ])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
    const dept = (code: string) =>
      p.database.db.selectFrom('department').select('id').where('code', '=', code).executeTakeFirstOrThrow()
    committee = (await dept('QH-01-01-TJ')).id
    streetCommittee = (await dept('QH-01-TW')).id
  })
  afterAll(() => p?.close())

  it('starts the demo city with disputes and petitions waiting', async () => {
    const mine = await call(p.app, 'GET', '/api/v1/disputes?open=true', { token: as('guihua.mediator') })
    expect(mine.body.items.length).toBeGreaterThanOrEqual(4)
    const states = new Set(mine.body.items.map((d: any) => d.state))
    expect(states).toEqual(new Set(['registered', 'people_mediation', 'administrative_mediation']))
    const desk = await call(p.app, 'GET', '/api/v1/petitions', { token: as('guihua.staff') })
    expect(desk.body.items.map((x: any) => x.state).sort()).toEqual(['accepted', 'answered', 'received'])
    expect(desk.body.items.find((x: any) => x.state === 'received').overdue).toBe(true)
  })

  it('registers a dispute with masked parties, assesses its risk and refuses bad input naming the field', async () => {
    const r = await register('guihua.grid', { areaId: await areaId(p, 'JZ-QH-01-01-G01') })
    expect(r.status).toBe(201)
    expect(r.body.riskLevel).toBe('low')
    const d = await detail('guihua.mediator', r.body.id)
    expect(d.status).toBe(200)
    expect(d.body.state).toBe('registered')
    expect(d.body.parties[0]).toMatchObject({
      name: '王秀兰',
      idNumberMasked: '110101********0021',
      phoneMasked: '138****8000',
    })
    expect(JSON.stringify(d.body)).not.toContain('195003070021')

    const noRespondent = await register('guihua.staff', {
      parties: [parties[0], { ...parties[0], role: 'third_party' }],
    })
    expect(noRespondent.status).toBe(400)
    expect(noRespondent.body.error.field).toBe('parties')
    const badId = await register('guihua.staff', {
      parties: [{ ...parties[0], idNumber: '110101195003070022' }, parties[1]],
    })
    expect(badId.status).toBe(400)
    expect(badId.body.error.field).toBe('parties[0].idNumber')
    const resident = await register('guihua.resident')
    expect(resident.status).toBe(403)
  })

  it('warns the street’s leaders at once about a high-risk dispute, audited', async () => {
    const r = await register('guihua.staff', { peopleInvolved: 40, category: 'labour_wages', amount: 1200000 })
    expect(r.status).toBe(201)
    expect(r.body.riskLevel).toBe('high')
    expect(r.body.riskRules).toEqual(expect.arrayContaining(['people_30', 'amount_1m']))
    expect(r.body.warned).toBe(true)
    const inbox = await call(p.app, 'GET', '/api/v1/notifications', { token: as('guihua.leader') })
    expect(inbox.body.items.some((n: any) => n.kind === 'dispute_risk' && n.params.disputeId === r.body.id)).toBe(true)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'dispute')
      .where('entity_id', '=', String(r.body.id))
      .execute()
    expect(audit.map((a) => a.action)).toContain('dispute.risk_warning')
    const map = await call(p.app, 'GET', '/api/v1/disputes/map?minRisk=high', { token: as('guihua.staff') })
    expect(map.status).toBe(200)
    // The map shows only disputes with a location; this one was registered by address.
    expect(map.body.points.every((x: any) => ['high', 'urgent'].includes(x.riskLevel))).toBe(true)
    const list = await call(p.app, 'GET', '/api/v1/disputes?minRisk=high', { token: as('guihua.staff') })
    expect(list.body.items.map((x: any) => x.id)).toContain(r.body.id)

    // The mediator's judgement with a reason sets the level; the rules' level stays visible.
    await act('guihua.staff', r.body.id, { action: 'assign', committeeId: committee })
    const judged = await act('guihua.mediator', r.body.id, {
      action: 'assess_risk',
      riskLevel: 'urgent',
      comment: '当事人扬言聚集上访',
    })
    expect(judged.status).toBe(200)
    expect(judged.body.risk).toMatchObject({
      level: 'urgent',
      ruleLevel: 'high',
      judgement: 'urgent',
      reason: '当事人扬言聚集上访',
    })
    const noReason = await act('guihua.mediator', r.body.id, { action: 'assess_risk', riskLevel: 'low' })
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.field).toBe('comment')
  })

  it('keeps disputes within their area and bodies', async () => {
    const r = await register('guihua.staff')
    expect((await detail('cuizhu.mediator', r.body.id)).status).toBe(404)
    expect((await detail('cuizhu.staff', r.body.id)).status).toBe(404)
    // A department handler of the area sees no dispute its department does not mediate.
    expect((await detail('guihua.handler', r.body.id)).status).toBe(404)
    expect((await detail('guihua.resident', r.body.id)).status).toBe(403)
    const list = await call(p.app, 'GET', '/api/v1/disputes', { token: as('cuizhu.mediator') })
    expect(list.body.items.some((x: any) => x.id === r.body.id)).toBe(false)
    const write = await act('cuizhu.mediator', r.body.id, { action: 'assign', committeeId: committee })
    expect(write.status).toBe(404)
  })

  it('mediates, refuses an incomplete agreement naming the element, settles once and prints the agreement', async () => {
    const r = await register('guihua.staff')
    const id = r.body.id
    const assigned = await act('guihua.staff', id, { action: 'assign', committeeId: committee })
    expect(assigned.status).toBe(200)
    expect(assigned.body).toMatchObject({ state: 'people_mediation', level: 'people' })
    expect(assigned.body.stageDueAt).toBe(new Date(p.clock.now().getTime() + 30 * DAY).toISOString())
    const session = await call(p.app, 'POST', `/api/v1/disputes/${id}/sessions`, {
      token: as('guihua.mediator'),
      headers: { 'idempotency-key': `session-${backend}` },
      body: {
        heldAt: p.clock.now().toISOString(),
        place: '桂花社区调解室',
        attendees: ['王秀兰', '李建国'],
        record: '双方同意修复防水并赔偿。',
      },
    })
    expect(session.status).toBe(201)
    const again = await call(p.app, 'POST', `/api/v1/disputes/${id}/sessions`, {
      token: as('guihua.mediator'),
      headers: { 'idempotency-key': `session-${backend}` },
      body: {
        heldAt: p.clock.now().toISOString(),
        place: '桂花社区调解室',
        attendees: ['王秀兰', '李建国'],
        record: '双方同意修复防水并赔偿。',
      },
    })
    expect(again.body.sessions).toHaveLength(1)

    const save = (body: object) =>
      call(p.app, 'PUT', `/api/v1/disputes/${id}/agreement`, { token: as('guihua.mediator'), body })
    const draft = {
      form: 'written',
      facts: '2027年2月，李建国家装修导致楼下王秀兰家天花板渗水受损。',
      issues: '维修费用的承担。',
      responsibilities: '李建国负主要责任。',
      terms: '李建国于十五日内修复防水层，并赔偿王秀兰维修费人民币陆仟元整。',
    }
    expect((await save(draft)).status).toBe(200)
    const incomplete = await act('guihua.mediator', id, { action: 'settle' })
    expect(incomplete.status).toBe(422)
    expect(incomplete.body.error).toMatchObject({ code: 'AGREEMENT_INCOMPLETE', field: 'performanceManner' })
    expect(incomplete.body.error.details.missing).toEqual([
      'performanceManner',
      'performanceDeadline',
      'partySignatures',
      'mediatorSignature',
      'seal',
    ])
    const full = { ...draft, performanceManner: '银行转账，一次付清', performanceDeadline: '2027-03-16' }
    const saved = await save(full)
    const [a, b] = saved.body.parties
    const sign = (body: object) =>
      call(p.app, 'POST', `/api/v1/disputes/${id}/agreement/signatures`, { token: as('guihua.mediator'), body })
    expect((await sign({ signer: 'party', partyId: a.id })).status).toBe(200)
    // A changed text voids the signatures given to the old one.
    const changed = await save({ ...full, terms: `${full.terms}（修改）` })
    expect(changed.body.agreement.partySignatures).toEqual([])
    await sign({ signer: 'party', partyId: a.id })
    await sign({ signer: 'party', partyId: b.id })
    await sign({ signer: 'mediator' })
    const sealed = await sign({ signer: 'seal' })
    expect(sealed.body.agreement.missing).toEqual([])

    const [s1, s2] = await Promise.all([
      act('guihua.mediator', id, { action: 'settle', version: sealed.body.version }),
      act('guihua.mediator', id, { action: 'settle', version: sealed.body.version }),
    ])
    expect([s1.status, s2.status].sort()).toEqual([200, 409])
    const settled = s1.status === 200 ? s1 : s2
    expect(settled.body).toMatchObject({ state: 'settled', outcome: 'settled', settledLevel: 'community' })
    expect(settled.body.agreement.status).toBe('effective')
    expect(settled.body.agreement.judicial.deadline).toBe(new Date(p.clock.now().getTime() + 30 * DAY).toISOString())
    const second = await act('guihua.mediator', id, { action: 'settle' })
    expect(second.status).toBe(409)
    expect(second.body.error.code).toBe('DISPUTE_ILLEGAL_TRANSITION')

    const pdf = await p.app.inject({
      method: 'GET',
      url: `/api/v1/disputes/${id}/agreement.pdf`,
      headers: { authorization: `Bearer ${as('guihua.mediator')}` },
    })
    expect(pdf.statusCode).toBe(200)
    expect(pdf.headers['content-type']).toBe('application/pdf')
    const { text } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })
    const plain = text.replace(/\s+/g, '')
    for (const expected of [
      '人民调解协议书',
      '王秀兰',
      '李建国',
      '赔偿王秀兰维修费人民币陆仟元整',
      '银行转账，一次付清',
      '110101********0021',
    ])
      expect(plain).toContain(expected)
    expect(plain).not.toContain('草稿')
    expect(plain).not.toContain('195003070021')

    // Judicial confirmation: on time it is recorded; the reminder fires before the deadline.
    p.clock.advance(26 * DAY)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    const inbox = await call(p.app, 'GET', '/api/v1/notifications', { token: as('guihua.mediator') })
    expect(inbox.body.items.some((n: any) => n.kind === 'dispute_judicial_reminder' && n.params.disputeId === id)).toBe(
      true,
    )
    p.clock.advance(10 * DAY)
    const late = await act('guihua.staff', id, {
      action: 'record_judicial',
      judicialStatus: 'applied',
      appliedOn: '2027-04-05',
      court: '清河区人民法院',
    })
    expect(late.status).toBe(422)
    expect(late.body.error).toMatchObject({ code: 'JUDICIAL_DEADLINE_PASSED', field: 'appliedOn' })
    const onTime = await act('guihua.staff', id, {
      action: 'record_judicial',
      judicialStatus: 'applied',
      appliedOn: '2027-03-20',
      court: '清河区人民法院',
    })
    expect(onTime.status).toBe(200)
    const confirmed = await act('guihua.staff', id, {
      action: 'record_judicial',
      judicialStatus: 'confirmed',
      decidedOn: '2027-03-28',
    })
    expect(confirmed.body.agreement.judicial).toMatchObject({
      status: 'confirmed',
      court: '清河区人民法院',
      appliedOn: '2027-03-20',
      decidedOn: '2027-03-28',
    })

    // Follow-up: a closed dispute needs the agreement performed.
    expect((await act('guihua.staff', id, { action: 'close' })).status).toBe(400)
    const performed = await act('guihua.mediator', id, {
      action: 'follow_up',
      performance: 'performed',
      comment: '回访：已修复并付款。',
    })
    expect(performed.body.followUps).toHaveLength(1)
    const closed = await act('guihua.staff', id, { action: 'close' })
    expect(closed.body.state).toBe('closed')
    p.clock.set('2027-03-01T02:00:00Z')
  })

  it('escalates people’s mediation by itself at its deadline, refuses steps out of order, and reopens on a broken agreement', async () => {
    p.clock.set('2027-03-01T02:00:00Z')
    const r = await register('guihua.staff')
    const id = r.body.id
    await act('guihua.staff', id, { action: 'assign', committeeId: streetCommittee })
    const outOfOrder = await act('guihua.mediator', id, {
      action: 'refer_judicial',
      court: '清河区人民法院',
      judicialMode: 'judicial_mediation',
      comment: '跳级',
    })
    expect(outOfOrder.status).toBe(409)
    expect(outOfOrder.body.error.details.allowedActions).toContain('escalate')
    p.clock.advance(24 * DAY + 60_000)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    const warned = await call(p.app, 'GET', '/api/v1/notifications', { token: as('guihua.mediator') })
    expect(warned.body.items.some((n: any) => n.kind === 'dispute_warning' && n.params.disputeId === id)).toBe(true)
    expect((await detail('guihua.staff', id)).body.state).toBe('people_mediation')
    p.clock.advance(6 * DAY)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    const escalated = await detail('guihua.staff', id)
    expect(escalated.body).toMatchObject({ state: 'administrative_mediation', level: 'administrative' })
    expect(escalated.body.department.code).toBe('QH-01-BSC')
    expect(escalated.body.events.at(-1)).toMatchObject({
      action: 'escalate',
      actorName: 'system',
      detail: { automatic: true },
    })
    // A second run (or process) fires nothing again.
    expect(await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)).toBe(0)

    // Settled at administrative level with an oral agreement, then broken: reopened.
    await call(p.app, 'PUT', `/api/v1/disputes/${id}/agreement`, {
      token: as('guihua.staff'),
      body: {
        form: 'oral',
        facts: '漏水纠纷',
        issues: '维修费',
        responsibilities: '李建国负责',
        terms: '李建国修复',
        performanceManner: '自行修复',
        performanceDeadline: '2027-04-15',
      },
    })
    const settled = await act('guihua.staff', id, { action: 'settle' })
    expect(settled.status).toBe(403) // staff coordinate; the mediating body settles
    const byStreet = await act('guihua.mediator', id, { action: 'settle' })
    expect(byStreet.body).toMatchObject({ state: 'settled', settledLevel: 'administrative' })
    expect(byStreet.body.agreement.judicial.deadline).toBeNull()
    const broken = await act('guihua.mediator', id, {
      action: 'follow_up',
      performance: 'broken',
      comment: '回访：未修复。',
    })
    expect(broken.body).toMatchObject({
      state: 'people_mediation',
      outcome: null,
      reopenedFromAgreementId: byStreet.body.agreement.id,
    })
    expect(broken.body.risk.rules.map((x: any) => x.code)).toContain('broken_agreement')
    expect(broken.body.agreements[0].status).toBe('broken')
  })

  it('refers an event case to mediation, keeping the link on both', async () => {
    const c = await call(p.app, 'POST', '/api/v1/cases', {
      token: as('guihua.staff'),
      body: {
        categoryCode: 'ZS-02',
        areaId: await areaId(p, 'JZ-QH-01-01-G01'),
        address: '桂花社区5栋',
        description: '邻居夜间唱歌扰民，多次协商未果',
        attributes: { noise_period: 'night', noise_source: 'karaoke' },
      },
    })
    expect(c.status).toBe(201)
    const r = await register('guihua.staff', { source: 'event_case', sourceCaseId: c.body.id })
    expect(r.status).toBe(201)
    expect((await detail('guihua.staff', r.body.id)).body.sourceCase).toEqual({
      id: c.body.id,
      trackingCode: c.body.trackingCode,
    })
    const theCase = await call(p.app, 'GET', `/api/v1/cases/${c.body.id}`, { token: as('guihua.staff') })
    expect(
      theCase.body.timeline.some((e: any) => e.action === 'refer_to_mediation' && e.detail.disputeId === r.body.id),
    ).toBe(true)
  })

  it('keeps the petition limits: 15 days to decide, 60 to answer, one extension, 30 days to ask for review', async () => {
    p.clock.set('2027-05-03T02:00:00Z')
    const file = (body: object = {}) =>
      call(p.app, 'POST', '/api/v1/petitions', {
        token: as('guihua.staff'),
        body: {
          areaId: guihua,
          channel: 'visit',
          petitionerName: '赵大爷',
          idNumber: '110101195003070021',
          matter: '小区停车收费过高',
          matterKey: '停车收费',
          ...body,
        },
      })
    const first = await file()
    expect(first.status).toBe(201)
    expect(first.body.repeats).toBe(1)
    const second = await file({ channel: 'letter', idNumber: undefined })
    expect(second.body.repeats).toBe(2)
    const pact = (id: number, body: object, who = 'guihua.staff') =>
      call(p.app, 'POST', `/api/v1/petitions/${id}/actions`, { token: as(who), body })
    const one = first.body.id
    expect((await pact(one, { action: 'accept' })).body.answerDueAt).toBe(
      new Date(p.clock.now().getTime() + 60 * DAY).toISOString(),
    )
    expect((await pact(one, { action: 'extend', days: 30, comment: '需多部门会商' })).status).toBe(403) // a leader approves
    const extended = await pact(one, { action: 'extend', days: 30, comment: '需多部门会商' }, 'guihua.leader')
    expect(extended.body).toMatchObject({
      extendedDays: 30,
      answerDueAt: new Date(p.clock.now().getTime() + 90 * DAY).toISOString(),
    })
    const twice = await pact(one, { action: 'extend', days: 5, comment: '再延' }, 'guihua.leader')
    expect(twice.status).toBe(422)
    expect(twice.body.error.code).toBe('PETITION_LIMIT_PASSED')
    p.clock.advance(80 * DAY)
    const answered = await pact(one, { action: 'answer', answer: '经核查，收费标准符合物价部门核定。' })
    expect(answered.body.state).toBe('answered')
    const lateReview = await pact(one, {
      action: 'request_review',
      requestedAt: new Date(p.clock.now().getTime() + 31 * DAY).toISOString(),
    })
    expect(lateReview.status).toBe(400) // a request in the future
    p.clock.advance(31 * DAY)
    const tooLate = await pact(one, { action: 'request_review' })
    expect(tooLate.status).toBe(422)
    expect(tooLate.body.error.field).toBe('requestedAt')

    // The second: the answer limit passes without an extension.
    const two = second.body.id
    p.clock.set('2027-05-03T02:00:00Z')
    await pact(two, { action: 'accept' })
    p.clock.advance(61 * DAY)
    await fireDueTimers(p.database.db, p.clock.now(), timerHandlers)
    const leaderInbox = await call(p.app, 'GET', '/api/v1/notifications', { token: as('guihua.leader') })
    expect(leaderInbox.body.items.some((n: any) => n.kind === 'petition_overdue' && n.params.petitionId === two)).toBe(
      true,
    )
    const extendLate = await pact(two, { action: 'extend', days: 10, comment: '补延' }, 'guihua.leader')
    expect(extendLate.status).toBe(422)
    const answerLate = await pact(two, { action: 'answer', answer: '答复' })
    expect(answerLate.status).toBe(422)
    expect(answerLate.body.error).toMatchObject({ code: 'PETITION_LIMIT_PASSED', field: 'lateReason' })
    const withReason = await pact(two, { action: 'answer', answer: '答复', lateReason: '涉及多部门，协调延误' })
    expect(withReason.body.state).toBe('answered')
    // Petitions are the street office's: mediators and grid workers do not see them.
    expect((await call(p.app, 'GET', `/api/v1/petitions/${two}`, { token: as('guihua.mediator') })).status).toBe(403)

    // A petition turned into a dispute; repeated petitions weigh on its risk.
    p.clock.set('2027-05-20T02:00:00Z')
    const third = await file({ matter: '邻居占用楼道堆放杂物', matterKey: '楼道杂物' })
    const converted = await pact(third.body.id, {
      action: 'to_dispute',
      dispute: { category: 'neighbour', respondentName: '孙某' },
    })
    expect(converted.status).toBe(200)
    const dispute = await detail('guihua.staff', converted.body.disputeId)
    expect(dispute.body).toMatchObject({ source: 'petitions_office', petitionId: third.body.id })
    expect(dispute.body.parties[0]).toMatchObject({ name: '赵大爷', idNumberMasked: '110101********0021' })
    expect(dispute.body.risk.rules.map((x: any) => x.code)).toContain('repeat_petitions_2')

    // A petition about a public facility becomes an event case, linked both ways.
    const lamp = await file({ matter: '小区路灯坏了一个月无人修', matterKey: '路灯', idNumber: undefined })
    const noCase = await pact(lamp.body.id, { action: 'to_case' })
    expect(noCase.status).toBe(400)
    expect(noCase.body.error.field).toBe('case')
    const toCase = await pact(lamp.body.id, {
      action: 'to_case',
      case: { categoryCode: 'DL-03', gridId: await areaId(p, 'JZ-QH-01-01-G01'), address: '桂花苑3栋旁' },
    })
    expect(toCase.status).toBe(200)
    const theCase = await call(p.app, 'GET', `/api/v1/cases/${toCase.body.caseId}`, { token: as('guihua.staff') })
    expect(theCase.body).toMatchObject({ channel: 'hotline', description: '小区路灯坏了一个月无人修' })
    expect(
      (await pact(lamp.body.id, { action: 'to_case', case: { categoryCode: 'DL-03', gridId: 1, address: 'x' } }))
        .status,
    ).toBe(409)
  })

  it('counts the statistics of a hand-counted fixture', async () => {
    // A window of its own: 2028-01. Four disputes in Guihua: one settled in the community (5 days),
    // one settled at the street's office after escalation (12 days), one withdrawn, one open high-risk.
    p.clock.set('2028-01-03T02:00:00Z')
    const ids: number[] = []
    for (const body of [{}, { category: 'property_management' }, { source: 'grid_worker' }, { peopleInvolved: 50 }])
      ids.push((await register('guihua.staff', body)).body.id)
    const [a, b, c] = ids as [number, number, number, number]
    const oral = {
      form: 'oral',
      facts: '事实',
      issues: '争议',
      responsibilities: '责任',
      terms: '条款',
      performanceManner: '现场履行',
      performanceDeadline: '2028-02-01',
    }
    await act('guihua.staff', a, { action: 'assign', committeeId: committee })
    await act('guihua.staff', b, { action: 'assign', committeeId: committee })
    await act('guihua.staff', c, { action: 'withdraw', comment: '当事人撤回' })
    p.clock.advance(5 * DAY)
    await call(p.app, 'PUT', `/api/v1/disputes/${a}/agreement`, { token: as('guihua.mediator'), body: oral })
    await act('guihua.mediator', a, { action: 'settle' })
    await act('guihua.mediator', b, { action: 'escalate', comment: '一方拒绝调解', partyRefused: true })
    p.clock.advance(7 * DAY)
    await call(p.app, 'PUT', `/api/v1/disputes/${b}/agreement`, { token: as('guihua.mediator'), body: oral })
    await act('guihua.mediator', b, { action: 'settle' })
    await act('guihua.mediator', a, { action: 'follow_up', performance: 'performed', comment: '已履行' })
    await act('guihua.mediator', b, { action: 'follow_up', performance: 'broken', comment: '未履行' })

    const stats = await call(p.app, 'GET', `/api/v1/stats/disputes?from=2028-01-01&to=2028-01-31&areaId=${guihua}`, {
      token: as('guihua.leader'),
    })
    expect(stats.status).toBe(200)
    expect(stats.body).toMatchObject({
      total: 4,
      concluded: 2, // a settled, c withdrawn (b reopened by its broken agreement)
      settled: 1,
      settlementRate: 0.5,
      settledInCommunity: 1,
      communityShare: 1,
      averageDaysToSettle: 5,
      agreements: { effective: 2, performed: 1, broken: 1, performanceRate: 0.5 },
      judicial: { applied: 0, confirmed: 0, refused: 0 },
    })
    expect(stats.body.byCategory).toEqual([
      { key: 'neighbour', count: 3 },
      { key: 'property_management', count: 1 },
    ])
    expect(stats.body.byOutcome).toEqual([
      { key: 'open', count: 2 },
      { key: 'settled', count: 1 },
      { key: 'withdrawn', count: 1 },
    ])
    expect(stats.body.bySource).toEqual([
      { key: 'walk_in', count: 3 },
      { key: 'grid_worker', count: 1 },
    ])
    expect(stats.body.byArea).toEqual([
      { areaId: guihua, nameZh: '桂花社区', nameEn: 'Guihua Community', count: 4, settled: 1 },
    ])
    expect(stats.body.openHighRisk).toBeGreaterThanOrEqual(1)
    expect(stats.body.petitions.received).toBe(0)
    const refused = await call(p.app, 'GET', '/api/v1/stats/disputes?from=2028-01-31&to=2028-01-01', {
      token: as('guihua.leader'),
    })
    expect(refused.status).toBe(400)
    expect(refused.body.error.field).toBe('to')
    const petitionsWindow = await call(
      p.app,
      'GET',
      `/api/v1/stats/disputes?from=2027-05-01&to=2027-05-31&areaId=${guihua}`,
      {
        token: as('guihua.leader'),
      },
    )
    expect(petitionsWindow.body.petitions).toMatchObject({
      received: 4,
      decided: 2,
      decidedOnTime: 2,
      answered: 2,
      answeredOnTime: 1,
      onTimeRate: 0.5,
      extended: 1,
      repeated: 2,
    })
  })
})
