import type { FastifyRequest } from 'fastify'
import { cipherFor } from '../core/crypto.js'
import { AppError } from '../core/errors.js'
import { errorResponses, type App } from '../core/http.js'
import type { Platform } from '../core/platform.js'
import { inScope, requireActor } from '../core/scope.js'
import { participationStaff } from './common.js'
import {
  preferenceBody,
  preferenceOf,
  preferenceSchema,
  resubscribe,
  savePreference,
  unsubscribe,
  unsubscribeBody,
} from './digest.js'
import {
  challengeBody,
  challengeSchema,
  completeVerification,
  confirmBody,
  confirmVerification,
  inPersonBody,
  startVerification,
  verificationOf,
  verificationSchema,
  verifyInPerson,
} from './verification.js'

const tags = ['participation']

export async function verificationRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)

  app.get('/api/v1/verification', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Whether your account is verified as a resident in the registry, how and where',
      response: { 200: verificationSchema, ...errorResponses(401) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => verificationOf(tx, req.ctx)),
  })

  app.post('/api/v1/verification/challenge', {
    config: {
      access: 'signed-in',
      // Each code is a text message: a few an hour per account (RATE_LIMIT_VERIFICATION_CODES_PER_HOUR).
      rateLimit: {
        max: config.verificationCodesPerHour,
        timeWindow: '1 hour',
        keyGenerator: (req: FastifyRequest) => (req.ctx?.actor ? `verify:${req.ctx.actor.userId}` : req.ip),
      },
    },
    schema: {
      tags,
      summary:
        'Start verifying: your name and ID number as the registry holds them; a code goes to the phone in the registry',
      body: challengeBody,
      response: { 200: challengeSchema, ...errorResponses(401, 409, 422, 429) },
    },
    handler: async (req) => startVerification(db, req.ctx, req.body, clock, cipher),
  })

  app.post('/api/v1/verification/confirm', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Finish verifying with the six-digit code sent to your registry phone',
      body: confirmBody,
      response: { 200: verificationSchema, ...errorResponses(401, 409, 422) },
    },
    handler: async (req) => {
      const actor = requireActor(req.ctx)
      const now = clock.now()
      // The attempt is counted in its own transaction, so a wrong code is remembered.
      const result = await inScope(db, req.ctx, (tx) => confirmVerification(tx, req.ctx, req.body, now))
      if (result.attempt !== 'ok')
        throw result.attempt === 'expired'
          ? new AppError('VERIFICATION_EXPIRED', 'no valid code: ask for a new one', 'code')
          : new AppError('VERIFICATION_FAILED', 'the code is wrong', 'code')
      await completeVerification(db, req.ctx, result.personId, 'registry_code', actor.userId, now)
      return inScope(db, req.ctx, (tx) => verificationOf(tx, req.ctx))
    },
  })

  app.post('/api/v1/verification/in-person', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: "Verify a resident's account in person (staff of the person's area, after seeing the ID card)",
      body: inPersonBody,
      response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      await verifyInPerson(db, req.ctx, req.body, clock.now())
      return reply.code(204).send(null)
    },
  })

  // How a resident hears of participation: a daily digest (default) or at once, and per process off.
  app.get('/api/v1/participation/preferences', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'How you hear of participation: daily digest or at once, and the processes you unsubscribed from',
      response: { 200: preferenceSchema, ...errorResponses(401) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => preferenceOf(tx, req.ctx)),
  })

  app.put('/api/v1/participation/preferences', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Choose the daily digest or immediate notifications',
      body: preferenceBody,
      response: { 200: preferenceSchema, ...errorResponses(401) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await savePreference(tx, req.ctx, req.body, clock.now())
        return preferenceOf(tx, req.ctx)
      }),
  })

  app.post('/api/v1/participation/unsubscriptions', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Stop hearing of one process (a proposal, a consultation, …)',
      body: unsubscribeBody,
      response: { 200: preferenceSchema, ...errorResponses(401) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await unsubscribe(tx, req.ctx, req.body, clock.now())
        return preferenceOf(tx, req.ctx)
      }),
  })

  app.delete('/api/v1/participation/unsubscriptions', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Hear of a process again',
      body: unsubscribeBody,
      response: { 200: preferenceSchema, ...errorResponses(401) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await resubscribe(tx, req.ctx, req.body)
        return preferenceOf(tx, req.ctx)
      }),
  })
}
