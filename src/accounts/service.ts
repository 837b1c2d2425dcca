import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'
import { sql } from 'kysely'
import { AppError, notFound } from '../core/errors.js'
import type { Db, Tx } from '../core/db.js'
import type { Input, Output } from '../core/http.js'
import { containing } from '../core/like.js'
import { offsetOf, pageQuerySchema, paginate } from '../core/paging.js'
import { body, id, nullable, shape, shapeWith, text } from '../core/schemas.js'
import {
  asSystem,
  holds,
  requireActor,
  roles,
  type Actor,
  type Grant,
  type RequestContext,
  type Role,
} from '../core/scope.js'
import { recordAudit } from '../audit/service.js'
import { sha256Hex } from '../core/privacy.js'
import type { SealedPhone } from '../core/crypto.js'
import { areaPathOf } from '../jurisdiction/service.js'
import { checkSecondFactor, hasSecondFactor } from './totp.js'

// ── Schemas ───────────────────────────────────────────────────────────────────────────────────

/** A grid worker's duty (migration 0075): 网格长, 专职网格员, 兼职网格员, 下沉干部. */
export const dutyTypes = ['grid_leader', 'full_time', 'part_time', 'assigned_cadre'] as const
export type DutyType = (typeof dutyTypes)[number]

const name = text(100)
const phone = { type: ['string', 'null'], pattern: '^\\+?[0-9 -]{5,20}$' } as const
const userStatus = { type: 'string', enum: ['active', 'disabled'] } as const

export const grantSchema = shape({
  id: { type: 'integer' },
  role: { type: 'string', enum: roles },
  areaId: { type: 'integer' },
  areaCode: { type: 'string' },
  areaNameZh: { type: 'string' },
  areaNameEn: { type: 'string' },
  dutyType: {
    type: ['string', 'null'],
    enum: [...dutyTypes, null],
    description: 'A grid worker’s duty: grid_leader 网格长, full_time 专职, part_time 兼职, assigned_cadre 下沉干部',
  },
})
const userProperties = {
  id: { type: 'integer' },
  username: { type: 'string' },
  displayName: { type: 'string' },
  departmentId: nullable('integer'),
} as const
/** A user as a list, the sign-in and /auth/me show them (lists add the status). */
export const userSchema = shapeWith(
  { ...userProperties, roles: { type: 'array', items: grantSchema } },
  { status: userStatus },
)
export type UserView = Output<typeof userSchema>
/** A user's record with their (masked) phone. */
export const userDetailSchema = shape({
  ...userProperties,
  status: userStatus,
  roles: { type: 'array', items: grantSchema },
  phone: { ...nullable('string'), description: 'Masked' },
  createdAt: { type: 'string' },
})

export const userQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuerySchema,
    areaId: id,
    role: { type: 'string', enum: roles },
    q: { type: 'string', maxLength: 100 },
  },
} as const
export type UserFilter = Input<typeof userQuery>

export const roleGrantBody = body(['role', 'areaId'], {
  role: { type: 'string', enum: roles },
  areaId: id,
  dutyType: { type: 'string', enum: dutyTypes, description: 'Grid workers only (default full_time)' },
})
export type RoleGrantInput = Input<typeof roleGrantBody>

export const newUserBody = body(['username', 'displayName', 'password', 'grants'], {
  username: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{2,63}$' },
  displayName: name,
  password: { type: 'string', maxLength: 200 },
  phone,
  departmentId: id,
  grants: { type: 'array', minItems: 1, maxItems: 50, items: roleGrantBody },
})
/** A new user as the use case takes it: the password already hashed, the phone sealed (core/crypto.ts sealPhone). */
export type NewUser = Omit<Input<typeof newUserBody>, 'password' | 'phone'> & {
  passwordHash: string
  phone?: SealedPhone
}

export const userPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { displayName: name, phone, status: userStatus },
} as const
/** A change to a user, the phone sealed. */
export type UserPatch = Omit<Input<typeof userPatchBody>, 'phone'> & { phone?: SealedPhone }

// ── Use cases ─────────────────────────────────────────────────────────────────────────────────

export const MIN_PASSWORD_LENGTH = 10
const THROTTLE_WINDOW_MINUTES = 15
const MAX_FAILURES_PER_USERNAME = 5
const MAX_FAILURES_PER_IP = 30

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id })

// Passwords that length alone would let through but every guessing list tries first.
const GUESSABLE =
  /^(.)\1*$|^(0123456789|1234567890|12345678910|9876543210|password\d*|qwertyuiop|1q2w3e4r5t|grassroots\d*)$/i

export function checkPasswordPolicy(password: string, field = 'password', username?: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError('VALIDATION_FAILED', `a password needs at least ${MIN_PASSWORD_LENGTH} characters`, field)
  }
  if (GUESSABLE.test(password))
    throw new AppError('VALIDATION_FAILED', 'this password is among the first any attacker tries', field)
  if (username && password.toLowerCase().includes(username.toLowerCase())) {
    throw new AppError('VALIDATION_FAILED', 'a password must not contain the username', field)
  }
}

const tokenHash = sha256Hex

// Verifying against a fixed hash when the user does not exist keeps the answer time the same,
// so response times do not reveal which usernames exist.
let decoyHash: Promise<string> | undefined

type GrantRow = Output<typeof grantSchema> & { path: string }

async function grantsOf(db: Db | Tx, userIds: number[]) {
  if (userIds.length === 0) return new Map<number, GrantRow[]>()
  const rows = await db
    .selectFrom('role_grant as g')
    .innerJoin('area as a', 'a.id', 'g.area_id')
    .select(['g.id', 'g.user_id', 'g.role', 'g.area_id', 'g.duty_type', 'a.code', 'a.name_zh', 'a.name_en', 'a.path'])
    .where('g.user_id', 'in', userIds)
    .orderBy('g.id')
    .execute()
  const byUser = new Map<number, GrantRow[]>()
  for (const r of rows) {
    const list = byUser.get(r.user_id) ?? []
    list.push({
      id: r.id,
      role: r.role as Role,
      areaId: r.area_id,
      areaCode: r.code,
      areaNameZh: r.name_zh,
      areaNameEn: r.name_en,
      dutyType: r.duty_type as DutyType | null,
      path: r.path,
    })
    byUser.set(r.user_id, list)
  }
  return byUser
}

const presentGrant = (g: GrantRow): Output<typeof grantSchema> => ({
  id: g.id,
  role: g.role,
  areaId: g.areaId,
  areaCode: g.areaCode,
  areaNameZh: g.areaNameZh,
  areaNameEn: g.areaNameEn,
  dutyType: g.dutyType,
})

/**
 * Resolves a bearer token or session cookie to the caller, or null when it is not a live session.
 * One statement (session, user and grants together): it runs before every signed-in request.
 */
export async function actorForToken(db: Db, token: string): Promise<Actor | null> {
  const { rows } = await sql<{
    id: number
    username: string
    display_name: string
    department_id: number | null
    grants: Grant[]
  }>`
    select u.id, u.username, u.display_name, u.department_id,
           coalesce((select json_agg(json_build_object('role', g.role, 'areaId', g.area_id, 'path', a.path) order by g.id)
                     from role_grant g join area a on a.id = g.area_id where g.user_id = u.id), '[]') as grants
    from session s join app_user u on u.id = s.user_id
    where s.token_hash = ${tokenHash(token)} and s.revoked_at is null and s.expires_at > now() and u.status = 'active'`.execute(
    db,
  )
  const row = rows[0]
  if (!row) return null
  return {
    userId: row.id,
    username: row.username,
    displayName: row.display_name,
    departmentId: row.department_id,
    grants: row.grants,
  }
}

/** The actor behind a user id, for work done later on their behalf (a background import). */
export async function actorForUser(db: Db, userId: number): Promise<Actor | null> {
  const row = await db
    .selectFrom('app_user')
    .select(['id', 'username', 'display_name', 'department_id'])
    .where('id', '=', userId)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (!row) return null
  const grants = (await grantsOf(db, [row.id])).get(row.id) ?? []
  return {
    userId: row.id,
    username: row.username,
    displayName: row.display_name,
    departmentId: row.department_id,
    grants: grants.map((g): Grant => ({ role: g.role, areaId: g.areaId, path: g.path })),
  }
}

export async function userView(db: Db | Tx, userId: number): Promise<UserView> {
  const u = await db
    .selectFrom('app_user')
    .select(['id', 'username', 'display_name', 'department_id'])
    .where('id', '=', userId)
    .executeTakeFirst()
  if (!u) throw notFound('USER_NOT_FOUND', `user ${userId}`)
  const grants = (await grantsOf(db, [u.id])).get(u.id) ?? []
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    departmentId: u.department_id,
    roles: grants.map(presentGrant),
  }
}

/** The signed-in caller, as /auth/me shows them. */
export const ownView = (db: Db, ctx: RequestContext) => userView(db, requireActor(ctx).userId)

export interface LoginResult {
  token: string
  expiresAt: Date
  user: UserView
}

/**
 * Password login. Failures are counted per username and per client address; past the limit the
 * answer is 429 with Retry-After, before the password is even checked.
 */
export async function login(
  db: Db,
  ip: string,
  userAgent: string | null,
  username: string,
  password: string,
  ttlHours: number,
  totpCode?: string,
  now: Date = new Date(),
): Promise<LoginResult> {
  const since = sql<Date>`now() - make_interval(mins => ${THROTTLE_WINDOW_MINUTES})`
  const failures = await db
    .selectFrom('login_attempt')
    .select([
      sql<number>`count(*) filter (where username = ${username})`.as('by_user'),
      sql<number>`count(*) filter (where ip = ${ip})`.as('by_ip'),
    ])
    .where('succeeded', '=', false)
    .where('at', '>', since)
    .where((eb) => eb.or([eb('username', '=', username), eb('ip', '=', ip)]))
    .executeTakeFirstOrThrow()
  if (Number(failures.by_user) >= MAX_FAILURES_PER_USERNAME || Number(failures.by_ip) >= MAX_FAILURES_PER_IP) {
    throw new AppError('AUTH_THROTTLED', 'too many failed sign-ins; try again later', null, {
      'retry-after': String(THROTTLE_WINDOW_MINUTES * 60),
    })
  }
  const user = await db
    .selectFrom('app_user')
    .select(['id', 'username', 'password_hash', 'status'])
    .where('username', '=', username)
    .executeTakeFirst()
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'))
  const ok = await argon2.verify(user?.password_hash ?? (await decoyHash), password)
  const ctx: RequestContext = {
    ip,
    actor: user ? { userId: user.id, username: user.username, displayName: '', grants: [] } : null,
  }
  const fail = async (field: string | null, reason: string) => {
    await asSystem(db, async (tx) => {
      await tx.insertInto('login_attempt').values({ username, ip, succeeded: false }).execute()
      await recordAudit(tx, ctx, {
        action: 'auth.login_failed',
        entityType: 'user',
        entityId: user?.id,
        detail: { username, reason },
      })
      // The failure that locks the account tells its owner, who may not be the one trying.
      if (user && Number(failures.by_user) + 1 === MAX_FAILURES_PER_USERNAME) {
        await tx
          .insertInto('notification')
          .values({
            user_id: user.id,
            case_id: null,
            kind: 'account_locked',
            params: JSON.stringify({ ip, minutes: THROTTLE_WINDOW_MINUTES }),
            created_at: now,
            read_at: null,
          })
          .execute()
        await recordAudit(tx, ctx, {
          action: 'auth.locked',
          entityType: 'user',
          entityId: user.id,
          detail: { minutes: THROTTLE_WINDOW_MINUTES },
        })
      }
    })
    throw new AppError(
      'AUTH_INVALID_CREDENTIALS',
      field === 'totpCode' ? 'wrong or already used second-factor code' : 'wrong username or password',
      field,
    )
  }
  if (!user || !ok || user.status !== 'active') return fail(null, 'password')
  if (await hasSecondFactor(db, user.id)) {
    if (!totpCode)
      throw new AppError('AUTH_TOTP_REQUIRED', 'this account needs the code from its authenticator app', 'totpCode')
    const good = await asSystem(db, (tx) => checkSecondFactor(tx, user.id, totpCode, now))
    if (!good) return fail('totpCode', 'totp')
  }
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(Date.now() + ttlHours * 3600_000)
  await asSystem(db, async (tx) => {
    await tx.insertInto('login_attempt').values({ username, ip, succeeded: true }).execute()
    await tx
      .insertInto('session')
      .values({
        token_hash: tokenHash(token),
        user_id: user.id,
        expires_at: expiresAt,
        ip,
        user_agent: userAgent?.slice(0, 300) ?? null,
      })
      .execute()
    await recordAudit(tx, ctx, { action: 'auth.login', entityType: 'user', entityId: user.id })
  })
  return { token, expiresAt, user: await userView(db, user.id) }
}

export async function logout(db: Db, ctx: RequestContext, token: string): Promise<void> {
  await asSystem(db, async (tx) => {
    await tx
      .updateTable('session')
      .set({ revoked_at: sql`now()` })
      .where('token_hash', '=', tokenHash(token))
      .where('revoked_at', 'is', null)
      .execute()
    await recordAudit(tx, ctx, { action: 'auth.logout', entityType: 'user', entityId: ctx.actor?.userId })
  })
}

export async function createUser(tx: Tx, ctx: RequestContext, input: NewUser) {
  requireActor(ctx)
  for (const [i, g] of input.grants.entries()) {
    checkDutyType(g, `grants[${i}].dutyType`)
    if (!holds(ctx.actor, ['admin'], await areaPathOf(tx, g.areaId, `grants[${i}].areaId`))) {
      throw new AppError('FORBIDDEN', 'you can grant roles only inside the areas you administer', `grants[${i}].areaId`)
    }
  }
  if (input.departmentId !== undefined) {
    const d = await tx.selectFrom('department').select('id').where('id', '=', input.departmentId).executeTakeFirst()
    if (!d) throw notFound('DEPARTMENT_NOT_FOUND', `department ${input.departmentId}`, 'departmentId')
  }
  const created = (await sql<{ id: number }>`select nextval('app_user_id_seq')::int as id`.execute(tx)).rows[0]!
  await tx
    .insertInto('app_user')
    .values({
      id: created.id,
      username: input.username,
      display_name: input.displayName,
      password_hash: input.passwordHash,
      phone_enc: input.phone?.enc ?? null,
      phone_masked: input.phone?.masked ?? null,
      department_id: input.departmentId ?? null,
    })
    .execute()
  for (const g of input.grants) {
    await tx
      .insertInto('role_grant')
      .values({
        user_id: created.id,
        role: g.role,
        area_id: g.areaId,
        duty_type: dutyOf(g),
        granted_by: ctx.actor!.userId,
      })
      .execute()
  }
  await recordAudit(tx, ctx, {
    action: 'user.create',
    entityType: 'user',
    entityId: created.id,
    areaId: input.grants[0]?.areaId ?? null,
    detail: { username: input.username, grants: input.grants },
  })
  return userDetail(tx, ctx, created.id, false)
}

/** A user's record as the caller may see it; reading it is a read of personal data, so audited. */
export async function userDetail(
  tx: Tx,
  ctx: RequestContext,
  id: number,
  audit = true,
): Promise<Output<typeof userDetailSchema>> {
  const u = await tx
    .selectFrom('app_user')
    .select(['id', 'username', 'display_name', 'phone_masked', 'department_id', 'status', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst()
  if (!u) throw notFound('USER_NOT_FOUND', `user ${id}`)
  const grants = (await grantsOf(tx, [id])).get(id) ?? []
  if (audit) {
    await recordAudit(tx, ctx, {
      action: 'user.read',
      entityType: 'user',
      entityId: id,
      areaId: grants[0]?.areaId ?? null,
    })
  }
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    // Masked for everyone, the user included: a phone is stored only encrypted.
    phone: u.phone_masked,
    departmentId: u.department_id,
    status: u.status,
    createdAt: u.created_at.toISOString(),
    roles: grants.map(presentGrant),
  }
}

/** Users visible to the caller (row-level security does the scoping), filtered and paged. */
export async function listUsers(tx: Tx, filter: UserFilter) {
  let q = tx.selectFrom('app_user as u')
  if (filter.q) {
    const like = containing(filter.q)
    q = q.where((eb) => eb.or([eb('u.username', 'ilike', like), eb('u.display_name', 'ilike', like)]))
  }
  if (filter.areaId !== undefined || filter.role !== undefined) {
    const areaPathFilter = filter.areaId === undefined ? null : await areaPathOf(tx, filter.areaId, 'areaId')
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('role_grant as g')
          .innerJoin('area as a', 'a.id', 'g.area_id')
          .select('g.id')
          .whereRef('g.user_id', '=', 'u.id')
          .$if(filter.role !== undefined, (w) => w.where('g.role', '=', filter.role!))
          .$if(areaPathFilter !== null, (w) => w.where('a.path', 'like', `${areaPathFilter}%`)),
      ),
    )
  }
  const total = await q.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
  const rows = await q
    .select(['u.id', 'u.username', 'u.display_name', 'u.status', 'u.department_id'])
    .orderBy('u.username')
    .limit(filter.pageSize)
    .offset(offsetOf(filter))
    .execute()
  const grants = await grantsOf(
    tx,
    rows.map((r) => r.id),
  )
  return paginate(
    filter,
    rows.map(
      (r): UserView => ({
        id: r.id,
        username: r.username,
        displayName: r.display_name,
        departmentId: r.department_id,
        status: r.status,
        roles: (grants.get(r.id) ?? []).map(presentGrant),
      }),
    ),
    Number(total.n),
  )
}

export async function updateUser(tx: Tx, ctx: RequestContext, id: number, patch: UserPatch) {
  const actor = requireActor(ctx)
  const self = actor.userId === id
  const target = await tx.selectFrom('app_user').select('id').where('id', '=', id).executeTakeFirst()
  if (!target) throw notFound('USER_NOT_FOUND', `user ${id}`)
  const grants = (await grantsOf(tx, [id])).get(id) ?? []
  const administers = grants.length > 0 && grants.every((g) => holds(actor, ['admin'], g.path))
  if (!administers && !(self && patch.status === undefined)) {
    throw new AppError('FORBIDDEN', 'only an admin over all of the user’s areas may change this user', null)
  }
  await tx
    .updateTable('app_user')
    .set({
      ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
      ...(patch.phone !== undefined ? { phone_enc: patch.phone.enc, phone_masked: patch.phone.masked } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute()
  if (patch.status === 'disabled') {
    await tx
      .updateTable('session')
      .set({ revoked_at: sql`now()` })
      .where('user_id', '=', id)
      .where('revoked_at', 'is', null)
      .execute()
  }
  await recordAudit(tx, ctx, {
    action: 'user.update',
    entityType: 'user',
    entityId: id,
    areaId: grants[0]?.areaId ?? null,
    detail: { changed: Object.keys(patch) },
  })
  return userDetail(tx, ctx, id, false)
}

/** A duty type belongs to a grid worker's grant only (migration 0075 checks it again). */
function checkDutyType(g: RoleGrantInput, field: string): void {
  if (g.dutyType !== undefined && g.role !== 'grid_worker')
    throw new AppError('VALIDATION_FAILED', 'only a grid worker’s grant has a duty type', field)
}

/** A grid worker's duty, full-time unless named; none for any other role. */
const dutyOf = (g: RoleGrantInput): DutyType | null => (g.role === 'grid_worker' ? (g.dutyType ?? 'full_time') : null)

export async function grantRole(tx: Tx, ctx: RequestContext, userId: number, grant: RoleGrantInput) {
  const { role, areaId } = grant
  const actor = requireActor(ctx)
  if (!roles.includes(role)) throw new AppError('VALIDATION_FAILED', 'unknown role', 'role')
  checkDutyType(grant, 'dutyType')
  if (!holds(actor, ['admin'], await areaPathOf(tx, areaId, 'areaId'))) {
    throw new AppError('FORBIDDEN', 'you can grant roles only inside the areas you administer', 'areaId')
  }
  const user = await tx.selectFrom('app_user').select('id').where('id', '=', userId).executeTakeFirst()
  if (!user) throw notFound('USER_NOT_FOUND', `user ${userId}`)
  await tx
    .insertInto('role_grant')
    .values({ user_id: userId, role, area_id: areaId, duty_type: dutyOf(grant), granted_by: actor.userId })
    .execute()
  await recordAudit(tx, ctx, {
    action: 'user.grant',
    entityType: 'user',
    entityId: userId,
    areaId,
    detail: { role, ...(role === 'grid_worker' ? { dutyType: dutyOf(grant) } : {}) },
  })
  return userDetail(tx, ctx, userId, false)
}

export async function revokeGrant(tx: Tx, ctx: RequestContext, userId: number, grantId: number) {
  const actor = requireActor(ctx)
  const g = await tx
    .selectFrom('role_grant as g')
    .innerJoin('area as a', 'a.id', 'g.area_id')
    .select(['g.id', 'g.role', 'g.area_id', 'a.path'])
    .where('g.id', '=', grantId)
    .where('g.user_id', '=', userId)
    .executeTakeFirst()
  if (!g) throw notFound('NOT_FOUND', `grant ${grantId} of user ${userId}`)
  if (!holds(actor, ['admin'], g.path))
    throw new AppError('FORBIDDEN', 'you can revoke roles only inside the areas you administer')
  await tx.deleteFrom('role_grant').where('id', '=', grantId).execute()
  await recordAudit(tx, ctx, {
    action: 'user.revoke',
    entityType: 'user',
    entityId: userId,
    areaId: g.area_id,
    detail: { role: g.role },
  })
}

/**
 * Changes the caller's own password after checking the current one, and ends their other
 * sessions: whoever knew the old password is signed out everywhere else.
 */
export async function changePassword(
  db: Db,
  ctx: RequestContext,
  currentToken: string,
  current: string,
  next: string,
): Promise<void> {
  const actor = requireActor(ctx)
  const u = await db
    .selectFrom('app_user')
    .select(['password_hash'])
    .where('id', '=', actor.userId)
    .executeTakeFirstOrThrow()
  if (!(await argon2.verify(u.password_hash, current)))
    throw new AppError('AUTH_INVALID_CREDENTIALS', 'the current password is wrong', 'currentPassword')
  checkPasswordPolicy(next, 'newPassword', actor.username)
  const hash = await hashPassword(next)
  await asSystem(db, async (tx) => {
    await tx
      .updateTable('app_user')
      .set({ password_hash: hash, updated_at: sql`now()` })
      .where('id', '=', actor.userId)
      .execute()
    await tx
      .updateTable('session')
      .set({ revoked_at: sql`now()` })
      .where('user_id', '=', actor.userId)
      .where('token_hash', '!=', tokenHash(currentToken))
      .where('revoked_at', 'is', null)
      .execute()
    await recordAudit(tx, ctx, { action: 'auth.password_changed', entityType: 'user', entityId: actor.userId })
  })
}
