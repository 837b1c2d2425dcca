import type { App } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { coursesRoutes } from './courses-routes.js'
import { learningRoutes } from './learning-routes.js'
import { modelsRoutes } from './models-routes.js'
import { policiesRoutes } from './policies-routes.js'

// Training and knowledge: courses with their lessons, files and quiz (courses); assignment by
// role and area, learning, attempts, certificates, reminders and completion records (learning);
// policy explainers (policies); the library of model cases (models). They share common.ts.
export async function trainingRoutes(app: App, platform: Platform) {
  await coursesRoutes(app, platform)
  await learningRoutes(app, platform)
  await policiesRoutes(app, platform)
  await modelsRoutes(app, platform)
}
