import { DateTime } from 'luxon'
import type { Db, Tx } from '../core/db.js'

// Working days follow the calendar table: Saturday and Sunday are off unless marked 'workday'
// (make-up days), other days are on unless marked 'holiday'. Dates are local to the area.

export type CalendarOverrides = Map<string, 'holiday' | 'workday'>

export async function loadCalendar(db: Db | Tx, from: Date, days = 400): Promise<CalendarOverrides> {
  const start = DateTime.fromJSDate(from).minus({ days: 7 }).toISODate()!
  const end = DateTime.fromJSDate(from).plus({ days }).toISODate()!
  const rows = await db
    .selectFrom('calendar_day')
    .select(['day', 'kind'])
    .where('day', '>=', start)
    .where('day', '<=', end)
    .execute()
  return new Map(rows.map((r) => [String(r.day), r.kind as 'holiday' | 'workday']))
}

export function isWorkday(day: DateTime, overrides: CalendarOverrides): boolean {
  const o = overrides.get(day.toISODate()!)
  if (o) return o === 'workday'
  return day.weekday <= 5
}

/**
 * The moment `n` working days after `start`: the same local time on the n-th following working
 * day. A start on a day off counts from the next working day's beginning.
 */
export function addWorkdays(start: Date, n: number, overrides: CalendarOverrides, zone: string): Date {
  let t = DateTime.fromJSDate(start, { zone })
  if (!isWorkday(t, overrides)) {
    do t = t.plus({ days: 1 }).startOf('day')
    while (!isWorkday(t, overrides))
  }
  let left = n
  while (left > 0) {
    t = t.plus({ days: 1 })
    if (isWorkday(t, overrides)) left--
  }
  return t.toJSDate()
}
