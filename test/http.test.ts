import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, call, openTestPlatform, tokenFor, type TestPlatform } from './support.js'

describe.each(backends())('HTTP conventions on %s', (backend) => {
  let p: TestPlatform
  beforeAll(async () => {
    p = await openTestPlatform(backend)
  })
  afterAll(() => p?.close())

  it('reports health with the backend in use', async () => {
    const res = await call(p.app, 'GET', '/healthz')
    expect(res.body).toEqual({ status: 'ok', database: backend })
  })

  it('publishes OpenAPI 3 with request and response schemas on every route', async () => {
    const res = await call(p.app, 'GET', '/api/openapi.json')
    expect(res.status).toBe(200)
    expect(res.body.openapi).toMatch(/^3\./)
    const problems: string[] = []
    for (const [path, methods] of Object.entries(res.body.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!op.responses || !Object.keys(op.responses).some((s) => s.startsWith('2')))
          problems.push(`${method} ${path}: no success response schema`)
        // Routes whose body is empty (logout, retire, mark read, support, register, restore, an
        // activity's sign-up and its cancelling, a staff check-in, acknowledging an alert, a shelter's
        // check-out, a device's new secret, a lesson marked done, a model case's anonymisation check,
        // publishing an assessment run, training a dispatch model now) or a
        // raw image (photos) have no JSON schema.
        if (
          ['post', 'patch', 'put'].includes(method) &&
          !op.requestBody &&
          !/logout|retire|\/read$|\/photos$|\/test$|totp\/setup$|\/supports$|\/registrations$|\/restore$|\/ack$|\/checkout$|\/secret$|\/done$|\/check$|\/publish$|\/dispatch\/models$|\/signups(\/cancel|\/\{volunteerId\}\/checkin)?$/.test(
            path,
          )
        )
          problems.push(`${method} ${path}: no request body schema`)
        if (!op.summary) problems.push(`${method} ${path}: no summary`)
      }
    }
    expect(problems).toEqual([])
    const docs = await p.app.inject({ method: 'GET', url: '/api/docs/' })
    expect(docs.statusCode).toBe(200)
    expect(docs.headers['content-type']).toMatch(/html/)
  })

  it('answers every error in one shape with a stable code', async () => {
    const unknown = await call(p.app, 'GET', '/api/v1/nothing-here')
    expect(unknown.status).toBe(404)
    expect(unknown.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String), field: null } })
    const badId = await call(p.app, 'GET', '/api/v1/areas/abc')
    expect(badId.status).toBe(400)
    expect(badId.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'id' })
    const missing = await call(p.app, 'GET', '/api/v1/areas/99999')
    expect(missing.body.error).toMatchObject({ code: 'AREA_NOT_FOUND' })
    const wrongType = await p.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    })
    expect(wrongType.statusCode).toBe(415)
    expect(wrongType.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE')
    const huge = await p.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'x', password: 'y'.repeat(6 * 1024 * 1024) }),
    })
    expect(huge.statusCode).toBe(413)
    expect(huge.json().error.code).toBe('PAYLOAD_TOO_LARGE')
    const wrongJsonType = await call(p.app, 'POST', '/api/v1/auth/login', { body: { username: 42, password: 'x' } })
    expect(wrongJsonType.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'username' })
    const unauth = await call(p.app, 'POST', '/api/v1/areas', { body: {} })
    expect(unauth.status).toBe(400)
    const forbidden = await call(p.app, 'GET', '/api/v1/users', { token: await tokenFor(p.app, 'guihua.resident') })
    expect(forbidden.status).toBe(403)
    expect(forbidden.body.error.code).toBe('FORBIDDEN')
    const noLogin = await call(p.app, 'GET', '/api/v1/users')
    expect(noLogin.status).toBe(401)
    expect(noLogin.body.error.code).toBe('AUTH_REQUIRED')
    const badToken = await call(p.app, 'GET', '/api/v1/areas/tree', { token: 'forged' })
    expect(badToken.status).toBe(401)
  })
})
