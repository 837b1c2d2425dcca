import type { Db, Tx } from '../core/db.js'
import { asSystem, type RequestContext, type Role } from '../core/scope.js'
import { decideSanction, fileAppeal, proposeSanction } from './assessment-appeals.js'
import { createRun, createScheme, previousMonth, publishRun, runScores, type Kpi } from './assessment.js'

// The demo's assessment: a KPI scheme per unit type over the district (seeded with the city), and
// once the year of case history is in, last month scored and published for each, a commendation
// approved for the best community, a deduction proposed for the last department (waiting for the
// district leader), and 桂花's staff appealing their community's score (open, for the leader).

const kpi = (
  code: string,
  nameZh: string,
  nameEn: string,
  formula: string,
  weight: number,
  target: number,
  floor: number,
  direction: 'higher' | 'lower' = 'higher',
  rule: 'linear' | 'step' = 'linear',
): Kpi => ({ code, nameZh, nameEn, formula, weight, target, floor, direction, rule })

const schemes: {
  unitType: 'department' | 'street' | 'community' | 'grid_worker'
  nameZh: string
  nameEn: string
  kpis: Kpi[]
}[] = [
  {
    unitType: 'department',
    nameZh: '职能部门月度考核',
    nameEn: 'Monthly assessment of departments',
    kpis: [
      kpi('ontime', '按期结案率', 'On-time closure', 'onTimeClosureRate', 35, 0.95, 0.6),
      kpi('satisfaction', '满意率', 'Satisfaction', 'satisfactionRate', 30, 0.95, 0.6),
      kpi('response', '响应率', 'Response', 'responseRate', 15, 0.95, 0.6),
      kpi('rework', '返工率', 'Rework', 'reworkRate', 10, 0.05, 0.3, 'lower'),
      kpi('returns', '退单率', 'Returns', 'returnRate', 10, 0.02, 0.2, 'lower'),
    ],
  },
  {
    unitType: 'street',
    nameZh: '街道月度考核',
    nameEn: 'Monthly assessment of streets',
    kpis: [
      kpi('closure', '结案率', 'Closure', 'closureRate', 30, 0.95, 0.6),
      kpi('ontime', '按期结案率', 'On-time closure', 'onTimeClosureRate', 30, 0.95, 0.6),
      kpi('satisfaction', '满意率', 'Satisfaction', 'satisfactionRate', 25, 0.95, 0.6),
      kpi('resolution', '解决率', 'Resolution', 'resolutionRate', 15, 0.9, 0.5),
    ],
  },
  {
    unitType: 'community',
    nameZh: '社区月度考核',
    nameEn: 'Monthly assessment of communities',
    kpis: [
      kpi('response', '响应率', 'Response', 'responseRate', 25, 0.95, 0.6),
      kpi('satisfaction', '满意率', 'Satisfaction', 'satisfactionRate', 35, 0.95, 0.6),
      kpi('ontime', '按期结案率', 'On-time closure', 'onTimeClosureRate', 25, 0.95, 0.6),
      kpi('proactive', '未诉先办占比', 'Proactive share', 'proactive / max(total, 1)', 15, 0.3, 0),
    ],
  },
  {
    unitType: 'grid_worker',
    nameZh: '网格员月度考核',
    nameEn: 'Monthly assessment of grid workers',
    kpis: [
      kpi('ontime', '按期结案率', 'On-time closure', 'onTimeClosureRate', 40, 0.95, 0.6),
      kpi('satisfaction', '满意率', 'Satisfaction', 'satisfactionRate', 30, 0.95, 0.6),
      kpi('proactive', '主动发现', 'Found on patrol', 'min(1, proactive / max(total, 1))', 30, 0.3, 0),
    ],
  },
]

async function actorOf(tx: Tx, username: string): Promise<RequestContext> {
  const u = await tx
    .selectFrom('app_user')
    .select(['id', 'display_name', 'department_id'])
    .where('username', '=', username)
    .executeTakeFirstOrThrow()
  const grants = await tx
    .selectFrom('role_grant as g')
    .innerJoin('area as a', 'a.id', 'g.area_id')
    .select(['g.role', 'g.area_id', 'a.path'])
    .where('g.user_id', '=', u.id)
    .execute()
  return {
    actor: {
      userId: u.id,
      username,
      displayName: u.display_name,
      departmentId: u.department_id,
      grants: grants.map((g) => ({ role: g.role as Role, areaId: g.area_id, path: g.path })),
    },
    ip: 'demo',
  }
}

/** The schemes, with the city (no case yet). */
export async function seedAssessmentSchemesDemo(tx: Tx, now: Date) {
  const district = await tx.selectFrom('area').select('id').where('code', '=', 'JZ-QH').executeTakeFirst()
  if (!district) return { assessmentSchemes: 0 }
  const leader = await actorOf(tx, 'leader')
  for (const s of schemes)
    await createScheme(tx, leader, { areaId: district.id, ...s, appealDays: 7, monthly: true }, now)
  return { assessmentSchemes: schemes.length }
}

/** Last month scored and published, a reward, a penalty and an open appeal: after the history. */
export async function seedAssessmentRunsDemo(db: Db, now: Date) {
  return asSystem(db, async (tx) => {
    const leader = await actorOf(tx, 'leader')
    const admin = await actorOf(tx, 'admin')
    const rows = await tx.selectFrom('assessment_scheme').select(['id', 'unit_type']).orderBy('id').execute()
    if (rows.length === 0) return { assessmentRuns: 0 }
    const period = previousMonth(now, 'Asia/Shanghai')
    const runs: Record<string, number> = {}
    for (const s of rows) {
      const run = await createRun(tx, leader, { schemeId: Number(s.id), period }, now)
      await publishRun(tx, leader, run.id, now)
      runs[s.unit_type] = run.id
    }
    const ranking = async (unitType: string) =>
      (await runScores(tx, leader, runs[unitType]!, { page: 1, pageSize: 500 })).items.filter((i) => i.score !== null)
    const communities = await ranking('community')
    const best = communities[0]
    if (best) {
      const reward = await proposeSanction(
        tx,
        admin,
        { scoreId: best.id, kind: 'commendation', reason: `${period} 社区考核第一名，通报表扬` },
        now,
      )
      await decideSanction(tx, leader, reward.id, { decision: 'approve', note: '同意表扬' }, now)
    }
    const departments = await ranking('department')
    const last = departments[departments.length - 1]
    if (last && departments.length > 1)
      await proposeSanction(
        tx,
        admin,
        {
          scoreId: last.id,
          kind: 'deduction',
          amount: 500,
          reason: `${period} 部门考核末位，按期结案率未达标，扣减绩效`,
        },
        now,
      )
    const guihua = (await runScores(tx, leader, runs.community!, { page: 1, pageSize: 500 })).items.find(
      (i) => i.code === 'JZ-QH-01-01',
    )
    if (guihua)
      await fileAppeal(
        tx,
        await actorOf(tx, 'guihua.staff'),
        guihua.id,
        { reason: '本月两件返工案件系施工单位延误所致，申请核减返工扣分。' },
        now,
      )
    return { assessmentRuns: rows.length }
  })
}
