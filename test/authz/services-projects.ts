import { expect } from 'vitest'
import { call, type Call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// Social organisations and purchase-of-service projects in both authorization tables (see
// parts.ts). Organisation profiles are read by everyone signed in on the area's branch and kept
// by service staff (admin, leader, staff). Projects are seen and worked on by service staff of
// the area and the contracting department's handlers (A's handler works for the department the
// fixture contracts); only service staff draft, edit and act on them.

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

async function upload(p: TestPlatform, token: string | null, projectId: number, reportId: number): Promise<Call> {
  const res = await p.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/reports/${reportId}/attachments?fileName=probe.png`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'image/png' },
    payload: PNG,
  })
  return { status: res.statusCode, body: res.json(), headers: res.headers }
}

async function getFile(p: TestPlatform, token: string | null, url: string): Promise<Call> {
  const res = await p.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} })
  return { status: res.statusCode, body: res.body, headers: res.headers }
}

const today = (p: TestPlatform) => new Date(p.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10)
const plusDays = (p: TestPlatform, days: number) =>
  new Date(p.clock.now().getTime() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10)

/** A registry organisation of kind social_organisation in `area` (owner rights: the registry's fixture). */
async function registryOrg(p: TestPlatform, area: number, name: string): Promise<number> {
  const district = (
    await p.database.db.selectFrom('area').select('id').where('code', '=', 'JZ-QH').executeTakeFirstOrThrow()
  ).id
  const now = p.clock.now()
  return (
    await p.database.db
      .insertInto('organisation')
      .values({
        area_id: area,
        district_id: district,
        kind: 'social_organisation',
        name,
        uscc: null,
        legal_representative: null,
        address: null,
        location: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id
}

const profileBody = (organisationId: number) => ({
  organisationId,
  fields: ['elderly'],
  capacity: 50,
  contactName: '联系人',
  contactPhone: '13900000000',
})
const putBody = { fields: ['elderly', 'health'], capacity: 60, contactName: '联系人', contactPhone: '13900000000' }

async function departmentId(p: TestPlatform, code: string): Promise<number> {
  return (await p.database.db.selectFrom('department').select('id').where('code', '=', code).executeTakeFirstOrThrow())
    .id
}

function projectBody(p: TestPlatform, area: number, department: number, organisation: number, title: string) {
  return {
    areaId: area,
    departmentId: department,
    organisationId: organisation,
    title,
    scope: '权限表用的项目。',
    budget: 100000,
    startsOn: today(p),
    endsOn: plusDays(p, 200),
    indicators: [{ name: '完成度', weight: 100 }],
    milestones: [
      { title: '一期', deliverables: '记录', dueOn: plusDays(p, 30), payment: 100 },
      { title: '二期', deliverables: '报告', dueOn: plusDays(p, 100), payment: 100 },
    ],
  }
}

/** Creates an organisation profile and an active project with a reported first milestone, a draft, and a report with a file. */
async function fixture(
  p: TestPlatform,
  staff: string,
  area: number,
  department: number,
  label: string,
): Promise<{
  organisation: number
  spare: number
  active: number
  draft: number
  pendingMilestone: number
  report: number
  attachment: number
}> {
  const organisation = await registryOrg(p, area, `${label}社工服务中心`)
  const spare = await registryOrg(p, area, `${label}未登记的社会组织`)
  must(
    'profile',
    await call(p.app, 'POST', '/api/v1/social-organisations', { token: staff, body: profileBody(organisation) }),
    201,
  )
  const create = async (title: string) =>
    must(
      'project',
      await call(p.app, 'POST', '/api/v1/projects', {
        token: staff,
        body: projectBody(p, area, department, organisation, title),
      }),
      201,
    )
  const active = await create(`${label}：进行中的项目`)
  const draft = await create(`${label}：草稿项目`)
  must(
    'activate',
    await call(p.app, 'POST', `/api/v1/projects/${active.id}/actions`, { token: staff, body: { action: 'activate' } }),
    200,
  )
  const reported = must(
    'report',
    await call(p.app, 'POST', `/api/v1/projects/${active.id}/reports`, {
      token: staff,
      body: { milestoneId: active.milestones[0].id, reportedOn: today(p), summary: '一期完成', spent: 100 },
    }),
    201,
  )
  const report = reported.reports[0].id as number
  const attachment = must('attach', await upload(p, staff, active.id, report), 201).id as number
  return {
    organisation,
    spare,
    active: active.id,
    draft: draft.id,
    pendingMilestone: active.milestones[1].id,
    report,
    attachment,
  }
}

type OwnData = Awaited<ReturnType<typeof fixture>> & { department: number }

const servicesRow = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden')
const readerRow = row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok')
const projectRow = row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'ok', 'forbidden', 'forbidden')

export const own: OwnPart<OwnData> = {
  setup: async (p, base) => {
    // The contracting department is the one A's department handler works for.
    const department = await departmentId(p, 'QH-01-ZF')
    return {
      ...(await fixture(p, await base.token('guihua.staff'), base.community, department, '桂花权限表')),
      department,
    }
  },
  rows: {
    'GET /api/v1/social-organisations': readerRow,
    'GET /api/v1/social-organisations/:id': readerRow,
    // Registering an organisation that already has its profile: refused on its merits (409).
    'POST /api/v1/social-organisations': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'PUT /api/v1/social-organisations/:id': servicesRow,
    'GET /api/v1/projects': projectRow,
    'GET /api/v1/projects/:id': projectRow,
    'POST /api/v1/projects': servicesRow,
    'PUT /api/v1/projects/:id': servicesRow,
    // Activating an active project: refused on its merits (409).
    'POST /api/v1/projects/:id/actions': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    'POST /api/v1/projects/:id/reports': projectRow,
    'POST /api/v1/projects/:id/reports/:reportId/attachments': projectRow,
    'GET /api/v1/projects/:id/reports/:reportId/attachments/:attachmentId': projectRow,
    // Evaluating a milestone not yet reported: refused on its merits (409).
    'POST /api/v1/projects/:id/evaluations': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'tried',
      'forbidden',
      'forbidden',
    ),
  },
  probes: {
    'GET /api/v1/social-organisations': ({ p, token }) => call(p.app, 'GET', '/api/v1/social-organisations', { token }),
    'GET /api/v1/social-organisations/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/social-organisations/${data.organisation}`, { token }),
    'POST /api/v1/social-organisations': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/social-organisations', { token, body: profileBody(data.organisation) }),
    'PUT /api/v1/social-organisations/:id': ({ p, token, data }) =>
      call(p.app, 'PUT', `/api/v1/social-organisations/${data.organisation}`, {
        token,
        body: { ...putBody, status: 'active' },
      }),
    'GET /api/v1/projects': ({ p, token }) => call(p.app, 'GET', '/api/v1/projects', { token }),
    'GET /api/v1/projects/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/projects/${data.active}`, { token }),
    // A throwaway draft.
    'POST /api/v1/projects': ({ p, token, data, base }) =>
      call(p.app, 'POST', '/api/v1/projects', {
        token,
        body: projectBody(p, base.community, data.department, data.organisation, '权限表草稿'),
      }),
    'PUT /api/v1/projects/:id': ({ p, token, data, base }) => {
      const { areaId: _a, ...body } = projectBody(
        p,
        base.community,
        data.department,
        data.organisation,
        '桂花权限表：草稿项目',
      )
      return call(p.app, 'PUT', `/api/v1/projects/${data.draft}`, { token, body })
    },
    'POST /api/v1/projects/:id/actions': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/projects/${data.active}/actions`, { token, body: { action: 'activate' } }),
    'POST /api/v1/projects/:id/reports': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/projects/${data.active}/reports`, {
        token,
        body: { reportedOn: today(p), summary: '权限表的报告', spent: 0 },
      }),
    'POST /api/v1/projects/:id/reports/:reportId/attachments': ({ p, token, data }) =>
      upload(p, token, data.active, data.report),
    'GET /api/v1/projects/:id/reports/:reportId/attachments/:attachmentId': ({ p, token, data }) =>
      getFile(p, token, `/api/v1/projects/${data.active}/reports/${data.report}/attachments/${data.attachment}`),
    'POST /api/v1/projects/:id/evaluations': async ({ p, token, data }) => {
      const indicator = (
        await p.database.db
          .selectFrom('project_indicator')
          .select('id')
          .where('project_id', '=', data.active)
          .executeTakeFirstOrThrow()
      ).id
      return call(p.app, 'POST', `/api/v1/projects/${data.active}/evaluations`, {
        token,
        body: {
          milestoneId: data.pendingMilestone,
          scores: [{ indicatorId: indicator, score: 80, reason: '未报告前评估' }],
          conclusion: '权限表',
        },
      })
    },
  },
}

type ScopingData = OwnData & { community: number }

export const scoping: ScopingPart<ScopingData> = {
  setup: async (p, base) => {
    const department = await departmentId(p, 'QH-02-ZF')
    const data = await fixture(p, await base.token('cuizhu.staff'), base.community, department, '翠竹权限表')
    return { ...data, department, community: base.community }
  },
  probes: {
    'GET /api/v1/social-organisations': async (p, token, d) => {
      const res = await call(p.app, 'GET', '/api/v1/social-organisations?pageSize=500', { token })
      if (res.status !== 200) return denied(res.status)
      expect(res.body.items.map((o: { id: number }) => o.id)).not.toContain(d.organisation)
    },
    'GET /api/v1/social-organisations/:id': async (p, token, d) =>
      denied((await call(p.app, 'GET', `/api/v1/social-organisations/${d.organisation}`, { token })).status),
    'POST /api/v1/social-organisations': async (p, token, d) =>
      unchanged(
        () =>
          p.database.db
            .selectFrom('social_organisation')
            .select('organisation_id')
            .where('area_id', '=', d.community)
            .execute(),
        () => call(p.app, 'POST', '/api/v1/social-organisations', { token, body: profileBody(d.spare) }),
      ),
    'PUT /api/v1/social-organisations/:id': async (p, token, d) =>
      unchanged(
        () =>
          p.database.db
            .selectFrom('social_organisation')
            .selectAll()
            .where('organisation_id', '=', d.organisation)
            .executeTakeFirst(),
        () =>
          call(p.app, 'PUT', `/api/v1/social-organisations/${d.organisation}`, {
            token,
            body: { ...putBody, status: 'suspended' },
          }),
      ),
    'GET /api/v1/projects': async (p, token, d) => {
      for (const url of ['/api/v1/projects?pageSize=500', `/api/v1/projects?areaId=${d.community}`]) {
        const res = await call(p.app, 'GET', url, { token })
        if (res.status !== 200) {
          denied(res.status)
          continue
        }
        const ids = res.body.items.map((x: { id: number }) => x.id)
        expect(ids).not.toContain(d.active)
        expect(ids).not.toContain(d.draft)
      }
    },
    'GET /api/v1/projects/:id': async (p, token, d) => {
      denied((await call(p.app, 'GET', `/api/v1/projects/${d.active}`, { token })).status)
      denied((await call(p.app, 'GET', `/api/v1/projects/${d.draft}`, { token })).status)
    },
    'POST /api/v1/projects': async (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('service_project').select('id').where('area_id', '=', d.community).execute(),
        () =>
          call(p.app, 'POST', '/api/v1/projects', {
            token,
            body: projectBody(p, d.community, d.department, d.organisation, '越权立项'),
          }),
      ),
    'PUT /api/v1/projects/:id': async (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('service_project').selectAll().where('id', '=', d.draft).executeTakeFirst(),
        () => {
          const { areaId: _a, ...body } = projectBody(p, d.community, d.department, d.organisation, '被篡改')
          return call(p.app, 'PUT', `/api/v1/projects/${d.draft}`, { token, body })
        },
      ),
    'POST /api/v1/projects/:id/actions': async (p, token, d) =>
      unchanged(
        () =>
          p.database.db
            .selectFrom('service_project')
            .selectAll()
            .where('area_id', '=', d.community)
            .orderBy('id')
            .execute(),
        async () => {
          const res = await call(p.app, 'POST', `/api/v1/projects/${d.draft}/actions`, {
            token,
            body: { action: 'activate' },
          })
          if (res.status >= 400) return res
          return call(p.app, 'POST', `/api/v1/projects/${d.active}/actions`, {
            token,
            body: { action: 'terminate', reason: '越权' },
          })
        },
      ),
    'POST /api/v1/projects/:id/reports': async (p, token, d) =>
      unchanged(
        async () => [
          await p.database.db.selectFrom('project_report').select('id').where('project_id', '=', d.active).execute(),
          await p.database.db.selectFrom('service_project').select('spent').where('id', '=', d.active).execute(),
        ],
        () =>
          call(p.app, 'POST', `/api/v1/projects/${d.active}/reports`, {
            token,
            body: { reportedOn: today(p), summary: '越权报告', spent: 5 },
          }),
      ),
    'POST /api/v1/projects/:id/reports/:reportId/attachments': async (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('project_attachment').select('id').where('report_id', '=', d.report).execute(),
        () => upload(p, token, d.active, d.report),
      ),
    'GET /api/v1/projects/:id/reports/:reportId/attachments/:attachmentId': async (p, token, d) =>
      denied(
        (await getFile(p, token, `/api/v1/projects/${d.active}/reports/${d.report}/attachments/${d.attachment}`))
          .status,
      ),
    'POST /api/v1/projects/:id/evaluations': async (p, token, d) =>
      unchanged(
        () => p.database.db.selectFrom('project_evaluation').select('id').where('project_id', '=', d.active).execute(),
        async () => {
          const reported = (
            await p.database.db
              .selectFrom('project_milestone')
              .select('id')
              .where('project_id', '=', d.active)
              .where('position', '=', 1)
              .executeTakeFirstOrThrow()
          ).id
          const indicator = (
            await p.database.db
              .selectFrom('project_indicator')
              .select('id')
              .where('project_id', '=', d.active)
              .executeTakeFirstOrThrow()
          ).id
          return call(p.app, 'POST', `/api/v1/projects/${d.active}/evaluations`, {
            token,
            body: {
              milestoneId: reported,
              scores: [{ indicatorId: indicator, score: 10, reason: '越权评估' }],
              conclusion: '越权',
            },
          })
        },
      ),
  },
}
