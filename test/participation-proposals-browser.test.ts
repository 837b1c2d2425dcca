// Resident proposals in a real browser (issue 14, the second flow): the Guihua community's threshold
// is set to two supporters and two residents are verified in person (API, setup); then in the browser
// resident A writes a proposal and is shown a similar one while typing, resident B supports it (takes
// it back and gives it again) and comments, A supports it and the threshold is reached; a third, unverified
// resident is refused with a link to the verification page, verifies there with the code sent to the
// registry phone (read from the message outbox) and supports in one step; staff see it in the list
// with its answer clock, accept it with an official answer, start its "you said, we did" record and
// mark it implemented; A reads the answer (also in English) and follows the link to the record, stops
// and restores its notifications and chooses immediate delivery; an administrator saves the area's
// rules. axe checks every page of the part (list, new, detail, staff panel, verify, settings) for
// serious or critical violations. Needs the built web app (`npm run build:web`) and a system Chromium.
import path from 'node:path'
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cipherFor } from '../src/core/crypto.js'
import { DESKTOP, PHONE, browserSession, byTestId } from './browser-support.js'
import { DEMO_PASSWORD, areaId, call, tokenFor, type TestPlatform } from './support.js'

const COMMUNITY = 'JZ-QH-01-01'
const PASSWORD = 'a-strong-password-14'
// An earlier proposal of the district that A's text resembles (segmented by jieba on both sides).
const EARLIER = {
  title: '5栋门口增设电动车充电棚',
  body: '5栋门口电动车停放杂乱，夜间飞线充电有火灾隐患，建议增设带充电桩的电动车充电棚。',
}
const TITLE = '3栋旁增设电动车充电棚（浏览器测试）'
const BODY = '3栋旁的空地常有电动车飞线充电，存在火灾隐患。建议在空地增设电动车充电棚，安装智能充电桩，由物业统一管理。'
const COMMENT = '支持！晚上楼道里经常有人给电动车充电，太危险了。'
const ANSWER = '社区采纳此提议：将于下月在3栋旁空地建设电动车充电棚，安装12个智能充电桩，由物业负责日常管理。'

const session = browserSession({
  what: 'the proposals browser test',
  // TEST_WEB_DIR serves a build of one's own (vite build --outDir …) while others rebuild web/dist.
  overrides: process.env.TEST_WEB_DIR ? { webDir: path.resolve(process.env.TEST_WEB_DIR) } : {},
})

describe.skipIf(session.skip)('resident proposal and verification screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { shoot, goto, axe, pageProblems, a11yProblems } = session
  let community = 0
  let earlierId = 0
  let proposalId = 0
  let residentA: Page
  let residentB: Page
  let residentC: Page
  // The registry person C verifies as: name and ID number as the registry holds them.
  let personC: { id: number; name: string; idNumber: string; phoneMasked: string }

  /** Signs in with the password second (the new accounts have their own). */
  const signIn = (username: string, password = DEMO_PASSWORD, viewport = DESKTOP) =>
    session.signIn(username, viewport, password)

  /** The detail's support block once it shows `count` supporters. */
  const progressOf = (page: Page) =>
    page.getAttribute(`${byTestId('proposal-support')} ${byTestId('proposal-progress')}`, 'data-count')

  const proposalRow = () =>
    p.database.db
      .selectFrom('proposal')
      .select(['status', 'support_count', 'threshold', 'answer', 'answer_due_at', 'author_id'])
      .where('id', '=', proposalId)
      .executeTakeFirstOrThrow()

  const userIdOf = async (username: string) =>
    (await p.database.db.selectFrom('app_user').select('id').where('username', '=', username).executeTakeFirstOrThrow())
      .id

  beforeAll(async () => {
    // The server's clock at the browser's time, so deadlines read the same on both sides.
    p = await session.open(async (platform) => {
      p = platform
      community = await areaId(p, COMMUNITY)
      const admin = await tokenFor(p.app, 'guihua.admin')
      const staff = await tokenFor(p.app, 'guihua.staff')

      // Two supporters reach the threshold in Guihua; both proposing and supporting need verification.
      const setting = await call(p.app, 'PUT', '/api/v1/proposal-settings', {
        token: admin,
        body: {
          areaId: community,
          supportThreshold: 2,
          answerDays: 15,
          verifiedToPropose: true,
          verifiedToSupport: true,
        },
      })
      expect(setting.status, JSON.stringify(setting.body)).toBe(200)
      expect(setting.body).toMatchObject({ fromAreaId: community, supportThreshold: 2 })

      // Residents B and C: new accounts of the community.
      for (const [username, displayName] of [
        ['guihua.resident.b', '林晓燕'],
        ['guihua.resident.c', '赵国庆'],
      ] as const) {
        const made = await call(p.app, 'POST', '/api/v1/users', {
          token: admin,
          headers: { 'idempotency-key': `proposals-browser-${username}` },
          body: { username, displayName, password: PASSWORD, grants: [{ role: 'resident', areaId: community }] },
        })
        expect(made.status, JSON.stringify(made.body)).toBe(201)
      }

      // Active people of Guihua in the registry, not yet tied to an account, with a phone for C's code.
      const { path: communityPath } = await p.database.db
        .selectFrom('area')
        .select('path')
        .where('id', '=', community)
        .executeTakeFirstOrThrow()
      const people = await p.database.db
        .selectFrom('person as pe')
        .innerJoin('area as a', 'a.id', 'pe.area_id')
        .leftJoin('resident_verification as v', 'v.person_id', 'pe.id')
        .select(['pe.id', 'pe.name', 'pe.id_number_enc', 'pe.phone_masked'])
        .where('pe.status', '=', 'active')
        .where('a.path', 'like', `${communityPath}%`)
        .where('pe.phone_enc', 'is not', null)
        .where('v.user_id', 'is', null)
        .orderBy('pe.id')
        .limit(3)
        .execute()
      expect(people.length).toBe(3)
      const cipher = cipherFor(p.config)
      personC = {
        id: people[2]!.id,
        name: people[2]!.name,
        idNumber: cipher.decrypt(people[2]!.id_number_enc),
        phoneMasked: people[2]!.phone_masked!,
      }

      // A (guihua.resident, unless the demo verified it already) and B verified in person by staff.
      const verifiedA = await p.database.db
        .selectFrom('resident_verification')
        .select('user_id')
        .where('user_id', '=', await userIdOf('guihua.resident'))
        .executeTakeFirst()
      const toVerify: [string, number][] = [['guihua.resident.b', people[1]!.id]]
      if (!verifiedA) toVerify.push(['guihua.resident', people[0]!.id])
      for (const [username, personId] of toVerify) {
        const v = await call(p.app, 'POST', '/api/v1/verification/in-person', {
          token: staff,
          body: { userId: await userIdOf(username), personId },
        })
        expect(v.status, JSON.stringify(v.body)).toBe(204)
      }

      // An earlier proposal of the district like the one A is about to write.
      const b = await call(p.app, 'POST', '/api/v1/auth/login', {
        body: { username: 'guihua.resident.b', password: PASSWORD },
      })
      expect(b.status).toBe(200)
      const earlier = await call(p.app, 'POST', '/api/v1/proposals', {
        token: b.body.token,
        headers: { 'idempotency-key': 'proposals-browser-earlier' },
        body: { areaId: community, category: 'facilities', ...EARLIER },
      })
      expect(earlier.status, JSON.stringify(earlier.body)).toBe(201)
      earlierId = earlier.body.id
    })
  }, 120_000)

  afterAll(() => session.close())

  it('resident A proposes: the form names a missing field, suggests the similar proposal, and lands on the new one', async () => {
    residentA = await signIn('guihua.resident')
    await residentA.click(byTestId('nav-participation'))
    await goto(residentA, '#/participation/proposals')
    await residentA.waitForSelector(`${byTestId('page-participation')}[data-section="proposals"]`)
    await residentA.waitForSelector(`${byTestId('proposal-card')}[data-id="${earlierId}"]`)
    await axe(residentA, 'proposal list')
    await shoot(residentA, 'proposals-list.png')

    await residentA.click(byTestId('proposal-new'))
    await residentA.waitForSelector(byTestId('proposal-form'))
    // The resident's community is chosen for them.
    await residentA.waitForSelector(`${byTestId('proposal-area')} option[value="${community}"]`, {
      state: 'attached',
    })
    expect(await residentA.inputValue(byTestId('proposal-area'))).toBe(String(community))
    // Without a category nothing is sent, and the form names the field.
    await residentA.click(byTestId('proposal-submit'))
    await residentA.waitForSelector(byTestId('proposal-form-error'))
    expect(await residentA.textContent(byTestId('proposal-form-error'))).toContain('类别')

    await residentA.selectOption(byTestId('proposal-category'), 'facilities')
    await residentA.fill(byTestId('proposal-title'), TITLE)
    await residentA.fill(byTestId('proposal-body'), BODY)
    // While typing, the earlier proposal of the district is suggested, with a way to support it instead.
    await residentA.waitForSelector(`${byTestId('proposal-similar-item')}[data-id="${earlierId}"]`)
    expect(
      await residentA.getAttribute(
        `${byTestId('proposal-similar-item')}[data-id="${earlierId}"] ${byTestId('proposal-similar-support')}`,
        'href',
      ),
    ).toBe(`#/participation/proposals/${earlierId}`)
    await axe(residentA, 'new proposal with suggestions')
    await shoot(residentA, 'proposals-new-similar.png')

    await residentA.click(byTestId('proposal-submit'))
    await residentA.waitForSelector(
      `${byTestId('proposal-detail')}[data-proposal-id]:not([data-proposal-id="${earlierId}"])`,
    )
    await residentA.waitForSelector(byTestId('proposal-title-text'))
    proposalId = Number(await residentA.getAttribute(byTestId('proposal-detail'), 'data-proposal-id'))
    expect(proposalId).toBeGreaterThan(earlierId)
    const row = await proposalRow()
    expect(row).toMatchObject({ status: 'published', support_count: 0, threshold: 2, answer: null })
    expect(row.author_id).toBe(await userIdOf('guihua.resident'))
    expect(await residentA.textContent(byTestId('proposal-title-text'))).toBe(TITLE)
    expect(await residentA.textContent(byTestId('proposal-body-text'))).toBe(BODY)
    await residentA.waitForSelector(`${byTestId('proposal-state')}[data-state="published"]`)
    expect(await progressOf(residentA)).toBe('0')
    // The author may withdraw; a resident has no staff actions.
    await residentA.waitForSelector(byTestId('proposal-action-withdraw'))
    expect(await residentA.locator(byTestId('proposal-action-accept')).count()).toBe(0)
    await axe(residentA, 'proposal detail (author)')
    await shoot(residentA, 'proposals-detail-new.png')
  }, 90_000)

  it('resident B supports it, then A does: the threshold is reached and the answer clock starts', async () => {
    residentB = await signIn('guihua.resident.b', PASSWORD, PHONE)
    await goto(residentB, `#/participation/proposals/${proposalId}`)
    await residentB.waitForSelector(byTestId('proposal-support-button'))
    await residentB.click(byTestId('proposal-support-button'))
    await residentB.waitForSelector(byTestId('proposal-supported'))
    expect(await progressOf(residentB)).toBe('1')
    expect((await proposalRow()).support_count).toBe(1)
    // Below the threshold the support can still be taken back, and given again.
    await residentB.click(byTestId('proposal-take-back'))
    await residentB.waitForSelector(byTestId('proposal-support-button'))
    expect(await progressOf(residentB)).toBe('0')
    expect((await proposalRow()).support_count).toBe(0)
    await residentB.click(byTestId('proposal-support-button'))
    await residentB.waitForSelector(byTestId('proposal-take-back'))
    expect(await progressOf(residentB)).toBe('1')
    expect((await proposalRow()).support_count).toBe(1)
    // B also comments, through the shared thread; the proposal's count follows.
    await residentB.fill(byTestId('comment-input'), COMMENT)
    await residentB.click(byTestId('comment-submit'))
    await residentB.waitForSelector(`${byTestId('comment-body')}:has-text("${COMMENT}")`)
    await residentB.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes('1') === true,
      '#proposal-comments-title',
    )
    expect(
      await p.database.db
        .selectFrom('proposal')
        .select('comment_count')
        .where('id', '=', proposalId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ comment_count: 1 })
    await axe(residentB, 'proposal detail (supporter, phone)')
    await shoot(residentB, 'proposals-detail-supported-phone.png')

    await goto(residentA, '#/participation/proposals')
    await goto(residentA, `#/participation/proposals/${proposalId}`)
    await residentA.waitForSelector(byTestId('proposal-support-button'))
    await residentA.click(byTestId('proposal-support-button'))
    await residentA.waitForSelector(`${byTestId('proposal-state')}[data-state="threshold_reached"]`)
    expect(await progressOf(residentA)).toBe('2')
    await residentA.waitForSelector(byTestId('proposal-answer-due'))
    // Past the threshold the support stays.
    expect(await residentA.locator(byTestId('proposal-take-back')).count()).toBe(0)
    const row = await proposalRow()
    expect(row).toMatchObject({ status: 'threshold_reached', support_count: 2 })
    expect(row.answer_due_at).not.toBeNull()
    await residentA.waitForSelector(`${byTestId('proposal-event')}[data-action="threshold"]`)
  }, 60_000)

  it('an unverified resident is sent to verify, verifies with the code from the registry phone, and supports in one step', async () => {
    residentC = await signIn('guihua.resident.c', PASSWORD)
    await goto(residentC, `#/participation/proposals/${proposalId}`)
    await residentC.waitForSelector(byTestId('proposal-support-verify'))
    await residentC.click(byTestId('proposal-support-button'))
    await residentC.waitForSelector(`${byTestId('proposal-support-error')}[data-code="VERIFICATION_REQUIRED"]`)
    expect(await residentC.textContent(byTestId('proposal-support-error'))).toContain('实名核验')
    expect((await proposalRow()).support_count).toBe(2)

    await residentC.click(`${byTestId('proposal-support-error')} ${byTestId('verify-link')}`)
    await residentC.waitForSelector(`${byTestId('page-participation')}[data-section="verify"]`)
    await residentC.waitForSelector(`${byTestId('verify-status')}[data-verified="false"]`)
    await axe(residentC, 'verify page (unverified)')
    await shoot(residentC, 'proposals-verify-start.png')

    // A name that does not match the registry is refused without saying which part was wrong.
    await residentC.fill(byTestId('verify-name'), `${personC.name}某`)
    await residentC.fill(byTestId('verify-id-number'), personC.idNumber)
    await residentC.click(byTestId('verify-send'))
    await residentC.waitForSelector(`${byTestId('verify-error')}[data-code="VERIFICATION_FAILED"]`)

    await residentC.fill(byTestId('verify-name'), personC.name)
    await residentC.click(byTestId('verify-send'))
    await residentC.waitForSelector(byTestId('verify-sent'))
    expect(await residentC.textContent(byTestId('verify-sent'))).toContain(personC.phoneMasked)
    const { rows } = await sql<{ params: unknown }>`
        select params from message_outbox where template_key = 'verification.code' order by id desc limit 1`.execute(
      p.database.db,
    )
    const params = rows[0]!.params
    const code = String((typeof params === 'string' ? JSON.parse(params) : (params as { code: string })).code)
    expect(code).toMatch(/^\d{6}$/)
    await axe(residentC, 'verify page (code sent)')

    // A wrong code first: refused, and the challenge still stands.
    await residentC.fill(byTestId('verify-code'), code === '000000' ? '111111' : '000000')
    await residentC.click(byTestId('verify-confirm'))
    await residentC.waitForSelector(`${byTestId('verify-error')}[data-code="VERIFICATION_FAILED"]`)
    await residentC.fill(byTestId('verify-code'), code)
    await residentC.click(byTestId('verify-confirm'))
    await residentC.waitForSelector(`${byTestId('verify-status')}[data-verified="true"]`)
    expect(await residentC.locator(byTestId('verify-code-flow')).count()).toBe(0)
    const verified = await p.database.db
      .selectFrom('resident_verification')
      .select(['person_id', 'method'])
      .where('user_id', '=', await userIdOf('guihua.resident.c'))
      .executeTakeFirstOrThrow()
    expect(verified).toEqual({ person_id: personC.id, method: 'registry_code' })
    await shoot(residentC, 'proposals-verify-done.png')

    await goto(residentC, `#/participation/proposals/${proposalId}`)
    await residentC.waitForSelector(byTestId('proposal-support-button'))
    expect(await residentC.locator(byTestId('proposal-support-verify')).count()).toBe(0)
    await residentC.click(byTestId('proposal-support-button'))
    await residentC.waitForSelector(byTestId('proposal-supported'))
    expect(await progressOf(residentC)).toBe('3')
    expect((await proposalRow()).support_count).toBe(3)
  }, 90_000)

  it('staff find it past its threshold with the answer clock and accept it with an official answer', async () => {
    const staff = await signIn('guihua.staff')
    await goto(staff, '#/participation/proposals')
    await staff.waitForSelector(byTestId('proposal-list'))
    await staff.selectOption(byTestId('proposal-filter-status'), 'threshold_reached')
    const card = `${byTestId('proposal-card')}[data-id="${proposalId}"]`
    await staff.waitForSelector(card)
    await staff.waitForSelector(`${card} ${byTestId('proposal-clock')}`)
    // Fifteen days to answer (fourteen if the test runs across midnight).
    expect(['14', '15']).toContain(await staff.getAttribute(`${card} ${byTestId('proposal-clock')}`, 'data-days'))
    // The list is filtered: the earlier proposal still collecting supports is not in it.
    expect(await staff.locator(`${byTestId('proposal-card')}[data-id="${earlierId}"]`).count()).toBe(0)
    await axe(staff, 'proposal list (staff, filtered)')
    await shoot(staff, 'proposals-list-staff.png')

    await staff.click(`${card} ${byTestId('proposal-link')}`)
    await staff.waitForSelector(byTestId('proposal-actions'))
    // Staff do not withdraw a resident's proposal.
    expect(await staff.locator(byTestId('proposal-action-withdraw')).count()).toBe(0)
    await staff.click(byTestId('proposal-action-accept'))
    await staff.waitForSelector(`${byTestId('proposal-action-form')}[data-action="accept"]`)
    // An answer too short is not sent.
    await staff.fill(byTestId('proposal-action-text'), '同意')
    await staff.click(byTestId('proposal-action-submit'))
    await staff.waitForSelector(byTestId('proposal-action-error'))
    expect(await staff.textContent(byTestId('proposal-action-error'))).toContain('正式答复')
    expect((await proposalRow()).status).toBe('threshold_reached')

    await staff.fill(byTestId('proposal-action-text'), ANSWER)
    await axe(staff, 'proposal detail (staff answering)')
    await shoot(staff, 'proposals-staff-answer.png')
    await staff.click(byTestId('proposal-action-submit'))
    await staff.waitForSelector(`${byTestId('proposal-state')}[data-state="accepted"]`)
    await staff.waitForSelector(byTestId('proposal-answer-text'))
    expect(await staff.textContent(byTestId('proposal-answer-text'))).toBe(ANSWER)
    // Accepted: next comes implementation; supports are closed.
    await staff.waitForSelector(byTestId('proposal-action-implement'))
    await staff.waitForSelector(byTestId('proposal-support-closed'))
    expect(await proposalRow()).toMatchObject({ status: 'accepted', answer: ANSWER })

    // The accepted proposal is followed in "you said, we did": staff start its record from here.
    await staff.click(byTestId('proposal-follow-up'))
    await staff.waitForSelector(byTestId('proposal-follow-up-form'))
    expect(await staff.inputValue(byTestId('proposal-follow-up-description'))).toBe(ANSWER)
    await staff.fill(byTestId('proposal-follow-up-title'), '3栋旁建设电动车充电棚')
    await axe(staff, 'proposal detail (staff starting the record)')
    await staff.click(byTestId('proposal-follow-up-submit'))
    await staff.waitForSelector(byTestId('proposal-accountability'))
    const record = await p.database.db
      .selectFrom('accountability_record')
      .select(['id', 'title', 'status'])
      .where('source_kind', '=', 'proposal')
      .where('source_id', '=', proposalId)
      .executeTakeFirstOrThrow()
    expect(record).toMatchObject({ title: '3栋旁建设电动车充电棚', status: 'planned' })
    expect(await staff.getAttribute(byTestId('proposal-accountability'), 'href')).toBe(
      `#/participation/accountability/${record.id}`,
    )
    expect(await staff.locator(byTestId('proposal-follow-up')).count()).toBe(0)

    // Implemented, with a note in the history.
    await staff.click(byTestId('proposal-action-implement'))
    await staff.waitForSelector(`${byTestId('proposal-action-form')}[data-action="implement"]`)
    await staff.fill(byTestId('proposal-action-text'), '充电棚已建成并投入使用。')
    await staff.click(byTestId('proposal-action-submit'))
    await staff.waitForSelector(`${byTestId('proposal-state')}[data-state="implemented"]`)
    expect(await staff.textContent(`${byTestId('proposal-event')}[data-action="implement"]`)).toContain(
      '充电棚已建成并投入使用。',
    )
    expect(await staff.locator(byTestId('proposal-actions')).count()).toBe(0)
    expect((await proposalRow()).status).toBe('implemented')
    await shoot(staff, 'proposals-staff-implemented.png')
  }, 60_000)

  it('the resident reads the official answer, in Chinese and in English', async () => {
    await goto(residentA, '#/participation/proposals')
    await residentA.waitForSelector(`${byTestId('proposal-card')}[data-id="${proposalId}"][data-state="implemented"]`)
    await residentA.click(`${byTestId('proposal-card')}[data-id="${proposalId}"] ${byTestId('proposal-link')}`)
    await residentA.waitForSelector(byTestId('proposal-answer-text'))
    expect(await residentA.textContent(byTestId('proposal-answer-text'))).toBe(ANSWER)
    expect(await residentA.textContent(byTestId('proposal-state'))).toBe('已落实')
    await residentA.waitForSelector(`${byTestId('proposal-event')}[data-action="accept"]`)
    await axe(residentA, 'proposal detail (answered)')
    await shoot(residentA, 'proposals-detail-answered.png')

    await residentA.selectOption(byTestId('lang-switch'), 'en')
    await residentA.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'Implemented',
      byTestId('proposal-state'),
    )
    expect(await residentA.textContent(byTestId('proposal-answer'))).toContain('Official answer')
    await axe(residentA, 'proposal detail (en)')
    await shoot(residentA, 'proposals-detail-en.png')
    await residentA.selectOption(byTestId('lang-switch'), 'zh-CN')
    // From the answer to its "you said, we did" record.
    await residentA.click(byTestId('proposal-accountability'))
    await residentA.waitForSelector(`${byTestId('page-participation')}[data-section="accountability"]`)
    await goto(residentA, `#/participation/proposals/${proposalId}`)
    await residentA.waitForSelector(byTestId('proposal-answer-text'))
  }, 60_000)

  it('the resident stops this proposal’s notifications, finds it on the verify page, resubscribes and chooses immediate delivery', async () => {
    const userA = await userIdOf('guihua.resident')
    await residentA.waitForSelector(`${byTestId('proposal-follow-state')}[data-following="true"]`)
    await residentA.click(byTestId('proposal-follow-toggle'))
    await residentA.waitForSelector(`${byTestId('proposal-follow-state')}[data-following="false"]`)
    const off = await p.database.db
      .selectFrom('participation_unsubscribe')
      .select(['subject_kind', 'subject_id'])
      .where('user_id', '=', userA)
      .execute()
    expect(off).toEqual([{ subject_kind: 'proposal', subject_id: proposalId }])

    await goto(residentA, '#/participation/verify')
    await residentA.waitForSelector(`${byTestId('verify-status')}[data-verified="true"]`)
    await residentA.waitForSelector(byTestId('preferences-unsubscribed-item'))
    expect(await residentA.getAttribute(`${byTestId('preferences-unsubscribed-item')} a`, 'href')).toBe(
      `#/participation/proposals/${proposalId}`,
    )
    await axe(residentA, 'verify page (verified, preferences)')
    await shoot(residentA, 'proposals-preferences.png')
    await residentA.click(byTestId('preferences-resubscribe'))
    await residentA.waitForSelector(byTestId('preferences-none'))
    expect(
      await p.database.db
        .selectFrom('participation_unsubscribe')
        .select('subject_id')
        .where('user_id', '=', userA)
        .execute(),
    ).toEqual([])

    expect(await residentA.isChecked(byTestId('preferences-digest'))).toBe(true)
    await residentA.check(byTestId('preferences-immediate'))
    await residentA.waitForFunction(
      (sel) => (document.querySelector(sel) as HTMLInputElement | null)?.checked === true,
      byTestId('preferences-immediate'),
    )
    await expect
      .poll(
        async () =>
          (
            await p.database.db
              .selectFrom('participation_preference')
              .select('delivery')
              .where('user_id', '=', userA)
              .executeTakeFirst()
          )?.delivery,
      )
      .toBe('immediate')
  }, 60_000)

  it('an administrator reads and saves the area’s proposal rules', async () => {
    const admin = await signIn('guihua.admin')
    await goto(admin, '#/participation/proposals')
    await admin.click(byTestId('proposal-settings-link'))
    await admin.waitForSelector(byTestId('proposal-settings'))
    await admin.waitForSelector(`${byTestId('proposal-settings-area')} option[value="${community}"]`, {
      state: 'attached',
    })
    await admin.selectOption(byTestId('proposal-settings-area'), String(community))
    await admin.waitForSelector(`${byTestId('proposal-settings-source')}[data-from="${community}"]`)
    expect(await admin.inputValue(byTestId('proposal-settings-threshold'))).toBe('2')
    expect(await admin.inputValue(byTestId('proposal-settings-days'))).toBe('15')
    await admin.fill(byTestId('proposal-settings-threshold'), '3')
    await admin.click(byTestId('proposal-settings-save'))
    await admin.waitForSelector(byTestId('proposal-settings-saved'))
    const saved = await p.database.db
      .selectFrom('proposal_setting')
      .select(['support_threshold', 'answer_days'])
      .where('area_id', '=', community)
      .executeTakeFirstOrThrow()
    expect(saved).toEqual({ support_threshold: 3, answer_days: 15 })
    // Proposals already made keep their threshold.
    expect((await proposalRow()).threshold).toBe(2)
    await axe(admin, 'proposal settings')
    await shoot(admin, 'proposals-settings.png')
  }, 60_000)

  it('found no serious or critical accessibility violations on the new pages', () => {
    expect(a11yProblems).toEqual([])
  })

  it('raised no uncaught errors in the pages', () => {
    expect(pageProblems).toEqual([])
  })
})
