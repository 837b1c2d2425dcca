import { sql } from 'kysely'
import { between, pick } from '../core/random.js'
import type { GenerateStep } from './generate-step.js'
import type { RowValues } from './generate-sink.js'

// Disputes and petitions for the benchmark and realistic demos: `count` disputes spread over the
// history window and every grid, each with its two parties, its steps (registration, assignment,
// the outcome), its agreement when settled, and the timers of the open ones; one petition for
// every ten disputes. Outcomes follow the practice of the seeds: most disputes settle at the
// community, some at the street, fewer at the administrative or judicial level; the recent ones
// are still being mediated. Parties carry no identifiers (as if entered on the spot).

const BATCH = 5000
const DAY = 86_400_000
const CATEGORIES: [string, number][] = [
  ['neighbour', 30],
  ['family_marriage', 14],
  ['property_management', 16],
  ['labour_wages', 9],
  ['land_expropriation', 4],
  ['medical', 2],
  ['consumer', 8],
  ['traffic', 7],
  ['contract_debt', 6],
  ['other', 4],
]
const SOURCES: [string, number][] = [
  ['walk_in', 45],
  ['grid_worker', 30],
  ['event_case', 10],
  ['police', 8],
  ['court', 3],
  ['petitions_office', 4],
]
const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '霞',
  '平',
  '刚',
  '桂英',
  '建国',
  '建华',
  '志强',
  '玉兰',
  '海燕',
  '德胜',
]

const DISPUTE_COLUMNS = [
  'id',
  'reference',
  'area_id',
  'district_id',
  'location',
  'address',
  'category',
  'source',
  'facts',
  'claims',
  'amount',
  'people_involved',
  'threat',
  'state',
  'level',
  'committee_id',
  'department_id',
  'risk_rule_level',
  'risk_rules',
  'risk_level',
  'outcome',
  'settled_level',
  'stage_seq',
  'stage_due_at',
  'agreement_status',
  'judicial_status',
  'registered_at',
  'settled_at',
  'closed_at',
  'updated_at',
]
const PARTY_COLUMNS = ['dispute_id', 'area_id', 'role', 'kind', 'name', 'address', 'vulnerable', 'sort']
const EVENT_COLUMNS = ['dispute_id', 'at', 'action', 'from_state', 'to_state', 'actor_name', 'detail']
const AGREEMENT_COLUMNS = [
  'dispute_id',
  'form',
  'status',
  'facts',
  'issues',
  'responsibilities',
  'terms',
  'performance_manner',
  'performance_deadline',
  'party_signatures',
  'mediator_signed_by',
  'mediator_signed_at',
  'sealed_by',
  'sealed_at',
  'effective_at',
  'judicial_deadline',
  'judicial_status',
  'created_at',
  'updated_at',
]
const TIMER_COLUMNS = ['subject_type', 'subject_id', 'kind', 'stage', 'stage_seq', 'due_at', 'fired_at']
const PETITION_COLUMNS = [
  'reference',
  'area_id',
  'district_id',
  'channel',
  'petitioner_name',
  'person_count',
  'matter',
  'matter_key',
  'state',
  'received_at',
  'decide_due_at',
  'decided_at',
  'answer_due_at',
  'answer',
  'answered_at',
  'stage_seq',
  'updated_at',
]

function weighted<T>(rng: () => number, table: [T, number][]): T {
  const total = table.reduce((a, [, w]) => a + w, 0)
  let r = rng() * total
  for (const [v, w] of table) {
    r -= w
    if (r < 0) return v
  }
  return table[0]![0]
}

export const disputesStep: GenerateStep = {
  entity: 'disputes',
  tables: ['dispute', 'dispute_party', 'dispute_event', 'mediation_agreement', 'petition'],
  async run(ctx, total) {
    const { rng, opts, sink } = ctx
    const db = ctx.database.db
    const { rows: grids } = await sql<{
      id: number
      path: string
      xmin: number
      ymin: number
      xmax: number
      ymax: number
    }>`
      select id, path, ST_XMin(boundary) as xmin, ST_YMin(boundary) as ymin, ST_XMax(boundary) as xmax, ST_YMax(boundary) as ymax
      from area where level = 'grid' and retired_at is null order by id`.execute(db)
    if (grids.length === 0) throw new Error('no grids: seed the demo city (or import areas) first')
    const { rows: depts } = await sql<{ id: number; kind: string; path: string }>`
      select d.id, d.kind, a.path from department d join area a on a.id = d.area_id
      where d.kind in ('mediation_committee', 'street_office') order by d.id`.execute(db)
    // The committee of a grid's community, of its street, and the street office: nearest ancestor of each kind.
    const nearest = (path: string, kind: string, exact?: number) =>
      depts
        .filter(
          (d) =>
            d.kind === kind &&
            path.startsWith(d.path) &&
            (exact === undefined || d.path.split('/').length - 2 === exact),
        )
        .sort((a, b) => b.path.length - a.path.length)[0]?.id ?? null
    const bodies = new Map(
      grids.map((g) => [
        g.id,
        {
          community: nearest(g.path, 'mediation_committee', 4),
          street: nearest(g.path, 'mediation_committee', 3),
          office: nearest(g.path, 'street_office'),
        },
      ]),
    )
    const until = opts.until.getTime()
    const start = until - Math.round(opts.years * 365.25) * DAY
    const name = () => `${SURNAMES[Math.floor(rng() * SURNAMES.length)]}${pick(rng, GIVEN)}`
    let done = 0
    let events = 0
    let agreements = 0
    let timers = 0
    const states: Record<string, number> = {}
    while (done < total) {
      const n = Math.min(BATCH, total - done)
      const { rows: ids } = await sql<{
        id: number
      }>`select nextval('dispute_id_seq')::bigint as id from generate_series(1, ${n}::int)`.execute(db)
      const disputeRows: RowValues[] = []
      const partyRows: RowValues[] = []
      const eventRows: RowValues[] = []
      const agreementRows: RowValues[] = []
      const timerRows: RowValues[] = []
      for (let k = 0; k < n; k++) {
        const id = Number(ids[k]!.id)
        // Registrations grow over the window (later years busier).
        const t0 = start + Math.floor(Math.sqrt(rng()) * (until - start - 1))
        const grid = pick(rng, grids)
        const body = bodies.get(grid.id)!
        const category = weighted(rng, CATEGORIES)
        const source = weighted(rng, SOURCES)
        const r = rng()
        const people = r < 0.8 ? between(rng, 2, 4) : r < 0.97 ? between(rng, 5, 25) : between(rng, 30, 80)
        const amount = rng() < 0.4 ? null : Math.round(Math.exp(7 + 3 * rng()) * 100) / 100
        const threat = rng() < 0.01
        const vulnerable = rng() < 0.1
        const fired: string[] = []
        let risk = 0
        const fire = (code: string, level: number) => {
          fired.push(code)
          risk = Math.max(risk, level)
        }
        if (people >= 5) fire('people_5', 1)
        if (people >= 30) fire('people_30', 2)
        if (amount !== null && amount >= 100000) fire('amount_100k', 1)
        if (amount !== null && amount >= 1000000) fire('amount_1m', 2)
        if (threat) fire('threat', 3)
        if (vulnerable) fire('vulnerable', 1)
        const riskLevel = ['low', 'medium', 'high', 'urgent'][risk]!
        const age = until - t0
        const committee = people >= 30 || rng() < 0.2 ? body.street : body.community
        // Where it stands now: recent disputes are still open; older ones have an outcome.
        let state: string
        let level: string | null = 'people'
        let outcome: string | null = null
        let settledLevel: string | null = null
        let settledAt: number | null = null
        let closedAt: number | null = null
        let departmentId: number | null = null
        const o = rng()
        const settleDays = Math.max(1, Math.round(Math.exp(2 + rng()) * (committee === body.street ? 1.5 : 1)))
        if (age < 2 * DAY && rng() < 0.6) {
          state = 'registered'
          level = null
        } else if (age < settleDays * DAY) {
          state = o < 0.85 ? 'people_mediation' : 'administrative_mediation'
          if (state === 'administrative_mediation') departmentId = body.office
        } else if (o < 0.7) {
          state = age > 60 * DAY ? 'closed' : 'settled'
          outcome = 'settled'
          settledLevel = committee === body.street ? 'street' : 'community'
          settledAt = t0 + settleDays * DAY
        } else if (o < 0.82) {
          state = age > 90 * DAY ? 'closed' : 'settled'
          level = 'administrative'
          departmentId = body.office
          outcome = 'settled'
          settledLevel = 'administrative'
          settledAt = t0 + Math.min(age, (settleDays + 20) * DAY)
        } else if (o < 0.9) {
          state = 'closed'
          level = 'judicial'
          departmentId = body.office
          outcome = 'judicial'
          settledLevel = rng() < 0.5 ? 'judicial' : null
          settledAt = settledLevel ? t0 + Math.min(age, 60 * DAY) : null
        } else if (o < 0.97) {
          state = 'withdrawn'
          outcome = 'withdrawn'
        } else {
          state = 'closed'
          outcome = 'unsettled'
        }
        if (state === 'closed') closedAt = (settledAt ?? t0 + settleDays * DAY) + 30 * DAY
        if (state === 'withdrawn') closedAt = t0 + Math.min(age, settleDays * DAY)
        const open = state === 'people_mediation' || state === 'administrative_mediation'
        const due = open ? t0 + 30 * DAY * (state === 'administrative_mediation' ? 2 : 1) : null
        states[state] = (states[state] ?? 0) + 1
        // The agreement of a settled dispute: performed once closed, now and then broken, sometimes confirmed by a court.
        const agreementStatus =
          outcome === 'settled' ? (state === 'closed' ? 'performed' : rng() < 0.08 ? 'broken' : 'effective') : null
        const judicialStatus = agreementStatus !== null && rng() < 0.1 ? 'confirmed' : null
        const lng = grid.xmin + rng() * (grid.xmax - grid.xmin)
        const lat = grid.ymin + rng() * (grid.ymax - grid.ymin)
        const applicant = name()
        const respondent = rng() < 0.2 ? `江州${pick(rng, ['鑫达', '安居', '恒信', '宏远'])}有限公司` : name()
        disputeRows.push([
          id,
          `TJ${new Date(t0).getUTCFullYear()}-${String(id).padStart(7, '0')}`,
          grid.id,
          Number(grid.path.split('/').filter(Boolean)[1] ?? grid.id),
          rng() < 0.7 ? `SRID=4326;POINT(${lng} ${lat})` : null,
          `${pick(rng, ['桂花苑', '柳岸花园', '春晖新村', '明珠小区', '翠竹苑'])}${between(rng, 1, 30)}栋`,
          category,
          source,
          '双方因生活琐事发生纠纷，多次协商未果。',
          '请求依法调解。',
          amount,
          people,
          threat,
          state,
          level,
          level === null ? null : committee,
          departmentId,
          riskLevel,
          `{${fired.join(',')}}`,
          riskLevel,
          outcome,
          settledLevel,
          open ? 1 : 0,
          due === null ? null : new Date(due),
          agreementStatus,
          judicialStatus,
          new Date(t0),
          settledAt === null ? null : new Date(settledAt),
          closedAt === null ? null : new Date(closedAt),
          new Date(closedAt ?? settledAt ?? t0),
        ])
        partyRows.push(
          [id, grid.id, 'applicant', 'person', applicant, '本社区', vulnerable, 0],
          [
            id,
            grid.id,
            'respondent',
            respondent.endsWith('公司') ? 'organisation' : 'person',
            respondent,
            '本社区',
            false,
            1,
          ],
        )
        eventRows.push([id, new Date(t0), 'register', null, 'registered', 'generator', '{}'])
        events++
        if (level !== null) {
          eventRows.push([id, new Date(t0 + 3_600_000), 'assign', 'registered', 'people_mediation', 'generator', '{}'])
          events++
        }
        if (outcome !== null) {
          eventRows.push([
            id,
            new Date(closedAt ?? settledAt ?? t0),
            outcome === 'withdrawn' ? 'withdraw' : 'settle',
            'people_mediation',
            state,
            'generator',
            '{}',
          ])
          events++
        }
        if (outcome === 'settled') {
          const effective = new Date(settledAt!)
          agreementRows.push([
            id,
            rng() < 0.85 ? 'written' : 'oral',
            agreementStatus,
            '双方因生活琐事发生纠纷。',
            '赔偿与责任的承担。',
            '双方各负其责。',
            '一方赔偿另一方损失。',
            '现金一次付清',
            new Date(settledAt! + 15 * DAY).toISOString().slice(0, 10),
            '[]',
            'generator',
            effective,
            'generator',
            effective,
            effective,
            new Date(settledAt! + 30 * DAY),
            judicialStatus,
            effective,
            effective,
          ])
          agreements++
        }
        if (open && due !== null) {
          const stage = state === 'administrative_mediation' ? 'administrative' : 'people'
          const warn = t0 + 0.8 * (due - t0)
          timerRows.push(
            ['dispute', id, 'warn', stage, 1, new Date(warn), warn < until ? new Date(warn) : null],
            ['dispute', id, 'overdue', stage, 1, new Date(due), due < until ? new Date(due) : null],
          )
          timers += 2
        }
      }
      await sink.write('dispute', DISPUTE_COLUMNS, disputeRows)
      await sink.write('dispute_party', PARTY_COLUMNS, partyRows)
      await sink.write('dispute_event', EVENT_COLUMNS, eventRows)
      await sink.write('mediation_agreement', AGREEMENT_COLUMNS, agreementRows)
      await sink.write('workflow_timer', TIMER_COLUMNS, timerRows)
      done += n
      ctx.progress(done)
    }

    // One petition for every ten disputes, most answered in time, some late or still open.
    const petitions = Math.floor(total / 10)
    const petitionRows: RowValues[] = []
    const matters = ['电梯维修', '停车收费', '老旧小区改造', '噪声扰民', '物业服务', '拆迁补偿']
    let written = 0
    for (let i = 0; i < petitions; i++) {
      const grid = pick(rng, grids)
      const t0 = start + Math.floor(Math.sqrt(rng()) * (until - start - 1))
      const age = until - t0
      const decided = age > 15 * DAY || rng() < 0.5 ? t0 + between(rng, 1, 17) * DAY : null
      const answered = decided !== null && age > 70 * DAY ? decided + between(rng, 10, 66) * DAY : null
      const matter = pick(rng, matters)
      petitionRows.push([
        `XF${new Date(t0).getUTCFullYear()}-G${String(i + 1).padStart(7, '0')}`,
        grid.id,
        Number(grid.path.split('/').filter(Boolean)[1] ?? grid.id),
        pick(rng, ['letter', 'visit', 'online', 'phone']),
        name(),
        between(rng, 1, 3),
        `反映${matter}问题。`,
        matter,
        answered !== null ? 'answered' : decided !== null ? 'accepted' : 'received',
        new Date(t0),
        new Date(t0 + 15 * DAY),
        decided === null ? null : new Date(decided),
        decided === null ? null : new Date(decided + 60 * DAY),
        answered === null ? null : '已答复。',
        answered === null ? null : new Date(answered),
        1,
        new Date(answered ?? decided ?? t0),
      ])
      if (petitionRows.length === BATCH || i === petitions - 1) {
        await sink.write('petition', PETITION_COLUMNS, petitionRows.splice(0))
        written = i + 1
      }
    }
    return {
      rows: {
        dispute: done,
        dispute_party: 2 * done,
        dispute_event: events,
        mediation_agreement: agreements,
        workflow_timer: timers,
        petition: written,
      },
      detail: { states },
    }
  },
}
