-- Survey results as running tallies: per question, how many answered it, how many chose each option,
-- how many gave each point of a scale. A statement trigger on survey_answer keeps them, so every
-- writer (the API, the demo seed, a generator, COPY) counts the same, and the results page reads a
-- few rows per question instead of aggregating every answer of the survey through the row-level
-- policies of three tables (50,000 responses: about a second on PostgreSQL, most of it the policies
-- and the JIT compilation their cost estimate set off; now a handful of index reads).
CREATE TABLE survey_tally (
  question_id bigint NOT NULL REFERENCES survey_question (id),
  kind text NOT NULL CHECK (kind IN ('answered', 'option', 'scale')),
  -- 0 for 'answered', the option index for 'option', the point for 'scale'.
  value integer NOT NULL,
  n integer NOT NULL CHECK (n >= 0),
  PRIMARY KEY (question_id, kind, value)
);

-- The newest text answers of a question, for its staff.
CREATE INDEX survey_answer_text ON survey_answer (question_id, response_id) WHERE text IS NOT NULL;

-- Runs as the owner: the answers it counts were admitted by survey_answer's own policies, and the
-- tallies are written by nobody else.
CREATE FUNCTION survey_tally_answers() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  INSERT INTO survey_tally (question_id, kind, value, n)
  SELECT question_id, kind, value, count(*)::int
  FROM (
    SELECT a.question_id, 'answered' AS kind, 0 AS value FROM new_answers a
    UNION ALL
    SELECT a.question_id, 'option', c.o FROM new_answers a CROSS JOIN LATERAL unnest(a.choices) AS c(o)
    UNION ALL
    SELECT a.question_id, 'scale', a.scale FROM new_answers a WHERE a.scale IS NOT NULL
  ) x
  GROUP BY question_id, kind, value
  -- One order for every writer, so two statements never wait on each other's rows crosswise.
  ORDER BY question_id, kind, value
  ON CONFLICT (question_id, kind, value) DO UPDATE SET n = survey_tally.n + excluded.n;
  RETURN NULL;
END
$$;
CREATE TRIGGER survey_answer_tally AFTER INSERT ON survey_answer
  REFERENCING NEW TABLE AS new_answers
  FOR EACH STATEMENT EXECUTE FUNCTION survey_tally_answers();
-- Also under session_replication_role = replica, which the generator's COPY sink sets to skip the
-- foreign-key checks: its answers must be counted too. (A copy between databases that copies the
-- tallies themselves disables user triggers explicitly, as migrate-to-postgres does.)
ALTER TABLE survey_answer ENABLE ALWAYS TRIGGER survey_answer_tally;

-- Answers given before this migration.
INSERT INTO survey_tally (question_id, kind, value, n)
SELECT question_id, kind, value, count(*)::int
FROM (
  SELECT a.question_id, 'answered' AS kind, 0 AS value FROM survey_answer a
  UNION ALL
  SELECT a.question_id, 'option', c.o FROM survey_answer a CROSS JOIN LATERAL unnest(a.choices) AS c(o)
  UNION ALL
  SELECT a.question_id, 'scale', a.scale FROM survey_answer a WHERE a.scale IS NOT NULL
) x
GROUP BY question_id, kind, value;

-- Read with the survey (its question visible on the caller's branch); written only by the trigger.
GRANT SELECT ON survey_tally TO grassroots_app;
ALTER TABLE survey_tally ENABLE ROW LEVEL SECURITY;
CREATE POLICY survey_tally_read ON survey_tally FOR SELECT TO grassroots_app
  USING (EXISTS (SELECT 1 FROM survey_question q WHERE q.id = question_id));
