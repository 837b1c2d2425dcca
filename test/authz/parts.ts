import { expect } from 'vitest'
import type { Call, TestPlatform } from '../support.js'

// The authorization tables (test/authz-own.test.ts, test/scoping.test.ts) take rows from parts:
// a module with many routes declares its rows, probes and fixture in a file of its own under
// test/authz/, and both tables fail on a route without a row as before.

export type Outcome = 'ok' | 'tried' | 'unauth' | 'forbidden' | 'notFound' | { na: string }

export const callers = [
  'anonymous',
  'admin',
  'leader',
  'staff',
  'grid_worker',
  'department_handler',
  'mediator',
  'resident',
] as const
export type Caller = (typeof callers)[number]
export type Row = Record<Caller, Outcome>

/** One row of the table, in the column order of `callers`. */
export function row(
  anonymous: Outcome,
  admin: Outcome,
  leader: Outcome,
  staff: Outcome,
  grid_worker: Outcome,
  department_handler: Outcome,
  mediator: Outcome,
  resident: Outcome,
): Row {
  return { anonymous, admin, leader, staff, grid_worker, department_handler, mediator, resident }
}

/** What a part's fixture gets of community A (桂花) in the own-area table. */
export interface OwnBase {
  community: number
  grid: number
  point: { lng: number; lat: number }
  /** A session token of one of A's demo accounts: 'guihua.staff', 'guihua.resident', … */
  token(username: string): Promise<string>
}

export interface OwnProbeContext<D> {
  p: TestPlatform
  who: Caller
  token: string | null
  data: D
  base: OwnBase
}

/** A module's rows of the own-area table: what each of A's callers gets from each route. */
export interface OwnPart<D> {
  setup(p: TestPlatform, base: OwnBase): Promise<D>
  rows: Record<string, Row>
  probes: Record<string, (c: OwnProbeContext<D>) => Promise<Call>>
}

/** What a part's fixture gets of community B (翠竹) in the scoping table. */
export interface ScopingBase {
  /** Community B (JZ-QH-02-01) and its grid G01. */
  community: number
  grid: number
  /** A session token of one of B's demo accounts: 'cuizhu.staff', 'cuizhu.resident', … */
  token(username: string): Promise<string>
}

/** A module's rows of the scoping table: nobody of A reads or changes B's records. */
export interface ScopingPart<D> {
  setup(p: TestPlatform, base: ScopingBase): Promise<D>
  probes: Record<string, (p: TestPlatform, token: string | null, data: D, base: ScopingBase) => Promise<void>>
}

/** Denied: 401, 403 or 404. */
export const denied = (status: number) => expect([401, 403, 404]).toContain(status)

/** The write is denied and what `read` shows is the same before and after. */
export async function unchanged<T>(read: () => Promise<T>, act: () => Promise<{ status: number }>) {
  const before = await read()
  const res = await act()
  denied(res.status)
  expect(await read()).toEqual(before)
}

/** Fails unless the response has `status`; answers its body. */
export function must(what: string, res: Call, status: number) {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}
