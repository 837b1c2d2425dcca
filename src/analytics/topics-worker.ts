import type { Clock } from '../core/clock.js'
import type { Db } from '../core/db.js'
import { startPeriodic } from '../core/scheduler.js'
import { retrainIfDue } from './dispatch.js'
import { TAG_BATCH, tagTopics } from './topics.js'

/** The tagger looks for queued cases this often: topics of a new case show within seconds. */
export const TAG_INTERVAL_MS = 10_000
/** Whether the dispatch model is due for retraining (daily) is checked this often. */
export const RETRAIN_CHECK_MS = 600_000
/** Cases tagged at most in one run of the tagger (≈2,000 a second at most). */
export const TAG_RUN_LIMIT = 20_000

/**
 * The background work of key topics and smart dispatch: the tagger, and the daily retraining of the
 * dispatch model. A first run (one limited tagging run, then the retraining check) comes a few seconds
 * after start, so a fresh demo (its year of history written before the server starts) serves
 * suggestions at once.
 */
export function startTopicWorkers(db: Db, clock: Clock, onError: (err: unknown) => void) {
  // At most TAG_RUN_LIMIT cases a run: a bulk load (the generator's millions) is tagged over time
  // instead of taking a core away from the requests.
  const tagger = startPeriodic((signal) => tagTopics(db, signal, TAG_BATCH, TAG_RUN_LIMIT), TAG_INTERVAL_MS, onError)
  const retrain = startPeriodic(() => retrainIfDue(db, clock.now()), RETRAIN_CHECK_MS, onError)
  let first: Promise<unknown> | null = null
  const kick = setTimeout(() => {
    first = tagTopics(db, undefined, TAG_BATCH, TAG_RUN_LIMIT)
      .then(() => retrainIfDue(db, clock.now()))
      .catch(onError)
  }, 3000)
  kick.unref()
  return {
    async stop() {
      clearTimeout(kick)
      await first
      await tagger.stop()
      await retrain.stop()
    },
  }
}
