// SQL snapshots: the important queries, as PostgreSQL would receive them, checked in beside their
// module (src/cases/queries.sql, src/analytics/stats.sql, src/analytics/evaluation.sql, src/registry/people.sql,
// src/registry/opendata.sql, src/disputes/queries.sql, src/participation/queries.sql,
// src/services/queries.sql, src/emergency/queries.sql, src/party/queries.sql, src/devices/queries.sql, src/training/queries.sql), so that a changed query shows in review as
// changed SQL.
//
// No database: each variant runs the real use case on a Kysely whose driver compiles with
// PostgreSQL's compiler, records every statement sent with its parameters, and answers from canned
// rows (the area looked up, counts of nothing, one suspected pair), so a snapshot changes only
// when the code's SQL does, never with the data. A stale snapshot fails this test;
// `npm run generate` (vitest -u on this file) rewrites them.
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely'
import { expect, it } from 'vitest'
import { caseEvaluation, type EvaluationQuery } from '../src/analytics/evaluation.js'
import { caseStats, type StatsQuery } from '../src/analytics/stats.js'
import { type CaseFilter, listCases } from '../src/cases/queries.js'
import { cipherFor } from '../src/core/crypto.js'
import { type DisputeFilter, listDisputes } from '../src/disputes/disputes.js'
import { listRecords } from '../src/participation/accountability.js'
import { listComments, moderationQueue } from '../src/participation/comments.js'
import { listConsultations } from '../src/participation/consultations.js'
import { surveyResults } from '../src/participation/survey-results.js'
import { listSurveys } from '../src/participation/surveys.js'
import { listMeetings } from '../src/participation/meetings.js'
import { listNotices } from '../src/participation/notices.js'
import { listProposals, type ProposalFilter, similarProposals } from '../src/participation/proposals.js'
import { listPetitions } from '../src/disputes/petitions.js'
import { disputeStats } from '../src/disputes/stats.js'
import type { Db } from '../src/core/db.js'
import type { DB } from '../src/core/schema.js'
import { inScope, type RequestContext } from '../src/core/scope.js'
import { type PopulationBreakdown, populationStats } from '../src/registry/opendata.js'
import { type PersonSearch, searchPeople, suspectedDuplicates } from '../src/registry/people.js'
import { listActivities } from '../src/services/activities.js'
import { listApplications } from '../src/services/applications.js'
import { listServices } from '../src/services/catalogue.js'
import { listBookings, listFacilities } from '../src/services/facilities.js'
import { listOrganisations } from '../src/services/organisations.js'
import { listProjects } from '../src/services/projects.js'
import { listVolunteers } from '../src/services/volunteers.js'
import { alertDetail, listAlerts } from '../src/emergency/alerts.js'
import { checkSummary, listChecks } from '../src/emergency/checks.js'
import { incidentStats, listIncidents } from '../src/emergency/incidents.js'
import { listResources } from '../src/emergency/resources.js'
import { listTasks } from '../src/emergency/tasks.js'
import { listAssignments } from '../src/party/assignments.js'
import { listAgreements, listItems } from '../src/party/cobuild.js'
import { listMembers } from '../src/party/members.js'
import {
  listOrganisations as listPartyOrganisations,
  organisationTree,
  partyCoverage,
} from '../src/party/organisations.js'
import { listReports } from '../src/party/reports.js'
import { partyStats } from '../src/party/stats.js'
import { listRules } from '../src/devices/alarm-rules.js'
import { listCourses } from '../src/training/courses.js'
import { listEnrolments, listRules as listTrainingRules } from '../src/training/learning.js'
import { listModelCases, suggestModelCases } from '../src/training/models.js'
import { listPolicies } from '../src/training/policies.js'
import { trainingStats } from '../src/training/records.js'
import { listAlarms } from '../src/devices/alarms.js'
import { listDevices } from '../src/devices/registry.js'
import { TEST_DATA_KEY } from './keys.js'

type Row = Record<string, unknown>

// The city (1) the caller administers and a community (6) below it.
const ROOT = 1
const COMMUNITY = 6
const areas: Record<number, Row> = {
  [ROOT]: { id: ROOT, parent_id: null, level: 'city', code: 'JZ', path: `/${ROOT}/` },
  [COMMUNITY]: { id: COMMUNITY, parent_id: 5, level: 'community', code: 'JZ-QH-01-01', path: `/1/2/3/${COMMUNITY}/` },
}
const area = (id: unknown): Row => ({
  name_zh: '',
  name_en: '',
  retired_at: null,
  timezone: 'Asia/Shanghai',
  ...(areas[Number(id)] ?? { id, parent_id: null, level: 'grid', code: `A${id}`, path: `/${id}/` }),
})

/** Canned answers: what the use cases need to go on; anything else finds no rows. */
function answer(sql: string, parameters: readonly unknown[]): Row[] {
  if (/ from "area" where "id" (=|in) /.test(sql)) return parameters.filter((p) => typeof p === 'number').map(area)
  if (sql.startsWith('select count(*) as "n"') || sql.trim().startsWith('select count(*) as n ')) return [{ n: 0 }]
  // Party statistics: the area itself with every figure zero.
  if (sql.trim().startsWith('with scope as (') && sql.includes('party_organisation'))
    return [{ ...area(parameters[0]), ord: 0 }]
  // Participation's counts (notices and the like) read one row of zeros.
  if (/^select count\(\*\)::int as "n" from /.test(sql)) return [{ n: 0 }]
  // A survey of the community, open, for its results.
  if (/^select "s"\."id", "s"\."area_id", "s"\."title"/.test(sql))
    return [
      {
        id: 1,
        area_id: COMMUNITY,
        title: '',
        description: '',
        status: 'open',
        opens_at: null,
        closes_at: null,
        verified_only: false,
        response_count: 0,
        created_by: 1,
        created_at: NOW,
        updated_at: NOW,
        path: `/1/2/3/${COMMUNITY}/`,
      },
    ]
  // Its questions: a single choice, a scale and a text.
  if (/^select \* from "survey_question"/.test(sql))
    return (['single', 'scale', 'text'] as const).map((kind, i) => ({
      id: 11 + i,
      survey_id: 1,
      position: i + 1,
      kind,
      prompt: '',
      options: kind === 'single' ? ['a', 'b'] : [],
      required: true,
      scale_min: kind === 'scale' ? 1 : null,
      scale_max: kind === 'scale' ? 5 : null,
      show_if_position: null,
      show_if_option: null,
    }))
  // A comment thread's subject: proposal 1 of the community, published.
  if (/^select "id", "area_id", "title", "status" from "proposal"/.test(sql))
    return [{ id: 1, area_id: COMMUNITY, title: '', status: 'published' }]
  if (/^select "id" from "(department|case_category)" where "id" = \$1/.test(sql)) return [{ id: parameters[0] }]
  // An incident of the community, active (what the emergency lists load first).
  if (/^select i\.id, i\.reference, i\.area_id, a\.path as area_path/.test(sql.trim()))
    return [
      {
        id: 1,
        reference: 'YJ-2026-000001',
        area_id: COMMUNITY,
        area_path: `/1/2/3/${COMMUNITY}/`,
        status: 'active',
        drill: false,
        commander_id: 1,
        level: 3,
        kind: 'heatwave',
        title: '',
        version: 1,
      },
    ]
  // The case a model case is suggested for: a category with a parent, a description to segment.
  if (/^select "c"\."id", "c"\."category_id", "cc"\."parent_id", "c"\."description" from "cases"/.test(sql))
    return [{ id: 1, category_id: 2, parent_id: 1, description: '楼道里堆满杂物，堵住了消防通道' }]
  if (sql.includes(' from agg')) return [{ grouped: false, total: 0, merged: 0 }]
  // Every area of the reported subtrees is in the report's time zone: the rollup answers.
  if (sql.includes(') as other')) return [{ other: false }]
  if (sql.includes('min(reason) as reason')) return [{ a: 101, b: 102, reason: 'same_phone', total: 1 }]
  // Dispute and petition statistics: one row of counts each (their values do not shape the SQL).
  if (
    /^select count\(\*\)/.test(sql.trim()) &&
    /from (dispute|mediation_agreement|petition|\(select "[dp]"\."id")/.test(sql)
  )
    return [{ n: 0, total: 0 }]
  return []
}

/** A driver that records each statement (but the caller's settings, alike in every variant) and answers it from `answer`. */
class Recorder implements Driver, DatabaseConnection {
  readonly statements: string[] = []
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this
  }
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
  async executeQuery<R>({ sql, parameters }: CompiledQuery): Promise<QueryResult<R>> {
    if (!sql.startsWith("select set_config('role'")) {
      const params = parameters.map((p) => (p instanceof Date ? p.toISOString() : p))
      this.statements.push(`${sql.trim()};\n-- parameters: ${JSON.stringify(params)}`)
    }
    return { rows: answer(sql, parameters) as R[] }
  }
  // biome-ignore lint/correctness/useYield: the use cases recorded here do not stream
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not recorded')
  }
}

const NOW = new Date('2026-11-23T02:00:00Z')
const ctx: RequestContext = {
  actor: {
    userId: 1,
    username: 'admin',
    displayName: 'admin',
    grants: [{ role: 'admin', areaId: ROOT, path: `/${ROOT}/` }],
  },
  ip: '127.0.0.1',
}

/** The statements each variant sends, under its name. */
async function record(variants: Record<string, (db: Db) => Promise<unknown>>): Promise<string> {
  const blocks: string[] = []
  for (const [name, run] of Object.entries(variants)) {
    const recorder = new Recorder()
    const db = new Kysely<DB>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => recorder,
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    })
    await run(db)
    blocks.push(`-- ${name}\n${recorder.statements.join('\n\n')}\n`)
  }
  return blocks.join('\n')
}

// Each test is named by its snapshot file: `npm run check:generated` names a stale one by it.
it('src/cases/queries.sql: the case list with each filter', async () => {
  const page = { page: 1, pageSize: 50, sort: 'newest' } as const
  const list = (f: Partial<CaseFilter>) => (db: Db) =>
    inScope(db, ctx, (tx) => listCases(tx, ctx, { ...page, ...f }, NOW))
  const text = await record({
    'no filter (newest first)': list({}),
    'area subtree': list({ areaId: COMMUNITY }),
    states: list({ state: ['submitted', 'dispatched'] }),
    category: list({ categoryId: 1 }),
    department: list({ departmentId: 1 }),
    overdue: list({ overdue: true }),
    'not overdue': list({ overdue: false }),
    escalated: list({ escalated: true }),
    'colour red': list({ colour: 'red' }),
    'colour yellow': list({ colour: 'yellow' }),
    'colour green': list({ colour: 'green' }),
    'submitted between': list({ from: '2026-11-01T00:00:00Z', to: '2026-11-23T00:00:00Z' }),
    'text search': list({ q: '路灯' }),
    mine: list({ mine: true }),
    'oldest first': list({ sort: 'oldest' }),
    'due first': list({ sort: 'due' }),
    'keyset page (after)': list({ after: 1000 }),
  })
  await expect(text).toMatchFileSnapshot('../src/cases/queries.sql')
})

it('src/analytics/stats.sql: statistics by each grouping and filter', async () => {
  const stats = (q: StatsQuery) => (db: Db) => inScope(db, ctx, (tx) => caseStats(tx, ctx, q, NOW))
  const text = await record({
    'whole caller scope, last 30 days': stats({}),
    'by area': stats({ areaId: COMMUNITY, groupBy: 'area' }),
    'by department': stats({ groupBy: 'department' }),
    'by category': stats({ groupBy: 'category' }),
    'by worker': stats({ groupBy: 'worker' }),
    'by day': stats({ groupBy: 'day', from: '2026-11-01T00:00:00Z', to: '2026-11-23T00:00:00Z' }),
    'by month': stats({ groupBy: 'month' }),
    'one department and category': stats({ departmentId: 1, categoryId: 1 }),
    'by channel, whole days (rollup only, no edges)': stats({
      groupBy: 'channel',
      from: '2026-11-01',
      to: '2026-11-23',
    }),
    'by department within one department (counted from the cases)': stats({ groupBy: 'department', departmentId: 1 }),
  })
  await expect(text).toMatchFileSnapshot('../src/analytics/stats.sql')
})

it('src/analytics/evaluation.sql: GB/T 30428 evaluation over due cases by each grouping', async () => {
  const evaluate = (q: EvaluationQuery) => (db: Db) => inScope(db, ctx, (tx) => caseEvaluation(tx, ctx, q, NOW))
  const text = await record({
    'whole caller scope, last 30 days': evaluate({}),
    'by department': evaluate({ groupBy: 'department', from: '2026-10-01', to: '2026-11-01' }),
    'by street': evaluate({ groupBy: 'street' }),
    'by community, one area': evaluate({ areaId: COMMUNITY, groupBy: 'community' }),
    'by worker': evaluate({ groupBy: 'worker' }),
  })
  await expect(text).toMatchFileSnapshot('../src/analytics/evaluation.sql')
})

it('src/registry/people.sql: people search variants and duplicate suggestions', async () => {
  const cipher = cipherFor({ dataKey: TEST_DATA_KEY, dataKeyFile: '', production: false })
  const page = { page: 1, pageSize: 50 }
  const search = (f: Partial<PersonSearch>) => (db: Db) =>
    inScope(db, ctx, (tx) => searchPeople(tx, ctx, cipher, { ...page, ...f }, NOW))
  const text = await record({
    'resident ID (blind index)': search({ idNumber: '110101199003074477' }),
    'phone (blind index)': search({ phone: '13800138000' }),
    surname: search({ name: '王' }),
    'two-character name': search({ name: '王芳' }),
    'part of a name': search({ name: '王小芳' }),
    address: search({ address: '桂花' }),
    'free text as ID': search({ q: '110101199003074477' }),
    'free text as name': search({ q: '李' }),
    'care tags in an area': search({ tags: ['elderly_alone'], areaId: COMMUNITY }),
    'residence status and age': search({ residenceStatus: 'registered', ageFrom: 60, ageTo: 80 }),
    'suspected duplicates': (db) => inScope(db, ctx, (tx) => suspectedDuplicates(tx, { ...page, areaId: COMMUNITY })),
  })
  await expect(text).toMatchFileSnapshot('../src/registry/people.sql')
})

it('src/registry/opendata.sql: open-data counts by each breakdown', async () => {
  const by = (b: PopulationBreakdown) => (db: Db) => inScope(db, ctx, (tx) => populationStats(tx, COMMUNITY, b, NOW))
  const text = await record({
    'by area': by('area'),
    'by sex': by('sex'),
    'by age band': by('age_band'),
    'by residence status': by('residence_status'),
    'by care group': by('care_group'),
  })
  await expect(text).toMatchFileSnapshot('../src/registry/opendata.sql')
})

it('src/disputes/queries.sql: the dispute register with each filter, the petition desk and the statistics', async () => {
  const page = { page: 1, pageSize: 50 }
  const list = (f: Partial<DisputeFilter>) => (db: Db) =>
    inScope(db, ctx, (tx) => listDisputes(tx, { ...page, ...f }, NOW))
  const text = await record({
    'register: no filter (newest first)': list({}),
    'register: area subtree': list({ areaId: COMMUNITY }),
    'register: open, high risk or more': list({ open: true, minRisk: 'high' }),
    'register: state, category, source, level': list({
      state: 'people_mediation',
      category: 'neighbour',
      source: 'walk_in',
      level: 'people',
    }),
    'register: overdue': list({ overdue: true }),
    'register: registered between, text': list({ from: '2026-11-01', to: '2026-11-23', q: '漏水' }),
    'petition desk: open and overdue in an area': (db) =>
      inScope(db, ctx, (tx) => listPetitions(tx, { ...page, open: true, overdue: true, areaId: COMMUNITY }, NOW)),
    'statistics: an area, a month': (db) =>
      inScope(db, ctx, (tx) => disputeStats(tx, { from: '2026-11-01', to: '2026-11-30', areaId: COMMUNITY }, NOW)),
  })
  await expect(text).toMatchFileSnapshot('../src/disputes/queries.sql')
})

it('src/participation/queries.sql: proposals with each filter and sort, similar proposals, notices, meetings, accountability, consultations, comments, surveys', async () => {
  const page = { page: 1, pageSize: 20 }
  const proposals = (f: Partial<ProposalFilter>) => (db: Db) =>
    inScope(db, ctx, (tx) => listProposals(tx, ctx, { ...page, sort: 'newest', ...f }))
  const text = await record({
    'proposals: newest first': proposals({}),
    'proposals: area subtree, most supported': proposals({ areaId: COMMUNITY, sort: 'most_supported' }),
    'proposals: status and category, answer due first': proposals({
      status: 'threshold_reached',
      category: 'facilities',
      sort: 'answer_due',
    }),
    'proposals: words (jieba) and mine': proposals({ q: '电动车充电桩', mine: true }),
    'similar proposals while writing': (db) =>
      inScope(db, ctx, (tx) => similarProposals(tx, { q: '小区增设电动自行车充电桩', areaId: COMMUNITY })),
    'notices: as their staff see them': (db) => inScope(db, ctx, (tx) => listNotices(tx, ctx, { ...page }, NOW)),
    'meetings: upcoming': (db) => inScope(db, ctx, (tx) => listMeetings(tx, ctx, { ...page }, NOW)),
    'accountability: an area': (db) => inScope(db, ctx, (tx) => listRecords(tx, { ...page, areaId: COMMUNITY })),
    'consultations: as their staff see them': (db) =>
      inScope(db, ctx, (tx) => listConsultations(tx, ctx, { ...page }, NOW)),
    "comments: a proposal's thread, a keyset page": (db) =>
      inScope(db, ctx, (tx) =>
        listComments(tx, ctx, { subjectKind: 'proposal', subjectId: 1, after: 1000, pageSize: 20 }, NOW),
      ),
    'comments: the moderation queue': (db) => inScope(db, ctx, (tx) => moderationQueue(tx, ctx, { ...page })),
    'surveys: as their staff see them': (db) => inScope(db, ctx, (tx) => listSurveys(tx, ctx, { ...page }, NOW)),
    "surveys: a survey's results (staff, exact)": (db) => inScope(db, ctx, (tx) => surveyResults(tx, ctx, 1, NOW)),
  })
  await expect(text).toMatchFileSnapshot('../src/participation/queries.sql')
})

it('src/services/queries.sql: the catalogue, the application queue with its filters, facilities and bookings, organisations, projects, activities and volunteers', async () => {
  const page = { page: 1, pageSize: 20 }
  const run =
    <T>(f: (tx: Parameters<Parameters<typeof inScope>[2]>[0]) => Promise<T>) =>
    (db: Db) =>
      inScope(db, ctx, f)
  const text = await record({
    'services: the catalogue as its staff see it': run((tx) => listServices(tx, ctx, { ...page })),
    'applications: newest first': run((tx) => listApplications(tx, ctx, { ...page, sort: 'newest' }, NOW)),
    'applications: an area subtree, open by deadline': run((tx) =>
      listApplications(tx, ctx, { ...page, areaId: COMMUNITY, status: 'submitted', sort: 'due' }, NOW),
    ),
    'applications: overdue, one service': run((tx) =>
      listApplications(tx, ctx, { ...page, overdue: true, serviceId: 1, sort: 'due' }, NOW),
    ),
    'facilities: an area': run((tx) => listFacilities(tx, ctx, { ...page, areaId: COMMUNITY })),
    'bookings: upcoming': run((tx) => listBookings(tx, ctx, { ...page, when: 'upcoming' }, NOW)),
    'organisations: by field': run((tx) => listOrganisations(tx, ctx, { ...page, field: 'elderly' })),
    'projects: active': run((tx) => listProjects(tx, ctx, { ...page, status: 'active' })),
    'activities: upcoming of an area': run((tx) => listActivities(tx, ctx, { ...page, areaId: COMMUNITY })),
    'volunteers: by skill': run((tx) => listVolunteers(tx, ctx, { ...page, skill: 'elderly_care' })),
  })
  await expect(text).toMatchFileSnapshot('../src/services/queries.sql')
})

it('src/emergency/queries.sql: incidents, the check list and its summary, alerts per grid, tasks, resources and statistics', async () => {
  const run =
    <T>(f: (tx: Parameters<Parameters<typeof inScope>[2]>[0]) => Promise<T>) =>
    (db: Db) =>
      inScope(db, ctx, f)
  const text = await record({
    'incidents: active first': run((tx) => listIncidents(tx, ctx, { page: 1, pageSize: 20 })),
    'incidents: real heatwaves of an area': run((tx) =>
      listIncidents(tx, ctx, { page: 1, pageSize: 20, kind: 'heatwave', drill: false, areaId: COMMUNITY }),
    ),
    'check list: first page': run((tx) => listChecks(tx, ctx, 1, { pageSize: 200 }, NOW)),
    'check list: a grid, unreachable, after a cursor': run((tx) =>
      listChecks(tx, ctx, 1, { pageSize: 200, gridId: 7, status: 'unreachable', after: 100 }, NOW),
    ),
    'check list: per grid': run((tx) => checkSummary(tx, 1)),
    'alerts: of an incident': run((tx) => listAlerts(tx, 1, { page: 1, pageSize: 20 })),
    'alerts: one alert per grid': run((tx) => alertDetail(tx, 1, 1).catch(() => null)),
    'tasks: open ones': run((tx) => listTasks(tx, ctx, 1, { status: 'open' })),
    'resources: an area': run((tx) => listResources(tx, ctx, { areaId: COMMUNITY })),
    'incidents: statistics, real and drills apart': run((tx) =>
      incidentStats(tx, ctx, { from: '2026-11-01', to: '2026-11-30' }),
    ),
  })
  await expect(text).toMatchFileSnapshot('../src/emergency/queries.sql')
})

it('src/party/queries.sql: the organisation list, tree and coverage, members, reports, assignments, co-building lists and the statistics', async () => {
  const run =
    <T>(f: (tx: Parameters<Parameters<typeof inScope>[2]>[0]) => Promise<T>) =>
    (db: Db) =>
      inScope(db, ctx, f)
  const page = { page: 1, pageSize: 50 }
  const text = await record({
    'organisations: an area subtree, branches': run((tx) =>
      listPartyOrganisations(tx, { ...page, areaId: COMMUNITY, kind: 'branch', status: 'active' }),
    ),
    'organisations: by code or name': run((tx) => listPartyOrganisations(tx, { ...page, q: '桂花' })),
    "organisations: the tree of an area's branch": run((tx) =>
      organisationTree(tx, { areaId: COMMUNITY, includeDissolved: false }),
    ),
    'coverage: communities, grids and compounds without an organisation': run((tx) =>
      partyCoverage(tx, ctx, { areaId: COMMUNITY }).catch(() => null),
    ),
    'members: an area, reporting, by name': run((tx) =>
      listMembers(tx, ctx, { ...page, areaId: COMMUNITY, reported: true, q: '王' }, NOW),
    ),
    'members: an organisation': run((tx) => listMembers(tx, ctx, { ...page, organisationId: 1 }, NOW)),
    'reports to communities: an area': run((tx) => listReports(tx, ctx, { ...page, areaId: COMMUNITY })),
    'assignments: on a case': run((tx) => listAssignments(tx, ctx, { caseId: 1, live: true })),
    'co-building agreements: an area': run((tx) => listAgreements(tx, ctx, { ...page, areaId: COMMUNITY })),
    'co-building: open needs of an area': run((tx) =>
      listItems(tx, ctx, { ...page, areaId: COMMUNITY, list: 'need', status: 'open' }),
    ),
    'statistics: an area and its children, a year': run((tx) =>
      partyStats(tx, { areaId: COMMUNITY, from: '2026-01-01', to: '2026-11-23' }),
    ),
  })
  await expect(text).toMatchFileSnapshot('../src/party/queries.sql')
})

it('src/devices/queries.sql: the device list, the alarm inbox and the alarm rules', async () => {
  const run =
    <T>(f: (tx: Parameters<Parameters<typeof inScope>[2]>[0]) => Promise<T>) =>
    (db: Db) =>
      inScope(db, ctx, f)
  const text = await record({
    'devices: an area subtree, one type and state': run((tx) =>
      listDevices(tx, { areaId: COMMUNITY, type: 'smoke', state: 'active', pageSize: 50 }),
    ),
    'devices: by code or name, a keyset page': run((tx) => listDevices(tx, { q: 'GH', after: 1000, pageSize: 50 })),
    'alarms: live ones of an area': run((tx) =>
      listAlarms(tx, ctx, { status: 'live', areaId: COMMUNITY, pageSize: 20 }, NOW),
    ),
    'alarms: critical of a device, a keyset page': run((tx) =>
      listAlarms(tx, ctx, { status: 'live', severity: 'critical', deviceId: 1, after: 100, pageSize: 20 }, NOW),
    ),
    'alarm rules: that apply in an area': run((tx) => listRules(tx, ctx, { areaId: COMMUNITY })),
  })
  await expect(text).toMatchFileSnapshot('../src/devices/queries.sql')
})

it('src/training/queries.sql: the course catalogue, enrolments and rules, completion by area and role, policies and model cases with their word search, suggestions for a case', async () => {
  const run =
    <T>(f: (tx: Parameters<Parameters<typeof inScope>[2]>[0]) => Promise<T>) =>
    (db: Db) =>
      inScope(db, ctx, f)
  const page = { page: 1, pageSize: 20 }
  const text = await record({
    'courses: the catalogue of an area, one topic, by title': run((tx) =>
      listCourses(tx, ctx, { ...page, areaId: COMMUNITY, topic: 'induction', q: '入职' }),
    ),
    'courses: drafts (keepers)': run((tx) => listCourses(tx, ctx, { ...page, status: 'draft' })),
    'enrolments: my own': run((tx) => listEnrolments(tx, ctx, { ...page, mine: true }, NOW)),
    'enrolments: overdue grid workers of an area, one course': run((tx) =>
      listEnrolments(tx, ctx, { ...page, areaId: COMMUNITY, role: 'grid_worker', courseId: 1, overdue: true }, NOW),
    ),
    'assignment rules: an area': run((tx) => listTrainingRules(tx, ctx, { areaId: COMMUNITY })),
    'completion: an area and its children by role, a year': run((tx) =>
      trainingStats(tx, { areaId: COMMUNITY, path: `/1/2/3/${COMMUNITY}/`, from: '2026-01-01', to: '2026-11-23' }, NOW),
    ),
    'policies: words (jieba), ranked': run((tx) => listPolicies(tx, ctx, { ...page, q: '垃圾分类投放' })),
    'policies: a category (and its parent), a notice': run((tx) =>
      listPolicies(tx, ctx, { ...page, categoryId: 1, noticeId: 1 }),
    ),
    'model cases: words (jieba), ranked': run((tx) => listModelCases(tx, ctx, { ...page, q: '楼道堆物清理' })),
    'model cases: a category and source kind': run((tx) =>
      listModelCases(tx, ctx, { ...page, categoryId: 1, sourceKind: 'dispute', status: 'published' }),
    ),
    'model cases: suggestions for a case': run((tx) => suggestModelCases(tx, ctx, 1).catch(() => null)),
  })
  await expect(text).toMatchFileSnapshot('../src/training/queries.sql')
})
