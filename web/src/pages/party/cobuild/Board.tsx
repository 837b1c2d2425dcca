import { useMutation, useQuery } from '@tanstack/react-query'
import { useId, useState, type FormEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { newIdempotencyKey } from '../../../caseUtils'
import { AreaSelect } from '../../../components/AreaSelect'
import { ErrorBanner } from '../../../components/ErrorBanner'
import { QueryStatus } from '../../../components/QueryStatus'
import { localName } from '../../../i18n'
import { hasRole } from '../../../modules'
import { routes } from '../../../router'
import type { User } from '../../../types'
import { PARTY_KEEPERS } from '../section'
import {
  cobuildApi,
  cobuildChanged,
  cobuildQueries,
  itemStatuses,
  topics,
  unitKinds,
  type CobuildItem,
  type ItemStatus,
  type Topic,
  type UnitKind,
} from './api'
import './cobuild.css'

const today = () => {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** The area of the caller's first keeper grant (their community), else none. */
export const keeperArea = (user: User) =>
  user.roles.find((r) => (PARTY_KEEPERS as readonly string[]).includes(r.role))?.areaId

type Form = 'need' | 'resource' | 'agreement' | 'match' | null

/** The co-building board: needs, resources and projects of a community side by side, with the forms that move them. */
export function Board({ user }: { user: User }) {
  const { t } = useTranslation()
  const [areaId, setAreaId] = useState(String(keeperArea(user) ?? ''))
  const [topic, setTopic] = useState<Topic | ''>('')
  const [status, setStatus] = useState<ItemStatus | ''>('')
  const [form, setForm] = useState<Form>(null)
  const ids = { area: useId(), topic: useId(), status: useId() }
  const keeper = hasRole(user, PARTY_KEEPERS)
  const base = {
    ...(areaId ? { areaId: Number(areaId) } : {}),
    ...(topic ? { topic } : {}),
    ...(status ? { status } : {}),
    pageSize: 100,
  }
  const needs = useQuery(cobuildQueries.items({ ...base, list: 'need' }))
  const resources = useQuery(cobuildQueries.items({ ...base, list: 'resource' }))
  const projects = useQuery(cobuildQueries.items({ ...base, list: 'project' }))
  const agreements = useQuery(
    cobuildQueries.agreements({ ...(areaId ? { areaId: Number(areaId) } : {}), pageSize: 100 }),
  )
  const toggle = (f: Form) => setForm((now) => (now === f ? null : f))

  return (
    <div className="cobuild" data-testid="cobuild-board">
      <div className="cobuild-filters">
        <label className="field" htmlFor={ids.area}>
          <span>{t('party.cobuild.community')}</span>
          <AreaSelect
            id={ids.area}
            value={areaId}
            onChange={setAreaId}
            maxLevel="community"
            emptyLabel={t('party.cobuild.allCommunities')}
            testId="cobuild-area"
          />
        </label>
        <label className="field" htmlFor={ids.topic}>
          <span>{t('party.cobuild.topic')}</span>
          <select
            id={ids.topic}
            value={topic}
            onChange={(e) => setTopic(topics.find((x) => x === e.target.value) ?? '')}
          >
            <option value="">{t('party.cobuild.allTopics')}</option>
            {topics.map((x) => (
              <option key={x} value={x}>
                {t(`party.cobuild.topics.${x}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={ids.status}>
          <span>{t('party.cobuild.status')}</span>
          <select
            id={ids.status}
            value={status}
            onChange={(e) => setStatus(itemStatuses.find((x) => x === e.target.value) ?? '')}
          >
            <option value="">{t('party.cobuild.allStatuses')}</option>
            {itemStatuses.map((x) => (
              <option key={x} value={x}>
                {t(`party.cobuild.statuses.${x}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {keeper && (
        <div className="cobuild-actions">
          <button type="button" className="btn" onClick={() => toggle('need')} data-testid="cobuild-new-need">
            {t('party.cobuild.newNeed')}
          </button>
          <button type="button" className="btn" onClick={() => toggle('resource')} data-testid="cobuild-new-resource">
            {t('party.cobuild.newResource')}
          </button>
          <button type="button" className="btn" onClick={() => toggle('agreement')} data-testid="cobuild-new-agreement">
            {t('party.cobuild.newAgreement')}
          </button>
          <button type="button" className="btn btn-primary" onClick={() => toggle('match')} data-testid="cobuild-match">
            {t('party.cobuild.match')}
          </button>
        </div>
      )}
      {form === 'need' || form === 'resource' ? (
        <ItemForm
          key={form}
          list={form}
          areaId={areaId}
          agreements={(agreements.data?.items ?? []).filter((a) => a.status === 'active')}
          onDone={() => setForm(null)}
        />
      ) : null}
      {form === 'agreement' && <AgreementForm areaId={areaId} onDone={() => setForm(null)} />}
      {form === 'match' && (
        <MatchForm
          needs={(needs.data?.items ?? []).filter((i) => i.status === 'open')}
          resources={(resources.data?.items ?? []).filter((i) => i.status === 'open')}
          onDone={() => setForm(null)}
        />
      )}
      <QueryStatus query={[needs, resources, projects]} />
      <div className="cobuild-columns">
        <Column title={t('party.cobuild.lists.need')} testId="cobuild-needs" items={needs.data?.items} />
        <Column title={t('party.cobuild.lists.resource')} testId="cobuild-resources" items={resources.data?.items} />
        <Column title={t('party.cobuild.lists.project')} testId="cobuild-projects" items={projects.data?.items} />
      </div>
      <section className="card cobuild-agreements" aria-labelledby={`${ids.area}-agreements`}>
        <h2 id={`${ids.area}-agreements`}>{t('party.cobuild.agreements')}</h2>
        <QueryStatus query={agreements} />
        {agreements.data && agreements.data.items.length === 0 && (
          <p className="muted">{t('party.cobuild.noAgreements')}</p>
        )}
        <ul className="cobuild-agreement-list">
          {(agreements.data?.items ?? []).map((a) => (
            <li key={a.id}>
              <a href={routes.party('cobuild', 'agreements', a.id)} data-testid={`cobuild-agreement-${a.id}`}>
                {a.unitName}
              </a>{' '}
              <span className="badge badge-muted">{t(`party.cobuild.unitKinds.${a.unitKind}`)}</span>{' '}
              <span className={`badge${a.status === 'ended' ? ' badge-muted' : ''}`}>
                {t(`party.cobuild.agreementStatuses.${a.status}`)}
              </span>{' '}
              <span className="muted">
                {localName(a.area)} · {t('party.cobuild.counts', { resources: a.resources, projects: a.projects })}
              </span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  )
}

function Column({ title, items, testId }: { title: string; items: CobuildItem[] | undefined; testId: string }) {
  const { t } = useTranslation()
  return (
    <section className="cobuild-column" data-testid={testId} aria-label={title}>
      <h2>
        {title} <span className="muted">({items?.length ?? 0})</span>
      </h2>
      {items && items.length === 0 && <p className="muted">{t('party.cobuild.empty')}</p>}
      {(items ?? []).map((i) => (
        <ItemCard key={i.id} item={i} />
      ))}
    </section>
  )
}

const statusBadge: Record<ItemStatus, string> = {
  open: 'badge',
  matched: 'badge badge-muted',
  in_progress: 'badge cobuild-badge-progress',
  done: 'badge badge-muted',
  cancelled: 'badge badge-muted',
}

export function ItemCard({ item }: { item: CobuildItem }) {
  const { t } = useTranslation()
  const [doing, setDoing] = useState(false)
  const cancel = useMutation({
    mutationFn: () => cobuildApi.updateItem(item.id, { version: item.version, status: 'cancelled' }),
    onSuccess: cobuildChanged,
  })
  return (
    <article className="card cobuild-item" data-testid={`cobuild-item-${item.id}`} data-status={item.status}>
      <h3>{item.title}</h3>
      <p className="cobuild-tags">
        <span className={statusBadge[item.status]}>{t(`party.cobuild.statuses.${item.status}`)}</span>{' '}
        <span className="badge badge-muted">{t(`party.cobuild.topics.${item.topic}`)}</span>
      </p>
      <p className="cobuild-text">{item.description}</p>
      {item.agreementId !== null && (
        <p className="muted">
          {t('party.cobuild.unit')}:{' '}
          <a href={routes.party('cobuild', 'agreements', item.agreementId)}>{item.unitName}</a>
        </p>
      )}
      {item.need && item.resource && (
        <p className="muted">{t('party.cobuild.meets', { need: item.need.title, resource: item.resource.title })}</p>
      )}
      {item.dueOn && item.status !== 'done' && <p className="muted">{t('party.cobuild.dueOn', { day: item.dueOn })}</p>}
      {item.status === 'done' && (
        <p data-testid="cobuild-outcome">
          {t('party.cobuild.doneOn', { day: item.doneOn })}
          {item.outcome ? ` — ${item.outcome}` : ''}
          {item.beneficiaries !== null ? ` (${t('party.cobuild.beneficiariesN', { n: item.beneficiaries })})` : ''}
        </p>
      )}
      {item.canEdit && item.list === 'project' && item.status === 'in_progress' && !doing && (
        <button type="button" className="btn btn-small" onClick={() => setDoing(true)} data-testid="cobuild-mark-done">
          {t('party.cobuild.markDone')}
        </button>
      )}
      {item.canEdit && item.list !== 'project' && item.status === 'open' && (
        <button
          type="button"
          className="btn btn-small"
          disabled={cancel.isPending}
          onClick={() => cancel.mutate()}
          data-testid="cobuild-cancel"
        >
          {t('party.cobuild.cancel')}
        </button>
      )}
      <ErrorBanner error={cancel.error} />
      {doing && <DoneForm item={item} onDone={() => setDoing(false)} />}
    </article>
  )
}

function Field({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <label className="field" htmlFor={id}>
      <span>{label}</span>
      {children}
    </label>
  )
}

function DoneForm({ item, onDone }: { item: CobuildItem; onDone: () => void }) {
  const { t } = useTranslation()
  const [doneOn, setDoneOn] = useState(today())
  const [outcome, setOutcome] = useState('')
  const [beneficiaries, setBeneficiaries] = useState('')
  const ids = { day: useId(), outcome: useId(), people: useId() }
  const save = useMutation({
    mutationFn: () =>
      cobuildApi.updateItem(item.id, {
        version: item.version,
        status: 'done',
        doneOn,
        outcome: outcome.trim(),
        ...(beneficiaries ? { beneficiaries: Number(beneficiaries) } : {}),
      }),
    onSuccess: async () => {
      await cobuildChanged()
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!save.isPending) save.mutate()
  }
  return (
    <form className="cobuild-form" onSubmit={submit} data-testid="cobuild-done-form">
      <Field id={ids.day} label={t('party.cobuild.doneDay')}>
        <input id={ids.day} type="date" value={doneOn} required onChange={(e) => setDoneOn(e.target.value)} />
      </Field>
      <Field id={ids.outcome} label={t('party.cobuild.outcome')}>
        <textarea
          id={ids.outcome}
          value={outcome}
          required
          maxLength={4000}
          rows={3}
          onChange={(e) => setOutcome(e.target.value)}
          data-testid="cobuild-outcome-input"
        />
      </Field>
      <Field id={ids.people} label={t('party.cobuild.beneficiaries')}>
        <input
          id={ids.people}
          type="number"
          min={0}
          max={1000000}
          value={beneficiaries}
          onChange={(e) => setBeneficiaries(e.target.value)}
          data-testid="cobuild-beneficiaries"
        />
      </Field>
      <FormActions
        error={save.error}
        disabled={save.isPending}
        label={t('party.cobuild.saveDone')}
        testId="cobuild-done-save"
        onClose={onDone}
      />
    </form>
  )
}

function ItemForm({
  list,
  areaId,
  agreements,
  onDone,
}: {
  list: 'need' | 'resource'
  areaId: string
  agreements: { id: number; unitName: string; area: { id: number } }[]
  onDone: () => void
}) {
  const { t } = useTranslation()
  const [title, setTitle] = useState('')
  const [topic, setTopic] = useState<Topic>('elderly_care')
  const [description, setDescription] = useState('')
  const [dueOn, setDueOn] = useState('')
  const [agreementId, setAgreementId] = useState(agreements[0] ? String(agreements[0].id) : '')
  const [key] = useState(newIdempotencyKey)
  const ids = { title: useId(), topic: useId(), text: useId(), due: useId(), agreement: useId() }
  const save = useMutation({
    mutationFn: () =>
      cobuildApi.createItem(
        {
          list,
          topic,
          title: title.trim(),
          description: description.trim(),
          ...(list === 'need' && areaId ? { areaId: Number(areaId) } : {}),
          ...(list === 'resource' && agreementId ? { agreementId: Number(agreementId) } : {}),
          ...(dueOn ? { dueOn } : {}),
        },
        key,
      ),
    onSuccess: async () => {
      await cobuildChanged()
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!save.isPending) save.mutate()
  }
  return (
    <form className="card cobuild-form" onSubmit={submit} data-testid={`cobuild-${list}-form`}>
      <h2>{t(list === 'need' ? 'party.cobuild.newNeed' : 'party.cobuild.newResource')}</h2>
      {list === 'need' && !areaId && <p className="muted">{t('party.cobuild.pickCommunity')}</p>}
      {list === 'resource' && (
        <Field id={ids.agreement} label={t('party.cobuild.agreement')}>
          <select
            id={ids.agreement}
            value={agreementId}
            required
            onChange={(e) => setAgreementId(e.target.value)}
            data-testid="cobuild-form-agreement"
          >
            <option value="">{t('party.cobuild.pickAgreement')}</option>
            {agreements.map((a) => (
              <option key={a.id} value={a.id}>
                {a.unitName}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field id={ids.title} label={t('party.cobuild.title')}>
        <input
          id={ids.title}
          value={title}
          required
          minLength={2}
          maxLength={150}
          onChange={(e) => setTitle(e.target.value)}
          data-testid="cobuild-form-title"
        />
      </Field>
      <Field id={ids.topic} label={t('party.cobuild.topic')}>
        <select
          id={ids.topic}
          value={topic}
          onChange={(e) => setTopic(topics.find((x) => x === e.target.value) ?? 'other')}
        >
          {topics.map((x) => (
            <option key={x} value={x}>
              {t(`party.cobuild.topics.${x}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field id={ids.text} label={t('party.cobuild.description')}>
        <textarea
          id={ids.text}
          value={description}
          required
          maxLength={4000}
          rows={3}
          onChange={(e) => setDescription(e.target.value)}
          data-testid="cobuild-form-description"
        />
      </Field>
      <Field id={ids.due} label={t('party.cobuild.due')}>
        <input id={ids.due} type="date" value={dueOn} onChange={(e) => setDueOn(e.target.value)} />
      </Field>
      <FormActions
        error={save.error}
        disabled={save.isPending}
        label={t('party.cobuild.save')}
        testId="cobuild-form-save"
        onClose={onDone}
      />
    </form>
  )
}

function AgreementForm({ areaId, onDone }: { areaId: string; onDone: () => void }) {
  const { t } = useTranslation()
  const [unitKind, setUnitKind] = useState<UnitKind>('school')
  const [unitName, setUnitName] = useState('')
  const [contactName, setContactName] = useState('')
  const [signedOn, setSignedOn] = useState(today())
  const [key] = useState(newIdempotencyKey)
  const ids = { kind: useId(), name: useId(), contact: useId(), signed: useId() }
  const save = useMutation({
    mutationFn: () =>
      cobuildApi.createAgreement(
        {
          areaId: Number(areaId),
          unitKind,
          unitName: unitName.trim(),
          signedOn,
          ...(contactName.trim() ? { contactName: contactName.trim() } : {}),
        },
        key,
      ),
    onSuccess: async () => {
      await cobuildChanged()
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!save.isPending && areaId) save.mutate()
  }
  return (
    <form className="card cobuild-form" onSubmit={submit} data-testid="cobuild-agreement-form">
      <h2>{t('party.cobuild.newAgreement')}</h2>
      {!areaId && <p className="muted">{t('party.cobuild.pickCommunity')}</p>}
      <Field id={ids.kind} label={t('party.cobuild.unitKind')}>
        <select
          id={ids.kind}
          value={unitKind}
          onChange={(e) => setUnitKind(unitKinds.find((x) => x === e.target.value) ?? 'other')}
        >
          {unitKinds.map((x) => (
            <option key={x} value={x}>
              {t(`party.cobuild.unitKinds.${x}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field id={ids.name} label={t('party.cobuild.unitName')}>
        <input
          id={ids.name}
          value={unitName}
          required
          minLength={2}
          maxLength={200}
          onChange={(e) => setUnitName(e.target.value)}
        />
      </Field>
      <Field id={ids.contact} label={t('party.cobuild.contact')}>
        <input id={ids.contact} value={contactName} maxLength={50} onChange={(e) => setContactName(e.target.value)} />
      </Field>
      <Field id={ids.signed} label={t('party.cobuild.signedOn')}>
        <input id={ids.signed} type="date" value={signedOn} required onChange={(e) => setSignedOn(e.target.value)} />
      </Field>
      <FormActions
        error={save.error}
        disabled={save.isPending || !areaId}
        label={t('party.cobuild.save')}
        onClose={onDone}
      />
    </form>
  )
}

function MatchForm({
  needs,
  resources,
  onDone,
}: {
  needs: CobuildItem[]
  resources: CobuildItem[]
  onDone: () => void
}) {
  const { t } = useTranslation()
  const [needId, setNeedId] = useState('')
  const [resourceId, setResourceId] = useState('')
  const [title, setTitle] = useState('')
  const [dueOn, setDueOn] = useState('')
  const [key] = useState(newIdempotencyKey)
  const ids = { need: useId(), resource: useId(), title: useId(), due: useId() }
  const need = needs.find((n) => String(n.id) === needId)
  // Only the resources offered to the need's community.
  const offered = need ? resources.filter((r) => r.area.id === need.area.id) : resources
  const save = useMutation({
    mutationFn: () =>
      cobuildApi.match(
        {
          needId: Number(needId),
          resourceId: Number(resourceId),
          ...(title.trim() ? { title: title.trim() } : {}),
          ...(dueOn ? { dueOn } : {}),
        },
        key,
      ),
    onSuccess: async () => {
      await cobuildChanged()
      onDone()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!save.isPending && needId && resourceId) save.mutate()
  }
  return (
    <form className="card cobuild-form" onSubmit={submit} data-testid="cobuild-match-form">
      <h2>{t('party.cobuild.match')}</h2>
      <p className="muted">{t('party.cobuild.matchHint')}</p>
      <Field id={ids.need} label={t('party.cobuild.lists.need')}>
        <select
          id={ids.need}
          value={needId}
          required
          onChange={(e) => setNeedId(e.target.value)}
          data-testid="cobuild-match-need"
        >
          <option value="">{t('party.cobuild.pickNeed')}</option>
          {needs.map((n) => (
            <option key={n.id} value={n.id}>
              {n.title}
            </option>
          ))}
        </select>
      </Field>
      <Field id={ids.resource} label={t('party.cobuild.lists.resource')}>
        <select
          id={ids.resource}
          value={resourceId}
          required
          onChange={(e) => setResourceId(e.target.value)}
          data-testid="cobuild-match-resource"
        >
          <option value="">{t('party.cobuild.pickResource')}</option>
          {offered.map((r) => (
            <option key={r.id} value={r.id}>
              {r.title} · {r.unitName}
            </option>
          ))}
        </select>
      </Field>
      <Field id={ids.title} label={t('party.cobuild.projectTitle')}>
        <input
          id={ids.title}
          value={title}
          maxLength={150}
          placeholder={need?.title ?? ''}
          onChange={(e) => setTitle(e.target.value)}
        />
      </Field>
      <Field id={ids.due} label={t('party.cobuild.due')}>
        <input id={ids.due} type="date" value={dueOn} onChange={(e) => setDueOn(e.target.value)} />
      </Field>
      <FormActions
        error={save.error}
        disabled={save.isPending || !needId || !resourceId}
        label={t('party.cobuild.matchSave')}
        testId="cobuild-match-save"
        onClose={onDone}
      />
    </form>
  )
}

/** A form's error and its two buttons: save (submit) and close. */
function FormActions(props: {
  error: unknown
  disabled: boolean
  label: string
  testId?: string
  onClose: () => void
}) {
  const { t } = useTranslation()
  return (
    <>
      <ErrorBanner error={props.error} />
      <div className="cobuild-form-actions">
        <button type="submit" className="btn btn-primary" disabled={props.disabled} data-testid={props.testId}>
          {props.label}
        </button>
        <button type="button" className="btn" onClick={props.onClose}>
          {t('party.cobuild.close')}
        </button>
      </div>
    </>
  )
}
