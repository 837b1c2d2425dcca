import type { FastifyReply, FastifyRequest } from 'fastify'
import { cipherFor, sealPhone } from '../core/crypto.js'
import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { body, id, shape } from '../core/schemas.js'
import { inScope, staffRoles } from '../core/scope.js'
import { beginTotp, confirmTotp, disableTotp } from './totp.js'
import {
  createDepartment,
  departmentPatchBody,
  departmentQuery,
  departmentSchema,
  getDepartment,
  listDepartments,
  newDepartmentBody,
  updateDepartment,
} from './departments.js'
import {
  changePassword,
  checkPasswordPolicy,
  createUser,
  grantRole,
  hashPassword,
  listUsers,
  login,
  logout,
  newUserBody,
  ownView,
  revokeGrant,
  roleGrantBody,
  updateUser,
  userDetail,
  userDetailSchema,
  userPatchBody,
  userQuery,
  userSchema,
  type UserPatch,
} from './service.js'

export const SESSION_COOKIE = 'gr_session'

const codeBody = body(['code'], { code: { type: 'string', pattern: '^[0-9]{6}$' } })

export async function accountRoutes(app: App, { database, config, clock }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)
  // Spaces and hyphens are dropped; staff may have numbers from anywhere, so no mainland-only check.
  const sealStaffPhone = (phone: string | null) =>
    sealPhone(cipher, phone === null ? null : phone.replace(/[\s-]/g, ''))
  const setSessionCookie = (req: FastifyRequest, reply: FastifyReply, token: string, expires: Date) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.protocol === 'https',
      path: '/',
      expires,
    })

  app.post('/api/v1/auth/login', {
    config: { access: 'public', rateLimit: { max: config.loginRatePerMinute, timeWindow: '1 minute' } },
    schema: {
      tags: ['accounts'],
      summary: 'Sign in; returns a bearer token and sets an httpOnly session cookie',
      body: body(['username', 'password'], {
        username: { type: 'string', minLength: 1, maxLength: 64 },
        password: { type: 'string', minLength: 1, maxLength: 200 },
        totpCode: { type: 'string', pattern: '^[0-9]{6}$' },
      }),
      response: {
        200: shape({ token: { type: 'string' }, expiresAt: { type: 'string' }, user: userSchema }),
        ...errorResponses(401, 429),
      },
    },
    handler: async (req, reply) => {
      const { username, password, totpCode } = req.body
      const result = await login(
        db,
        req.ip,
        req.headers['user-agent'] ?? null,
        username.toLowerCase(),
        password,
        config.sessionTtlHours,
        totpCode,
        clock.now(),
      )
      setSessionCookie(req, reply, result.token, result.expiresAt)
      return { token: result.token, expiresAt: result.expiresAt.toISOString(), user: result.user }
    },
  })

  app.post('/api/v1/auth/logout', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['accounts'],
      summary: 'Revoke the current session',
      response: { 204: { type: 'null' }, ...errorResponses(401) },
    },
    handler: async (req, reply) => {
      await logout(db, req.ctx, req.sessionToken!)
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.code(204).send(null)
    },
  })

  app.get('/api/v1/auth/me', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['accounts'],
      summary: 'The signed-in user and their role grants',
      response: { 200: shape({ user: userSchema }), ...errorResponses(401) },
    },
    handler: async (req) => ({ user: await ownView(db, req.ctx) }),
  })

  app.post('/api/v1/auth/password', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['accounts'],
      summary: 'Change your own password (ends your other sessions)',
      body: body(['currentPassword', 'newPassword'], {
        currentPassword: { type: 'string', minLength: 1, maxLength: 200 },
        newPassword: { type: 'string', maxLength: 200 },
      }),
      response: { 204: { type: 'null' }, ...errorResponses(401) },
    },
    handler: async (req, reply) => {
      await changePassword(db, req.ctx, req.sessionToken ?? '', req.body.currentPassword, req.body.newPassword)
      return reply.code(204).send(null)
    },
  })

  app.post('/api/v1/auth/totp/setup', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['accounts'],
      summary: 'Start setting up a second factor: returns a TOTP secret and otpauth:// URI to scan',
      response: {
        200: shape({ secret: { type: 'string' }, otpauthUri: { type: 'string' } }),
        ...errorResponses(401),
      },
    },
    handler: async (req) => beginTotp(db, req.ctx),
  })

  app.post('/api/v1/auth/totp/confirm', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['accounts'],
      summary: 'Turn the second factor on with a code from the new secret',
      body: codeBody,
      response: { 204: { type: 'null' }, ...errorResponses(401, 409) },
    },
    handler: async (req, reply) => {
      await confirmTotp(db, req.ctx, req.body.code, clock.now())
      return reply.code(204).send(null)
    },
  })

  app.post('/api/v1/auth/totp/disable', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['accounts'],
      summary: 'Turn the second factor off (needs a current code)',
      body: codeBody,
      response: { 204: { type: 'null' }, ...errorResponses(401, 409) },
    },
    handler: async (req, reply) => {
      await disableTotp(db, req.ctx, req.body.code, clock.now())
      return reply.code(204).send(null)
    },
  })

  app.get('/api/v1/users', {
    config: { access: staffRoles },
    schema: {
      tags: ['accounts'],
      summary: 'Users visible in the caller’s areas',
      querystring: userQuery,
      response: { 200: pageSchema(userSchema), ...errorResponses(401, 403) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listUsers(tx, req.query)),
  })

  app.post('/api/v1/users', {
    config: { access: ['admin'] },
    schema: {
      tags: ['accounts'],
      summary: 'Create a user with role grants inside the caller’s administered areas',
      headers: idempotencyHeaders,
      body: newUserBody,
      response: { 201: userDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      const { password, ...fingerprint } = req.body
      checkPasswordPolicy(password, 'password', fingerprint.username)
      // Hashing happens before the transaction: an open transaction must not wait on the CPU.
      const passwordHash = await hashPassword(password)
      const { phone, ...rest } = fingerprint
      reply.code(201)
      return createOnce(db, req, fingerprint, (tx) =>
        createUser(tx, req.ctx, {
          ...rest,
          passwordHash,
          ...(phone !== undefined ? { phone: sealStaffPhone(phone) } : {}),
        }),
      )
    },
  })

  app.get('/api/v1/users/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['accounts'],
      summary: 'One user (audited read of personal data)',
      params: idParams,
      response: { 200: userDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => userDetail(tx, req.ctx, req.params.id)),
  })

  app.patch('/api/v1/users/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags: ['accounts'],
      summary: 'Change a user (self: name and phone; admin: also status)',
      params: idParams,
      body: userPatchBody,
      response: { 200: userDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      const { phone: plain, ...rest } = req.body
      const patch: UserPatch = { ...rest, ...(plain !== undefined ? { phone: sealStaffPhone(plain) } : {}) }
      return inScope(db, req.ctx, (tx) => updateUser(tx, req.ctx, req.params.id, patch))
    },
  })

  app.post('/api/v1/users/:id/grants', {
    config: { access: ['admin'] },
    schema: {
      tags: ['accounts'],
      summary: 'Grant a role on an area subtree',
      params: idParams,
      headers: idempotencyHeaders,
      body: roleGrantBody,
      response: { 201: userDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      const { id } = req.params
      reply.code(201)
      return createOnce(db, req, { id, ...req.body }, (tx) => grantRole(tx, req.ctx, id, req.body))
    },
  })

  app.delete('/api/v1/users/:id/grants/:grantId', {
    config: { access: ['admin'] },
    schema: {
      tags: ['accounts'],
      summary: 'Revoke a role grant',
      params: {
        type: 'object',
        required: ['id', 'grantId'],
        additionalProperties: false,
        properties: { id, grantId: id },
      },
      response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      await inScope(db, req.ctx, (tx) => revokeGrant(tx, req.ctx, req.params.id, req.params.grantId))
      return reply.code(204).send(null)
    },
  })

  app.get('/api/v1/departments', {
    config: { access: staffRoles },
    schema: {
      tags: ['accounts'],
      summary: 'Departments serving the caller’s areas',
      querystring: departmentQuery,
      response: { 200: pageSchema(departmentSchema), ...errorResponses(401, 403) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listDepartments(tx, req.query)),
  })

  app.post('/api/v1/departments', {
    config: { access: ['admin'] },
    schema: {
      tags: ['accounts'],
      summary: 'Create a department serving an area',
      headers: idempotencyHeaders,
      body: newDepartmentBody,
      response: { 201: departmentSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createDepartment(tx, req.ctx, req.body))
    },
  })

  app.get('/api/v1/departments/:id', {
    config: { access: staffRoles },
    schema: {
      tags: ['accounts'],
      summary: 'One department',
      params: idParams,
      response: { 200: departmentSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => getDepartment(tx, req.params.id)),
  })

  app.patch('/api/v1/departments/:id', {
    config: { access: ['admin'] },
    schema: {
      tags: ['accounts'],
      summary: 'Rename or re-classify a department',
      params: idParams,
      body: departmentPatchBody,
      response: { 200: departmentSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => updateDepartment(tx, req.ctx, req.params.id, req.body)),
  })
}
