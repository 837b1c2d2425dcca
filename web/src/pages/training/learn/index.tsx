import type { SectionProps } from '../section'
import { CoursePlayer } from './CoursePlayer'
import { LessonView } from './LessonView'
import { MyCourses } from './MyCourses'
import { Quiz } from './Quiz'
import './learn.css'

/**
 * The learner's own training (every staff role, phone first): #/training/learn lists the courses
 * to do, in progress and done; #/training/learn/<enrolment> plays a course, with
 * /lesson/<lesson> for one lesson and /quiz for its quiz.
 */
export function LearnSection({ params }: SectionProps) {
  const enrolmentId = Number(params[0])
  if (!Number.isInteger(enrolmentId) || enrolmentId <= 0) return <MyCourses />
  if (params[1] === 'lesson' && Number(params[2]) > 0)
    return <LessonView enrolmentId={enrolmentId} lessonId={Number(params[2])} />
  if (params[1] === 'quiz') return <Quiz enrolmentId={enrolmentId} />
  return <CoursePlayer enrolmentId={enrolmentId} />
}
