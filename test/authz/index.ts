import * as analyticsDashboard from './analytics-dashboard.js'
import * as analyticsMaps from './analytics-maps.js'
import * as analyticsWarnings from './analytics-warnings.js'
import * as analyticsReports from './analytics-reports.js'
import * as analyticsAssessment from './analytics-assessment.js'
import * as components from './components.js'
import * as consultations from './consultations.js'
import * as devicesAlarms from './devices-alarms.js'
import * as devicesIngest from './devices-ingest.js'
import * as devicesRegistry from './devices-registry.js'
import * as emergencyAlerts from './emergency-alerts.js'
import * as emergencyChecks from './emergency-checks.js'
import * as emergencyIncidents from './emergency-incidents.js'
import * as emergencyResponse from './emergency-response.js'
import * as grid from './grid.js'
import * as meetings from './meetings.js'
import * as notices from './notices.js'
import type { OwnPart, ScopingPart } from './parts.js'
import * as partyCobuild from './party-cobuild.js'
import * as partyMembers from './party-members.js'
import * as partyOrganisations from './party-organisations.js'
import * as proposals from './proposals.js'
import * as servicesCatalogue from './services-catalogue.js'
import * as servicesFacilities from './services-facilities.js'
import * as servicesProjects from './services-projects.js'
import * as servicesVolunteers from './services-volunteers.js'
import * as statsEvaluation from './stats-evaluation.js'
import * as analyticsTopics from './analytics-topics.js'
import * as trainingCourses from './training-courses.js'
import * as trainingLearning from './training-learning.js'
import * as trainingModels from './training-models.js'
import * as trainingPolicies from './training-policies.js'
import * as surveys from './surveys.js'

// Every part of both tables; a module with a file under test/authz/ is listed here once.
const modules = [
  notices,
  consultations,
  surveys,
  proposals,
  meetings,
  servicesCatalogue,
  servicesFacilities,
  servicesProjects,
  servicesVolunteers,
  emergencyIncidents,
  emergencyAlerts,
  emergencyChecks,
  emergencyResponse,
  devicesRegistry,
  devicesIngest,
  devicesAlarms,
  partyOrganisations,
  partyMembers,
  partyCobuild,
  trainingCourses,
  trainingLearning,
  trainingPolicies,
  trainingModels,
  statsEvaluation,
  analyticsAssessment,
  analyticsTopics,
  analyticsDashboard,
  analyticsMaps,
  analyticsWarnings,
  analyticsReports,
  components,
  grid,
]
// Each part's fixture type is its own, hence `any` here.
export const ownParts: OwnPart<any>[] = modules.map((m) => m.own)
export const scopingParts: ScopingPart<any>[] = modules.map((m) => m.scoping)
