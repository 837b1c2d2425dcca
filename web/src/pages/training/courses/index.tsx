import { hasRole } from '../../../modules'
import { idParam } from '../../../router'
import type { SectionProps } from '../section'
import { TRAINING_KEEPERS } from '../section'
import { Catalogue } from './Catalogue'
import { CoursePage } from './CoursePage'
import { Editor } from './Editor'
import { NewCourse } from './NewCourse'
import './courses.css'

/**
 * Courses: the catalogue at #/training/courses, a new course at …/new, a course at …/<id> and its
 * editor at …/<id>/edit (the server answers 403/404 to those who may not write it).
 */
export function CoursesSection({ params, user }: SectionProps) {
  const keeper = hasRole(user, TRAINING_KEEPERS)
  if (params[0] === 'new' && keeper) return <NewCourse />
  const courseId = idParam(params)
  if (courseId && params[1] === 'edit') return <Editor courseId={courseId} />
  if (courseId) return <CoursePage courseId={courseId} />
  return <Catalogue keeper={keeper} />
}
