import type { TimerHandler } from '../core/scheduler.js'

// Stub: the applications use cases replace this.
export const applicationTimerHandler: TimerHandler = async () => {}
