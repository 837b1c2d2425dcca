import { cipherFor } from '../core/crypto.js'
import type { Tx } from '../core/db.js'
import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope, type RequestContext } from '../core/scope.js'
import {
  addMilestone,
  createRecord,
  listRecords,
  milestoneParams,
  milestonePatchBody,
  newMilestoneBody,
  newRecordBody,
  recordDetail,
  recordDetailSchema,
  recordListQuery,
  recordPatchBody,
  recordToCase,
  recordViewSchema,
  toCaseBody,
  updateMilestone,
  updateRecord,
} from './accountability.js'
import { participationStaff } from './common.js'

const tags = ['participation']

// You said, we did (issue 14, item 6): the records that follow each outcome to its end. Staff of
// the source's area keep them; everyone signed in follows those on their branch of the area tree.
export async function accountabilityRoutes(app: App, { database, clock, config }: Platform) {
  const { db } = database
  const cipher = cipherFor(config)
  // A change answers with the record as it now is, read in the same transaction.
  const changeThenShow = (
    req: { ctx: RequestContext; params: { id: number } },
    change: (tx: Tx, now: Date) => Promise<unknown>,
  ) =>
    inScope(db, req.ctx, async (tx) => {
      const now = clock.now()
      await change(tx, now)
      return recordDetail(tx, req.ctx, req.params.id, now)
    })

  app.post('/api/v1/accountability', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary:
        'Follow an outcome (accepted proposal, closed consultation, adopted meeting decision): one record per source; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newRecordBody,
      response: { 201: recordDetailSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, async (tx) => {
        const now = clock.now()
        const recordId = await createRecord(tx, req.ctx, req.body, now)
        return recordDetail(tx, req.ctx, recordId, now)
      })
    },
  })

  app.get('/api/v1/accountability', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'You said, we did: the outcomes on your branch of the area tree with their progress, latest change first',
      querystring: recordListQuery,
      response: { 200: pageSchema(recordViewSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listRecords(tx, req.query)),
  })

  app.get('/api/v1/accountability/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A record: its source, milestones, progress and the event case it became (tracking code and state)',
      params: idParams,
      response: { 200: recordDetailSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => recordDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.patch('/api/v1/accountability/:id', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Change status, progress, title or description (audited; followers are told of progress)',
      params: idParams,
      body: recordPatchBody,
      response: { 200: recordDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) => changeThenShow(req, (tx, now) => updateRecord(tx, req.ctx, req.params.id, req.body, now)),
  })

  app.post('/api/v1/accountability/:id/milestones', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Add a milestone with its due day; Idempotency-Key honoured',
      params: idParams,
      headers: idempotencyHeaders,
      body: newMilestoneBody,
      response: { 201: recordDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { record: req.params.id, ...req.body }, async (tx) => {
        const now = clock.now()
        await addMilestone(tx, req.ctx, req.params.id, req.body, now)
        return recordDetail(tx, req.ctx, req.params.id, now)
      })
    },
  })

  app.patch('/api/v1/accountability/:id/milestones/:milestoneId', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary: 'Mark a milestone reached (doneOn), reopen it (doneOn null), or change its title, due day or note',
      params: milestoneParams,
      body: milestonePatchBody,
      response: { 200: recordDetailSchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      changeThenShow(req, (tx, now) =>
        updateMilestone(tx, req.ctx, req.params.id, req.params.milestoneId, req.body, now),
      ),
  })

  app.post('/api/v1/accountability/:id/case', {
    config: { access: participationStaff },
    schema: {
      tags,
      summary:
        'Turn the outcome into an event case for a department (category, grid, address) and link it; a second call answers the same case',
      params: idParams,
      body: toCaseBody,
      response: { 200: recordDetailSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req) =>
      changeThenShow(req, (tx, now) => recordToCase(tx, req.ctx, req.params.id, req.body, now, cipher)),
  })
}
