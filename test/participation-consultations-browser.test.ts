// The consultation screens in a real browser (the flow): staff write a draft of three
// sections in the editor (a section without text refused and marked, a section added, moved and
// removed), open it; a resident comments on section 2 and a neighbour replies; staff answer
// officially; the neighbour's second comment, which names someone's phone, is reported by the
// resident and hidden by staff from the moderation queue; staff close the consultation and read the
// summary, then publish the final text with their response; the resident reads the final text
// beside the draft, in Chinese and in English. axe runs on the list, the editor, the detail with
// its threads, the moderation queue, the summary and the published page: no serious or critical
// violations. Needs the built web app (`npm run build:web`) and a system Chromium; like
// test/disputes-browser.test.ts.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { DEMO_PASSWORD, areaId, call, tokenFor, type TestPlatform } from './support.js'

const TITLE = '桂花社区电动自行车管理规约（浏览器测试）'
const NEIGHBOUR = 'guihua.neighbour'
const PHONE_NUMBER = '13905711234'

/** A datetime-local value in Asia/Shanghai (the browser's zone in this test). */
function shanghai(at: Date): string {
  const parts = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at)
  return parts.replace(' ', 'T')
}

const session = browserSession({
  what: 'the consultations browser test',
})

describe.skipIf(session.skip)('consultation screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let resident: Page
  let neighbour: Page
  let consultationId = 0
  let guihua = 0

  /** The consultation's detail page, with section `position`'s comments open. */
  async function openSection(page: Page, position: number) {
    // Through the list, so the detail is drawn afresh and its threads load what is there now.
    await goto(page, '#/participation/consultations')
    await page.waitForSelector(byTestId('consultation-list'))
    await goto(page, `#/participation/consultations/${consultationId}`)
    await page.waitForSelector(byTestId('consultation-detail'))
    const section = page.locator(`${byTestId('consultation-section')}[data-position="${position}"]`)
    const toggle = section.locator(byTestId('consultation-section-comments'))
    // The page may still show this consultation with the section open (the hash did not change).
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click()
    await section.locator(byTestId('comment-thread')).waitFor()
    return section
  }

  /** A top-level comment of a section by its text. */
  const commentWith = (scope: ReturnType<Page['locator']>, text: string) =>
    scope.locator(byTestId('comment-item')).filter({ hasText: text }).first()

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
      guihua = await areaId(p, 'JZ-QH-01-01')
      // A neighbour: a second resident of 桂花, made by the community's administrator.
      const made = await call(p.app, 'POST', '/api/v1/users', {
        token: await tokenFor(p.app, 'guihua.admin'),
        body: {
          username: NEIGHBOUR,
          displayName: '桂花居民邻居',
          password: DEMO_PASSWORD,
          grants: [{ role: 'resident', areaId: guihua }],
        },
      })
      if (made.status !== 201) throw new Error(`neighbour: ${made.status} ${JSON.stringify(made.body)}`)
    })
  })

  afterAll(() => session.close())

  it('staff write a draft of three sections and open it', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/participation/consultations')
    await staff.waitForSelector(byTestId('consultation-list'))
    await axe(staff, 'consultation list (staff)')
    await staff.click(byTestId('consultation-new'))
    await staff.waitForSelector(byTestId('consultation-editor'))
    await staff.waitForSelector(`${byTestId('consultation-area')} option[value="${guihua}"]`, { state: 'attached' })
    await staff.selectOption(byTestId('consultation-area'), String(guihua))
    await staff.selectOption(byTestId('consultation-kind'), 'community_rule')
    await staff.fill(byTestId('consultation-title-input'), TITLE)
    await staff.fill(byTestId('consultation-summary-input'), '电动自行车进楼充电隐患大，请居民对规约草案逐条提出意见。')
    await staff.fill(byTestId('consultation-opens'), shanghai(new Date(Date.now() - 3_600_000)))
    await staff.fill(byTestId('consultation-closes'), shanghai(new Date(Date.now() + 14 * 86_400_000)))
    await staff.uncheck(byTestId('consultation-verified-only'))

    const section = (i: number) => staff.locator(byTestId('consultation-editor-section')).nth(i)
    await section(0).locator(byTestId('consultation-section-heading')).fill('第一条 停放')
    await section(0).locator(byTestId('consultation-section-body')).fill('电动自行车停放在东门、北门车棚。')
    await section(1).locator(byTestId('consultation-section-heading')).fill('第二条 充电')
    await section(1).locator(byTestId('consultation-section-body')).fill('严禁在楼道、电梯和室内充电。')
    await staff.click(byTestId('consultation-section-add'))
    await section(2).locator(byTestId('consultation-section-heading')).fill('第三条 处理')
    // A fourth section added, moved up and removed again.
    await staff.click(byTestId('consultation-section-add'))
    await section(3).locator(byTestId('consultation-section-heading')).fill('第四条 临时')
    await section(3).locator(byTestId('consultation-section-up')).click()
    expect(await section(2).locator(byTestId('consultation-section-heading')).inputValue()).toBe('第四条 临时')
    await section(2).locator(byTestId('consultation-section-remove')).click()
    expect(await staff.locator(byTestId('consultation-editor-section')).count()).toBe(3)
    expect(await section(2).locator(byTestId('consultation-section-heading')).inputValue()).toBe('第三条 处理')

    // Section 3 has no text yet: the server refuses it, naming the section, and the field is marked.
    await staff.click(byTestId('consultation-save'))
    await staff.waitForSelector(byTestId('consultation-editor-error'))
    expect(await staff.getAttribute(byTestId('consultation-editor-error'), 'data-field')).toBe('sections[2].body')
    expect(await staff.textContent(byTestId('consultation-editor-error'))).toContain('第3条内容')
    expect(await section(2).locator(byTestId('consultation-section-body')).getAttribute('aria-invalid')).toBe('true')
    await axe(staff, 'consultation editor')
    await shoot(staff, 'consultations-editor.png')
    await section(2).locator(byTestId('consultation-section-body')).fill('第一次提醒，第二次通报物业。')
    await staff.click(byTestId('consultation-save'))

    await staff.waitForSelector(byTestId('consultation-detail'))
    await staff.waitForSelector(`${byTestId('consultation-state')}[data-state="draft"]`)
    consultationId = Number(/consultations\/(\d+)/.exec(await staff.evaluate(() => window.location.hash))![1])
    const sections = await p.database.db
      .selectFrom('consultation_section')
      .select(['position', 'heading'])
      .where('consultation_id', '=', consultationId)
      .orderBy('position')
      .execute()
    expect(sections).toEqual([
      { position: 1, heading: '第一条 停放' },
      { position: 2, heading: '第二条 充电' },
      { position: 3, heading: '第三条 处理' },
    ])
    await staff.click(byTestId('consultation-action-open'))
    await staff.waitForSelector(`${byTestId('consultation-state')}[data-state="open"]`)
    await axe(staff, 'consultation detail (staff, open)')
  })

  it('a resident comments on section 2, a neighbour replies, staff answer officially', async () => {
    resident = await signIn('guihua.resident', PHONE)
    await goto(resident, '#/participation/consultations')
    await resident.waitForSelector(`${byTestId('consultation-card')}[data-consultation-id="${consultationId}"]`)
    await axe(resident, 'consultation list (resident)')
    const s2 = await openSection(resident, 2)
    await s2.locator(byTestId('comment-input')).fill('楼道充电确实危险，但车棚的充电桩太少，能否先增设充电桩？')
    await s2.locator(byTestId('comment-submit')).click()
    await commentWith(s2, '车棚的充电桩太少').waitFor()
    await axe(resident, 'consultation detail with a thread (resident)')
    await shoot(resident, 'consultations-thread-phone.png')

    neighbour = await signIn(NEIGHBOUR)
    const n2 = await openSection(neighbour, 2)
    const first = commentWith(n2, '车棚的充电桩太少')
    await first.locator(byTestId('comment-reply-button')).click()
    await first.locator(byTestId('comment-reply-input')).fill('同意，北门车棚晚上也没有灯。')
    await first.locator(byTestId('comment-reply-submit')).click()
    await first.locator(byTestId('comment-replies')).locator('text=北门车棚晚上也没有灯').waitFor()
    // The neighbour's second comment names someone's phone.
    await n2.locator(byTestId('comment-input')).fill(`3栋那家天天在楼道充电，电话${PHONE_NUMBER}，大家去说说他。`)
    await n2.locator(byTestId('comment-submit')).click()
    await commentWith(n2, PHONE_NUMBER).waitFor()

    const s2s = await openSection(staff, 2)
    const asked = commentWith(s2s, '车棚的充电桩太少')
    await asked.locator(byTestId('comment-reply-button')).click()
    await asked
      .locator(byTestId('comment-reply-input'))
      .fill('已纳入计划：东门车棚本月增设20个充电接口，北门车棚加装照明。')
    await asked.locator(byTestId('comment-reply-submit')).click()
    const answer = asked
      .locator(`${byTestId('comment-replies')} ${byTestId('comment-item')}`)
      .filter({ hasText: '已纳入计划' })
    await answer.waitFor()
    expect(await answer.getAttribute('data-official')).toBe('true')
    expect(await answer.locator(byTestId('comment-official')).textContent()).toBe('官方答复')
    await axe(staff, 'consultation thread with an official answer')
    await shoot(staff, 'consultations-thread-official.png')
  })

  it('the resident reports the comment naming a phone, staff hide it from the moderation queue', async () => {
    const s2 = await openSection(resident, 2)
    const bad = commentWith(s2, PHONE_NUMBER)
    await bad.locator(byTestId('comment-report-button')).click()
    await bad.locator(byTestId('comment-report-reason-personal_data')).check()
    await bad.locator(byTestId('comment-report-submit')).click()
    await bad.locator(byTestId('comment-reported')).waitFor()

    await goto(staff, '#/participation/consultations')
    await staff.click(byTestId('consultation-moderation-link'))
    await staff.waitForSelector(byTestId('moderation-queue'))
    const item = staff.locator(byTestId('moderation-item')).filter({ hasText: PHONE_NUMBER })
    await item.waitFor()
    expect(await item.locator(byTestId('moderation-subject')).textContent()).toBe(TITLE)
    expect(await item.textContent()).toContain('泄露他人个人信息')
    await axe(staff, 'moderation queue')
    await shoot(staff, 'consultations-moderation.png')
    await item.locator(byTestId('moderation-hide')).click()
    await item.locator(byTestId('comment-hide-reason')).fill('含有他人电话号码')
    await item.locator(byTestId('comment-hide-submit')).click()
    // Out of the queue once hidden.
    await item.waitFor({ state: 'detached' })

    // The resident sees where it was, not what it said.
    const again = await openSection(resident, 2)
    const hidden = again.locator(`${byTestId('comment-item')}[data-hidden="true"]`)
    await hidden.waitFor()
    expect(await hidden.textContent()).toContain('该评论已被管理员隐藏')
    expect(await hidden.textContent()).toContain('含有他人电话号码')
    expect(await again.textContent()).not.toContain(PHONE_NUMBER)
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_name'])
      .where('action', '=', 'comment.hide')
      .execute()
    expect(audit).toEqual([{ action: 'comment.hide', actor_name: 'guihua.staff' }])
  })

  it('staff close the consultation and read the summary, then publish the final text', async () => {
    await goto(staff, `#/participation/consultations/${consultationId}`)
    await staff.waitForSelector(byTestId('consultation-actions'))
    await staff.click(byTestId('consultation-action-close'))
    await staff.click(byTestId('consultation-action-close-confirm'))
    await staff.waitForSelector(`${byTestId('consultation-state')}[data-state="closed"]`)
    await staff.waitForSelector(byTestId('consultation-result'))
    // Section 2: the resident's comment (answered) and the neighbour's reply; the hidden one counts nowhere.
    expect(await staff.textContent(byTestId('consultation-result-comments'))).toBe('2')
    expect(await staff.textContent(byTestId('consultation-result-answered'))).toBe('1')
    expect(await staff.textContent(byTestId('consultation-result-unanswered'))).toBe('0')
    const row2 = staff.locator(`${byTestId('consultation-result-sections')} tr[data-position="2"] td`)
    expect(await row2.allTextContents()).toEqual(['2', '1', '1', '0'])
    expect(await staff.locator(`${byTestId('consultation-themes')} li[data-term="充电桩"]`).count()).toBe(1)
    // No more comments once closed.
    const closed = await openSection(staff, 1)
    await closed.locator(byTestId('comment-closed')).waitFor()
    await goto(staff, `#/participation/consultations/${consultationId}`)
    await staff.waitForSelector(byTestId('consultation-publish-form'))
    await axe(staff, 'consultation summary and publish form')
    await shoot(staff, 'consultations-summary.png')

    await staff.fill(
      byTestId('consultation-final-input'),
      '第一条 停放：电动自行车停放在东门、北门车棚。\n第二条 充电：严禁在楼道、电梯和室内充电；东门车棚增设20个充电接口。\n第三条 处理：第一次提醒，第二次通报物业。',
    )
    await staff.fill(
      byTestId('consultation-response-input'),
      '采纳了增设充电桩和车棚照明的意见；涉及他人隐私的内容已隐藏。感谢大家参与。',
    )
    await staff.click(byTestId('consultation-action-publish'))
    await staff.waitForSelector(`${byTestId('consultation-state')}[data-state="published"]`)
  })

  it('the resident reads the final text beside the draft and the response, in Chinese and in English', async () => {
    resident = await signIn('guihua.resident')
    await goto(resident, `#/participation/consultations/${consultationId}`)
    await resident.waitForSelector(byTestId('consultation-compare'))
    expect(await resident.textContent(byTestId('consultation-final-text'))).toContain('东门车棚增设20个充电接口')
    expect(await resident.textContent(byTestId('consultation-response'))).toContain('采纳了增设充电桩')
    expect(await resident.locator(byTestId('consultation-section')).count()).toBe(3)
    // Side by side on a desktop: the draft on the left, the final text on the right.
    const draftBox = await resident.locator(byTestId('consultation-draft')).boundingBox()
    const finalBox = await resident.locator(byTestId('consultation-outcome')).boundingBox()
    expect(finalBox!.x).toBeGreaterThan(draftBox!.x + draftBox!.width / 2)
    await axe(resident, 'published consultation (resident)')
    await shoot(resident, 'consultations-published.png')

    await resident.selectOption(byTestId('lang-switch'), 'en')
    await resident.waitForSelector(`${byTestId('consultation-state')}:text("Final text published")`)
    expect(await resident.textContent('#consultation-final-title')).toBe('Final text')
    await axe(resident, 'published consultation (resident, English)')
    await shoot(resident, 'consultations-published-en.png')
  })

  it('saw no page errors and no serious accessibility violations', () => {
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
