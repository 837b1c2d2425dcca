import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, openTestPlatform, square, tokenFor, type TestPlatform } from './support.js'

// Every create endpoint honours Idempotency-Key: the same request fired 20 times at once makes
// one record and 20 identical answers (where the first answer carries a secret shown once, the
// replays carry the same record without it).

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

describe.each(backends())('safe retries on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  beforeAll(async () => {
    p = await openTestPlatform(backend)
    for (const u of ['admin', 'guihua.admin', 'guihua.resident']) t[u] = await tokenFor(p.app, u)
  })
  afterAll(() => p?.close())

  async function fire(
    who: string,
    url: string,
    payload: Buffer | object,
    key: string,
    contentType = 'application/json',
  ) {
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        p.app.inject({
          method: 'POST',
          url,
          headers: { authorization: `Bearer ${t[who]}`, 'content-type': contentType, 'idempotency-key': key },
          payload: Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
        }),
      ),
    )
    expect(new Set(replies.map((r) => r.statusCode)), replies[0]!.body).toEqual(new Set([201]))
    return replies.map((r) => r.json())
  }
  const count = async (table: string, where: string) =>
    (
      await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${sql.raw(where)}`.execute(
        p.database.db,
      )
    ).rows[0]!.n

  it.each([
    [
      'areas',
      () => [
        'admin',
        '/api/v1/areas',
        { parentId: 0, code: 'RETRY-A', nameZh: '重试', nameEn: 'Retry', boundary: square(124, 34) },
      ],
      ['area', "code = 'RETRY-A'"],
    ],
    [
      'departments',
      () => [
        'admin',
        '/api/v1/departments',
        { areaId: 0, code: 'RETRY-D', nameZh: '重试部门', nameEn: 'Retry dept', kind: 'functional' },
      ],
      ['department', "code = 'RETRY-D'"],
    ],
    [
      'users',
      () => [
        'guihua.admin',
        '/api/v1/users',
        {
          username: 'retry.user',
          displayName: '重试',
          password: 'a-long-password',
          grants: [{ role: 'staff', areaId: 0 }],
        },
      ],
      ['app_user', "username = 'retry.user'"],
    ],
    [
      'cases',
      () => ['guihua.resident', '/api/v1/cases', { categoryCode: 'DL-03', location: null, description: '重试的报告' }],
      ['cases', "description = '重试的报告'"],
    ],
  ] as const)('POST /api/v1/%s', async (_name, make, [table, where]) => {
    const [who, url, body] = make() as [string, string, Record<string, unknown>]
    const guihua = await areaId(p, 'JZ-QH-01-01')
    if ('parentId' in body) body.parentId = guihua
    if ('areaId' in body) body.areaId = guihua
    if ('grants' in body) body.grants = [{ role: 'staff', areaId: guihua }]
    if ('location' in body) {
      const { rows } = await sql<{
        lng: number
        lat: number
      }>`select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where code = 'JZ-QH-01-01-G01'`.execute(
        p.database.db,
      )
      body.location = rows[0]
    }
    const answers = await fire(who, url, body, `retry-${table}`)
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
    expect(await count(table, where)).toBe(1)
  })

  it('POST /api/v1/photos', async () => {
    const answers = await fire('guihua.resident', '/api/v1/photos', PNG, 'retry-photo', 'image/png')
    expect(new Set(answers.map((a) => a.token)).size).toBe(1)
    expect(await count('case_photo', `token = '${answers[0].token}'`)).toBe(1)
  })

  it('POST /api/v1/users/:id/grants', async () => {
    const user = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.resident')
      .executeTakeFirstOrThrow()
    const liuan = await areaId(p, 'JZ-QH-01-02')
    const answers = await fire(
      'admin',
      `/api/v1/users/${user.id}/grants`,
      { role: 'staff', areaId: liuan },
      'retry-grant',
    )
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
    expect(await count('role_grant', `user_id = ${user.id} and area_id = ${liuan}`)).toBe(1)
  })

  it.each([
    ['webhooks', { url: 'https://example.org/hook', events: ['*'] }, 'webhook', 'secret'],
    ['api-keys', { name: 'Retry app' }, 'api_key', 'key'],
  ] as const)(
    'POST /api/v1/%s gives the secret once and the same record to every retry',
    async (name, extra, table, secretField) => {
      const guihua = await areaId(p, 'JZ-QH-01-01')
      const answers = await fire('guihua.admin', `/api/v1/${name}`, { areaId: guihua, ...extra }, `retry-${name}`)
      expect(new Set(answers.map((a) => a.id)).size).toBe(1)
      expect(answers.filter((a) => typeof a[secretField] === 'string' && a[secretField].length > 0)).toHaveLength(1)
      expect(await count(table, `area_id = ${guihua}`)).toBe(1)
    },
  )
})
