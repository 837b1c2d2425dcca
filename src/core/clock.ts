import { DateTime } from 'luxon'

/** Time as the application sees it; tests substitute a clock they can move. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current)
  }
  set(at: Date | string): void {
    this.current = new Date(at)
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms)
  }
}

/** The platform's zone: days, years and wall times are Beijing's (the areas' default timezone). */
export const ZONE = 'Asia/Shanghai'
/** The calendar day of `at` in Beijing, YYYY-MM-DD. */
export const beijingDay = (at: Date): string => DateTime.fromJSDate(at, { zone: ZONE }).toISODate()!
/** The year as Beijing counts it (references are numbered by it). */
export const beijingYear = (at: Date): number => DateTime.fromJSDate(at, { zone: ZONE }).year
