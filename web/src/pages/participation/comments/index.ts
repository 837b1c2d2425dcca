// The reusable comment thread of consultations and proposals, and its pieces for the moderation queue.
export { CommentThread, type CommentThreadProps } from './CommentThread'
export { HideForm, CommentProblem } from './CommentThread'
export {
  commentApi,
  commentKeys,
  commentQueries,
  type Comment,
  type CommentSubjectKind,
  type ModerationItem,
} from './api'
