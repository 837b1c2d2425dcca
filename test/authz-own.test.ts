import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { residentId } from '../src/registry/fake.js'
import {
  areaId,
  backends,
  call,
  DEMO_PASSWORD,
  openTestPlatform,
  square,
  tokenFor,
  type Call,
  type TestPlatform,
} from './support.js'
import { ownParts } from './authz/index.js'
import { callers, row, type Caller, type OwnBase, type Outcome, type Row } from './authz/parts.js'

// What each role of community A (桂花, Guihua) — and a caller who is not signed in — may do with
// A's OWN data, route by route. test/scoping.test.ts proves the foreign-area dimension (nobody of
// A reaches community B); this file declares, in one table, the answer every caller gets from one
// representative, valid request against A's own data, and checks it. A route of the OpenAPI
// document without a row fails the test, and so does a row for a route that no longer exists.
//
// The rows were written from the code's rules (requireActor / requireRoleSomewhere / holds in the
// routes and services, and the row-level security policies of the migrations), not from a run.
//
// Legend
//   ok         2xx: the request did what it asks (write probes are idempotent or create throwaway rows)
//   tried      the caller passed every permission check and the deliberately harmless request was
//              refused on its merits: 400, 409 or 422 (e.g. a workflow action without its required
//              comment, a TOTP code that cannot match). Used where a real success would be irreversible.
//   unauth     401: sign in first
//   forbidden  403: the caller's roles do not allow it
//   notFound   404: row-level security hides the object from this caller
//   { na }     not checked, with the reason (a status that depends on data, not on the rules)

const accountOf: Record<Exclude<Caller, 'anonymous'>, string> = {
  admin: 'guihua.admin', // admin of the community 桂花 (not of the city)
  leader: 'guihua.leader',
  staff: 'guihua.staff', // of the community committee QH-01-01-JW
  grid_worker: 'guihua.grid', // on grid JZ-QH-01-01-G01 only, not on the community
  department_handler: 'guihua.handler', // of the street's law-enforcement team QH-01-ZF
  mediator: 'guihua.mediator', // of the street's mediation committee QH-01-TW
  resident: 'guihua.resident',
}

// prettier-ignore
const expected: Record<string, Row> = {
  //                                                  anonymous  admin        leader       staff        grid_worker  dept_handler mediator     resident
  'GET /healthz': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/config': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/openapi.json': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  // Root admins only (or the METRICS_TOKEN scraper): A's admin administers a community, not the city.
  'GET /metrics': row(
    'unauth',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // Areas: boundaries are public; the coverage check is for staff; changes are for admins of the area.
  'GET /api/v1/areas/tree': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/areas/locate': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/areas/boundaries': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/areas/:id': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/areas/:id/coverage': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'ok', 'ok', 'forbidden'),
  'POST /api/v1/areas': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'PATCH /api/v1/areas/:id': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'POST /api/v1/areas/:id/move': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'POST /api/v1/areas/:id/retire': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'POST /api/v1/areas/import': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // Own account: everyone signed in, residents included.
  'POST /api/v1/auth/login': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'POST /api/v1/auth/logout': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/auth/me': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'POST /api/v1/auth/password': row('unauth', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried'),
  'POST /api/v1/auth/totp/setup': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'POST /api/v1/auth/totp/confirm': row('unauth', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried'),
  'POST /api/v1/auth/totp/disable': row('unauth', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried', 'tried'),
  // Users: staff see the users whose grants lie inside their areas (a grid worker's area is one
  // grid, so guihua.mediator, granted on the community, is hidden from them); a user may change
  // their own name; only an admin over all of a user's areas may change another user.
  'GET /api/v1/users': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden'),
  'POST /api/v1/users': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'GET /api/v1/users/:id': row('unauth', 'ok', 'ok', 'ok', 'notFound', 'ok', 'ok', 'notFound'),
  'PATCH /api/v1/users/:id': row('unauth', 'ok', 'forbidden', 'forbidden', 'notFound', 'forbidden', 'ok', 'notFound'),
  'POST /api/v1/users/:id/grants': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'DELETE /api/v1/users/:id/grants/:grantId': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // Departments serving the caller's areas (a grid worker sees those serving the grid's ancestors).
  'GET /api/v1/departments': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden'),
  'POST /api/v1/departments': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'GET /api/v1/departments/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden'),
  'PATCH /api/v1/departments/:id': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // The audit trail of an area is for its admins; verifying the whole chain for root admins.
  'GET /api/v1/audit': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'GET /api/v1/audit/verify': row(
    'unauth',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // Cases: anyone may report (portal channel); every staff role of the area and the reporter see
  // the case; rejecting is for triage (staff, admin) — the probe omits the required reason, so an
  // allowed caller gets 400 and nothing changes.
  'GET /api/v1/categories': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'POST /api/v1/photos': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'POST /api/v1/cases': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/photos/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/cases': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/supervision': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
  'GET /api/v1/cases/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'POST /api/v1/cases/:id/actions': row(
    'unauth',
    'tried',
    'forbidden',
    'tried',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // The requester's phone is for triage and the handling department; this case left none (409).
  'POST /api/v1/cases/:id/reporter-phone': row(
    'unauth',
    'tried',
    'forbidden',
    'tried',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // The working-day calendar is one for the platform, kept by root admins; anyone may read it.
  'GET /api/v1/calendar': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'PUT /api/v1/calendar/:day': row(
    'unauth',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'DELETE /api/v1/calendar/:day': row(
    'unauth',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'GET /api/v1/categories/:code/routing': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden'),
  'PUT /api/v1/categories/:code/routing/:areaId': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // The loop's rules are readable configuration for staff; admins of the area set them.
  'GET /api/v1/areas/:id/case-rules': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden'),
  'PUT /api/v1/areas/:id/case-rules': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'GET /api/v1/stats/cases': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden'),
  // Webhooks and API keys are administered by admins of the area.
  'GET /api/v1/webhooks': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'POST /api/v1/webhooks': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'PATCH /api/v1/webhooks/:id': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'POST /api/v1/webhooks/:id/test': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'GET /api/v1/webhooks/:id/deliveries': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'GET /api/v1/api-keys': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'POST /api/v1/api-keys': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // Revoking checks only for a signed-in caller; row-level security then hides keys from non-admins.
  'POST /api/v1/api-keys/:id/revoke': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // Open311: reads are public; filing needs an API key (in the body), whoever sends it.
  'GET /open311/v2/discovery.:format': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /open311/v2/services.:format': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /open311/v2/services/:service_code.:format': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /open311/v2/requests.:format': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /open311/v2/requests/:service_request_id.:format': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /open311/v2/tokens/:token.:format': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'POST /open311/v2/requests.:format': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  // Public pages; rating needs the reporter token (the probe's case is still submitted, so 409).
  'GET /api/v1/public/cases/:trackingCode': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/public/map': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'POST /api/v1/public/cases/:trackingCode/rating': row(
    'tried',
    'tried',
    'tried',
    'tried',
    'tried',
    'tried',
    'tried',
    'tried',
  ),
  // Each signed-in user's own inbox.
  'GET /api/v1/notifications': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'POST /api/v1/notifications/:id/read': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  // Registry (src/registry/records.ts): readers are admin, leader, staff and grid workers over the
  // record's area (the grid worker's area is grid G01, where A's records are filed); writers are
  // admin, staff and grid workers. Handlers, mediators and residents hold no registry role: row-level
  // security hides every record from them (404 for a record by id, an empty page for a list); where
  // the code checks the role before reading anything, they get 403.
  'POST /api/v1/people': row('unauth', 'ok', 'forbidden', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden'),
  'POST /api/v1/people/search': row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden'),
  'GET /api/v1/people/duplicates': row('unauth', 'ok', 'forbidden', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden'),
  'POST /api/v1/people/duplicates/dismiss': row(
    'unauth',
    'ok',
    'forbidden',
    'ok',
    'ok',
    'notFound',
    'notFound',
    'notFound',
  ),
  // Exports are for admin, leader and staff; grid workers may read their grid but not export it.
  'GET /api/v1/people/export': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
  'GET /api/v1/people/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  'PATCH /api/v1/people/:id': row('unauth', 'ok', 'forbidden', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  'POST /api/v1/people/:id/events': row('unauth', 'ok', 'forbidden', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  'GET /api/v1/people/:id/history': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  'POST /api/v1/people/:id/reveal': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  // The probe merges a record that was already merged: past every check, refused on its merits (409).
  'POST /api/v1/people/:id/merge': row(
    'unauth',
    'tried',
    'forbidden',
    'tried',
    'tried',
    'notFound',
    'notFound',
    'notFound',
  ),
  'GET /api/v1/people/:id/visits': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  'POST /api/v1/households': row('unauth', 'ok', 'forbidden', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden'),
  'GET /api/v1/households': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/households/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  'POST /api/v1/households/:id/members': row(
    'unauth',
    'ok',
    'forbidden',
    'ok',
    'ok',
    'notFound',
    'notFound',
    'notFound',
  ),
  'DELETE /api/v1/households/:id/members/:personId': row(
    'unauth',
    'ok',
    'forbidden',
    'ok',
    'ok',
    'notFound',
    'notFound',
    'notFound',
  ),
  'POST /api/v1/buildings': row('unauth', 'ok', 'forbidden', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden'),
  'GET /api/v1/buildings': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/buildings/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  'POST /api/v1/buildings/:id/dwellings': row(
    'unauth',
    'ok',
    'forbidden',
    'ok',
    'ok',
    'notFound',
    'notFound',
    'notFound',
  ),
  'POST /api/v1/organisations': row('unauth', 'ok', 'forbidden', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden'),
  'GET /api/v1/organisations': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/organisations/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  'POST /api/v1/organisations/:id/people': row(
    'unauth',
    'ok',
    'forbidden',
    'ok',
    'ok',
    'notFound',
    'notFound',
    'notFound',
  ),
  'POST /api/v1/places': row('unauth', 'ok', 'forbidden', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden'),
  'GET /api/v1/places': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/places/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  // Imports are run by admins and staff of the area (the probe's import is filed on the community);
  // everyone else finds no import. Starting is probed with a mapping that lacks the ID number (400).
  'POST /api/v1/imports': row('unauth', 'ok', 'forbidden', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
  'POST /api/v1/imports/:id/start': row(
    'unauth',
    'tried',
    'notFound',
    'tried',
    'notFound',
    'notFound',
    'notFound',
    'notFound',
  ),
  'GET /api/v1/imports': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/imports/:id': row('unauth', 'ok', 'notFound', 'ok', 'notFound', 'notFound', 'notFound', 'notFound'),
  'GET /api/v1/imports/:id/errors': row(
    'unauth',
    'ok',
    'notFound',
    'ok',
    'notFound',
    'notFound',
    'notFound',
    'notFound',
  ),
  // Data-sharing grants are administered by admins of the area; a grant is used by the department
  // it names (here the handler's law-enforcement team) and by nobody else.
  'GET /api/v1/data-grants': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'POST /api/v1/data-grants': row(
    'unauth',
    'ok',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'POST /api/v1/data-grants/:id/revoke': row(
    'unauth',
    'ok',
    'notFound',
    'notFound',
    'notFound',
    'notFound',
    'notFound',
    'notFound',
  ),
  'GET /api/v1/shared/:entity': row(
    'unauth',
    'notFound',
    'notFound',
    'notFound',
    'notFound',
    'ok',
    'notFound',
    'notFound',
  ),
  // Care: the lists are confined by row-level security; visits are logged by writers; the visit
  // intervals are platform settings that only root admins change (A's admin is not one).
  'GET /api/v1/care/people': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'POST /api/v1/care/visits': row('unauth', 'ok', 'forbidden', 'ok', 'ok', 'notFound', 'notFound', 'notFound'),
  'GET /api/v1/care/rules': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'PUT /api/v1/care/rules/:tag': row(
    'unauth',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  // Public: the field classification, and open data built from allowed fields with small counts suppressed.
  'GET /api/v1/registry/fields': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/open-data/population': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /api/v1/open-data/places': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'),
  // Disputes: registered by the area's staff, grid workers and mediators; seen by them and by the
  // bodies mediating (the handler's department mediates nothing here: RLS hides the dispute); the
  // workflow and the agreement are for coordinators (admin, leader, staff) and mediators.
  'POST /api/v1/disputes': row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'ok', 'forbidden'),
  'GET /api/v1/disputes': row('unauth', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'forbidden'),
  'GET /api/v1/disputes/map': row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'ok', 'forbidden'),
  'GET /api/v1/disputes/:id': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'ok', 'forbidden'),
  // assess_risk without its reason: 400 for whoever may take it.
  'POST /api/v1/disputes/:id/actions': row(
    'unauth',
    'tried',
    'tried',
    'tried',
    'forbidden',
    'notFound',
    'tried',
    'forbidden',
  ),
  'POST /api/v1/disputes/:id/sessions': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'notFound', 'ok', 'forbidden'),
  'PUT /api/v1/disputes/:id/agreement': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'notFound', 'ok', 'forbidden'),
  'POST /api/v1/disputes/:id/agreement/signatures': row(
    'unauth',
    'ok',
    'ok',
    'ok',
    'forbidden',
    'notFound',
    'ok',
    'forbidden',
  ),
  'GET /api/v1/disputes/:id/agreement.pdf': row('unauth', 'ok', 'ok', 'ok', 'ok', 'notFound', 'ok', 'forbidden'),
  'GET /api/v1/dispute-settings': row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'ok', 'forbidden'),
  // City administrators only: A's admin administers a community.
  'PUT /api/v1/dispute-settings': row(
    'unauth',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
  'GET /api/v1/stats/disputes': row('unauth', 'ok', 'ok', 'ok', 'ok', 'forbidden', 'ok', 'forbidden'),
  // Petitions are the street office's desk: admins, leaders and staff.
  'POST /api/v1/petitions': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
  'GET /api/v1/petitions': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
  'GET /api/v1/petitions/:id': row('unauth', 'ok', 'ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
  // An answer without its text: 400 for whoever may answer.
  'POST /api/v1/petitions/:id/actions': row(
    'unauth',
    'tried',
    'tried',
    'tried',
    'forbidden',
    'forbidden',
    'forbidden',
    'forbidden',
  ),
}

/** A's own data the probes act on (built once per backend). */
interface Own {
  community: number
  grid: number
  point: { lng: number; lat: number }
  gridDetail: { nameZh: string; nameEn: string; code: string; boundary: unknown }
  spareGrid: number
  departmentId: number
  departmentNameEn: string
  mediatorId: number
  mediatorName: string
  spareUserId: number
  spareGrantId: number
  caseId: number
  trackingCode: string
  photoId: number
  anonymousCase: { trackingCode: string; reporterToken: string }
  webhookId: number
  apiKey: string
  spareApiKeyId: number
  holiday: { day: string; kind: 'holiday' | 'workday'; nameZh: string; nameEn: string }
  notificationOf: Map<string, number>
  /** Registry records of A, filed on grid G01 (so the grid worker reaches them). */
  registry: {
    personId: number
    /** A second person with the same phone, a suspected duplicate of the first. */
    twinId: number
    /** A third one, already merged into the first. */
    mergedId: number
    buildingId: number
    dwellingId: number
    householdId: number
    organisationId: number
    placeId: number
    visitId: number
    /** A pending import of the community. */
    importId: number
    /** A grant of people's names and phones to the handler's department. */
    dataGrantId: number
    /** A grant already revoked: revoking it again changes nothing. */
    revokedGrantId: number
    handlerDepartmentId: number
  }
  /** A dispute of A on grid G01, at people's mediation with a draft agreement; an accepted petition. */
  disputes: { disputeId: number; partyId: number; petitionId: number }
}

interface Ctx {
  p: TestPlatform
  own: Own
  who: Caller
  token: string | null
}

type Probe = (c: Ctx) => Promise<Call>

const get =
  (url: string): Probe =>
  ({ p, token }) =>
    call(p.app, 'GET', url, { token })

async function form(p: TestPlatform, token: string | null, url: string, fields: Record<string, string>): Promise<Call> {
  const res = await p.app.inject({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    payload: new URLSearchParams(fields).toString(),
  })
  return { status: res.statusCode, body: res.body, headers: res.headers }
}

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

/** A session of its own for the login and logout probes, so the cached tokens stay valid. */
const freshSessions = new WeakMap<TestPlatform, Map<Caller, Promise<Call>>>()
function freshSession(p: TestPlatform, who: Caller): Promise<Call> {
  const cache = freshSessions.get(p) ?? new Map<Caller, Promise<Call>>()
  freshSessions.set(p, cache)
  if (!cache.has(who)) {
    const username = who === 'anonymous' ? accountOf.resident : accountOf[who]
    cache.set(who, call(p.app, 'POST', '/api/v1/auth/login', { body: { username, password: DEMO_PASSWORD } }))
  }
  return cache.get(who)!
}

/** One representative, valid request per route against A's own data. */
const probes: Record<string, Probe> = {
  'GET /healthz': get('/healthz'),
  'GET /api/v1/config': get('/api/v1/config'),
  'GET /api/openapi.json': get('/api/openapi.json'),
  'GET /metrics': get('/metrics'),
  'GET /api/v1/areas/tree': get('/api/v1/areas/tree'),
  'GET /api/v1/areas/locate': (c) => get(`/api/v1/areas/locate?lng=${c.own.point.lng}&lat=${c.own.point.lat}`)(c),
  'GET /api/v1/areas/boundaries': (c) => get(`/api/v1/areas/boundaries?within=${c.own.community}&level=grid`)(c),
  'GET /api/v1/areas/:id': (c) => get(`/api/v1/areas/${c.own.community}`)(c),
  'GET /api/v1/areas/:id/coverage': (c) => get(`/api/v1/areas/${c.own.community}/coverage`)(c),
  // A new grid far from every other one (the only non-admin answer is 403, before anything is read).
  'POST /api/v1/areas': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/areas', {
      token,
      body: {
        parentId: own.community,
        code: 'JZ-QH-01-01-AUTHZ-N',
        nameZh: '探针网格',
        nameEn: 'Probe grid',
        boundary: square(121.6, 31.6),
      },
    }),
  'PATCH /api/v1/areas/:id': ({ p, own, token }) =>
    call(p.app, 'PATCH', `/api/v1/areas/${own.grid}`, { token, body: { nameEn: own.gridDetail.nameEn } }),
  // Under the parent it already has: nothing moves.
  'POST /api/v1/areas/:id/move': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/areas/${own.grid}/move`, { token, body: { parentId: own.community } }),
  'POST /api/v1/areas/:id/retire': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/areas/${own.spareGrid}/retire`, { token }),
  // The grid as it is: an upsert by code that changes nothing.
  'POST /api/v1/areas/import': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/areas/import', {
      token,
      body: {
        parentId: own.community,
        featureCollection: {
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              geometry: own.gridDetail.boundary,
              properties: { code: own.gridDetail.code, nameZh: own.gridDetail.nameZh, nameEn: own.gridDetail.nameEn },
            },
          ],
        },
      },
    }),
  'POST /api/v1/auth/login': ({ p, who }) => freshSession(p, who),
  'POST /api/v1/auth/logout': async ({ p, who }) => {
    if (who === 'anonymous') return call(p.app, 'POST', '/api/v1/auth/logout')
    const session = await freshSession(p, who)
    if (session.status !== 200) throw new Error(`login ${who}: ${session.status}`)
    return call(p.app, 'POST', '/api/v1/auth/logout', { token: session.body.token })
  },
  'GET /api/v1/auth/me': get('/api/v1/auth/me'),
  // Only a pending secret is stored; sign-in does not ask for a code until one is confirmed.
  // The right current password with a too-short new one: past every check but the policy (400).
  'POST /api/v1/auth/password': ({ p, token }) =>
    call(p.app, 'POST', '/api/v1/auth/password', {
      token,
      body: { currentPassword: 'grassroots-demo', newPassword: 'short' },
    }),
  'POST /api/v1/auth/totp/setup': ({ p, token }) => call(p.app, 'POST', '/api/v1/auth/totp/setup', { token }),
  'POST /api/v1/auth/totp/confirm': ({ p, token }) =>
    call(p.app, 'POST', '/api/v1/auth/totp/confirm', { token, body: { code: '000000' } }),
  'POST /api/v1/auth/totp/disable': ({ p, token }) =>
    call(p.app, 'POST', '/api/v1/auth/totp/disable', { token, body: { code: '000000' } }),
  'GET /api/v1/users': (c) => get(`/api/v1/users?areaId=${c.own.community}`)(c),
  'POST /api/v1/users': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/users', {
      token,
      body: {
        username: 'authz.created',
        displayName: '探针用户',
        password: 'authz-probe-password',
        grants: [{ role: 'resident', areaId: own.community }],
      },
    }),
  'GET /api/v1/users/:id': (c) => get(`/api/v1/users/${c.own.mediatorId}`)(c),
  'PATCH /api/v1/users/:id': ({ p, own, token }) =>
    call(p.app, 'PATCH', `/api/v1/users/${own.mediatorId}`, { token, body: { displayName: own.mediatorName } }),
  'POST /api/v1/users/:id/grants': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/users/${own.spareUserId}/grants`, {
      token,
      body: { role: 'resident', areaId: own.grid },
    }),
  'DELETE /api/v1/users/:id/grants/:grantId': ({ p, own, token }) =>
    call(p.app, 'DELETE', `/api/v1/users/${own.spareUserId}/grants/${own.spareGrantId}`, { token }),
  'GET /api/v1/departments': (c) => get(`/api/v1/departments?areaId=${c.own.community}`)(c),
  'POST /api/v1/departments': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/departments', {
      token,
      body: {
        areaId: own.community,
        code: 'QH-01-01-AUTHZ',
        nameZh: '探针志愿队',
        nameEn: 'Probe volunteers',
        kind: 'social_organisation',
      },
    }),
  'GET /api/v1/departments/:id': (c) => get(`/api/v1/departments/${c.own.departmentId}`)(c),
  'PATCH /api/v1/departments/:id': ({ p, own, token }) =>
    call(p.app, 'PATCH', `/api/v1/departments/${own.departmentId}`, { token, body: { nameEn: own.departmentNameEn } }),
  'GET /api/v1/audit': get('/api/v1/audit?pageSize=5'),
  'GET /api/v1/audit/verify': get('/api/v1/audit/verify'),
  'GET /api/v1/categories': get('/api/v1/categories'),
  'POST /api/v1/photos': async ({ p, token }) => {
    const res = await p.app.inject({
      method: 'POST',
      url: '/api/v1/photos',
      headers: { 'content-type': 'image/png', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      payload: PNG,
    })
    return { status: res.statusCode, body: res.body, headers: res.headers }
  },
  'POST /api/v1/cases': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/cases', {
      token,
      body: { categoryCode: 'DL-03', location: own.point, description: '探针：路灯不亮', channel: 'portal' },
    }),
  'GET /api/v1/photos/:id': (c) => get(`/api/v1/photos/${c.own.photoId}`)(c),
  'GET /api/v1/cases': get('/api/v1/cases'),
  'GET /api/v1/supervision': get('/api/v1/supervision'),
  'GET /api/v1/cases/:id': (c) => get(`/api/v1/cases/${c.own.caseId}`)(c),
  // Legal in the case's state (submitted), but without the reason it requires: 400 for triage.
  'POST /api/v1/cases/:id/actions': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/cases/${own.caseId}/actions`, { token, body: { action: 'reject' } }),
  'POST /api/v1/cases/:id/reporter-phone': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/cases/${own.caseId}/reporter-phone`, { token, body: { purpose: '回访核对号码' } }),
  'GET /api/v1/calendar': get('/api/v1/calendar?year=2026'),
  'PUT /api/v1/calendar/:day': ({ p, own, token }) =>
    call(p.app, 'PUT', `/api/v1/calendar/${own.holiday.day}`, {
      token,
      body: { kind: own.holiday.kind, nameZh: own.holiday.nameZh, nameEn: own.holiday.nameEn },
    }),
  // A day that is in no list: deleting it would change nothing.
  'DELETE /api/v1/calendar/:day': ({ p, token }) => call(p.app, 'DELETE', '/api/v1/calendar/2026-12-24', { token }),
  'GET /api/v1/categories/:code/routing': get('/api/v1/categories/DL-03/routing'),
  'PUT /api/v1/categories/:code/routing/:areaId': ({ p, own, token }) =>
    call(p.app, 'PUT', `/api/v1/categories/DL-03/routing/${own.community}`, {
      token,
      body: { departmentId: own.departmentId },
    }),
  'GET /api/v1/areas/:id/case-rules': (c) => get(`/api/v1/areas/${c.own.community}/case-rules`)(c),
  'PUT /api/v1/areas/:id/case-rules': ({ p, own, token }) =>
    call(p.app, 'PUT', `/api/v1/areas/${own.community}/case-rules`, {
      token,
      body: { returnWindowHours: 3, limits: { urgent: { contactHours: 1 } } },
    }),
  // Without areaId: the caller's own granted areas (for the grid worker, the grid).
  'GET /api/v1/stats/cases': get('/api/v1/stats/cases?from=2026-01-01&to=2027-01-01'),
  'GET /api/v1/webhooks': (c) => get(`/api/v1/webhooks?areaId=${c.own.community}`)(c),
  'POST /api/v1/webhooks': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/webhooks', {
      token,
      body: { areaId: own.community, url: 'http://127.0.0.1:9/probe', events: ['case.close'] },
    }),
  'PATCH /api/v1/webhooks/:id': ({ p, own, token }) =>
    call(p.app, 'PATCH', `/api/v1/webhooks/${own.webhookId}`, { token, body: { active: true } }),
  // The ping goes to a closed local port and fails at once; the answer is the failed delivery.
  'POST /api/v1/webhooks/:id/test': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/webhooks/${own.webhookId}/test`, { token }),
  'GET /api/v1/webhooks/:id/deliveries': (c) => get(`/api/v1/webhooks/${c.own.webhookId}/deliveries`)(c),
  'GET /api/v1/api-keys': (c) => get(`/api/v1/api-keys?areaId=${c.own.community}`)(c),
  'POST /api/v1/api-keys': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/api-keys', { token, body: { name: 'Guihua probe app', areaId: own.community } }),
  // A spare key: revoking a revoked key changes nothing.
  'POST /api/v1/api-keys/:id/revoke': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/api-keys/${own.spareApiKeyId}/revoke`, { token, body: { reason: 'probe' } }),
  'GET /open311/v2/discovery.:format': get('/open311/v2/discovery.json'),
  'GET /open311/v2/services.:format': get('/open311/v2/services.json'),
  'GET /open311/v2/services/:service_code.:format': get('/open311/v2/services/DL-03.json'),
  'GET /open311/v2/requests.:format': get('/open311/v2/requests.json'),
  'GET /open311/v2/requests/:service_request_id.:format': (c) =>
    get(`/open311/v2/requests/${c.own.trackingCode}.json`)(c),
  'GET /open311/v2/tokens/:token.:format': (c) => get(`/open311/v2/tokens/${c.own.trackingCode}.json`)(c),
  'POST /open311/v2/requests.:format': ({ p, own, token }) =>
    form(p, token, '/open311/v2/requests.json', {
      api_key: own.apiKey,
      service_code: 'DL-03',
      lat: String(own.point.lat),
      long: String(own.point.lng),
      description: '探针：路灯不亮',
    }),
  'GET /api/v1/public/cases/:trackingCode': (c) => get(`/api/v1/public/cases/${c.own.trackingCode}`)(c),
  'GET /api/v1/public/map': get('/api/v1/public/map'),
  'POST /api/v1/public/cases/:trackingCode/rating': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/public/cases/${own.anonymousCase.trackingCode}/rating`, {
      token,
      body: { reporterToken: own.anonymousCase.reporterToken, rating: 'satisfied' },
    }),
  'GET /api/v1/notifications': get('/api/v1/notifications'),
  'POST /api/v1/notifications/:id/read': ({ p, own, who, token }) => {
    // Each caller marks a notice of their own (the anonymous caller tries the resident's).
    const id = own.notificationOf.get(who === 'anonymous' ? accountOf.resident : accountOf[who])!
    return call(p.app, 'POST', `/api/v1/notifications/${id}/read`, { token })
  },
  // Registry: writes create throwaway records (one per caller: codes and ID numbers carry the
  // caller's number) or write what is already there.
  'POST /api/v1/people': ({ p, own, who, token }) =>
    call(p.app, 'POST', '/api/v1/people', {
      token,
      body: {
        areaId: own.grid,
        name: '探针居民',
        idNumber: residentId('330106', '1985-05-05', 201 + 2 * nth(who)),
        residenceStatus: 'floating',
      },
    }),
  'POST /api/v1/people/search': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/people/search', { token, body: { name: '桂花探针', areaId: own.community } }),
  'GET /api/v1/people/duplicates': (c) => get(`/api/v1/people/duplicates?areaId=${c.own.community}`)(c),
  // Judging the pair distinct again changes nothing.
  'POST /api/v1/people/duplicates/dismiss': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/people/duplicates/dismiss', {
      token,
      body: { personA: own.registry.personId, personB: own.registry.twinId },
    }),
  // The grid itself: the grid worker reads it, but exporting is not among a grid worker's roles.
  'GET /api/v1/people/export': (c) => get(`/api/v1/people/export?areaId=${c.own.grid}`)(c),
  'GET /api/v1/people/:id': (c) => get(`/api/v1/people/${c.own.registry.personId}`)(c),
  // The address as it is, with the current version: only the version moves.
  'PATCH /api/v1/people/:id': async ({ p, own, token }) => {
    const now = await personNow(p, own.registry.personId)
    return call(p.app, 'PATCH', `/api/v1/people/${own.registry.personId}`, {
      token,
      body: { version: now.version, reason: '探针：核对地址', address: now.address },
    })
  },
  'POST /api/v1/people/:id/events': async ({ p, own, token }) => {
    const now = await personNow(p, own.registry.personId)
    return call(p.app, 'POST', `/api/v1/people/${own.registry.personId}/events`, {
      token,
      body: {
        kind: 'address_change',
        on: '2026-11-22',
        reason: '探针：核对地址',
        version: now.version,
        address: now.address,
      },
    })
  },
  'GET /api/v1/people/:id/history': (c) => get(`/api/v1/people/${c.own.registry.personId}/history`)(c),
  'POST /api/v1/people/:id/reveal': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/people/${own.registry.personId}/reveal`, {
      token,
      body: { fields: ['phone'], purpose: '探针：核对联系电话' },
    }),
  'POST /api/v1/people/:id/merge': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/people/${own.registry.mergedId}/merge`, {
      token,
      body: { intoId: own.registry.personId, reason: '探针：重复登记' },
    }),
  'GET /api/v1/people/:id/visits': (c) => get(`/api/v1/people/${c.own.registry.personId}/visits`)(c),
  'POST /api/v1/households': ({ p, own, who, token }) =>
    call(p.app, 'POST', '/api/v1/households', { token, body: { code: `GH-AUTHZ-H-${nth(who)}`, areaId: own.grid } }),
  'GET /api/v1/households': (c) => get(`/api/v1/households?areaId=${c.own.community}`)(c),
  'GET /api/v1/households/:id': (c) => get(`/api/v1/households/${c.own.registry.householdId}`)(c),
  // The head as the head: nothing changes.
  'POST /api/v1/households/:id/members': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/households/${own.registry.householdId}/members`, {
      token,
      body: { personId: own.registry.personId, relation: 'head' },
    }),
  // A throwaway membership (the twin as a spouse), put back before each probe.
  'DELETE /api/v1/households/:id/members/:personId': async ({ p, own, token }) => {
    await p.database.db
      .insertInto('household_member')
      .values({
        household_id: own.registry.householdId,
        person_id: own.registry.twinId,
        area_id: own.grid,
        relation: 'spouse',
        joined_on: null,
      })
      .onConflict((oc) => oc.doNothing())
      .execute()
    return call(
      p.app,
      'DELETE',
      `/api/v1/households/${own.registry.householdId}/members/${own.registry.twinId}?reason=probe`,
      { token },
    )
  },
  'POST /api/v1/buildings': ({ p, own, who, token }) =>
    call(p.app, 'POST', '/api/v1/buildings', {
      token,
      body: {
        code: `GH-AUTHZ-B-${nth(who)}`,
        name: '探针楼',
        kind: 'residential',
        address: '桂花路探针号',
        location: own.point,
      },
    }),
  'GET /api/v1/buildings': (c) => get(`/api/v1/buildings?areaId=${c.own.community}`)(c),
  'GET /api/v1/buildings/:id': (c) => get(`/api/v1/buildings/${c.own.registry.buildingId}`)(c),
  'POST /api/v1/buildings/:id/dwellings': ({ p, own, who, token }) =>
    call(p.app, 'POST', `/api/v1/buildings/${own.registry.buildingId}/dwellings`, {
      token,
      body: { unit: '9', room: `90${nth(who)}` },
    }),
  'POST /api/v1/organisations': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/organisations', {
      token,
      body: { kind: 'social_organisation', name: '探针志愿者协会', location: own.point },
    }),
  'GET /api/v1/organisations': (c) => get(`/api/v1/organisations?areaId=${c.own.community}`)(c),
  'GET /api/v1/organisations/:id': (c) => get(`/api/v1/organisations/${c.own.registry.organisationId}`)(c),
  // A link that exists already: nothing changes.
  'POST /api/v1/organisations/:id/people': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/organisations/${own.registry.organisationId}/people`, {
      token,
      body: { personId: own.registry.personId, role: 'member' },
    }),
  'POST /api/v1/places': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/places', {
      token,
      body: { kind: 'shop', name: '探针小店', address: '桂花路探针号', location: own.point },
    }),
  'GET /api/v1/places': (c) => get(`/api/v1/places?areaId=${c.own.community}`)(c),
  'GET /api/v1/places/:id': (c) => get(`/api/v1/places/${c.own.registry.placeId}`)(c),
  // A new pending import of the community (never started).
  'POST /api/v1/imports': ({ p, own, token }) =>
    upload(p, token, `/api/v1/imports?areaId=${own.community}&fileName=probe.csv`, PEOPLE_CSV),
  // A mapping without the ID number: past every check, refused (400), and the import stays pending.
  'POST /api/v1/imports/:id/start': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/imports/${own.registry.importId}/start`, {
      token,
      body: { mapping: { 姓名: 'name' } },
    }),
  'GET /api/v1/imports': (c) => get(`/api/v1/imports?areaId=${c.own.community}`)(c),
  'GET /api/v1/imports/:id': (c) => get(`/api/v1/imports/${c.own.registry.importId}`)(c),
  'GET /api/v1/imports/:id/errors': (c) => get(`/api/v1/imports/${c.own.registry.importId}/errors`)(c),
  'GET /api/v1/data-grants': (c) => get(`/api/v1/data-grants?areaId=${c.own.community}`)(c),
  'POST /api/v1/data-grants': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/data-grants', {
      token,
      body: {
        areaId: own.community,
        departmentId: own.registry.handlerDepartmentId,
        entity: 'place',
        fields: ['name', 'address'],
        purpose: '探针：共享场所',
        expiresAt: new Date(p.clock.now().getTime() + 86_400_000).toISOString(),
      },
    }),
  'POST /api/v1/data-grants/:id/revoke': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/data-grants/${own.registry.revokedGrantId}/revoke`, { token }),
  'GET /api/v1/shared/:entity': (c) => get(`/api/v1/shared/person?grantId=${c.own.registry.dataGrantId}`)(c),
  'GET /api/v1/care/people': (c) => get(`/api/v1/care/people?areaId=${c.own.community}`)(c),
  'POST /api/v1/care/visits': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/care/visits', {
      token,
      body: { personId: own.registry.personId, visitedOn: '2026-11-22', findings: '探针：上门走访' },
    }),
  'GET /api/v1/care/rules': get('/api/v1/care/rules'),
  // The interval it already has.
  'PUT /api/v1/care/rules/:tag': async ({ p, token }) => {
    const rule = await p.database.db
      .selectFrom('care_rule')
      .select('interval_days')
      .where('tag', '=', 'elderly_alone')
      .executeTakeFirstOrThrow()
    return call(p.app, 'PUT', '/api/v1/care/rules/elderly_alone', { token, body: { intervalDays: rule.interval_days } })
  },
  'GET /api/v1/registry/fields': get('/api/v1/registry/fields'),
  'GET /api/v1/open-data/population': (c) =>
    get(`/api/v1/open-data/population?areaId=${c.own.community}&by=age_band`)(c),
  'GET /api/v1/open-data/places': (c) => get(`/api/v1/open-data/places?areaId=${c.own.community}`)(c),
  'POST /api/v1/disputes': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/disputes', { token, body: disputeBody(own.grid) }),
  'GET /api/v1/disputes': get('/api/v1/disputes'),
  'GET /api/v1/disputes/map': get('/api/v1/disputes/map'),
  'GET /api/v1/disputes/:id': (c) => get(`/api/v1/disputes/${c.own.disputes.disputeId}`)(c),
  'POST /api/v1/disputes/:id/actions': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/disputes/${own.disputes.disputeId}/actions`, {
      token,
      body: { action: 'assess_risk', riskLevel: 'medium' },
    }),
  'POST /api/v1/disputes/:id/sessions': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/disputes/${own.disputes.disputeId}/sessions`, {
      token,
      body: { heldAt: p.clock.now().toISOString(), place: '调解室', attendees: ['甲', '乙'], record: '探针：调解记录' },
    }),
  // The draft as it is: its signatures stay.
  'PUT /api/v1/disputes/:id/agreement': ({ p, own, token }) =>
    call(p.app, 'PUT', `/api/v1/disputes/${own.disputes.disputeId}/agreement`, { token, body: agreementDraft }),
  'POST /api/v1/disputes/:id/agreement/signatures': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/disputes/${own.disputes.disputeId}/agreement/signatures`, {
      token,
      body: { signer: 'party', partyId: own.disputes.partyId },
    }),
  'GET /api/v1/disputes/:id/agreement.pdf': (c) => get(`/api/v1/disputes/${c.own.disputes.disputeId}/agreement.pdf`)(c),
  'GET /api/v1/dispute-settings': get('/api/v1/dispute-settings'),
  'PUT /api/v1/dispute-settings': ({ p, token }) =>
    call(p.app, 'PUT', '/api/v1/dispute-settings', { token, body: { limits: { people: 30 } } }),
  'GET /api/v1/stats/disputes': get('/api/v1/stats/disputes?from=2026-01-01&to=2026-12-31'),
  'POST /api/v1/petitions': ({ p, own, token }) =>
    call(p.app, 'POST', '/api/v1/petitions', {
      token,
      body: { areaId: own.community, channel: 'visit', petitionerName: '探针', matter: '探针事项', matterKey: '探针' },
    }),
  'GET /api/v1/petitions': get('/api/v1/petitions'),
  'GET /api/v1/petitions/:id': (c) => get(`/api/v1/petitions/${c.own.disputes.petitionId}`)(c),
  'POST /api/v1/petitions/:id/actions': ({ p, own, token }) =>
    call(p.app, 'POST', `/api/v1/petitions/${own.disputes.petitionId}/actions`, { token, body: { action: 'answer' } }),
}

const disputeBody = (areaId: number) => ({
  category: 'neighbour',
  source: 'walk_in',
  areaId,
  address: '桂花社区1栋',
  facts: '探针：邻里纠纷',
  claims: '探针：赔偿',
  peopleInvolved: 2,
  parties: [
    { role: 'applicant', name: '探针甲', address: '1栋101' },
    { role: 'respondent', name: '探针乙', address: '1栋201' },
  ],
})
const agreementDraft = { form: 'written', facts: '探针事实', terms: '探针条款' }

/** The caller's number, for the unique codes and ID numbers of throwaway records. */
const nth = (who: Caller) => callers.indexOf(who)

const personNow = (p: TestPlatform, id: number) =>
  p.database.db.selectFrom('person').select(['version', 'address']).where('id', '=', id).executeTakeFirstOrThrow()

const PEOPLE_CSV = `姓名,身份证号,手机\n桂花探针乙,${residentId('330106', '1991-01-01', 301)},13966660001\n`

/** A file as the raw request body, as the import upload takes it. */
async function upload(p: TestPlatform, token: string | null, url: string, csv: string): Promise<Call> {
  const res = await p.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'text/csv', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: Buffer.from(csv),
  })
  let body: unknown = res.body
  try {
    body = JSON.parse(res.body)
  } catch {}
  return { status: res.statusCode, body, headers: res.headers }
}

function matches(outcome: Outcome, status: number): boolean {
  if (typeof outcome === 'object') return true
  switch (outcome) {
    case 'ok':
      return status >= 200 && status < 300
    case 'tried':
      return status === 400 || status === 409 || status === 422
    case 'unauth':
      return status === 401
    case 'forbidden':
      return status === 403
    case 'notFound':
      return status === 404
  }
}

function routesOf(p: TestPlatform): string[] {
  const routes: string[] = []
  const paths = (p.app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths
  for (const [path, methods] of Object.entries(paths)) {
    for (const m of Object.keys(methods)) routes.push(`${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)
  }
  routes.push('GET /api/openapi.json')
  return routes.filter((r) => !r.startsWith('GET /api/docs') && !r.startsWith('HEAD '))
}

async function buildOwnData(p: TestPlatform): Promise<Own> {
  const db = p.database.db
  const admin = await tokenFor(p.app, accountOf.admin)
  const resident = await tokenFor(p.app, accountOf.resident)
  const must = (what: string, res: Call, status: number) => {
    if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`)
    return res.body
  }
  const community = await areaId(p, 'JZ-QH-01-01')
  const grid = await areaId(p, 'JZ-QH-01-01-G01')
  const { rows } = await sql<{
    lng: number
    lat: number
  }>`select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where id = ${grid}`.execute(
    db,
  )
  const point = rows[0]!
  const gridDetail = must('grid', await call(p.app, 'GET', `/api/v1/areas/${grid}`), 200)
  const spareGrid = must(
    'spare grid',
    await call(p.app, 'POST', '/api/v1/areas', {
      token: admin,
      body: {
        parentId: community,
        code: 'JZ-QH-01-01-AUTHZ-R',
        nameZh: '待撤网格',
        nameEn: 'Grid to retire',
        boundary: square(121.5, 31.5),
      },
    }),
    201,
  ).id
  const dept = await db
    .selectFrom('department')
    .select(['id', 'name_en'])
    .where('code', '=', 'QH-01-01-JW')
    .executeTakeFirstOrThrow()
  const mediator = await db
    .selectFrom('app_user')
    .select(['id', 'display_name'])
    .where('username', '=', accountOf.mediator)
    .executeTakeFirstOrThrow()
  const spare = must(
    'spare user',
    await call(p.app, 'POST', '/api/v1/users', {
      token: admin,
      body: {
        username: 'authz.spare',
        displayName: '备用账号',
        password: 'authz-spare-password',
        grants: [
          { role: 'resident', areaId: community },
          { role: 'grid_worker', areaId: grid },
        ],
      },
    }),
    201,
  )
  const photo = await p.app.inject({
    method: 'POST',
    url: '/api/v1/photos',
    headers: { 'content-type': 'image/png', authorization: `Bearer ${resident}` },
    payload: PNG,
  })
  if (photo.statusCode !== 201) throw new Error(`photo: ${photo.statusCode} ${photo.body}`)
  const filed = must(
    'case',
    await call(p.app, 'POST', '/api/v1/cases', {
      token: resident,
      body: { categoryCode: 'DL-03', location: point, description: '桂花路灯不亮', photos: [photo.json().token] },
    }),
    201,
  )
  const anonymous = must(
    'anonymous case',
    await call(p.app, 'POST', '/api/v1/cases', {
      body: { categoryCode: 'DL-03', location: point, description: '桂花路灯又不亮了' },
    }),
    201,
  )
  const hook = must(
    'webhook',
    await call(p.app, 'POST', '/api/v1/webhooks', {
      token: admin,
      body: { areaId: community, url: 'http://127.0.0.1:9/hook', events: ['*'] },
    }),
    201,
  )
  const key = must(
    'api key',
    await call(p.app, 'POST', '/api/v1/api-keys', { token: admin, body: { name: 'Guihua app', areaId: community } }),
    201,
  )
  const spareKey = must(
    'spare api key',
    await call(p.app, 'POST', '/api/v1/api-keys', {
      token: admin,
      body: { name: 'Guihua spare app', areaId: community },
    }),
    201,
  )
  const holiday = await db
    .selectFrom('calendar_day')
    .selectAll()
    .where('day', '=', '2026-10-01')
    .executeTakeFirstOrThrow()
  // One notice for every account of A, so each caller marks one of their own.
  const users = await db
    .selectFrom('app_user')
    .select(['id', 'username'])
    .where('username', 'in', Object.values(accountOf))
    .execute()
  const notificationOf = new Map<string, number>()
  for (const u of users) {
    const n = await db
      .insertInto('notification')
      .values({
        user_id: u.id,
        case_id: filed.id,
        kind: 'case_update',
        params: JSON.stringify({ trackingCode: filed.trackingCode }),
        created_at: p.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    notificationOf.set(u.username, Number(n.id))
  }
  // Registry records of A, made by A's staff and filed on grid G01 (buildings, organisations and
  // places fall into G01 by their location).
  const staff = await tokenFor(p.app, accountOf.staff)
  const building = must(
    'building',
    await call(p.app, 'POST', '/api/v1/buildings', {
      token: staff,
      body: {
        code: 'GH-AUTHZ-B',
        name: '桂花苑探针幢',
        kind: 'residential',
        address: '桂花路1号',
        floors: 6,
        location: point,
      },
    }),
    201,
  )
  const dwelling = must(
    'dwelling',
    await call(p.app, 'POST', `/api/v1/buildings/${building.id}/dwellings`, {
      token: staff,
      body: { unit: '1', floor: 2, room: '201' },
    }),
    201,
  )
  const phone = '13966660000'
  const person = must(
    'person',
    await call(p.app, 'POST', '/api/v1/people', {
      token: staff,
      body: {
        dwellingId: dwelling.id,
        name: '桂花探针甲',
        idNumber: residentId('330106', '1946-06-06', 11),
        phone,
        residenceStatus: 'registered',
        address: '桂花路1号1单元201室',
        tags: ['elderly_alone'],
      },
    }),
    201,
  )
  if (person.areaId !== grid) throw new Error(`person filed on ${person.areaId}, not on the grid ${grid}`)
  const twin = must(
    'twin',
    await call(p.app, 'POST', '/api/v1/people', {
      token: staff,
      body: {
        areaId: grid,
        name: '桂花探针',
        idNumber: residentId('330106', '1946-06-06', 13),
        phone,
        residenceStatus: 'registered',
      },
    }),
    201,
  )
  const merged = must(
    'merged',
    await call(p.app, 'POST', '/api/v1/people', {
      token: staff,
      body: {
        areaId: grid,
        name: '桂花探针甲',
        idType: 'passport',
        idNumber: 'E98765432',
        birthDate: '1946-06-06',
        residenceStatus: 'floating',
      },
    }),
    201,
  )
  must(
    'merge',
    await call(p.app, 'POST', `/api/v1/people/${merged.id}/merge`, {
      token: staff,
      body: { intoId: person.id, reason: '同一人重复登记' },
    }),
    200,
  )
  const household = must(
    'household',
    await call(p.app, 'POST', '/api/v1/households', {
      token: staff,
      body: { code: 'GH-AUTHZ-H', dwellingId: dwelling.id },
    }),
    201,
  )
  must(
    'member',
    await call(p.app, 'POST', `/api/v1/households/${household.id}/members`, {
      token: staff,
      body: { personId: person.id, relation: 'head' },
    }),
    200,
  )
  const organisation = must(
    'organisation',
    await call(p.app, 'POST', '/api/v1/organisations', {
      token: staff,
      body: { kind: 'social_organisation', name: '桂花老年协会', location: point },
    }),
    201,
  )
  must(
    'link',
    await call(p.app, 'POST', `/api/v1/organisations/${organisation.id}/people`, {
      token: staff,
      body: { personId: person.id, role: 'member' },
    }),
    200,
  )
  const place = must(
    'place',
    await call(p.app, 'POST', '/api/v1/places', {
      token: staff,
      body: {
        kind: 'clinic',
        name: '桂花卫生服务站',
        address: '桂花路3号',
        location: point,
        organisationId: organisation.id,
      },
    }),
    201,
  )
  const visit = must(
    'visit',
    await call(p.app, 'POST', '/api/v1/care/visits', {
      token: staff,
      body: { personId: person.id, visitedOn: '2026-11-20', findings: '身体尚可' },
    }),
    201,
  )
  const job = must(
    'import',
    await upload(p, staff, `/api/v1/imports?areaId=${community}&fileName=x.csv`, PEOPLE_CSV),
    201,
  )
  const handlerDept = await db
    .selectFrom('department')
    .select('id')
    .where('code', '=', 'QH-01-ZF')
    .executeTakeFirstOrThrow()
  const grantBody = (entity: string, fields: string[]) => ({
    areaId: community,
    departmentId: handlerDept.id,
    entity,
    fields,
    purpose: '独居老人回访',
    expiresAt: new Date(p.clock.now().getTime() + 365 * 86_400_000).toISOString(),
  })
  const dataGrant = must(
    'data grant',
    await call(p.app, 'POST', '/api/v1/data-grants', { token: admin, body: grantBody('person', ['name', 'phone']) }),
    201,
  )
  const revoked = must(
    'spare grant',
    await call(p.app, 'POST', '/api/v1/data-grants', { token: admin, body: grantBody('place', ['name']) }),
    201,
  )
  must('revoke', await call(p.app, 'POST', `/api/v1/data-grants/${revoked.id}/revoke`, { token: admin }), 200)
  const dispute = must(
    'dispute',
    await call(p.app, 'POST', '/api/v1/disputes', { token: staff, body: disputeBody(grid) }),
    201,
  )
  const committee = await db
    .selectFrom('department')
    .select('id')
    .where('code', '=', 'QH-01-01-TJ')
    .executeTakeFirstOrThrow()
  must(
    'assign',
    await call(p.app, 'POST', `/api/v1/disputes/${dispute.id}/actions`, {
      token: staff,
      body: { action: 'assign', committeeId: committee.id },
    }),
    200,
  )
  const drafted = must(
    'agreement',
    await call(p.app, 'PUT', `/api/v1/disputes/${dispute.id}/agreement`, { token: staff, body: agreementDraft }),
    200,
  )
  const petition = must(
    'petition',
    await call(p.app, 'POST', '/api/v1/petitions', {
      token: staff,
      body: {
        areaId: community,
        channel: 'letter',
        petitionerName: '桂花来信人',
        matter: '探针事项',
        matterKey: '探针',
      },
    }),
    201,
  )
  must(
    'accept',
    await call(p.app, 'POST', `/api/v1/petitions/${petition.id}/actions`, { token: staff, body: { action: 'accept' } }),
    200,
  )
  return {
    disputes: { disputeId: dispute.id, partyId: drafted.parties[0].id, petitionId: petition.id },
    registry: {
      personId: person.id,
      twinId: twin.id,
      mergedId: merged.id,
      buildingId: building.id,
      dwellingId: dwelling.id,
      householdId: household.id,
      organisationId: organisation.id,
      placeId: place.id,
      visitId: visit.id,
      importId: job.id,
      dataGrantId: dataGrant.id,
      revokedGrantId: revoked.id,
      handlerDepartmentId: handlerDept.id,
    },
    community,
    grid,
    point,
    gridDetail: {
      nameZh: gridDetail.nameZh,
      nameEn: gridDetail.nameEn,
      code: gridDetail.code,
      boundary: gridDetail.boundary,
    },
    spareGrid,
    departmentId: dept.id,
    departmentNameEn: dept.name_en,
    mediatorId: mediator.id,
    mediatorName: mediator.display_name,
    spareUserId: spare.id,
    spareGrantId: spare.roles.find((g: { role: string }) => g.role === 'grid_worker').id,
    caseId: filed.id,
    trackingCode: filed.trackingCode,
    photoId: photo.json().id,
    anonymousCase: { trackingCode: anonymous.trackingCode, reporterToken: anonymous.reporterToken },
    webhookId: hook.id,
    apiKey: key.key,
    spareApiKeyId: spareKey.id,
    holiday: {
      day: String(holiday.day),
      kind: holiday.kind as 'holiday' | 'workday',
      nameZh: holiday.name_zh,
      nameEn: holiday.name_en,
    },
    notificationOf,
  }
}

describe.each(backends())('what each role may do in its own area, on %s', (backend) => {
  let p: TestPlatform
  let own: Own
  let base: OwnBase
  const partData: unknown[] = []
  beforeAll(async () => {
    p = await openTestPlatform(backend, undefined, { metricsToken: null })
    own = await buildOwnData(p)
    base = { community: own.community, grid: own.grid, point: own.point, token: (u) => tokenFor(p.app, u) }
    for (const part of ownParts) partData.push(await part.setup(p, base))
  })
  afterAll(() => p?.close())

  it('declares every route of the API, and no route that is gone', () => {
    const routes = routesOf(p)
    const declared = { ...expected, ...Object.assign({}, ...ownParts.map((part) => part.rows)) }
    expect(routes.filter((r) => !(r in declared))).toEqual([])
    expect(Object.keys(declared).filter((r) => !routes.includes(r))).toEqual([])
    expect(Object.keys(probes).sort()).toEqual(Object.keys(expected).sort())
    for (const part of ownParts) expect(Object.keys(part.probes).sort()).toEqual(Object.keys(part.rows).sort())
  })

  it.each(callers)('%s gets the declared answer from every route', async (who) => {
    const token = who === 'anonymous' ? null : await tokenFor(p.app, accountOf[who])
    const wrong: string[] = []
    for (const [route, rowOf] of Object.entries(expected)) {
      const outcome = rowOf[who]
      if (typeof outcome === 'object') continue
      const probe = probes[route]
      if (!probe) {
        wrong.push(`${route}: no probe`)
        continue
      }
      const res = await probe({ p, own, who, token })
      if (!matches(outcome, res.status)) {
        const code =
          typeof res.body === 'object' && res.body?.error ? ` ${res.body.error.code}: ${res.body.error.message}` : ''
        wrong.push(`${route}: declared ${outcome}, got ${res.status}${code}`)
      }
    }
    for (const [i, part] of ownParts.entries()) {
      for (const [route, rowOf] of Object.entries(part.rows)) {
        const outcome = rowOf[who]
        if (typeof outcome === 'object') continue
        const res = await part.probes[route]!({ p, who, token, data: partData[i], base })
        if (!matches(outcome, res.status)) {
          const code =
            typeof res.body === 'object' && res.body?.error ? ` ${res.body.error.code}: ${res.body.error.message}` : ''
          wrong.push(`${route}: declared ${outcome}, got ${res.status}${code}`)
        }
      }
    }
    expect(wrong).toEqual([])
  })
})
