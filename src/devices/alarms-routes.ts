import { cipherFor } from '../core/crypto.js'
import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import type { Platform } from '../core/platform.js'
import { asSystem, inScope, staffRoles } from '../core/scope.js'
import {
  createRule,
  listRules,
  listTypes,
  newRuleBody,
  ruleListQuery,
  ruleListSchema,
  rulePatchBody,
  ruleSchema,
  typeListSchema,
  typeParams,
  typePatchBody,
  typeSchema,
  updateRule,
  updateType,
} from './alarm-rules.js'
import {
  acknowledgeAlarm,
  acknowledgeBody,
  alarmDetail,
  alarmDetailSchema,
  alarmListQuery,
  alarmPageSchema,
  checkReview,
  clearAlarmByHand,
  clearBody,
  clearRuleAlarms,
  listAlarms,
  reviewBody,
  reviewHeldAlarm,
} from './alarms.js'
import { deviceReaders } from './common.js'
import { areaRisk, buildingRisk, buildingRiskSchema, riskQuery, riskReaders, riskSchema } from './risk.js'

const tags = ['devices']

// The alarm inbox and what people do with an alarm, the rules and type settings, and the
// community risk. The alarms themselves are raised by ingest (alarms.ts, as the owner).
export async function alarmRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database
  const deps = () => ({ cipher: cipherFor(config) })

  app.get('/api/v1/device-alarms', {
    config: { access: deviceReaders },
    schema: {
      tags,
      summary:
        'The alarm inbox: alarms of devices over your area or owned by your department, newest first (live by default), keyset paged',
      querystring: alarmListQuery,
      response: { 200: alarmPageSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listAlarms(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/device-alarms/:id', {
    config: { access: deviceReaders },
    schema: {
      tags,
      summary:
        'One alarm: the device, its building and the vulnerable residents there (masked), the timeline, the case and incident it opened',
      params: idParams,
      response: { 200: alarmDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => alarmDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/device-alarms/:id/acknowledge', {
    config: { access: deviceReaders },
    schema: {
      tags,
      summary: 'Acknowledge an open alarm (anyone who reads it), with an optional note',
      params: idParams,
      body: acknowledgeBody,
      response: { 200: alarmDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await acknowledgeAlarm(tx, req.ctx, req.params.id, req.body?.note, clock.now())
        return alarmDetail(tx, req.ctx, req.params.id, clock.now())
      }),
  })

  app.post('/api/v1/device-alarms/:id/clear', {
    config: { access: deviceReaders },
    schema: {
      tags,
      summary:
        'Clear a live alarm by hand when the device cannot (admins, leaders, staff of the area; the owning department), with the reason',
      params: idParams,
      body: clearBody,
      response: { 200: alarmDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await clearAlarmByHand(tx, req.ctx, req.params.id, req.body.note, clock.now())
        return alarmDetail(tx, req.ctx, req.params.id, clock.now())
      }),
  })

  app.post('/api/v1/device-alarms/:id/review', {
    config: { access: deviceReaders },
    schema: {
      tags,
      summary:
        'Review an alarm held from a faulty (flapping) device: release (the rule’s case, warning or incident happens now) or dismiss',
      params: idParams,
      body: reviewBody,
      response: { 200: alarmDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => {
      // The caller's right is checked as the caller; the decision runs as the owner, since a
      // release does what the device's rule does (intake as the device, an incident by the leader).
      await inScope(db, req.ctx, (tx) => checkReview(tx, req.ctx, req.params.id))
      await asSystem(db, (tx) =>
        reviewHeldAlarm(tx, req.ctx, req.params.id, req.body.decision, req.body.note, clock.now(), deps()),
      )
      return inScope(db, req.ctx, (tx) => alarmDetail(tx, req.ctx, req.params.id, clock.now()))
    },
  })

  app.get('/api/v1/device-rules', {
    config: { access: [...staffRoles] },
    schema: {
      tags,
      summary: 'Alarm rules by device type (city-wide first); with areaId, those that apply there',
      querystring: ruleListQuery,
      response: { 200: ruleListSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listRules(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/device-rules', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary:
        'A new alarm rule: a flag or N readings over a threshold → severity and action (case, warning, incident); admins of the area, city-wide by a root admin',
      headers: idempotencyHeaders,
      body: newRuleBody,
      response: { 201: ruleSchema, ...errorResponses(401, 403, 404, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createRule(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.patch('/api/v1/device-rules/:id', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary:
        'Change an alarm rule (the version you read): its levels, severity, action, category, window, on/off; switching it off clears its live alarms',
      params: idParams,
      body: rulePatchBody,
      response: { 200: ruleSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        const rule = await updateRule(tx, req.ctx, req.params.id, req.body, clock.now())
        // Switched off: its live alarms are cleared with it (a rule that no longer applies cannot clear them).
        if (!rule.enabled) await clearRuleAlarms(tx, req.ctx, rule.id, clock.now())
        return rule
      }),
  })

  app.get('/api/v1/device-types', {
    config: { access: [...staffRoles] },
    schema: {
      tags,
      summary: 'Device types: heartbeat, maintenance limit and category, flapping settings, metrics and alarm kinds',
      response: { 200: typeListSchema, ...errorResponses(401, 403) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listTypes(tx)),
  })

  app.patch('/api/v1/device-types/:code', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Change a device type’s settings (root admins; the version you read)',
      params: typeParams,
      body: typePatchBody,
      response: { 200: typeSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateType(tx, req.ctx, req.params.code, req.body, clock.now())),
  })

  app.get('/api/v1/device-risk', {
    config: { access: riskReaders },
    schema: {
      tags,
      summary:
        'Community risk per grid under the area: live alarms, alarms in 30 days by type, offline devices, people who need a knock on the door',
      querystring: riskQuery,
      response: { 200: riskSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => areaRisk(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/device-risk/buildings/:id', {
    config: { access: riskReaders },
    schema: {
      tags,
      summary: 'Community risk of one building: its devices, live alarms, and the people to knock on (masked)',
      params: idParams,
      response: { 200: buildingRiskSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => buildingRisk(tx, req.ctx, req.params.id, clock.now())),
  })
}
