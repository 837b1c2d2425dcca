import { cipherFor, sealPhone } from '../core/crypto.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorResponses, idParams } from '../core/http.js'
import { idempotencyHeaders as idempotencyHeader, idempotent, sendReply } from '../core/idempotency.js'
import { pageQuerySchema, pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope, requireActor, requireRoleSomewhere, roles, staffRoles, type Role } from '../core/scope.js'
import { beginTotp, confirmTotp, disableTotp } from './totp.js'
import {
  createDepartment,
  departmentKinds,
  getDepartment,
  listDepartments,
  updateDepartment,
  type DepartmentFilter,
  type NewDepartment,
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
  revokeGrant,
  updateUser,
  userDetail,
  userView,
  type UserFilter,
  type UserPatch,
} from './service.js'

export const SESSION_COOKIE = 'gr_session'

const grantView = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    role: { type: 'string', enum: roles },
    areaId: { type: 'integer' },
    areaCode: { type: 'string' },
    areaNameZh: { type: 'string' },
    areaNameEn: { type: 'string' },
  },
} as const
const userView_ = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    departmentId: { type: ['integer', 'null'] },
    status: { type: 'string' },
    roles: { type: 'array', items: grantView },
  },
} as const
const userDetailSchema = {
  type: 'object',
  properties: {
    ...userView_.properties,
    phone: { type: ['string', 'null'] },
    departmentId: { type: ['integer', 'null'] },
    createdAt: { type: 'string' },
  },
} as const
const departmentSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    areaId: { type: 'integer' },
    code: { type: 'string' },
    nameZh: { type: 'string' },
    nameEn: { type: 'string' },
    kind: { type: 'string', enum: departmentKinds },
  },
} as const
const areaId = { type: 'integer', minimum: 1, maximum: 2147483647 } as const
const name = { type: 'string', minLength: 1, maxLength: 100 } as const
const phone = { type: ['string', 'null'], pattern: '^\\+?[0-9 -]{5,20}$' } as const

export async function accountRoutes(app: FastifyInstance, { database, config, clock }: Platform) {
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
    config: { rateLimit: { max: config.loginRatePerMinute, timeWindow: '1 minute' } },
    schema: {
      tags: ['accounts'],
      summary: 'Sign in; returns a bearer token and sets an httpOnly session cookie',
      body: {
        type: 'object',
        required: ['username', 'password'],
        additionalProperties: false,
        properties: {
          username: { type: 'string', minLength: 1, maxLength: 64 },
          password: { type: 'string', minLength: 1, maxLength: 200 },
          totpCode: { type: 'string', pattern: '^[0-9]{6}$' },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: { token: { type: 'string' }, expiresAt: { type: 'string' }, user: userView_ },
        },
        ...errorResponses(401, 429),
      },
    },
    handler: async (req, reply) => {
      const { username, password, totpCode } = req.body as { username: string; password: string; totpCode?: string }
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
    schema: {
      tags: ['accounts'],
      summary: 'Revoke the current session',
      response: { 204: { type: 'null' }, ...errorResponses(401) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      await logout(db, req.ctx, req.sessionToken!)
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.code(204).send()
    },
  })

  app.get('/api/v1/auth/me', {
    schema: {
      tags: ['accounts'],
      summary: 'The signed-in user and their role grants',
      response: { 200: { type: 'object', properties: { user: userView_ } }, ...errorResponses(401) },
    },
    handler: async (req) => ({ user: await userView(db, requireActor(req.ctx).userId) }),
  })

  app.post('/api/v1/auth/password', {
    schema: {
      tags: ['accounts'],
      summary: 'Change your own password (ends your other sessions)',
      body: {
        type: 'object',
        required: ['currentPassword', 'newPassword'],
        additionalProperties: false,
        properties: {
          currentPassword: { type: 'string', minLength: 1, maxLength: 200 },
          newPassword: { type: 'string', maxLength: 200 },
        },
      },
      response: { 204: { type: 'null' }, ...errorResponses(401) },
    },
    handler: async (req, reply) => {
      const { currentPassword, newPassword } = req.body as { currentPassword: string; newPassword: string }
      await changePassword(db, req.ctx, req.sessionToken ?? '', currentPassword, newPassword)
      return reply.code(204).send()
    },
  })

  const codeBody = {
    type: 'object',
    required: ['code'],
    additionalProperties: false,
    properties: { code: { type: 'string', pattern: '^[0-9]{6}$' } },
  } as const
  app.post('/api/v1/auth/totp/setup', {
    schema: {
      tags: ['accounts'],
      summary: 'Start setting up a second factor: returns a TOTP secret and otpauth:// URI to scan',
      response: {
        200: { type: 'object', properties: { secret: { type: 'string' }, otpauthUri: { type: 'string' } } },
        ...errorResponses(401),
      },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return beginTotp(db, req.ctx)
    },
  })
  app.post('/api/v1/auth/totp/confirm', {
    schema: {
      tags: ['accounts'],
      summary: 'Turn the second factor on with a code from the new secret',
      body: codeBody,
      response: { 204: { type: 'null' }, ...errorResponses(401, 409) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      await confirmTotp(db, req.ctx, (req.body as { code: string }).code, clock.now())
      return reply.code(204).send()
    },
  })
  app.post('/api/v1/auth/totp/disable', {
    schema: {
      tags: ['accounts'],
      summary: 'Turn the second factor off (needs a current code)',
      body: codeBody,
      response: { 204: { type: 'null' }, ...errorResponses(401, 409) },
    },
    handler: async (req, reply) => {
      requireActor(req.ctx)
      await disableTotp(db, req.ctx, (req.body as { code: string }).code, clock.now())
      return reply.code(204).send()
    },
  })

  app.get('/api/v1/users', {
    schema: {
      tags: ['accounts'],
      summary: 'Users visible in the caller’s areas',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...pageQuerySchema,
          areaId,
          role: { type: 'string', enum: roles },
          q: { type: 'string', maxLength: 100 },
        },
      },
      response: { 200: pageSchema(userView_), ...errorResponses(401, 403) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, staffRoles)
      return inScope(db, req.ctx, (tx) => listUsers(tx, req.query as UserFilter))
    },
  })

  app.post('/api/v1/users', {
    schema: {
      tags: ['accounts'],
      summary: 'Create a user with role grants inside the caller’s administered areas',
      headers: idempotencyHeader,
      body: {
        type: 'object',
        required: ['username', 'displayName', 'password', 'grants'],
        additionalProperties: false,
        properties: {
          username: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{2,63}$' },
          displayName: name,
          password: { type: 'string', maxLength: 200 },
          phone,
          departmentId: areaId,
          grants: {
            type: 'array',
            minItems: 1,
            maxItems: 50,
            items: {
              type: 'object',
              required: ['role', 'areaId'],
              additionalProperties: false,
              properties: { role: { type: 'string', enum: roles }, areaId },
            },
          },
        },
      },
      response: { 201: userDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      requireRoleSomewhere(req.ctx, ['admin'])
      const body = req.body as {
        username: string
        displayName: string
        password: string
        phone?: string
        departmentId?: number
        grants: { role: Role; areaId: number }[]
      }
      checkPasswordPolicy(body.password, 'password', body.username)
      // Hashing happens before the transaction: an open transaction must not wait on the CPU.
      const passwordHash = await hashPassword(body.password)
      const { password: _omit, ...fingerprint } = body
      const { phone, ...withoutPhone } = fingerprint
      const result = await inScope(db, req.ctx, (tx) =>
        idempotent(tx, req.ctx, req.headers['idempotency-key'] as string | undefined, fingerprint, async () => ({
          status: 201,
          body: await createUser(tx, req.ctx, {
            ...withoutPhone,
            passwordHash,
            ...(phone !== undefined ? { phone: sealStaffPhone(phone) } : {}),
          }),
        })),
      )
      return sendReply(reply as never, result)
    },
  })

  app.get('/api/v1/users/:id', {
    schema: {
      tags: ['accounts'],
      summary: 'One user (audited read of personal data)',
      params: idParams,
      response: { 200: userDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      return inScope(db, req.ctx, (tx) => userDetail(tx, req.ctx, (req.params as { id: number }).id))
    },
  })

  app.patch('/api/v1/users/:id', {
    schema: {
      tags: ['accounts'],
      summary: 'Change a user (self: name and phone; admin: also status)',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { displayName: name, phone, status: { type: 'string', enum: ['active', 'disabled'] } },
      },
      response: { 200: userDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireActor(req.ctx)
      const { phone: plain, ...rest } = req.body as Omit<UserPatch, 'phone'> & { phone?: string | null }
      const patch: UserPatch = { ...rest, ...(plain !== undefined ? { phone: sealStaffPhone(plain) } : {}) }
      return inScope(db, req.ctx, (tx) => updateUser(tx, req.ctx, (req.params as { id: number }).id, patch))
    },
  })

  app.post('/api/v1/users/:id/grants', {
    schema: {
      tags: ['accounts'],
      summary: 'Grant a role on an area subtree',
      params: idParams,
      headers: idempotencyHeader,
      body: {
        type: 'object',
        required: ['role', 'areaId'],
        additionalProperties: false,
        properties: { role: { type: 'string', enum: roles }, areaId },
      },
      response: { 201: userDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      requireRoleSomewhere(req.ctx, ['admin'])
      const { role, areaId: a } = req.body as { role: Role; areaId: number }
      const id = (req.params as { id: number }).id
      const result = await inScope(db, req.ctx, (tx) =>
        idempotent(
          tx,
          req.ctx,
          req.headers['idempotency-key'] as string | undefined,
          { id, role, areaId: a },
          async () => ({
            status: 201,
            body: await grantRole(tx, req.ctx, id, role, a),
          }),
        ),
      )
      return sendReply(reply as never, result)
    },
  })

  app.delete('/api/v1/users/:id/grants/:grantId', {
    schema: {
      tags: ['accounts'],
      summary: 'Revoke a role grant',
      params: {
        type: 'object',
        required: ['id', 'grantId'],
        additionalProperties: false,
        properties: { id: areaId, grantId: areaId },
      },
      response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      requireRoleSomewhere(req.ctx, ['admin'])
      const { id, grantId } = req.params as { id: number; grantId: number }
      await inScope(db, req.ctx, (tx) => revokeGrant(tx, req.ctx, id, grantId))
      return reply.code(204).send()
    },
  })

  app.get('/api/v1/departments', {
    schema: {
      tags: ['accounts'],
      summary: 'Departments serving the caller’s areas',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { ...pageQuerySchema, areaId, kind: { type: 'string', enum: departmentKinds } },
      },
      response: { 200: pageSchema(departmentSchema), ...errorResponses(401, 403) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, staffRoles)
      return inScope(db, req.ctx, (tx) => listDepartments(tx, req.query as DepartmentFilter))
    },
  })

  app.post('/api/v1/departments', {
    schema: {
      tags: ['accounts'],
      summary: 'Create a department serving an area',
      headers: idempotencyHeader,
      body: {
        type: 'object',
        required: ['areaId', 'code', 'nameZh', 'nameEn', 'kind'],
        additionalProperties: false,
        properties: {
          areaId,
          code: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,40}$' },
          nameZh: name,
          nameEn: name,
          kind: { type: 'string', enum: departmentKinds },
        },
      },
      response: { 201: departmentSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      requireRoleSomewhere(req.ctx, ['admin'])
      const body = req.body as NewDepartment
      const result = await inScope(db, req.ctx, (tx) =>
        idempotent(tx, req.ctx, req.headers['idempotency-key'] as string | undefined, body, async () => ({
          status: 201,
          body: await createDepartment(tx, req.ctx, body),
        })),
      )
      return sendReply(reply as never, result)
    },
  })

  app.get('/api/v1/departments/:id', {
    schema: {
      tags: ['accounts'],
      summary: 'One department',
      params: idParams,
      response: { 200: departmentSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, staffRoles)
      return inScope(db, req.ctx, (tx) => getDepartment(tx, (req.params as { id: number }).id))
    },
  })

  app.patch('/api/v1/departments/:id', {
    schema: {
      tags: ['accounts'],
      summary: 'Rename or re-classify a department',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { nameZh: name, nameEn: name, kind: { type: 'string', enum: departmentKinds } },
      },
      response: { 200: departmentSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => {
      requireRoleSomewhere(req.ctx, ['admin'])
      return inScope(db, req.ctx, (tx) =>
        updateDepartment(tx, req.ctx, (req.params as { id: number }).id, req.body as object),
      )
    },
  })
}
