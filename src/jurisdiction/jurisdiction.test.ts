import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, square, tokenFor, type TestPlatform } from '../../test/support.js'

describe.each(backends())('jurisdiction on %s', (backend) => {
  let p: TestPlatform
  let admin: string
  beforeAll(async () => {
    p = await openTestPlatform(backend)
    admin = await tokenFor(p.app, 'admin')
  })
  afterAll(() => p?.close())

  it('serves the area tree city → district → street → community → grid', async () => {
    const res = await call(p.app, 'GET', '/api/v1/areas/tree')
    expect(res.status).toBe(200)
    const [city] = res.body.areas
    expect(city.level).toBe('city')
    const district = city.children[0]
    expect(district.children).toHaveLength(3)
    const communities = district.children.flatMap((s: any) => s.children)
    expect(communities).toHaveLength(12)
    const grids = communities.flatMap((c: any) => c.children)
    expect(grids).toHaveLength(150)
    expect(grids.every((g: any) => g.level === 'grid')).toBe(true)
  })

  it('reports every area of the demo city as seamlessly covered by its children', async () => {
    const areas = await p.database.db.selectFrom('area').select(['id', 'code']).where('level', '!=', 'grid').execute()
    for (const a of areas) {
      const res = await call(p.app, 'GET', `/api/v1/areas/${a.id}/coverage`, { token: admin })
      expect(res.status).toBe(200)
      expect({
        code: a.code,
        gaps: res.body.gaps.length,
        overlaps: res.body.overlaps.length,
        outside: res.body.outside.length,
        seamless: res.body.seamless,
      }).toEqual({
        code: a.code,
        gaps: 0,
        overlaps: 0,
        outside: 0,
        seamless: true,
      })
    }
  })

  it('finds gaps and overlaps with their square metres', async () => {
    const guihua = await areaId(p, 'JZ-QH-01-01')
    const grids = await p.database.db
      .selectFrom('area')
      .select(['id'])
      .where('parent_id', '=', guihua)
      .orderBy('id')
      .execute()
    // Retire one grid: its cell becomes a gap.
    await call(p.app, 'POST', `/api/v1/areas/${grids[0]!.id}/retire`, { token: admin })
    // Stretch another over its neighbour: an overlap (and perhaps a part outside the community).
    const detail = await call(p.app, 'GET', `/api/v1/areas/${grids[1]!.id}`)
    const neighbour = await call(p.app, 'GET', `/api/v1/areas/${grids[2]!.id}`)
    const union = {
      type: 'MultiPolygon',
      coordinates: [...detail.body.boundary.coordinates, ...neighbour.body.boundary.coordinates],
    }
    const invalid = await call(p.app, 'PATCH', `/api/v1/areas/${grids[1]!.id}`, {
      token: admin,
      body: { boundary: union },
    })
    // Two polygons sharing an edge are not a valid MultiPolygon; PostGIS says why.
    expect(invalid.status).toBe(422)
    expect(invalid.body.error).toMatchObject({ code: 'AREA_INVALID_BOUNDARY', field: 'boundary' })
    const grown = await call(p.app, 'PATCH', `/api/v1/areas/${grids[1]!.id}`, {
      token: admin,
      body: { boundary: neighbour.body.boundary },
    })
    expect(grown.status).toBe(200)
    const cov = await call(p.app, 'GET', `/api/v1/areas/${guihua}/coverage`, { token: admin })
    expect(cov.body.seamless).toBe(false)
    expect(cov.body.gaps.length).toBeGreaterThanOrEqual(1)
    expect(cov.body.gapM2).toBeGreaterThan(50_000)
    expect(cov.body.overlaps).toHaveLength(1)
    expect(cov.body.overlaps[0].areaIds).toEqual([grids[1]!.id, grids[2]!.id])
    expect(cov.body.overlapM2).toBeCloseTo(neighbour.body.areaM2, -2)
  })

  it('locates a point into its grid with the ancestor path, and 404s outside every grid', async () => {
    const grid = await p.database.db
      .selectFrom('area')
      .select(['id', 'code'])
      .where('code', '=', 'JZ-QH-02-01-G03')
      .executeTakeFirstOrThrow()
    const { rows } = await sql<{ lng: number; lat: number }>`
      select ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat from area where id = ${grid.id}`.execute(
      p.database.db,
    )
    const res = await call(p.app, 'GET', `/api/v1/areas/locate?lng=${rows[0]!.lng}&lat=${rows[0]!.lat}`)
    expect(res.status).toBe(200)
    expect(res.body.grid.code).toBe('JZ-QH-02-01-G03')
    expect(res.body.ancestors.map((a: any) => a.level)).toEqual(['city', 'district', 'street', 'community'])
    const outside = await call(p.app, 'GET', '/api/v1/areas/locate?lng=10&lat=10')
    expect(outside.status).toBe(404)
    expect(outside.body.error.code).toBe('AREA_OUTSIDE_ALL_GRIDS')
    const bad = await call(p.app, 'GET', '/api/v1/areas/locate?lng=abc&lat=30')
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toBe('lng')
  })

  it('returns boundaries as a GeoJSON FeatureCollection', async () => {
    const city = await areaId(p, 'JZ')
    const res = await call(p.app, 'GET', `/api/v1/areas/boundaries?within=${city}&level=grid`)
    expect(res.status).toBe(200)
    expect(res.body.type).toBe('FeatureCollection')
    const active = await p.database.db
      .selectFrom('area')
      .select('id')
      .where('level', '=', 'grid')
      .where('retired_at', 'is', null)
      .execute()
    expect(res.body.features).toHaveLength(active.length)
    expect(res.body.features[0].geometry.type).toBe('MultiPolygon')
    const children = await call(p.app, 'GET', `/api/v1/areas/boundaries?within=${await areaId(p, 'JZ-QH')}`)
    expect(children.body.features.map((f: any) => f.properties.level)).toEqual(['street', 'street', 'street'])
  })

  it('creates, updates, moves and retires areas, with winding normalised', async () => {
    const guihua = await areaId(p, 'JZ-QH-01-01')
    // Clockwise outer ring (against RFC 7946): accepted and stored counter-clockwise.
    const clockwise = {
      type: 'Polygon',
      coordinates: [
        [
          [121, 31],
          [121, 31.001],
          [121.001, 31.001],
          [121.001, 31],
          [121, 31],
        ],
      ],
    }
    const created = await call(p.app, 'POST', '/api/v1/areas', {
      token: admin,
      body: { parentId: guihua, code: 'T-GRID-1', nameZh: '测试网格', nameEn: 'Test grid', boundary: clockwise },
    })
    expect(created.status).toBe(201)
    expect(created.body.level).toBe('grid')
    expect(created.body.ancestors.map((a: any) => a.code)).toEqual(['JZ', 'JZ-QH', 'JZ-QH-01', 'JZ-QH-01-01'])
    const ring = created.body.boundary.coordinates[0][0]
    const signedArea = ring.slice(0, -1).reduce((s: number, [x1, y1]: number[], i: number) => {
      const [x2, y2] = ring[i + 1]
      return s + (x1 * y2 - x2 * y1)
    }, 0)
    expect(signedArea).toBeGreaterThan(0)

    const renamed = await call(p.app, 'PATCH', `/api/v1/areas/${created.body.id}`, {
      token: admin,
      body: { nameEn: 'Renamed grid' },
    })
    expect(renamed.body.nameEn).toBe('Renamed grid')

    const liuan = await areaId(p, 'JZ-QH-01-02')
    const moved = await call(p.app, 'POST', `/api/v1/areas/${created.body.id}/move`, {
      token: admin,
      body: { parentId: liuan },
    })
    expect(moved.status).toBe(200)
    expect(moved.body.parentId).toBe(liuan)
    const path = await p.database.db
      .selectFrom('area')
      .select('path')
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow()
    expect(path.path).toBe(
      `/${await areaId(p, 'JZ')}/${await areaId(p, 'JZ-QH')}/${await areaId(p, 'JZ-QH-01')}/${liuan}/${created.body.id}/`,
    )

    const retired = await call(p.app, 'POST', `/api/v1/areas/${created.body.id}/retire`, { token: admin })
    expect(retired.body.retiredAt).not.toBeNull()
    const busy = await call(p.app, 'POST', `/api/v1/areas/${liuan}/retire`, { token: admin })
    expect(busy.status).toBe(409)
    expect(busy.body.error.code).toBe('AREA_HAS_ACTIVE_CHILDREN')
  })

  it('moves a street subtree and keeps every descendant path right', async () => {
    const district = await areaId(p, 'JZ-QH')
    const street = await areaId(p, 'JZ-QH-03')
    const res = await call(p.app, 'POST', `/api/v1/areas/${street}/move`, {
      token: admin,
      body: { parentId: district },
    })
    expect(res.status).toBe(200)
    const { rows } = await sql<{ code: string }>`
      select c.code from area c join area parent on parent.id = c.parent_id
      where c.path <> parent.path || c.id || '/'`.execute(p.database.db)
    expect(rows).toEqual([])
  })

  it('refuses bad input with a 4xx naming the field, writing nothing', async () => {
    const guihua = await areaId(p, 'JZ-QH-01-01')
    const before = await p.database.db
      .selectFrom('area')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [121, 31],
          [121.001, 31.001],
          [121.001, 31],
          [121, 31.001],
          [121, 31],
        ],
      ],
    }
    const cases: [unknown, number, string, string?][] = [
      [
        { parentId: guihua, code: 'X1', nameZh: '甲', nameEn: 'A', boundary: bowtie },
        422,
        'boundary',
        'AREA_INVALID_BOUNDARY',
      ],
      [{ parentId: guihua, code: 'X1', nameZh: '甲', nameEn: 'A', boundary: square(121, 31), extra: 1 }, 400, 'extra'],
      [{ parentId: 'one', code: 'X1', nameZh: '甲', nameEn: 'A', boundary: square(121, 31) }, 400, 'parentId'],
      [{ parentId: guihua, code: 'X 1', nameZh: '甲', nameEn: 'A', boundary: square(121, 31) }, 400, 'code'],
      [{ parentId: guihua, nameZh: '甲', nameEn: 'A', boundary: square(121, 31) }, 400, 'code'],
      [
        { parentId: guihua, code: 'X1', nameZh: '甲', nameEn: 'A', boundary: { type: 'Point', coordinates: [1, 2] } },
        400,
        'boundary.type',
      ],
      [
        {
          parentId: guihua,
          code: 'X1',
          nameZh: '甲',
          nameEn: 'A',
          boundary: {
            type: 'Polygon',
            coordinates: [
              [
                [121, 31],
                [121.1, 31],
                [121, 31.1],
              ],
            ],
          },
        },
        422,
        'boundary.coordinates[0]',
      ],
      [
        {
          parentId: guihua,
          code: 'X1',
          nameZh: '甲',
          nameEn: 'A',
          boundary: {
            type: 'Polygon',
            coordinates: [
              [
                [121, 31],
                [121.1, 31],
                [121, 31.1],
                [121.5, 31.5],
              ],
            ],
          },
        },
        422,
        'boundary.coordinates[0]',
      ],
      [
        {
          parentId: guihua,
          code: 'X1',
          nameZh: '甲',
          nameEn: 'A',
          boundary: {
            type: 'Polygon',
            coordinates: [
              [
                [121, 31],
                [200, 31],
                [121, 31.1],
                [121, 31],
              ],
            ],
          },
        },
        422,
        'boundary.coordinates[0][1]',
      ],
      [
        {
          parentId: guihua,
          code: 'X1',
          nameZh: '甲',
          nameEn: 'A',
          boundary: {
            type: 'Polygon',
            coordinates: [
              [
                ['a', 31],
                [121, 31],
                [121, 31.1],
                ['a', 31],
              ],
            ],
          },
        },
        422,
        'boundary.coordinates[0][0]',
      ],
      [
        { parentId: 999999, code: 'X1', nameZh: '甲', nameEn: 'A', boundary: square(121, 31) },
        404,
        'parentId',
        'AREA_NOT_FOUND',
      ],
      [
        { parentId: guihua, level: 'street', code: 'X1', nameZh: '甲', nameEn: 'A', boundary: square(121, 31) },
        422,
        'level',
        'AREA_LEVEL_MISMATCH',
      ],
      [
        { parentId: guihua, code: 'JZ-QH', nameZh: '甲', nameEn: 'A', boundary: square(121, 31) },
        409,
        'code',
        'CONFLICT',
      ],
    ]
    for (const [body, status, field, code] of cases) {
      const res = await call(p.app, 'POST', '/api/v1/areas', { token: admin, body })
      expect({ status: res.status, field: res.body.error?.field }, JSON.stringify(body)).toEqual({ status, field })
      if (code) expect(res.body.error.code).toBe(code)
    }
    const malformed = await call(p.app, 'POST', '/api/v1/areas', { token: admin, raw: '{"parentId": 1,' })
    expect(malformed.status).toBe(400)
    expect(malformed.body.error).toMatchObject({ code: 'INVALID_JSON', field: 'body' })

    const street = await areaId(p, 'JZ-QH-01')
    const cycle = await call(p.app, 'POST', `/api/v1/areas/${street}/move`, {
      token: admin,
      body: { parentId: guihua },
    })
    expect(cycle.status).toBe(409)
    expect(cycle.body.error).toMatchObject({ code: 'AREA_CYCLE', field: 'parentId' })
    const self = await call(p.app, 'POST', `/api/v1/areas/${guihua}/move`, { token: admin, body: { parentId: guihua } })
    expect(self.body.error).toMatchObject({ code: 'AREA_CYCLE', field: 'parentId' })
    const level = await call(p.app, 'POST', `/api/v1/areas/${guihua}/move`, {
      token: admin,
      body: { parentId: await areaId(p, 'JZ-QH') },
    })
    expect(level.body.error).toMatchObject({ code: 'AREA_LEVEL_MISMATCH', field: 'parentId' })
    const after = await p.database.db
      .selectFrom('area')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
  })

  it('imports a FeatureCollection all or nothing, and idempotently', async () => {
    const cuizhu = await areaId(p, 'JZ-QH-02-01')
    const fc = (second: object) => ({
      parentId: cuizhu,
      featureCollection: {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            geometry: square(122, 32),
            properties: { code: 'IMP-1', nameZh: '导入一', nameEn: 'Import 1' },
          },
          { type: 'Feature', geometry: second, properties: { code: 'IMP-2', nameZh: '导入二', nameEn: 'Import 2' } },
        ],
      },
    })
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [122, 32],
          [122.001, 32.001],
          [122.001, 32],
          [122, 32.001],
          [122, 32],
        ],
      ],
    }
    const bad = await call(p.app, 'POST', '/api/v1/areas/import', { token: admin, body: fc(bowtie) })
    expect(bad.status).toBe(422)
    expect(bad.body.error.field).toBe('features[1].geometry')
    expect(
      await p.database.db.selectFrom('area').select('id').where('code', '=', 'IMP-1').executeTakeFirst(),
    ).toBeUndefined()

    const body = fc(square(122.01, 32))
    const headers = { 'idempotency-key': 'import-1' }
    const first = await call(p.app, 'POST', '/api/v1/areas/import', { token: admin, body, headers })
    expect(first.body).toEqual({ created: 2, updated: 0 })
    const again = await call(p.app, 'POST', '/api/v1/areas/import', { token: admin, body, headers })
    expect(again.body).toEqual({ created: 2, updated: 0 })
    const reimport = await call(p.app, 'POST', '/api/v1/areas/import', { token: admin, body })
    expect(reimport.body).toEqual({ created: 0, updated: 2 })
  })

  it('creates an area once per Idempotency-Key, even when retried concurrently', async () => {
    const guihua = await areaId(p, 'JZ-QH-01-01')
    const body = { parentId: guihua, code: 'IDEM-1', nameZh: '幂等', nameEn: 'Idempotent', boundary: square(123, 33) }
    const headers = { 'idempotency-key': 'create-idem-1' }
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => call(p.app, 'POST', '/api/v1/areas', { token: admin, body, headers })),
    )
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([201]))
    expect(new Set(replies.map((r) => JSON.stringify(r.body))).size).toBe(1)
    const rows = await p.database.db.selectFrom('area').select('id').where('code', '=', 'IDEM-1').execute()
    expect(rows).toHaveLength(1)
    const reused = await call(p.app, 'POST', '/api/v1/areas', {
      token: admin,
      body: { ...body, nameEn: 'Other' },
      headers,
    })
    expect(reused.status).toBe(422)
    expect(reused.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'Idempotency-Key' })
  })
})
