import { errorResponses, idParams, type App } from '../core/http.js'
import { createOnce, idempotencyHeaders } from '../core/idempotency.js'
import { pageSchema } from '../core/paging.js'
import type { Platform } from '../core/platform.js'
import { inScope } from '../core/scope.js'
import { servicesStaff } from './common.js'
import {
  availability,
  availabilityQuery,
  availabilitySchema,
  bookingDetail,
  bookingListQuery,
  bookingSchema,
  cancelBody,
  cancelBooking,
  createBooking,
  createFacility,
  facilityDetail,
  facilityListQuery,
  facilitySchema,
  facilityUpdateBody,
  listBookings,
  listFacilities,
  newBookingBody,
  newFacilityBody,
  updateFacility,
} from './facilities.js'

const tags = ['services']

// Facility booking (场地预约, issue 15 item 3). Facilities are read on the caller's branch of the
// area tree and kept by the area's service staff; bookings are read by their booker and the area's
// staff, and refused on overlap by the database's exclusion constraint.
export async function facilityRoutes(app: App, { database, clock }: Platform) {
  const { db } = database

  app.get('/api/v1/facilities', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Facilities on your branch of the area tree (community rooms, meeting halls, courts…)',
      querystring: facilityListQuery,
      response: { 200: pageSchema(facilitySchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listFacilities(tx, req.ctx, req.query)),
  })

  app.post('/api/v1/facilities', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary: 'Add a facility of an area with its weekly opening hours and slot rules; Idempotency-Key honoured',
      headers: idempotencyHeaders,
      body: newFacilityBody,
      response: { 201: facilitySchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, req.body, (tx) => createFacility(tx, req.ctx, req.body, clock.now()))
    },
  })

  app.get('/api/v1/facilities/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A facility with its opening hours and booking rules',
      params: idParams,
      response: { 200: facilitySchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => facilityDetail(tx, req.ctx, req.params.id)),
  })

  app.put('/api/v1/facilities/:id', {
    config: { access: servicesStaff },
    schema: {
      tags,
      summary: 'Edit a facility: opening hours, slot size, capacity, who may book, open or closed',
      params: idParams,
      body: facilityUpdateBody,
      response: { 200: facilitySchema, ...errorResponses(401, 403, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => updateFacility(tx, req.ctx, req.params.id, req.body, clock.now())),
  })

  app.get('/api/v1/facilities/:id/availability', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Slots of each day (Beijing time) from a day for 1–14 days, each free or busy; staff see who booked, everyone sees their own',
      params: idParams,
      querystring: availabilityQuery,
      response: { 200: availabilitySchema, ...errorResponses(401, 404) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => availability(tx, req.ctx, req.params.id, req.query, clock.now())),
  })

  app.post('/api/v1/facilities/:id/bookings', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Book consecutive slots (409 BOOKING_OVERLAP when taken, 422 BOOKING_OUTSIDE_HOURS / BOOKING_INVALID_SLOT / BOOKING_OVER_CAPACITY, 409 FACILITY_CLOSED); residents hold at most 3 upcoming bookings; Idempotency-Key honoured',
      params: idParams,
      headers: idempotencyHeaders,
      body: newBookingBody,
      response: { 201: bookingSchema, ...errorResponses(401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      reply.code(201)
      return createOnce(db, req, { facility: req.params.id, ...req.body }, (tx) =>
        createBooking(tx, req.ctx, req.params.id, req.body, clock.now()),
      )
    },
  })

  app.get('/api/v1/bookings', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'Your facility bookings; for service staff also their areas’ (filter by facility and day)',
      querystring: bookingListQuery,
      response: { 200: pageSchema(bookingSchema), ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => listBookings(tx, req.ctx, req.query, clock.now())),
  })

  app.get('/api/v1/bookings/:id', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary: 'A booking (its booker and the area’s service staff)',
      params: idParams,
      response: { 200: bookingSchema, ...errorResponses(401, 404) },
    },
    handler: async (req) => inScope(db, req.ctx, (tx) => bookingDetail(tx, req.ctx, req.params.id, clock.now())),
  })

  app.post('/api/v1/bookings/:id/cancel', {
    config: { access: 'signed-in' },
    schema: {
      tags,
      summary:
        'Cancel a booking: the booker before it starts, or the area’s service staff (with a reason) until it ends; the slots are free again',
      params: idParams,
      body: cancelBody,
      response: { 200: bookingSchema, ...errorResponses(401, 403, 404, 409) },
    },
    handler: async (req) =>
      inScope(db, req.ctx, (tx) => cancelBooking(tx, req.ctx, req.params.id, req.body, clock.now())),
  })
}
