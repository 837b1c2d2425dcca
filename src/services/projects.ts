import type { TimerHandler } from '../core/scheduler.js'

// Stub: the projects use cases replace this.
export const milestoneTimerHandler: TimerHandler = async () => {}
