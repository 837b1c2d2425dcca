import { errorResponses, idParams, type App, type Input } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { id, shape } from '../core/schemas.js'
import { inScope } from '../core/scope.js'
import { participationStaff } from './common.js'
import {
  createProposal,
  listProposals,
  newProposalBody,
  performProposalAction,
  proposalActionBody,
  proposalDetail,
  proposalDetailSchema,
  proposalFilterQuery,
  proposalPhoto,
  proposalSetting,
  proposalSettingBody,
  proposalSettingQuery,
  proposalSettingSchema,
  proposalViewSchema,
  saveProposalSetting,
  similarProposals,
  similarQuery,
  similarSchema,
  supportProposal,
  supportResultSchema,
  withdrawSupport,
} from './proposals.js'

const tags = ['participation']

export async function proposalRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.post('/api/v1/proposals', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Propose: title, text, area, category, place and photos (tokens from POST /api/v1/photos)',
      headers: idempotencyHeaders,
      body: newProposalBody,
      response: {
        201: shape({ id: { type: 'integer' }, reference: { type: 'string' } }),
        ...errorResponses(401, 403, 404, 422),
      },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createProposal(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/proposals', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Proposals on your branch of the area tree: filtered, searched (Chinese words too), sorted and paged',
      querystring: proposalFilterQuery,
      response: { 200: pageSchema(proposalViewSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listProposals(tx, req.ctx, req.query)),
  })

  app.get('/api/v1/proposals/similar', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Proposals like a text being written (word segmentation for Chinese), best first, at most five',
      querystring: similarQuery,
      response: { 200: similarSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => similarProposals(tx, req.query)),
  })

  app.get('/api/v1/proposals/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'One proposal: text, supports, answer, history, the actions open to you',
      params: idParams,
      response: { 200: proposalDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => proposalDetail(tx, req.ctx, req.params.id)),
  })

  app.post('/api/v1/proposals/:id/supports', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Support a proposal (once per person; supporting again changes nothing)',
      params: idParams,
      response: { 200: supportResultSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => supportProposal(tx, req.ctx, req.params.id, clock.now())),
  })

  app.delete('/api/v1/proposals/:id/supports', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Take your support back while the proposal is below its threshold',
      params: idParams,
      response: { 200: supportResultSchema, ...errorResponses(401, 404, 409) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => withdrawSupport(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/proposals/:id/actions', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Move a proposal: withdraw (its author), evaluate, accept or reject with the official answer, implement (staff of its area)',
      params: idParams,
      body: proposalActionBody,
      response: { 200: proposalDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, async (tx) => {
        await performProposalAction(tx, req.ctx, req.params.id, req.body, clock.now())
        return proposalDetail(tx, req.ctx, req.params.id)
      }),
  })

  const photoParams = {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'photoId'],
    properties: { id, photoId: id },
  } as const
  const binary = { schema: { type: 'string', format: 'binary' } } as const
  // The answer is the image's bytes, not JSON.
  app.get<{ Params: Input<typeof photoParams>; Reply: Buffer }>('/api/v1/proposals/:id/photos/:photoId', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A photo of a proposal',
      params: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'photoId'],
        properties: { id, photoId: id },
      },
      response: {
        200: {
          description: 'The photo',
          content: { 'image/jpeg': binary, 'image/png': binary, 'image/webp': binary },
        },
        ...errorResponses(401, 404),
      },
    },
    handler: async (req, reply) => {
      const photo = await inScope(db, req.ctx, (tx) => proposalPhoto(tx, req.params.id, req.params.photoId))
      return reply
        .type(photo.content_type)
        .header('cache-control', 'private, max-age=86400')
        .send(Buffer.from(photo.content))
    },
  })

  app.get('/api/v1/proposal-settings', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'The proposal rules that apply in an area: support threshold, answer limit, who must be verified',
      querystring: proposalSettingQuery,
      response: { 200: proposalSettingSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => proposalSetting(tx, req.ctx, req.query.areaId)),
  })

  app.put('/api/v1/proposal-settings', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: "Set an area's proposal rules (admins of the area); proposals already made keep their threshold",
      body: proposalSettingBody,
      response: { 200: proposalSettingSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => saveProposalSetting(tx, req.ctx, req.body, clock.now())),
  })
}
