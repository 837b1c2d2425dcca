// Grid work in a real browser: guihua.grid starts a patrol on a phone with the browser's (emulated)
// geolocation, walks across grid G01, loses the connection for two positions — the points wait in the
// phone's outbox and go out when it returns — and ends the patrol; the community's leader then reads
// the patrol log and the patrol's track, the statistics with the idle grids, the day's tracks on the
// map, and the grid profile card of G01 on the areas page with the workers' duty types. Screenshots;
// axe on every new page. Needs `npm run build:web` and Chromium.
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const session = browserSession({ what: 'the grid patrol browser test' })

describe.skipIf(session.skip)('patrol and grid profile screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let grid = 0
  let centre = { lng: 0, lat: 0 }

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      const { rows } = await sql<{ id: number; lng: number; lat: number }>`
        select id, ST_X(ST_PointOnSurface(boundary)) as lng, ST_Y(ST_PointOnSurface(boundary)) as lat
        from area where code = 'JZ-QH-01-01-G01'`.execute(platform.database.db)
      grid = rows[0]!.id
      centre = { lng: Number(rows[0]!.lng), lat: Number(rows[0]!.lat) }
    })
  })

  afterAll(() => session.close())

  const pointCount = async () =>
    Number(
      (
        await sql<{ n: number }>`select count(*)::int as n from patrol_point pt join patrol p on p.id = pt.patrol_id
          join app_user u on u.id = p.worker_id where u.username = 'guihua.grid'`.execute(p.database.db)
      ).rows[0]!.n,
    )

  it('a grid worker patrols with a live track that survives a lost connection', async () => {
    const phone: Page = await signIn('guihua.grid', PHONE)
    const context = phone.context()
    await context.grantPermissions(['geolocation'], { origin: session.baseUrl })
    const at = (dx: number, dy: number) =>
      context.setGeolocation({ longitude: centre.lng + dx, latitude: centre.lat + dy, accuracy: 10 })
    await at(0, 0)
    await goto(phone, '#/grid/patrol')
    await phone.waitForSelector(byTestId('patrol-start'))
    await axe(phone, 'patrol, not started')
    await shoot(phone, 'grid-patrol-start-phone.png')
    await phone.click(byTestId('patrol-start'))
    await phone.waitForSelector(byTestId('patrol-running'))

    // Walk: each new position is a point of the track.
    for (const [dx, dy] of [
      [0.0003, 0],
      [0.0003, 0.0003],
      [0.0006, 0.0003],
    ] as const) {
      await phone.waitForTimeout(400)
      await at(dx, dy)
    }
    await phone.waitForFunction(
      (sel) => /[3-9]|\d\d/.test(document.querySelector(sel)?.textContent ?? ''),
      byTestId('patrol-points'),
    )

    // The connection drops: two more positions wait on the phone.
    await context.setOffline(true)
    await phone.waitForSelector(byTestId('patrol-offline'))
    for (const [dx, dy] of [
      [0.0009, 0.0003],
      [0.0009, 0.0006],
    ] as const) {
      await phone.waitForTimeout(400)
      await at(dx, dy)
    }
    await phone.waitForFunction(
      (sel) =>
        /\d/.test(document.querySelector(sel)?.textContent ?? '') &&
        !(document.querySelector(sel)?.textContent ?? '').includes('全部'),
      byTestId('patrol-pending'),
    )
    await shoot(phone, 'grid-patrol-offline-phone.png')
    const whileOffline = await pointCount()

    // Back online: the outbox goes out, once.
    await context.setOffline(false)
    await phone.waitForFunction(
      (sel) => (document.querySelector(sel)?.textContent ?? '').includes('全部'),
      byTestId('patrol-pending'),
      { timeout: 40_000 },
    )
    // The live track keeps the points sent (five or more), not only those waiting.
    await phone.waitForFunction(
      (sel) => /(^|\D)([5-9]|\d\d)/.test(document.querySelector(sel)?.textContent ?? ''),
      byTestId('patrol-points'),
    )
    const afterSync = await pointCount()
    expect(afterSync).toBeGreaterThanOrEqual(whileOffline + 2)
    await axe(phone, 'patrol under way')
    await shoot(phone, 'grid-patrol-running-phone.png')

    await phone.click(byTestId('patrol-end'))
    await phone.waitForSelector(byTestId('patrol-ended'))
    expect(await pointCount()).toBe(afterSync)
    const patrol = (
      await sql<{ distance_m: number; ended_at: Date | null; point_count: number }>`
        select p.distance_m, p.ended_at, p.point_count from patrol p join app_user u on u.id = p.worker_id
        where u.username = 'guihua.grid' order by p.id desc limit 1`.execute(p.database.db)
    ).rows[0]!
    expect(patrol.ended_at).not.toBeNull()
    expect(patrol.point_count).toBeGreaterThanOrEqual(5)
    // Six positions about 33 m apart: a little over 100 m walked.
    expect(Number(patrol.distance_m)).toBeGreaterThan(100)
    await shoot(phone, 'grid-patrol-ended-phone.png')
  })

  it('the leader reads the log, the track, the statistics, the day’s map and the grid profile', async () => {
    const leader = await signIn('guihua.leader')
    await goto(leader, '#/grid/history')
    await leader.waitForSelector(byTestId('patrol-row'))
    await axe(leader, 'patrol log')
    await shoot(leader, 'grid-patrol-log.png')
    await leader.click(`${byTestId('patrol-row')} a`)
    await leader.waitForSelector(byTestId('detail-distance'))
    await leader.waitForSelector('.grid-map path.leaflet-interactive')
    await axe(leader, 'patrol detail')
    await shoot(leader, 'grid-patrol-detail.png')

    await goto(leader, '#/grid/stats')
    await leader.waitForSelector(byTestId('stats-grids'))
    expect(await leader.textContent(byTestId('stats-workers'))).toContain('网格长')
    await axe(leader, 'patrol statistics')
    await shoot(leader, 'grid-patrol-stats.png')

    await goto(leader, '#/grid/map')
    await leader.waitForFunction(
      (sel) => /\d/.test(document.querySelector(sel)?.textContent ?? ''),
      byTestId('tracks-count'),
    )
    await leader.waitForSelector(`${byTestId('tracks-map')} path.leaflet-interactive`)
    await axe(leader, 'day tracks')
    await shoot(leader, 'grid-patrol-map.png')

    await goto(leader, `#/areas/${grid}`)
    await leader.waitForSelector(byTestId('profile-workers'))
    expect(await leader.textContent(byTestId('profile-workers'))).toContain('网格长')
    expect(Number(await leader.textContent(byTestId('profile-people')))).toBeGreaterThan(0)
    await axe(leader, 'grid profile', byTestId('grid-profile'))
    await shoot(leader, 'grid-profile.png')

    // English too.
    await leader.evaluate(() => localStorage.setItem('grassroots.lang', 'en'))
    await leader.reload()
    await leader.waitForSelector(byTestId('profile-workers'))
    expect(await leader.textContent(byTestId('profile-workers'))).toContain('Grid leader')
    await shoot(leader, 'grid-profile-en.png')

    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
