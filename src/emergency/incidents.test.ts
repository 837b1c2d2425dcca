import { sql } from 'kysely'
import { extractText } from 'unpdf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { maskName } from './report.js'

const MIN = 60_000

describe('masked names', () => {
  it('keep the family name only', () => {
    expect(maskName('张三')).toBe('张*')
    expect(maskName('欧阳娜娜')).toBe('欧***')
    expect(maskName('李')).toBe('*')
  })
})

describe.each(backends())('incidents on %s', (backend) => {
  let p: TestPlatform
  let guihua: number
  let cuizhu: number
  const grids: number[] = []
  let cuizhuGrid = 0
  const t: Record<string, string> = {}
  const users: Record<string, number> = {}
  let heat = 0

  const declare = (token: string, body: Record<string, unknown>) =>
    call(p.app, 'POST', '/api/v1/incidents', { token, body })
  const tags = ['elderly_alone', 'disabled', 'left_behind_child', 'low_income']
  const defaults = ['elderly_alone', 'disabled', 'left_behind_child', 'key_care', 'pregnant']
  const heatwave = (extra: Record<string, unknown> = {}) => ({
    areaId: guihua,
    kind: 'heatwave',
    level: 3,
    title: '高温橙色预警：测试响应',
    description: '持续高温，检查独居老人。',
    ...extra,
  })

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-07-10T02:00:00Z')
    guihua = await areaId(p, 'JZ-QH-01-01')
    cuizhu = await areaId(p, 'JZ-QH-02-01')
    for (const g of ['G01', 'G02', 'G03']) grids.push(await areaId(p, `JZ-QH-01-01-${g}`))
    cuizhuGrid = await areaId(p, 'JZ-QH-02-01-G01')
    for (const u of [
      'guihua.staff',
      'guihua.leader',
      'guihua.grid',
      'guihua.resident',
      'guihua.admin',
      'cuizhu.grid',
      'cuizhu.staff',
      'admin',
    ]) {
      t[u] = await tokenFor(p.app, u)
    }
    const rows = await p.database.db.selectFrom('app_user').select(['id', 'username']).execute()
    for (const r of rows) users[r.username] = r.id
  })
  afterAll(async () => {
    await p?.close()
  })

  it('the demo city has the heatwave, the closed flood drill and the rainstorm', async () => {
    const demo = await p.database.db
      .selectFrom('incident as i')
      .innerJoin('area as a', 'a.id', 'i.area_id')
      .select(['i.id', 'a.code', 'i.kind', 'i.status', 'i.drill', 'i.level', 'i.title', 'i.summary', 'i.commander_id'])
      .where('i.declared_by', 'in', [users['guihua.leader']!, users['cuizhu.staff']!])
      .orderBy('i.id')
      .execute()
    const heatDemo = demo.find((i) => i.kind === 'heatwave' && i.code === 'JZ-QH-01-01' && i.status === 'active')
    expect(heatDemo).toMatchObject({ level: 3, drill: false, title: '高温橙色预警：桂花社区高温应急响应' })
    expect(heatDemo!.commander_id).toBe(users['guihua.leader'])
    const d = (await call(p.app, 'GET', `/api/v1/incidents/${heatDemo!.id}`, { token: t['guihua.grid'] })).body
    expect(d.grids.map((g: { code: string }) => g.code)).toEqual([
      'JZ-QH-01-01-G01',
      'JZ-QH-01-01-G02',
      'JZ-QH-01-01-G03',
    ])
    // The map: the three grids, and the shelters of 桂花 and the heatwave's placed tasks as markers.
    const map = await call(p.app, 'GET', `/api/v1/incidents/${heatDemo!.id}/map`, { token: t['guihua.staff'] })
    expect(map.body.features).toHaveLength(3)
    const { rows: shelters } = await sql<{ id: number }>`
      select s.id from emergency_shelter s join area a on a.id = s.area_id
      where a.path like (select path from area where code = 'JZ-QH-01-01') || '%' order by s.id`.execute(p.database.db)
    const { rows: placed } = await sql<{ id: number }>`
      select id from incident_task where incident_id = ${heatDemo!.id} and location is not null and status <> 'cancelled'
      order by id`.execute(p.database.db)
    expect(shelters.length).toBeGreaterThan(0)
    const markers = map.body.markers as { kind: string; id: number }[]
    expect(markers.filter((m) => m.kind === 'shelter').map((m) => m.id)).toEqual(shelters.map((r) => Number(r.id)))
    expect(markers.filter((m) => m.kind === 'task').map((m) => m.id)).toEqual(placed.map((r) => Number(r.id)))
    const drillDemo = demo.find((i) => i.kind === 'flood' && i.drill && i.status === 'closed')
    expect(drillDemo?.summary).toContain('演练按预案完成')
    expect(demo.some((i) => i.kind === 'rainstorm' && i.code === 'JZ-QH-02-01' && i.status === 'active')).toBe(true)
    const pdf = await p.app.inject({
      method: 'GET',
      url: `/api/v1/incidents/${drillDemo!.id}/report`,
      headers: { authorization: `Bearer ${t['guihua.leader']}` },
    })
    const { text } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })
    const flat = text.replace(/\s+/g, '')
    expect(flat).toContain('【演练DRILL】')
    expect(flat).toContain('Ⅳ级→Ⅲ级')
    expect(flat).toContain('重点人员无法联系，已升级至指挥长')
  })

  it('declares by grids: check list built at once (a direct count), logged, audited, responders told', async () => {
    const res = await declare(t['guihua.staff']!, heatwave({ gridIds: grids, checkTags: tags }))
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const d = res.body
    heat = d.id
    expect(d.reference).toMatch(/^YJ-2027-\d{6}$/)
    expect(d.status).toBe('active')
    expect(d.drill).toBe(false)
    expect(d.commanderId).toBe(users['guihua.staff'])
    expect(d.commands).toBe(true)
    expect(d.grids.map((g: { id: number }) => g.id).sort()).toEqual([...grids].sort())
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from person
      where area_id = any(${grids}::int[]) and status = 'active' and tags && ${tags}::text[]`.execute(p.database.db)
    expect(rows[0]!.n).toBeGreaterThan(0)
    expect(d.counts.checksTotal).toBe(rows[0]!.n)
    expect(d.counts.checksPending).toBe(rows[0]!.n)
    const log = await call(p.app, 'GET', `/api/v1/incidents/${heat}/log`, { token: t['guihua.staff'] })
    expect(log.body.items[0].kind).toBe('declared')
    expect(log.body.items[0].message).toContain(`核查名单${rows[0]!.n}人`)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', '=', 'incident')
      .where('entity_id', '=', String(heat))
      .execute()
    expect(audit.map((a) => a.action)).toContain('incident.declare')
    const told = await p.database.db
      .selectFrom('notification')
      .select(['user_id', 'params'])
      .where('kind', '=', 'incident_update')
      .where('user_id', '=', users['guihua.grid']!)
      .execute()
    expect(told.some((n) => (n.params as { incidentId: number; event: string }).incidentId === heat)).toBe(true)
    // The list shows it to A's staff, not to B's.
    const list = await call(p.app, 'GET', '/api/v1/incidents?status=active', { token: t['guihua.grid'] })
    expect(list.body.items.map((i: { id: number }) => i.id)).toContain(heat)
    const other = await call(p.app, 'GET', '/api/v1/incidents', { token: t['cuizhu.staff'] })
    expect(other.body.items.map((i: { id: number }) => i.id)).not.toContain(heat)
  })

  it('declares by a drawn polygon: the grids it covers; an invalid polygon is refused naming affected', async () => {
    const { rows } = await sql<{ g: { coordinates: number[][][] } }>`
      select ST_AsGeoJSON(ST_Envelope(ST_Buffer(ST_PointOnSurface(boundary), 0.0001)))::json as g
      from area where id = ${grids[1]!}`.execute(p.database.db)
    const square = rows[0]!.g
    const res = await declare(
      t['guihua.staff']!,
      heatwave({
        kind: 'gas_leak',
        level: 2,
        title: '燃气泄漏',
        affected: { type: 'Polygon', coordinates: square.coordinates },
      }),
    )
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.grids.map((g: { id: number }) => g.id)).toEqual([grids[1]])
    expect(res.body.drawn).toBe(true)
    // The default tags: a direct count of the grid's people carrying one.
    const direct = await sql<{ n: number }>`
      select count(*)::int as n from person where area_id = ${grids[1]!} and status = 'active' and tags && ${defaults}::text[]`.execute(
      p.database.db,
    )
    expect(res.body.checkTags).toEqual(defaults)
    expect(res.body.counts.checksTotal).toBe(direct.rows[0]!.n)
    const map = await call(p.app, 'GET', `/api/v1/incidents/${res.body.id}/map`, { token: t['guihua.staff'] })
    expect(map.status).toBe(200)
    expect(map.body.features.map((f: { properties: { kind: string } }) => f.properties.kind).sort()).toEqual([
      'affected',
      'grid',
    ])
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [120, 30],
          [120.01, 30.01],
          [120.01, 30],
          [120, 30.01],
          [120, 30],
        ],
      ],
    }
    const bad = await declare(t['guihua.staff']!, heatwave({ affected: bowtie }))
    expect(bad.status).toBe(422)
    expect(bad.body.error.field).toBe('affected')
    // Far away: covers no grid of the area.
    const far = await declare(
      t['guihua.staff']!,
      heatwave({
        affected: {
          type: 'Polygon',
          coordinates: [
            [
              [10, 10],
              [10.01, 10],
              [10.01, 10.01],
              [10, 10],
            ],
          ],
        },
      }),
    )
    expect(far.status).toBe(422)
    expect(far.body.error).toMatchObject({ code: 'INCIDENT_GRIDS_INVALID', field: 'affected' })
    const neither = await declare(t['guihua.staff']!, heatwave())
    expect(neither.status).toBe(400)
    const blank = await declare(t['guihua.staff']!, heatwave({ gridIds: grids, title: '  x ' }))
    expect(blank.status).toBe(400)
    expect(blank.body.error.field).toBe('title')
  })

  it('refuses grids outside the area, a commander without rights, and callers without rights', async () => {
    const outside = await declare(t['guihua.staff']!, heatwave({ gridIds: [grids[0], cuizhuGrid] }))
    expect(outside.status).toBe(422)
    expect(outside.body.error).toMatchObject({ code: 'INCIDENT_GRIDS_INVALID', field: 'gridIds' })
    for (const who of ['guihua.grid', 'cuizhu.staff']) {
      const res = await declare(t['guihua.staff']!, heatwave({ gridIds: grids, commanderId: users[who] }))
      expect(res.status, who).toBe(422)
      expect(res.body.error).toMatchObject({ code: 'INCIDENT_COMMANDER_INVALID', field: 'commanderId' })
    }
    const leader = await declare(
      t['guihua.staff']!,
      heatwave({ gridIds: [grids[0]], commanderId: users['guihua.leader'] }),
    )
    expect(leader.status).toBe(201)
    expect(leader.body.commanderName).not.toBe('')
    expect((await declare(t['guihua.grid']!, heatwave({ gridIds: grids }))).status).toBe(403)
    expect((await declare(t['guihua.resident']!, heatwave({ gridIds: grids }))).status).toBe(403)
    expect((await declare(t['cuizhu.staff']!, heatwave({ gridIds: grids }))).status).toBe(403)
    // A case the caller cannot read is refused.
    const fromCase = await declare(
      t['guihua.staff']!,
      heatwave({ gridIds: grids, source: { kind: 'case', ref: 'NO-SUCH-CASE' } }),
    )
    expect(fromCase.status).toBe(404)
    expect(fromCase.body.error.field).toBe('source.ref')
  })

  it('changes the level only with a reason (audited, logged); the same level is refused', async () => {
    const none = await call(p.app, 'POST', `/api/v1/incidents/${heat}/level`, {
      token: t['guihua.staff'],
      body: { level: 2 },
    })
    expect(none.status).toBe(400)
    expect(none.body.error.field).toBe('reason')
    const same = await call(p.app, 'POST', `/api/v1/incidents/${heat}/level`, {
      token: t['guihua.staff'],
      body: { level: 3, reason: '没有变化' },
    })
    expect(same.status).toBe(422)
    expect(same.body.error).toMatchObject({ code: 'INCIDENT_LEVEL_UNCHANGED', field: 'level' })
    const byGrid = await call(p.app, 'POST', `/api/v1/incidents/${heat}/level`, {
      token: t['guihua.grid'],
      body: { level: 2, reason: '气温再升' },
    })
    expect(byGrid.status).toBe(403)
    p.clock.advance(30 * MIN)
    const ok = await call(p.app, 'POST', `/api/v1/incidents/${heat}/level`, {
      token: t['guihua.leader'],
      body: { level: 2, reason: '最高气温达到40℃' },
    })
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    expect(ok.body.level).toBe(2)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('action', '=', 'incident.level')
      .where('entity_id', '=', String(heat))
      .execute()
    expect(audit).toHaveLength(1)
    expect(audit[0]!.detail).toMatchObject({ from: 3, to: 2, reason: '最高气温达到40℃' })
    const log = await call(p.app, 'GET', `/api/v1/incidents/${heat}/log`, { token: t['guihua.grid'] })
    const entry = log.body.items.find((l: { kind: string }) => l.kind === 'level_changed')
    expect(entry.message).toContain('最高气温达到40℃')
    expect(entry.message).toContain('Ⅲ级提升为Ⅱ级')
  })

  it('edits with the version read; adds grids and the check list grows', async () => {
    const d = (await call(p.app, 'GET', `/api/v1/incidents/${heat}`, { token: t['guihua.staff'] })).body
    const stale = await call(p.app, 'PUT', `/api/v1/incidents/${heat}`, {
      token: t['guihua.staff'],
      body: { version: d.version - 1, title: '过期的修改' },
    })
    expect(stale.status).toBe(409)
    const ok = await call(p.app, 'PUT', `/api/v1/incidents/${heat}`, {
      token: t['guihua.staff'],
      body: { version: d.version, title: '高温响应（更新）', commanderId: users['guihua.leader'] },
    })
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    expect(ok.body.title).toBe('高温响应（更新）')
    expect(ok.body.commanderId).toBe(users['guihua.leader'])
    const more = [await areaId(p, 'JZ-QH-01-01-G04'), await areaId(p, 'JZ-QH-01-01-G05')]
    const before = ok.body.counts.checksTotal
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from person where area_id = any(${more}::int[]) and status = 'active'
        and tags && ${tags}::text[]`.execute(p.database.db)
    expect(rows[0]!.n).toBeGreaterThan(0)
    const added = await call(p.app, 'POST', `/api/v1/incidents/${heat}/grids`, {
      token: t['guihua.staff'],
      body: { gridIds: more },
    })
    expect(added.status, JSON.stringify(added.body)).toBe(200)
    expect(added.body.grids).toHaveLength(5)
    expect(added.body.counts.checksTotal).toBe(before + rows[0]!.n)
    const log = await call(p.app, 'GET', `/api/v1/incidents/${heat}/log`, { token: t['guihua.staff'] })
    expect(log.body.items.at(-1)).toMatchObject({
      kind: 'grids_added',
      message: `增加2个网格，核查名单新增${rows[0]!.n}人`,
    })
    const wrong = await call(p.app, 'POST', `/api/v1/incidents/${heat}/grids`, {
      token: t['guihua.staff'],
      body: { gridIds: [cuizhuGrid] },
    })
    expect(wrong.status).toBe(422)
  })

  it('RLS: a grid worker of 翠竹 and a resident do not see a 桂花 incident', async () => {
    for (const who of ['cuizhu.grid', 'cuizhu.staff', 'guihua.resident']) {
      for (const path of ['', '/map', '/log', '/report']) {
        const res = await call(p.app, 'GET', `/api/v1/incidents/${heat}${path}`, { token: t[who] })
        expect(res.status, `${who} ${path}`).toBe(404)
      }
    }
    const note = await call(p.app, 'POST', `/api/v1/incidents/${heat}/log`, {
      token: t['cuizhu.grid'],
      body: { message: '不该写进去' },
    })
    expect(note.status).toBe(404)
    // Enrolled as a responder (the response part's enrolment, written directly), the resident sees it.
    await p.database.db
      .insertInto('incident_responder')
      .values({
        incident_id: heat,
        user_id: users['guihua.resident']!,
        added_by: users['guihua.staff']!,
        added_at: p.clock.now(),
      })
      .execute()
    const mine = await call(p.app, 'GET', '/api/v1/incidents', { token: t['guihua.resident'] })
    // Theirs only: the incidents they are enrolled in (the demo may enrol them in its heatwave too).
    const enrolled = await p.database.db
      .selectFrom('incident_responder')
      .select('incident_id')
      .where('user_id', '=', users['guihua.resident']!)
      .execute()
    expect(mine.body.items.map((i: { id: number }) => i.id).sort()).toEqual(
      enrolled.map((e) => Number(e.incident_id)).sort(),
    )
    expect(mine.body.items.map((i: { id: number }) => i.id)).toContain(heat)
    const seen = await call(p.app, 'GET', `/api/v1/incidents/${heat}`, { token: t['guihua.resident'] })
    expect(seen.status).toBe(200)
    expect(seen.body.commands).toBe(false)
    expect(seen.body.allowedActions).toEqual([])
    const level = await call(p.app, 'POST', `/api/v1/incidents/${heat}/level`, {
      token: t['guihua.resident'],
      body: { level: 1, reason: '居民无权调整' },
    })
    expect(level.status).toBe(403)
  })

  it('the report carries the real figures; close needs a summary, then refuses every change', async () => {
    const now = p.clock.now()
    const declaredAt = (
      await p.database.db.selectFrom('incident').select('declared_at').where('id', '=', heat).executeTakeFirstOrThrow()
    ).declared_at
    // Three people reached at 20, 40 and 90 minutes; one unreachable (escalated).
    const checks = await p.database.db
      .selectFrom('incident_check')
      .innerJoin('person', 'person.id', 'incident_check.person_id')
      .select(['incident_check.id', 'incident_check.area_id', 'incident_check.person_id', 'person.name'])
      .where('incident_id', '=', heat)
      .orderBy('incident_check.id')
      .limit(4)
      .execute()
    expect(checks.length).toBe(4)
    const at = (m: number) => new Date(declaredAt.getTime() + m * MIN)
    for (const [i, m] of [20, 40, 90].entries()) {
      await p.database.db
        .updateTable('incident_check')
        .set({ status: 'safe', reached_at: at(m), observed_at: at(m), updated_at: at(m) })
        .where('id', '=', checks[i]!.id)
        .execute()
    }
    await p.database.db
      .updateTable('incident_check')
      .set({ status: 'unreachable', escalated_at: now, updated_at: now })
      .where('id', '=', checks[3]!.id)
      .execute()
    await p.database.db
      .insertInto('workflow_timer')
      .values({
        subject_type: 'incident_check',
        subject_id: checks[3]!.id,
        kind: 'escalate',
        stage: 'unreachable',
        stage_seq: 1,
        due_at: new Date(now.getTime() + 60 * MIN),
      })
      .execute()
    // An alert to the four: two sent (one acknowledged), one failed, one unreachable.
    const district = await areaId(p, 'JZ-QH')
    const alert = await p.database.db
      .insertInto('incident_alert')
      .values({
        incident_id: heat,
        template: 'warning',
        grid_ids: grids,
        drill: false,
        status: 'done',
        recipients: 4,
        created_by: users['guihua.staff']!,
        created_at: at(5),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const statuses = ['sent', 'sent', 'failed', 'unreachable'] as const
    await p.database.db
      .insertInto('incident_alert_recipient')
      .values(
        checks.map((c, i) => ({
          alert_id: alert.id,
          incident_id: heat,
          person_id: c.person_id,
          area_id: c.area_id,
          district_id: district,
          sms: true,
          status: statuses[i]!,
          next_attempt_at: at(5),
          sent_at: statuses[i] === 'sent' ? at(6) : null,
          acknowledged_at: i === 0 ? at(8) : null,
        })),
      )
      .execute()

    const noSummary = await call(p.app, 'POST', `/api/v1/incidents/${heat}/close`, {
      token: t['guihua.leader'],
      body: {},
    })
    expect(noSummary.status).toBe(400)
    const blank = await call(p.app, 'POST', `/api/v1/incidents/${heat}/close`, {
      token: t['guihua.leader'],
      body: { summary: '   ' },
    })
    expect(blank.status).toBe(400)
    const note = await call(p.app, 'POST', `/api/v1/incidents/${heat}/log`, {
      token: t['guihua.grid'],
      body: { message: '三号楼已全部敲门' },
    })
    expect(note.status).toBe(201)
    expect(note.body.kind).toBe('note')
    p.clock.advance(3 * 60 * MIN)
    const closed = await call(p.app, 'POST', `/api/v1/incidents/${heat}/close`, {
      token: t['guihua.leader'],
      body: { summary: '高温过程结束，重点人员均已联系，一人送医。' },
    })
    expect(closed.status, JSON.stringify(closed.body)).toBe(200)
    expect(closed.body.status).toBe('closed')
    expect(closed.body.allowedActions).toEqual([])
    const timer = await p.database.db
      .selectFrom('workflow_timer')
      .select('cancelled_at')
      .where('subject_type', '=', 'incident_check')
      .where('subject_id', '=', checks[3]!.id)
      .executeTakeFirstOrThrow()
    expect(timer.cancelled_at).not.toBeNull()
    for (const [method, path, body] of [
      ['POST', '/level', { level: 1, reason: '再升级' }],
      ['POST', '/close', { summary: '再关一次' }],
      ['PUT', '', { version: closed.body.version, title: '关闭后修改' }],
      ['POST', '/grids', { gridIds: [grids[0]] }],
      ['POST', '/log', { message: '关闭后的记录' }],
    ] as const) {
      const res = await call(p.app, method, `/api/v1/incidents/${heat}${path}`, { token: t['guihua.leader'], body })
      expect(res.status, path).toBe(409)
      expect(res.body.error.code).toBe('INCIDENT_CLOSED')
    }

    const pdf = await p.app.inject({
      method: 'GET',
      url: `/api/v1/incidents/${heat}/report`,
      headers: { authorization: `Bearer ${t['guihua.staff']}` },
    })
    expect(pdf.statusCode).toBe(200)
    expect(pdf.headers['content-type']).toContain('application/pdf')
    const { text } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })
    const flat = text.replace(/\s+/g, '')
    expect(flat).toContain('应急处置总结报告')
    expect(flat).toContain('高温过程结束，重点人员均已联系，一人送医。')
    expect(flat).toContain('对象4人，已送达2，失败1，无法送达1，已确认1')
    expect(flat).toContain('已联系到3人；中位数40分钟，90%分位90分钟，最长90分钟')
    expect(flat).toContain(maskName(checks[0]!.name))
    expect(flat).not.toContain(checks[0]!.name.length > 1 ? checks[0]!.name : '不可能的名字')
    expect(flat).toContain('Ⅲ级→Ⅱ级')
    expect(flat).toContain('最高气温达到40℃')
    expect(flat).toContain('三号楼已全部敲门')
    expect(flat).toMatch(/已升级1/)
    expect(flat).not.toContain('演练')
  })

  it('keeps drills apart in the statistics and marks every page of a drill report', async () => {
    const drill = await declare(
      t['guihua.staff']!,
      heatwave({ kind: 'flood', level: 4, title: '防汛演练', gridIds: [grids[0]], drill: true }),
    )
    expect(drill.status).toBe(201)
    expect(drill.body.drill).toBe(true)
    const stats = await call(p.app, 'GET', `/api/v1/incidents/stats?areaId=${guihua}`, { token: t['guihua.staff'] })
    expect(stats.status, JSON.stringify(stats.body)).toBe(200)
    const { rows } = await sql<{ drill: boolean; n: number }>`
      select i.drill, count(*)::int as n from incident i join area a on a.id = i.area_id
      where a.path like (select path from area where id = ${guihua}) || '%' group by i.drill`.execute(p.database.db)
    expect(stats.body.real.incidents).toBe(rows.find((r) => !r.drill)?.n ?? 0)
    expect(stats.body.drills.incidents).toBe(rows.find((r) => r.drill)?.n ?? 0)
    expect(stats.body.drills.byKind.find((k: { kind: string }) => k.kind === 'flood').count).toBeGreaterThanOrEqual(1)
    expect(stats.body.real.byKind.find((k: { kind: string }) => k.kind === 'flood')).toBeUndefined()
    expect(stats.body.real.alertsSent).toBeGreaterThanOrEqual(2)
    expect(stats.body.real.reached).toBeGreaterThanOrEqual(3)
    // 翠竹's staff see none of 桂花's.
    const other = await call(p.app, 'GET', `/api/v1/incidents/stats?areaId=${cuizhu}`, { token: t['guihua.staff'] })
    expect(other.body.real.incidents + other.body.drills.incidents).toBe(0)
    expect((await call(p.app, 'GET', '/api/v1/incidents/stats', { token: t['guihua.resident'] })).status).toBe(403)
    // The drill's report: a long log so it runs to more than one page, DRILL on each.
    for (let i = 0; i < 60; i++)
      await call(p.app, 'POST', `/api/v1/incidents/${drill.body.id}/log`, {
        token: t['guihua.staff'],
        body: { message: `演练记录第${i + 1}条：各组按预案到位。` },
      })
    const page2 = await call(p.app, 'GET', `/api/v1/incidents/${drill.body.id}/log`, { token: t['guihua.staff'] })
    expect(page2.body.items).toHaveLength(50)
    expect(page2.body.nextAfter).not.toBeNull()
    const rest = await call(p.app, 'GET', `/api/v1/incidents/${drill.body.id}/log?after=${page2.body.nextAfter}`, {
      token: t['guihua.staff'],
    })
    expect(rest.body.items).toHaveLength(11)
    expect(rest.body.nextAfter).toBeNull()
    const pdf = await p.app.inject({
      method: 'GET',
      url: `/api/v1/incidents/${drill.body.id}/report`,
      headers: { authorization: `Bearer ${t['guihua.staff']}` },
    })
    const { text, totalPages } = await extractText(new Uint8Array(pdf.rawPayload))
    expect(totalPages).toBeGreaterThan(1)
    for (const page of text) expect(page.replace(/\s+/g, '')).toContain('【演练DRILL】')
  })
})
