import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, DEMO_PASSWORD, openTestPlatform, type TestPlatform } from './support.js'

// Web security of the HTTP layer; the backend does not matter here.
describe('web security', () => {
  let p: TestPlatform
  beforeAll(async () => {
    p = await openTestPlatform('pglite', undefined, {
      loginRatePerMinute: 5,
      anonymousIntakeRatePerMinute: 3,
      apiKeyRatePerMinute: 2,
    })
  })
  afterAll(() => p?.close())

  it('sends security headers: a CSP without inline scripts, no framing, no sniffing', async () => {
    for (const url of ['/', '/api/v1/areas/tree']) {
      const res = await p.app.inject({ method: 'GET', url })
      const csp = String(res.headers['content-security-policy'])
      const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'))!
      expect(scriptSrc).not.toContain('unsafe-inline')
      expect(csp).toContain("frame-ancestors 'none'")
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['strict-transport-security']).toBeUndefined()
    }
    const docs = await p.app.inject({ method: 'GET', url: '/api/docs/' })
    expect(String(docs.headers['content-security-policy'])).not.toMatch(/script-src[^;]*unsafe-inline/)
    const tls = await p.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'https' } })
    // Without TRUST_PROXY a forwarded header is not believed; HSTS needs a real TLS connection.
    expect(tls.headers['strict-transport-security']).toBeUndefined()
  })

  it('refuses cookie-authenticated writes from another site (CSRF) but not bearer clients', async () => {
    const login = await p.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: { username: 'guihua.admin', password: DEMO_PASSWORD },
    })
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    const token = login.json().token
    const user = login.json().user.id
    const body = JSON.stringify({ displayName: '王芳' })
    const forged = await p.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${user}`,
      headers: { cookie, 'content-type': 'application/json', origin: 'https://evil.example' },
      payload: body,
    })
    expect(forged.statusCode).toBe(403)
    expect(forged.json().error.code).toBe('CSRF_REJECTED')
    const noOrigin = await p.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${user}`,
      headers: { cookie, 'content-type': 'application/json' },
      payload: body,
    })
    expect(noOrigin.statusCode).toBe(403)
    const sameSite = await p.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${user}`,
      headers: { cookie, 'content-type': 'application/json', origin: 'http://localhost:80', host: 'localhost:80' },
      payload: body,
    })
    expect(sameSite.statusCode).toBe(200)
    const bearer = await call(p.app, 'PATCH', `/api/v1/users/${user}`, { token, body: { displayName: '王芳' } })
    expect(bearer.status).toBe(200)
    const read = await p.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie, origin: 'https://evil.example' },
    })
    expect(read.statusCode).toBe(200)
  })

  it('rate-limits sign-ins and anonymous reports per client address', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (
          await call(p.app, 'POST', '/api/v1/auth/login', {
            body: { username: `nobody${i}`, password: 'whatever-long' },
          })
        ).status,
      )
    }
    expect(statuses.slice(0, 4).every((s) => s === 401)).toBe(true)
    const limited = await call(p.app, 'POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: DEMO_PASSWORD },
    })
    expect(limited.status).toBe(429)
    expect(limited.body.error.code).toBe('RATE_LIMITED')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)

    const anon = []
    for (let i = 0; i < 4; i++)
      anon.push(
        (
          await call(p.app, 'POST', '/api/v1/cases', {
            body: { categoryCode: 'NOPE', location: { lng: 1, lat: 1 }, description: 'x' },
          })
        ).status,
      )
    expect(anon.slice(0, 3)).toEqual([404, 404, 404])
    expect(anon[3]).toBe(429)
  })

  it('gives each Open311 API key its own quota', async () => {
    const post = (key: string) =>
      p.app.inject({
        method: 'POST',
        url: '/open311/v2/requests.json',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `api_key=${key}&service_code=NOPE&lat=30&long=120`,
      })
    const first = [
      await post('grassroots-demo-key'),
      await post('grassroots-demo-key'),
      await post('grassroots-demo-key'),
    ]
    expect(first.map((r) => r.statusCode)).toEqual([404, 404, 429])
    expect(first[2]!.json()).toEqual([{ code: 429, description: expect.stringContaining('too many requests') }])
    // Another key is not held back by the first one's quota.
    expect((await post('some-other-key')).statusCode).toBe(403)
  })
})
