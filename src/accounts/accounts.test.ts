import { cipherFor } from '../core/crypto.js'
import { sealPlaintextPhones } from '../operations/seal.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  areaId,
  backends,
  call,
  DEMO_PASSWORD,
  openTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../../test/support.js'

describe.each(backends())('accounts on %s', (backend) => {
  let p: TestPlatform
  beforeAll(async () => {
    p = await openTestPlatform(backend)
  })
  afterAll(() => p?.close())

  it('signs in with a bearer token and an httpOnly SameSite session cookie', async () => {
    const res = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: 'guihua.staff', password: DEMO_PASSWORD },
    })
    expect(res.status).toBe(200)
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{40,}$/)
    expect(res.body.user.roles).toEqual([
      expect.objectContaining({ role: 'staff', areaCode: 'JZ-QH-01-01', areaNameZh: '桂花社区' }),
    ])
    const cookie = String(res.headers['set-cookie'])
    expect(cookie).toMatch(/gr_session=/)
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Strict/i)
    const viaCookie = await p.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: cookie.split(';')[0]! },
    })
    expect(viaCookie.statusCode).toBe(200)
    expect(viaCookie.json().user.username).toBe('guihua.staff')
    // Only the token's hash is stored.
    const stored = await p.database.db.selectFrom('session').select('token_hash').execute()
    expect(stored.map((s) => s.token_hash)).not.toContain(res.body.token)
  })

  it('stores passwords as argon2id hashes', async () => {
    const u = await p.database.db
      .selectFrom('app_user')
      .select('password_hash')
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow()
    expect(u.password_hash).toMatch(/^\$argon2id\$/)
  })

  it('refuses wrong credentials alike for unknown users and wrong passwords, then throttles', async () => {
    const wrong = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: 'guihua.leader', password: 'nope-nope-nope' },
    })
    const unknown = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: 'nobody.here', password: 'nope-nope-nope' },
    })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(wrong.body.error.code).toBe(unknown.body.error.code)
    for (let i = 0; i < 4; i++)
      await call(p.app, 'POST', '/api/v1/auth/login', {
        body: { username: 'guihua.leader', password: 'still-wrong-pw' },
      })
    const throttled = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: 'guihua.leader', password: DEMO_PASSWORD },
    })
    expect(throttled.status).toBe(429)
    expect(throttled.body.error.code).toBe('AUTH_THROTTLED')
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0)
    const failures = await p.database.db
      .selectFrom('audit_log')
      .select('seq')
      .where('action', '=', 'auth.login_failed')
      .execute()
    expect(failures.length).toBeGreaterThanOrEqual(6)
  })

  it('asks staff with a second factor for a fresh TOTP code, and refuses a replayed one', async () => {
    const { Secret, TOTP } = await import('otpauth')
    const token = await tokenFor(p.app, 'cuizhu.leader')
    const setup = await call(p.app, 'POST', '/api/v1/auth/totp/setup', { token })
    expect(setup.status).toBe(200)
    expect(setup.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Grassroots:cuizhu\.leader\?/)
    const code = (at: Date) => TOTP.generate({ secret: Secret.fromBase32(setup.body.secret), timestamp: at.getTime() })
    expect(
      (
        await call(p.app, 'POST', '/api/v1/auth/totp/confirm', {
          token,
          body: { code: '000000' === code(p.clock.now()) ? '111111' : '000000' },
        })
      ).status,
    ).toBe(400)
    expect(
      (await call(p.app, 'POST', '/api/v1/auth/totp/confirm', { token, body: { code: code(p.clock.now()) } })).status,
    ).toBe(204)
    // An active factor cannot be swapped by a session alone.
    expect((await call(p.app, 'POST', '/api/v1/auth/totp/setup', { token })).status).toBe(409)

    const creds = { username: 'cuizhu.leader', password: DEMO_PASSWORD }
    const asked = await call(p.app, 'POST', '/api/v1/auth/login', { body: creds })
    expect(asked.status).toBe(401)
    expect(asked.body.error).toMatchObject({ code: 'AUTH_TOTP_REQUIRED', field: 'totpCode' })
    p.clock.advance(60_000)
    const fresh = code(p.clock.now())
    expect((await call(p.app, 'POST', '/api/v1/auth/login', { body: { ...creds, totpCode: fresh } })).status).toBe(200)
    const replay = await call(p.app, 'POST', '/api/v1/auth/login', { body: { ...creds, totpCode: fresh } })
    expect(replay.body.error).toMatchObject({ code: 'AUTH_INVALID_CREDENTIALS', field: 'totpCode' })
    // The secret never leaves through the API.
    const me = await call(
      p.app,
      'GET',
      `/api/v1/users/${asked.body.user?.id ?? (await p.database.db.selectFrom('app_user').select('id').where('username', '=', 'cuizhu.leader').executeTakeFirstOrThrow()).id}`,
      { token },
    )
    expect(JSON.stringify(me.body)).not.toContain(setup.body.secret)
    p.clock.advance(60_000)
    expect(
      (await call(p.app, 'POST', '/api/v1/auth/totp/disable', { token, body: { code: code(p.clock.now()) } })).status,
    ).toBe(204)
    expect((await call(p.app, 'POST', '/api/v1/auth/login', { body: creds })).status).toBe(200)
  })

  it('changes a password with the current one and signs out the other sessions', async () => {
    const first = (
      await call(p.app, 'POST', '/api/v1/auth/login', { body: { username: 'cuizhu.grid', password: DEMO_PASSWORD } })
    ).body.token
    const second = (
      await call(p.app, 'POST', '/api/v1/auth/login', { body: { username: 'cuizhu.grid', password: DEMO_PASSWORD } })
    ).body.token
    const wrong = await call(p.app, 'POST', '/api/v1/auth/password', {
      token: first,
      body: { currentPassword: 'not-it-at-all', newPassword: 'a-new-long-password' },
    })
    expect(wrong.body.error).toMatchObject({ code: 'AUTH_INVALID_CREDENTIALS', field: 'currentPassword' })
    const weak = await call(p.app, 'POST', '/api/v1/auth/password', {
      token: first,
      body: { currentPassword: DEMO_PASSWORD, newPassword: 'cuizhu.grid-2026' },
    })
    expect(weak.body.error.field).toBe('newPassword')
    expect(
      (
        await call(p.app, 'POST', '/api/v1/auth/password', {
          token: first,
          body: { currentPassword: DEMO_PASSWORD, newPassword: 'a-new-long-password' },
        })
      ).status,
    ).toBe(204)
    expect((await call(p.app, 'GET', '/api/v1/auth/me', { token: first })).status).toBe(200)
    expect((await call(p.app, 'GET', '/api/v1/auth/me', { token: second })).status).toBe(401)
    expect(
      (
        await call(p.app, 'POST', '/api/v1/auth/login', {
          body: { username: 'cuizhu.grid', password: 'a-new-long-password' },
        })
      ).status,
    ).toBe(200)
  })

  it('tells the owner when repeated failures lock their account', async () => {
    for (let i = 0; i < 5; i++)
      await call(p.app, 'POST', '/api/v1/auth/login', {
        body: { username: 'cuizhu.handler', password: `wrong-password-${i}` },
      })
    const user = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'cuizhu.handler')
      .executeTakeFirstOrThrow()
    const notes = await p.database.db
      .selectFrom('notification')
      .select(['kind', 'params'])
      .where('user_id', '=', user.id)
      .execute()
    expect(notes.filter((n) => n.kind === 'account_locked')).toHaveLength(1)
    const locked = await p.database.db
      .selectFrom('audit_log')
      .select('seq')
      .where('action', '=', 'auth.locked')
      .where('entity_id', '=', String(user.id))
      .execute()
    expect(locked).toHaveLength(1)
  })

  it('revokes the session at logout', async () => {
    const login = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: 'cuizhu.staff', password: DEMO_PASSWORD },
    })
    const token = login.body.token
    expect((await call(p.app, 'GET', '/api/v1/auth/me', { token })).status).toBe(200)
    expect((await call(p.app, 'POST', '/api/v1/auth/logout', { token })).status).toBe(204)
    const after = await call(p.app, 'GET', '/api/v1/auth/me', { token })
    expect(after.status).toBe(401)
    expect(after.body.error.code).toBe('AUTH_REQUIRED')
    expect((await call(p.app, 'GET', '/api/v1/auth/me')).status).toBe(401)
  })

  it('lets an admin create a user inside their area, exactly once per Idempotency-Key', async () => {
    const t = await tokenFor(p.app, 'guihua.admin')
    const grid = await areaId(p, 'JZ-QH-01-01-G02')
    const body = {
      username: 'guihua.grid2',
      displayName: '周明',
      password: 'a-strong-password',
      phone: '13812345678',
      grants: [{ role: 'grid_worker', areaId: grid }],
    }
    const headers = { 'idempotency-key': 'new-grid-worker' }
    const replies = await Promise.all(
      [1, 2, 3, 4, 5].map(() => call(p.app, 'POST', '/api/v1/users', { token: t, body, headers })),
    )
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201, 201, 201])
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1)
    expect(replies[0]!.body.phone).toBe('138****5678')
    const rows = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.grid2')
      .execute()
    expect(rows).toHaveLength(1)
    const login = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: 'guihua.grid2', password: 'a-strong-password' },
    })
    expect(login.status).toBe(200)
    const me = await call(p.app, 'GET', `/api/v1/users/${rows[0]!.id}`, { token: login.body.token })
    // Stored only encrypted: the user sees their own number masked too.
    expect(me.body.phone).toBe('138****5678')
    const stored = await p.database.db
      .selectFrom('app_user')
      .select(['phone', 'phone_enc'])
      .where('id', '=', rows[0]!.id)
      .executeTakeFirstOrThrow()
    expect(stored.phone).toBeNull()
    expect(cipherFor(p.config).decrypt(stored.phone_enc!)).toBe('13812345678')
  })

  it('seals a phone an older version stored in clear', async () => {
    const user = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.staff')
      .executeTakeFirstOrThrow()
    await p.database.db.updateTable('app_user').set({ phone: '139 0000 1111' }).where('id', '=', user.id).execute()
    expect(await sealPlaintextPhones(p.database, cipherFor(p.config))).toBe(1)
    expect(await sealPlaintextPhones(p.database, cipherFor(p.config))).toBe(0)
    const row = await p.database.db
      .selectFrom('app_user')
      .select(['phone', 'phone_enc', 'phone_masked'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ phone: null, phone_masked: '139****1111' })
    expect(cipherFor(p.config).decrypt(row.phone_enc!)).toBe('13900001111')
  })

  it('validates new users field by field', async () => {
    const t = await tokenFor(p.app, 'guihua.admin')
    const guihua = await areaId(p, 'JZ-QH-01-01')
    const good = {
      username: 'x.valid',
      displayName: 'X',
      password: 'a-strong-password',
      grants: [{ role: 'staff', areaId: guihua }],
    }
    const cases: [object, number, string][] = [
      [{ ...good, password: 'short' }, 400, 'password'],
      [{ ...good, password: 'aaaaaaaaaaaa' }, 400, 'password'],
      [{ ...good, password: '1234567890' }, 400, 'password'],
      [{ ...good, password: 'my-x.valid-pass' }, 400, 'password'],
      [{ ...good, username: 'Bad Name' }, 400, 'username'],
      [{ ...good, grants: [] }, 400, 'grants'],
      [{ ...good, grants: [{ role: 'king', areaId: guihua }] }, 400, 'grants[0].role'],
      [{ ...good, grants: [{ role: 'staff', areaId: 999999 }] }, 404, 'grants[0].areaId'],
      [{ ...good, phone: 'call me' }, 400, 'phone'],
      [{ ...good, username: 'guihua.staff' }, 409, 'username'],
      [{ ...good, departmentId: 99999 }, 404, 'departmentId'],
    ]
    for (const [body, status, field] of cases) {
      const res = await call(p.app, 'POST', '/api/v1/users', { token: t, body })
      expect({ status: res.status, field: res.body.error?.field }, JSON.stringify(body)).toEqual({ status, field })
    }
  })

  it('lists users in scope with filters and paging', async () => {
    const t = await tokenFor(p.app, 'donghu.staff')
    const page1 = await call(p.app, 'GET', '/api/v1/users?pageSize=3&page=1', { token: t })
    expect(page1.status).toBe(200)
    expect(page1.body.items).toHaveLength(3)
    expect(page1.body.total).toBeGreaterThan(3)
    const page2 = await call(p.app, 'GET', '/api/v1/users?pageSize=3&page=2', { token: t })
    expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id)
    const mediators = await call(p.app, 'GET', '/api/v1/users?role=mediator', { token: t })
    expect(mediators.body.items.map((u: { username: string }) => u.username)).toEqual(['guihua.mediator'])
    const text = await call(p.app, 'GET', '/api/v1/users?q=grid', { token: t })
    expect(text.body.items.every((u: { username: string }) => u.username.includes('grid'))).toBe(true)
    const bad = await call(p.app, 'GET', '/api/v1/users?pageSize=100000', { token: t })
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('pageSize')
  })

  it('disabling a user revokes their sessions', async () => {
    const victim = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: 'guihua.mediator', password: DEMO_PASSWORD },
    })
    const admin = await tokenFor(p.app, 'guihua.admin')
    const res = await call(p.app, 'PATCH', `/api/v1/users/${victim.body.user.id}`, {
      token: admin,
      body: { status: 'disabled' },
    })
    expect(res.status).toBe(200)
    expect((await call(p.app, 'GET', '/api/v1/auth/me', { token: victim.body.token })).status).toBe(401)
    expect(
      (
        await call(p.app, 'POST', '/api/v1/auth/login', {
          body: { username: 'guihua.mediator', password: DEMO_PASSWORD },
        })
      ).status,
    ).toBe(401)
  })

  it('grants and revokes roles on an area subtree', async () => {
    const admin = await tokenFor(p.app, 'donghu.admin')
    const user = await p.database.db
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', 'guihua.resident')
      .executeTakeFirstOrThrow()
    const liuan = await areaId(p, 'JZ-QH-01-02')
    const granted = await call(p.app, 'POST', `/api/v1/users/${user.id}/grants`, {
      token: admin,
      body: { role: 'staff', areaId: liuan },
    })
    expect(granted.status).toBe(201)
    const grant = granted.body.roles.find((r: { areaId: number }) => r.areaId === liuan)
    const dup = await call(p.app, 'POST', `/api/v1/users/${user.id}/grants`, {
      token: admin,
      body: { role: 'staff', areaId: liuan },
    })
    expect(dup.status).toBe(409)
    expect((await call(p.app, 'DELETE', `/api/v1/users/${user.id}/grants/${grant.id}`, { token: admin })).status).toBe(
      204,
    )
  })

  it('manages departments serving an area', async () => {
    const admin = await tokenFor(p.app, 'donghu.admin')
    const street = await areaId(p, 'JZ-QH-01')
    const created = await call(p.app, 'POST', '/api/v1/departments', {
      token: admin,
      body: {
        areaId: street,
        code: 'QH-01-WY',
        nameZh: '东湖街道物业管理办公室',
        nameEn: 'Donghu Property Management Office',
        kind: 'functional',
      },
    })
    expect(created.status).toBe(201)
    const list = await call(p.app, 'GET', `/api/v1/departments?areaId=${street}&kind=functional`, { token: admin })
    expect(list.body.items.map((d: { code: string }) => d.code)).toContain('QH-01-WY')
    const bad = await call(p.app, 'POST', '/api/v1/departments', {
      token: admin,
      body: { areaId: street, code: 'Y', nameZh: '乙', nameEn: 'Y', kind: 'club' },
    })
    expect(bad.body.error.field).toBe('kind')
  })
})
