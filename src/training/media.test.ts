import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { gridMapPng } from './courses-demo.js'
import { byteRange, MEDIA_CHUNK_BYTES } from './media.js'

/** The start of an MP4 (an ISO base media `ftyp` box), then `size` bytes in all: what file-type calls video/mp4. */
function mp4Of(size: number): Buffer {
  const b = Buffer.alloc(size)
  Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex').copy(b)
  for (let i = 24; i < size; i++) b[i] = (i * 7919) & 0xff
  return b
}

describe('byteRange', () => {
  it('reads a-b, a- and -n, clamps the end, ignores what it cannot parse and refuses past the end', () => {
    expect(byteRange(undefined, 100)).toBeNull()
    expect(byteRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 })
    expect(byteRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 })
    expect(byteRange('bytes=-5', 100)).toEqual({ start: 95, end: 99 })
    expect(byteRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 })
    expect(byteRange('bytes=50-1000', 100)).toEqual({ start: 50, end: 99 })
    expect(byteRange('bytes=0-1,5-6', 100)).toBeNull()
    expect(byteRange('items=0-1', 100)).toBeNull()
    expect(byteRange('bytes=9-3', 100)).toBeNull()
    expect(() => byteRange('bytes=100-', 100)).toThrow(/100 bytes/)
    expect(() => byteRange('bytes=-0', 100)).toThrow()
  })
})

describe.each(backends())('training media on %s', (backend) => {
  let p: TestPlatform
  const t: Record<string, string> = {}
  let guihua = 0
  let png = 0
  let video = 0
  const videoBytes = mp4Of(2 * MEDIA_CHUNK_BYTES + 12_345)

  const upload = async (user: string, q: string, bytes: Buffer, type = 'application/octet-stream') => {
    const res = await p.app.inject({
      method: 'POST',
      url: `/api/v1/training/media?${q}`,
      headers: { authorization: `Bearer ${t[user]}`, 'content-type': type },
      payload: bytes,
    })
    return { status: res.statusCode, body: res.json() }
  }
  const fetchMedia = (user: string | null, id: number, headers: Record<string, string> = {}) =>
    p.app.inject({
      method: 'GET',
      url: `/api/v1/training/media/${id}`,
      headers: { ...(user ? { authorization: `Bearer ${t[user]}` } : {}), ...headers },
    })

  beforeAll(async () => {
    p = await openTestPlatform(backend, '2027-05-10T02:00:00Z')
    for (const u of ['guihua.staff', 'guihua.grid', 'guihua.resident', 'cuizhu.staff', 'cuizhu.grid', 'donghu.staff'])
      t[u] = await tokenFor(p.app, u)
    guihua = await areaId(p, 'JZ-QH-01-01')
  }, 180_000)
  afterAll(async () => p?.close())

  it('takes a file whose bytes are of the kind, and stores its hash', async () => {
    const bytes = gridMapPng()
    const res = await upload('guihua.staff', `areaId=${guihua}&kind=image&fileName=网格图.png`, bytes, 'image/png')
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body).toMatchObject({ areaId: guihua, kind: 'image', contentType: 'image/png', size: bytes.length })
    expect(res.body.sha256).toMatch(/^[0-9a-f]{64}$/)
    png = res.body.id
    const mp4 = await upload('guihua.staff', `areaId=${guihua}&kind=video&fileName=巡查.mp4`, videoBytes, 'video/mp4')
    expect(mp4.status, JSON.stringify(mp4.body)).toBe(201)
    expect(mp4.body.contentType).toBe('video/mp4')
    video = mp4.body.id
    const audits = await p.database.db
      .selectFrom('audit_log')
      .select('entity_id')
      .where('action', '=', 'training.media.upload')
      .execute()
    expect(audits.map((a) => a.entity_id)).toEqual(expect.arrayContaining([String(png), String(video)]))
  })

  it('refuses a video whose bytes are not a video, an empty file, an oversize one, and the learners', async () => {
    const before = await p.database.db.selectFrom('training_media').select('id').execute()
    const fake = await upload(
      'guihua.staff',
      `areaId=${guihua}&kind=video&fileName=假视频.mp4`,
      gridMapPng(),
      'video/mp4',
    )
    expect(fake.status).toBe(422)
    expect(fake.body.error).toMatchObject({ code: 'TRAINING_MEDIA_INVALID', field: 'body' })
    expect(fake.body.error.message).toMatch(/image\/png/)
    const text = await upload(
      'guihua.staff',
      `areaId=${guihua}&kind=pdf&fileName=a.pdf`,
      Buffer.from('not a pdf at all'),
    )
    expect(text.body.error).toMatchObject({ code: 'TRAINING_MEDIA_INVALID', field: 'body' })
    const empty = await upload('guihua.staff', `areaId=${guihua}&kind=image&fileName=a.png`, Buffer.alloc(0))
    expect([415, 422]).toContain(empty.status)
    const big = Buffer.concat([gridMapPng(), Buffer.alloc(10 << 20)])
    const oversize = await upload('guihua.staff', `areaId=${guihua}&kind=image&fileName=big.png`, big)
    expect(oversize.status).toBe(413)
    expect(oversize.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'body' })
    expect((await upload('guihua.grid', `areaId=${guihua}&kind=image&fileName=a.png`, gridMapPng())).status).toBe(403)
    expect((await upload('cuizhu.staff', `areaId=${guihua}&kind=image&fileName=a.png`, gridMapPng())).status).toBe(403)
    const json = await p.app.inject({
      method: 'POST',
      url: `/api/v1/training/media?areaId=${guihua}&kind=image&fileName=a.png`,
      headers: { authorization: `Bearer ${t['guihua.staff']}`, 'content-type': 'application/json' },
      payload: '{}',
    })
    expect(json.statusCode).toBe(415)
    expect(await p.database.db.selectFrom('training_media').select('id').execute()).toHaveLength(before.length)
  })

  it('serves the whole file with its type, name, hash and ranges', async () => {
    const res = await fetchMedia('guihua.staff', png)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('image/png')
    expect(res.headers['accept-ranges']).toBe('bytes')
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{64}"$/)
    expect(res.headers['content-disposition']).toContain("filename*=UTF-8''%E7%BD%91%E6%A0%BC%E5%9B%BE.png")
    expect(Buffer.compare(res.rawPayload, gridMapPng())).toBe(0)
    const again = await fetchMedia('guihua.staff', png, { 'if-none-match': String(res.headers.etag) })
    expect(again.statusCode).toBe(304)
  })

  it('answers ranges with 206 and Content-Range, past the end with 416', async () => {
    const size = videoBytes.length
    const cases: [string, number, number][] = [
      ['bytes=0-9', 0, 9],
      ['bytes=100-', 100, size - 1],
      ['bytes=-16', size - 16, size - 1],
      ['bytes=10-99999999', 10, size - 1],
      // Across the chunks the server reads one query at a time.
      [`bytes=${MEDIA_CHUNK_BYTES - 5}-${2 * MEDIA_CHUNK_BYTES + 7}`, MEDIA_CHUNK_BYTES - 5, 2 * MEDIA_CHUNK_BYTES + 7],
    ]
    for (const [range, start, end] of cases) {
      const res = await fetchMedia('guihua.staff', video, { range })
      expect(res.statusCode, range).toBe(206)
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`)
      expect(Number(res.headers['content-length'])).toBe(end - start + 1)
      expect(Buffer.compare(res.rawPayload, videoBytes.subarray(start, end + 1)), range).toBe(0)
    }
    const whole = await fetchMedia('guihua.staff', video)
    expect(whole.statusCode).toBe(200)
    expect(Buffer.compare(whole.rawPayload, videoBytes)).toBe(0)
    const several = await fetchMedia('guihua.staff', video, { range: 'bytes=0-1,5-9' })
    expect(several.statusCode).toBe(200)
    expect(several.rawPayload.length).toBe(size)
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      const res = await fetchMedia('guihua.staff', video, { range })
      expect(res.statusCode, range).toBe(416)
      expect(res.headers['content-range']).toBe(`bytes */${size}`)
      expect(res.json().error.code).toBe('RANGE_NOT_SATISFIABLE')
    }
  })

  it('shows a file to the staff on its branch only, and to the learners once a published course uses it', async () => {
    expect((await fetchMedia('cuizhu.grid', png)).statusCode).toBe(404)
    // In no lesson yet: the keepers' (the street's staff keep the community) only.
    expect((await fetchMedia('donghu.staff', png)).statusCode).toBe(200)
    expect((await fetchMedia('guihua.grid', png)).statusCode).toBe(404)
    const post = (url: string, body: unknown) =>
      p.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${t['guihua.staff']}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      })
    const course = (
      await post('/api/v1/training/courses', { areaId: guihua, title: '图片课程', topic: 'other', passMark: 0 })
    ).json()
    expect(
      (await post(`/api/v1/training/courses/${course.id}/lessons`, { title: '图', kind: 'image', mediaId: png }))
        .statusCode,
    ).toBe(201)
    expect((await fetchMedia('guihua.grid', png)).statusCode, 'a draft’s file').toBe(404)
    const published = await p.app.inject({
      method: 'PATCH',
      url: `/api/v1/training/courses/${course.id}`,
      headers: { authorization: `Bearer ${t['guihua.staff']}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ version: course.version + 1, status: 'published' }),
    })
    expect(published.statusCode, published.body).toBe(200)
    expect((await fetchMedia('guihua.grid', png)).statusCode).toBe(200)
    expect((await fetchMedia('guihua.resident', png)).statusCode).toBe(403)
    expect((await fetchMedia(null, png)).statusCode).toBe(401)
    // The district's induction files reach every community's staff.
    const demo = await p.database.db
      .selectFrom('training_media')
      .select('id')
      .where('file_name', '=', '网格员工作手册（节选）.pdf')
      .executeTakeFirstOrThrow()
    const pdf = await fetchMedia('cuizhu.grid', Number(demo.id), { range: 'bytes=0-4' })
    expect(pdf.statusCode).toBe(206)
    expect(pdf.rawPayload.toString('latin1')).toBe('%PDF-')
    expect((await fetchMedia('guihua.grid', 2147483000)).statusCode).toBe(404)
  })
})
