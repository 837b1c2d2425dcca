import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, openTestPlatform, tokenFor, type TestPlatform } from './support.js'

describe('Prometheus metrics', () => {
  let p: TestPlatform
  beforeAll(async () => {
    p = await openTestPlatform('pglite', undefined, { metricsToken: 'scrape-secret-123' })
  })
  afterAll(() => p?.close())

  it('serves request counts and latencies by route to the scrape token only', async () => {
    await call(p.app, 'GET', '/api/v1/areas/tree')
    await call(p.app, 'GET', '/api/v1/areas/99999')
    expect((await p.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401)
    expect(
      (await p.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode,
    ).toBe(401)
    expect((await call(p.app, 'GET', '/metrics', { token: await tokenFor(p.app, 'admin') })).status).toBe(401)
    const res = await p.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer scrape-secret-123' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('grassroots_http_requests_total{method="GET",route="/api/v1/areas/tree",status="200"} 1')
    expect(res.body).toContain('route="/api/v1/areas/:id",status="404"')
    expect(res.body).toContain('grassroots_process_resident_memory_bytes')
  })
})

describe('Prometheus metrics without a scrape token', () => {
  let p: TestPlatform
  beforeAll(async () => {
    p = await openTestPlatform('pglite')
  })
  afterAll(() => p?.close())

  it('are for admins of a root area', async () => {
    expect((await call(p.app, 'GET', '/metrics', { token: await tokenFor(p.app, 'admin') })).status).toBe(200)
    expect((await call(p.app, 'GET', '/metrics', { token: await tokenFor(p.app, 'guihua.admin') })).status).toBe(403)
    expect((await call(p.app, 'GET', '/metrics')).status).toBe(401)
  })
})
