import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { accountabilityRoutes } from './accountability-routes.js'
import { commentRoutes } from './comments-routes.js'
import { consultationRoutes } from './consultations-routes.js'
import { meetingRoutes } from './meetings-routes.js'
import { noticeRoutes } from './notices-routes.js'
import { proposalRoutes } from './proposals-routes.js'
import { surveyRoutes } from './surveys-routes.js'
import { verificationRoutes } from './verification-routes.js'

// Public participation: each process has its own routes file; they share common.ts (who runs
// participation, verification, uploads, notifications) and the comments of comments-routes.ts.
export async function participationRoutes(app: App, platform: Platform) {
  await verificationRoutes(app, platform)
  await noticeRoutes(app, platform)
  await consultationRoutes(app, platform)
  await commentRoutes(app, platform)
  await surveyRoutes(app, platform)
  await proposalRoutes(app, platform)
  await meetingRoutes(app, platform)
  await accountabilityRoutes(app, platform)
}
