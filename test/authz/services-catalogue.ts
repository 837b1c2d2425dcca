import { sql } from 'kysely'
import { expect } from 'vitest'
import { call, type Call, type TestPlatform } from '../support.js'
import { denied, must, row, unchanged, type OwnPart, type ScopingPart } from './parts.js'

// The service catalogue and applications in both authorization tables.

const NOT_A_PDF = Buffer.from('plain text pretending to be a PDF')
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n')

const serviceBody = (areaId: number, code: string, departmentId: number | null = null) => ({
  areaId,
  code,
  category: 'certificate',
  name: '居住证明（权限测试）',
  description: '开具居住证明。',
  eligibility: [],
  documents: [{ key: 'id_card', label: '身份证', required: true }],
  form: [],
  reviewDays: 5,
  deliveryDays: 5,
  departmentId,
  status: 'active',
})

async function uploadAs(p: TestPlatform, token: string | null, appId: number, data: Buffer): Promise<Call> {
  const res = await p.app.inject({
    method: 'POST',
    url: `/api/v1/service-applications/${appId}/documents?key=id_card&fileName=id.pdf`,
    headers: { 'content-type': 'application/pdf', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: data,
  })
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null, headers: res.headers }
}

async function fileAs(p: TestPlatform, token: string | null, appId: number, docId: number): Promise<Call> {
  const res = await p.app.inject({
    method: 'GET',
    url: `/api/v1/service-applications/${appId}/documents/${docId}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  })
  return { status: res.statusCode, body: null, headers: res.headers }
}

interface OwnData {
  serviceId: number
  personId: number
  applicationId: number
  version: number
  documentId: number
}

export const own: OwnPart<OwnData> = {
  async setup(p, base) {
    const staff = await base.token('guihua.staff')
    const resident = await base.token('guihua.resident')
    // Delivered by the department of guihua.handler, so its handlers read the application.
    const handler = await p.database.db
      .selectFrom('app_user')
      .select('department_id')
      .where('username', '=', 'guihua.handler')
      .executeTakeFirstOrThrow()
    const service = must(
      'service',
      await call(p.app, 'POST', '/api/v1/services', {
        token: staff,
        body: serviceBody(base.community, 'AUTHZ-A-CERT', handler.department_id),
      }),
      201,
    )
    const application = must(
      'application',
      await call(p.app, 'POST', '/api/v1/service-applications', {
        token: resident,
        body: { serviceId: service.id, form: {} },
      }),
      201,
    )
    const doc = must('document', await uploadAs(p, resident, application.id, PDF), 201)
    return {
      serviceId: service.id,
      personId: application.personId,
      applicationId: application.id,
      version: application.version,
      documentId: doc.id,
    }
  },
  rows: {
    'GET /api/v1/services': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    // Service staff of the area add services (throwaway codes per caller).
    'POST /api/v1/services': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
    'GET /api/v1/services/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    // A stale version: staff get past the roles (409), others not.
    'PUT /api/v1/services/:id': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    // Activating an active service: refused on its merits (409) for staff.
    'POST /api/v1/services/:id/actions': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ),
    // The resident's own person: themselves and the area's service staff; to others the person does not exist.
    'GET /api/v1/services/:id/eligibility': row('unauth', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound', 'ok'),
    // For the resident's person, who has an open application already (409): the resident and the
    // area's service staff get that far; others cannot name the person.
    'POST /api/v1/service-applications': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'notFound',
      'notFound',
      'notFound',
      'tried',
    ),
    'GET /api/v1/service-applications': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
    // The applicant, the area's service staff and the delivering department read it.
    'GET /api/v1/service-applications/:id': row('unauth', 'ok', 'ok', 'ok', 'notFound', 'ok', 'notFound', 'ok'),
    // Rejecting without a reason: reviewers get past the roles (400); the handler delivers only, the applicant withdraws only.
    'POST /api/v1/service-applications/:id/actions': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'notFound',
      'forbidden',
      'notFound',
      'forbidden',
    ),
    // Text named .pdf: refused by its bytes (422) for the applicant and the area's staff.
    'POST /api/v1/service-applications/:id/documents': row(
      'unauth',
      'tried',
      'tried',
      'tried',
      'notFound',
      'forbidden',
      'notFound',
      'tried',
    ),
    'GET /api/v1/service-applications/:id/documents/:docId': row(
      'unauth',
      'ok',
      'ok',
      'ok',
      'notFound',
      'ok',
      'notFound',
      'ok',
    ),
    'POST /api/v1/service-applications/:id/documents/:docId/check': row(
      'unauth',
      'ok',
      'ok',
      'ok',
      'notFound',
      'forbidden',
      'notFound',
      'forbidden',
    ),
  },
  probes: {
    'GET /api/v1/services': ({ p, token }) => call(p.app, 'GET', '/api/v1/services', { token }),
    'POST /api/v1/services': ({ p, token, base, who }) =>
      call(p.app, 'POST', '/api/v1/services', {
        token,
        body: serviceBody(base.community, `AUTHZ-A-${who.replace('_', '-')}`),
      }),
    'GET /api/v1/services/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/services/${data.serviceId}`, { token }),
    'PUT /api/v1/services/:id': ({ p, token, data, base }) => {
      const { areaId: _a, code: _c, status: _s, ...edit } = serviceBody(base.community, 'x')
      return call(p.app, 'PUT', `/api/v1/services/${data.serviceId}`, {
        token,
        body: { ...edit, version: 999999 },
      })
    },
    'POST /api/v1/services/:id/actions': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/services/${data.serviceId}/actions`, { token, body: { action: 'activate' } }),
    'GET /api/v1/services/:id/eligibility': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/services/${data.serviceId}/eligibility?personId=${data.personId}`, { token }),
    'POST /api/v1/service-applications': ({ p, token, data }) =>
      call(p.app, 'POST', '/api/v1/service-applications', {
        token,
        body: { serviceId: data.serviceId, personId: data.personId, form: {} },
      }),
    'GET /api/v1/service-applications': ({ p, token }) => call(p.app, 'GET', '/api/v1/service-applications', { token }),
    'GET /api/v1/service-applications/:id': ({ p, token, data }) =>
      call(p.app, 'GET', `/api/v1/service-applications/${data.applicationId}`, { token }),
    'POST /api/v1/service-applications/:id/actions': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/service-applications/${data.applicationId}/actions`, {
        token,
        body: { action: 'reject', version: data.version },
      }),
    'POST /api/v1/service-applications/:id/documents': ({ p, token, data }) =>
      uploadAs(p, token, data.applicationId, NOT_A_PDF),
    'GET /api/v1/service-applications/:id/documents/:docId': ({ p, token, data }) =>
      fileAs(p, token, data.applicationId, data.documentId),
    'POST /api/v1/service-applications/:id/documents/:docId/check': ({ p, token, data }) =>
      call(p.app, 'POST', `/api/v1/service-applications/${data.applicationId}/documents/${data.documentId}/check`, {
        token,
        body: { ok: true },
      }),
  },
}

interface BData {
  serviceId: number
  serviceName: string
  personId: number
  applicationId: number
  reference: string
  version: number
  documentId: number
}

const serviceRowOf = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('service').selectAll().where('id', '=', id).executeTakeFirst()
const applicationRowOf = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('service_application').selectAll().where('id', '=', id).executeTakeFirst()
const countOf = async (p: TestPlatform, table: 'service' | 'service_application' | 'service_document') =>
  Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(p.database.db)).rows[0]!.n)
const documentsOf = (p: TestPlatform, appId: number) =>
  p.database.db
    .selectFrom('service_document')
    .select(['id', 'checked', 'checked_by'])
    .where('application_id', '=', appId)
    .orderBy('id')
    .execute()

export const scoping: ScopingPart<BData> = {
  async setup(p, base) {
    const staff = await base.token('cuizhu.staff')
    const serviceName = '翠竹居住证明（越界测试）'
    const service = must(
      'service of B',
      await call(p.app, 'POST', '/api/v1/services', {
        token: staff,
        body: { ...serviceBody(base.community, 'AUTHZ-B-CERT'), name: serviceName },
      }),
      201,
    )
    const person = await p.database.db
      .selectFrom('person as x')
      .innerJoin('area as a', 'a.id', 'x.area_id')
      .select('x.id')
      .where('a.path', 'like', sql<string>`(select path from area where id = ${base.community}) || '%'`)
      .where('x.status', '=', 'active')
      .orderBy('x.id')
      .executeTakeFirstOrThrow()
    const application = must(
      'application of B',
      await call(p.app, 'POST', '/api/v1/service-applications', {
        token: staff,
        body: { serviceId: service.id, personId: Number(person.id), form: {} },
      }),
      201,
    )
    const doc = must('document of B', await uploadAs(p, staff, application.id, PDF), 201)
    return {
      serviceId: service.id,
      serviceName,
      personId: Number(person.id),
      applicationId: application.id,
      reference: application.reference,
      version: application.version,
      documentId: doc.id,
    }
  },
  probes: {
    'GET /api/v1/services': async (p, t, b, base) => {
      for (const url of ['/api/v1/services?pageSize=100', `/api/v1/services?areaId=${base.community}&pageSize=100`]) {
        const res = await call(p.app, 'GET', url, { token: t })
        if (res.status !== 200) {
          denied(res.status)
          continue
        }
        expect(JSON.stringify(res.body)).not.toContain(b.serviceName)
      }
    },
    'POST /api/v1/services': async (p, t, _b, base) => {
      const before = await countOf(p, 'service')
      const res = await call(p.app, 'POST', '/api/v1/services', {
        token: t,
        body: serviceBody(base.community, 'AUTHZ-B-INTRUDER'),
      })
      denied(res.status)
      expect(await countOf(p, 'service')).toBe(before)
    },
    'GET /api/v1/services/:id': async (p, t, b) =>
      denied((await call(p.app, 'GET', `/api/v1/services/${b.serviceId}`, { token: t })).status),
    'PUT /api/v1/services/:id': async (p, t, b, base) => {
      const { areaId: _a, code: _c, status: _s, ...edit } = serviceBody(base.community, 'x')
      await unchanged(
        () => serviceRowOf(p, b.serviceId),
        () =>
          call(p.app, 'PUT', `/api/v1/services/${b.serviceId}`, {
            token: t,
            body: { ...edit, name: '被改名', version: 1 },
          }),
      )
    },
    'POST /api/v1/services/:id/actions': async (p, t, b) =>
      unchanged(
        () => serviceRowOf(p, b.serviceId),
        () => call(p.app, 'POST', `/api/v1/services/${b.serviceId}/actions`, { token: t, body: { action: 'suspend' } }),
      ),
    'GET /api/v1/services/:id/eligibility': async (p, t, b) => {
      denied((await call(p.app, 'GET', `/api/v1/services/${b.serviceId}/eligibility`, { token: t })).status)
      denied(
        (await call(p.app, 'GET', `/api/v1/services/${b.serviceId}/eligibility?personId=${b.personId}`, { token: t }))
          .status,
      )
    },
    'POST /api/v1/service-applications': async (p, t, b) => {
      const before = await countOf(p, 'service_application')
      // B's person for B's service (withdrawn first is not possible for A: the open one makes no
      // difference, the person is not theirs to name).
      const res = await call(p.app, 'POST', '/api/v1/service-applications', {
        token: t,
        body: { serviceId: b.serviceId, personId: b.personId + 1, form: {} },
      })
      denied(res.status)
      expect(await countOf(p, 'service_application')).toBe(before)
    },
    'GET /api/v1/service-applications': async (p, t, b) => {
      const res = await call(p.app, 'GET', '/api/v1/service-applications?pageSize=100', { token: t })
      if (res.status !== 200) return denied(res.status)
      expect(JSON.stringify(res.body)).not.toContain(b.reference)
      const overdue = await call(p.app, 'GET', '/api/v1/service-applications?pageSize=100&overdue=false', { token: t })
      expect(JSON.stringify(overdue.body)).not.toContain(b.reference)
    },
    'GET /api/v1/service-applications/:id': async (p, t, b) =>
      denied((await call(p.app, 'GET', `/api/v1/service-applications/${b.applicationId}`, { token: t })).status),
    'POST /api/v1/service-applications/:id/actions': async (p, t, b) => {
      for (const body of [
        { action: 'reject', version: b.version, reason: '越界驳回' },
        { action: 'withdraw', version: b.version },
      ])
        await unchanged(
          () => applicationRowOf(p, b.applicationId),
          () => call(p.app, 'POST', `/api/v1/service-applications/${b.applicationId}/actions`, { token: t, body }),
        )
    },
    'POST /api/v1/service-applications/:id/documents': async (p, t, b) =>
      unchanged(
        () => documentsOf(p, b.applicationId),
        () => uploadAs(p, t, b.applicationId, PDF),
      ),
    'GET /api/v1/service-applications/:id/documents/:docId': async (p, t, b) =>
      denied((await fileAs(p, t, b.applicationId, b.documentId)).status),
    'POST /api/v1/service-applications/:id/documents/:docId/check': async (p, t, b) =>
      unchanged(
        () => documentsOf(p, b.applicationId),
        () =>
          call(p.app, 'POST', `/api/v1/service-applications/${b.applicationId}/documents/${b.documentId}/check`, {
            token: t,
            body: { ok: true },
          }),
      ),
  },
}
