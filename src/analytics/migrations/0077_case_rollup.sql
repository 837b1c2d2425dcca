-- Exact incremental rollups of the case statistics (docs/analytics.md, "Rollups").
--
-- Every case contributes its *current* state to one row per area on its area's path (the case's
-- own area, flagged `own`, and each ancestor up to the root), keyed further by category,
-- department, channel and the local date of submission in the area's time zone (the case's
-- cohort, which is how /stats/cases selects a period). A statistic over any subtree and any run
-- of whole days is then a sum of the rows keyed by the subtree's root: a street's year is a few
-- tens of thousands of rows instead of every case of the year.
--
-- Writers never update a shared row: statement triggers on `cases` and `case_event` append the
-- difference a statement made (new contribution minus old, summed per key, zero rows dropped) to
-- `case_rollup_delta`, in the writer's own transaction. A periodic job folds the deltas into
-- `case_rollup` in id order. Readers use `case_rollup_live`, the union of both, so every answer
-- is exact at every instant, whether the fold has run or not. Two intakes in the same grid on the
-- same day thus never wait on each other's row lock (scaling.md, "Rollup contention").

CREATE TABLE case_rollup (
  area_id integer NOT NULL REFERENCES area (id),
  -- true: the cases located in area_id itself; false: those located below it.
  own boolean NOT NULL,
  category_id integer NOT NULL,
  department_id integer,
  channel text NOT NULL,
  day date NOT NULL,
  total integer NOT NULL DEFAULT 0,
  contact_required integer NOT NULL DEFAULT 0,
  no_contact integer NOT NULL DEFAULT 0,
  contacted integer NOT NULL DEFAULT 0,
  contacted_on_time integer NOT NULL DEFAULT 0,
  rated integer NOT NULL DEFAULT 0,
  solved integer NOT NULL DEFAULT 0,
  satisfied integer NOT NULL DEFAULT 0,
  basically_satisfied integer NOT NULL DEFAULT 0,
  unsatisfied integer NOT NULL DEFAULT 0,
  not_rated integer NOT NULL DEFAULT 0,
  direct_answers integer NOT NULL DEFAULT 0,
  shelved integer NOT NULL DEFAULT 0,
  returns integer NOT NULL DEFAULT 0,
  return_denied integer NOT NULL DEFAULT 0,
  responded integer NOT NULL DEFAULT 0,
  responded_on_time integer NOT NULL DEFAULT 0,
  rejected integer NOT NULL DEFAULT 0,
  closed integer NOT NULL DEFAULT 0,
  closed_on_time integer NOT NULL DEFAULT 0,
  reworked integer NOT NULL DEFAULT 0,
  open integer NOT NULL DEFAULT 0,
  extended integer NOT NULL DEFAULT 0,
  returned integer NOT NULL DEFAULT 0,
  handling_seconds numeric NOT NULL DEFAULT 0,
  merged integer NOT NULL DEFAULT 0,
  -- Returns and denials by the department that made them (department_id is then the event's
  -- department, not the case's): the department ranking counts returns this way.
  dept_returns integer NOT NULL DEFAULT 0,
  dept_return_denied integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX case_rollup_key ON case_rollup (area_id, day, own, category_id, department_id, channel) NULLS NOT DISTINCT;

CREATE TABLE case_rollup_delta (LIKE case_rollup INCLUDING DEFAULTS);
ALTER TABLE case_rollup_delta ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
CREATE INDEX case_rollup_delta_area_day ON case_rollup_delta (area_id, day);

-- security_invoker: the readers' policies apply through the view.
CREATE VIEW case_rollup_live WITH (security_invoker = true) AS
  SELECT area_id, own, category_id, department_id, channel, day, total, contact_required, no_contact, contacted,
         contacted_on_time, rated, solved, satisfied, basically_satisfied, unsatisfied, not_rated, direct_answers,
         shelved, returns, return_denied, responded, responded_on_time, rejected, closed, closed_on_time, reworked,
         open, extended, returned, handling_seconds, merged, dept_returns, dept_return_denied
  FROM case_rollup
  UNION ALL
  SELECT area_id, own, category_id, department_id, channel, day, total, contact_required, no_contact, contacted,
         contacted_on_time, rated, solved, satisfied, basically_satisfied, unsatisfied, not_rated, direct_answers,
         shelved, returns, return_denied, responded, responded_on_time, rejected, closed, closed_on_time, reworked,
         open, extended, returned, handling_seconds, merged, dept_returns, dept_return_denied
  FROM case_rollup_delta;

-- One case's contribution, times `sign`, on each area of its path. The figures' definitions are
-- those of /stats/cases (src/analytics/stats.ts); the open states are workflow.ts's openStates.
CREATE FUNCTION case_rollup_rows(c cases, sign integer)
RETURNS SETOF case_rollup LANGUAGE sql STABLE AS $$
  SELECT anc.id, anc.id = c.area_id, c.category_id, c.department_id, c.channel,
         (c.submitted_at AT TIME ZONE a.timezone)::date,
         sign * (c.state <> 'merged')::int,
         sign * (c.state <> 'merged' AND c.contact_required)::int,
         sign * (c.state <> 'merged' AND NOT c.contact_required)::int,
         sign * (c.state <> 'merged' AND c.contact_required AND c.contact_due_at IS NOT NULL AND c.contacted_at IS NOT NULL)::int,
         sign * (c.state <> 'merged' AND c.contact_required AND coalesce(c.contacted_at <= c.contact_due_at, false))::int,
         sign * (c.state <> 'merged' AND c.rating_status IS NOT DISTINCT FROM 'rated')::int,
         sign * (c.state <> 'merged' AND c.rating_status IS NOT DISTINCT FROM 'rated' AND coalesce(c.solved, false))::int,
         sign * (c.state <> 'merged' AND c.rating_status IS NOT DISTINCT FROM 'rated' AND c.rating IS NOT DISTINCT FROM 'satisfied')::int,
         sign * (c.state <> 'merged' AND c.rating_status IS NOT DISTINCT FROM 'rated' AND c.rating IS NOT DISTINCT FROM 'basically_satisfied')::int,
         sign * (c.state <> 'merged' AND c.rating_status IS NOT DISTINCT FROM 'rated' AND c.rating IS NOT DISTINCT FROM 'unsatisfied')::int,
         sign * (c.state <> 'merged' AND c.rating_status IS NOT DISTINCT FROM 'not_rated')::int,
         sign * (c.state <> 'merged' AND coalesce(c.direct_answer, false))::int,
         sign * (c.state = 'shelved')::int,
         sign * CASE WHEN c.state <> 'merged' THEN c.return_count ELSE 0 END,
         sign * CASE WHEN c.state <> 'merged' THEN c.return_denied_count ELSE 0 END,
         sign * (c.state <> 'merged' AND c.responded_at IS NOT NULL)::int,
         sign * (c.state <> 'merged' AND coalesce(c.responded_at <= c.response_due_at, false))::int,
         sign * (c.state = 'rejected')::int,
         sign * (c.state IN ('closed', 'rated'))::int,
         sign * (c.state IN ('closed', 'rated') AND coalesce(c.replied_at <= c.handle_due_at, false))::int,
         sign * (c.state IN ('closed', 'rated') AND (c.rework_count > 0 OR c.reopen_count > 0))::int,
         sign * (c.state IN ('verifying', 'submitted', 'accepted', 'dispatched', 'return_requested', 'in_progress', 'replied', 'verified'))::int,
         sign * (c.state <> 'merged' AND c.extension_count > 0)::int,
         sign * (c.state <> 'merged' AND c.return_count > 0)::int,
         -- A closed case always has closed_at; a hand-written row without one counts no time rather than failing.
         sign * CASE WHEN c.state IN ('closed', 'rated') THEN coalesce(extract(epoch FROM c.closed_at - c.submitted_at), 0) ELSE 0 END,
         sign * (c.state = 'merged')::int,
         0, 0
  FROM area a
  CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM a.path), '/')::int[]) AS anc(id)
  WHERE a.id = c.area_id
$$;

-- A case's returns and denials by the department that made them, times `sign`, on each area of
-- its path; nothing for a merged case. A denial counts for the department of the latest return
-- before it (the workflow sends a denied return back to the department that asked).
CREATE FUNCTION case_rollup_event_rows(c cases, sign integer)
RETURNS SETOF case_rollup LANGUAGE sql STABLE AS $$
  SELECT anc.id, anc.id = c.area_id, c.category_id, d.dept, c.channel,
         (c.submitted_at AT TIME ZONE a.timezone)::date,
         0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
         sign * d.returns, sign * d.denied
  FROM area a
  CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM a.path), '/')::int[]) AS anc(id)
  CROSS JOIN LATERAL (
    SELECT x.dept, count(*) FILTER (WHERE x.action = 'return')::int AS returns,
           count(*) FILTER (WHERE x.action = 'deny_return')::int AS denied
    FROM (
      SELECT e.action,
             CASE WHEN e.action = 'return' THEN e.department_id
                  ELSE (SELECT p.department_id FROM case_event p
                        WHERE p.case_id = e.case_id AND p.action = 'return' AND (p.at, p.id) < (e.at, e.id)
                        ORDER BY p.at DESC, p.id DESC LIMIT 1) END AS dept
      FROM case_event e WHERE e.case_id = c.id AND e.action IN ('return', 'deny_return')
    ) x GROUP BY x.dept
  ) d
  WHERE a.id = c.area_id AND c.state <> 'merged'
$$;

-- Sums a statement's contributions per key and appends the non-zero ones. The insert's order is
-- fixed, so concurrent writers never take locks crosswise (there are none to take: it appends).
CREATE FUNCTION case_rollup_append(rows case_rollup[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  INSERT INTO case_rollup_delta (area_id, own, category_id, department_id, channel, day, total, contact_required,
    no_contact, contacted, contacted_on_time, rated, solved, satisfied, basically_satisfied, unsatisfied, not_rated,
    direct_answers, shelved, returns, return_denied, responded, responded_on_time, rejected, closed, closed_on_time,
    reworked, open, extended, returned, handling_seconds, merged, dept_returns, dept_return_denied)
  SELECT area_id, own, category_id, department_id, channel, day, sum(total), sum(contact_required), sum(no_contact),
    sum(contacted), sum(contacted_on_time), sum(rated), sum(solved), sum(satisfied), sum(basically_satisfied),
    sum(unsatisfied), sum(not_rated), sum(direct_answers), sum(shelved), sum(returns), sum(return_denied),
    sum(responded), sum(responded_on_time), sum(rejected), sum(closed), sum(closed_on_time), sum(reworked), sum(open),
    sum(extended), sum(returned), sum(handling_seconds), sum(merged), sum(dept_returns), sum(dept_return_denied)
  FROM unnest(rows)
  GROUP BY area_id, own, category_id, department_id, channel, day
  HAVING sum(total) <> 0 OR sum(contact_required) <> 0 OR sum(no_contact) <> 0 OR sum(contacted) <> 0
    OR sum(contacted_on_time) <> 0 OR sum(rated) <> 0 OR sum(solved) <> 0 OR sum(satisfied) <> 0
    OR sum(basically_satisfied) <> 0 OR sum(unsatisfied) <> 0 OR sum(not_rated) <> 0 OR sum(direct_answers) <> 0
    OR sum(shelved) <> 0 OR sum(returns) <> 0 OR sum(return_denied) <> 0 OR sum(responded) <> 0
    OR sum(responded_on_time) <> 0 OR sum(rejected) <> 0 OR sum(closed) <> 0 OR sum(closed_on_time) <> 0
    OR sum(reworked) <> 0 OR sum(open) <> 0 OR sum(extended) <> 0 OR sum(returned) <> 0
    OR sum(handling_seconds) <> 0 OR sum(merged) <> 0 OR sum(dept_returns) <> 0 OR sum(dept_return_denied) <> 0
  ORDER BY area_id, day, own, category_id, department_id, channel
$$;

-- The triggers run as the owner: the rows they count were admitted by the cases' own policies, and
-- the rollup is written by nobody else.
CREATE FUNCTION case_rollup_cases_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM case_rollup_append(ARRAY(SELECT r FROM new_cases n CROSS JOIN LATERAL case_rollup_rows(n, 1) r));
  RETURN NULL;
END
$$;

CREATE FUNCTION case_rollup_cases_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM case_rollup_append(ARRAY(
    SELECT r FROM new_cases n CROSS JOIN LATERAL case_rollup_rows(n, 1) r
    UNION ALL
    SELECT r FROM old_cases o CROSS JOIN LATERAL case_rollup_rows(o, -1) r
    -- The returns by department move with the case only when its key or merged-ness changes.
    UNION ALL
    SELECT r FROM old_cases o JOIN new_cases n ON n.id = o.id
      CROSS JOIN LATERAL case_rollup_event_rows(o, -1) r
      WHERE (o.area_id, o.category_id, o.channel, o.submitted_at, o.state = 'merged')
        IS DISTINCT FROM (n.area_id, n.category_id, n.channel, n.submitted_at, n.state = 'merged')
    UNION ALL
    SELECT r FROM old_cases o JOIN new_cases n ON n.id = o.id
      CROSS JOIN LATERAL case_rollup_event_rows(n, 1) r
      WHERE (o.area_id, o.category_id, o.channel, o.submitted_at, o.state = 'merged')
        IS DISTINCT FROM (n.area_id, n.category_id, n.channel, n.submitted_at, n.state = 'merged')));
  RETURN NULL;
END
$$;

CREATE FUNCTION case_rollup_cases_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM case_rollup_append(ARRAY(
    SELECT r FROM old_cases o CROSS JOIN LATERAL case_rollup_rows(o, -1) r
    UNION ALL
    SELECT r FROM old_cases o CROSS JOIN LATERAL case_rollup_event_rows(o, -1) r));
  RETURN NULL;
END
$$;

-- A new return or denial counts, on each area of its case's path, for the department that made it.
CREATE FUNCTION case_rollup_events_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM case_rollup_append(ARRAY(
    SELECT (anc.id, anc.id = c.area_id, c.category_id, x.dept, c.channel, (c.submitted_at AT TIME ZONE a.timezone)::date,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            (x.action = 'return')::int, (x.action = 'deny_return')::int)::case_rollup
    FROM (
      SELECT e.case_id, e.action,
             CASE WHEN e.action = 'return' THEN e.department_id
                  ELSE (SELECT p.department_id FROM case_event p
                        WHERE p.case_id = e.case_id AND p.action = 'return' AND (p.at, p.id) < (e.at, e.id)
                        ORDER BY p.at DESC, p.id DESC LIMIT 1) END AS dept
      FROM new_events e WHERE e.action IN ('return', 'deny_return')
    ) x
    JOIN cases c ON c.id = x.case_id AND c.state <> 'merged'
    JOIN area a ON a.id = c.area_id
    CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM a.path), '/')::int[]) AS anc(id)));
  RETURN NULL;
END
$$;

CREATE TRIGGER case_rollup_insert AFTER INSERT ON cases
  REFERENCING NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION case_rollup_cases_insert();
CREATE TRIGGER case_rollup_update AFTER UPDATE ON cases
  REFERENCING OLD TABLE AS old_cases NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION case_rollup_cases_update();
CREATE TRIGGER case_rollup_delete AFTER DELETE ON cases
  REFERENCING OLD TABLE AS old_cases FOR EACH STATEMENT EXECUTE FUNCTION case_rollup_cases_delete();
CREATE TRIGGER case_rollup_events AFTER INSERT ON case_event
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION case_rollup_events_insert();
-- Also under session_replication_role = replica (the generator's COPY sink): its cases count too.
ALTER TABLE cases ENABLE ALWAYS TRIGGER case_rollup_insert;
ALTER TABLE cases ENABLE ALWAYS TRIGGER case_rollup_update;
ALTER TABLE cases ENABLE ALWAYS TRIGGER case_rollup_delete;
ALTER TABLE case_event ENABLE ALWAYS TRIGGER case_rollup_events;

-- An area moved to another parent: the cases located in it leave the old ancestors' rows and join
-- the new ones'. Each area whose path changed is handled for its own cases, so a subtree that moves
-- (every descendant's path changes with it) moves each case exactly once.
CREATE FUNCTION case_rollup_area_moved() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM old_areas o JOIN new_areas n ON n.id = o.id WHERE o.path <> n.path) THEN
    RETURN NULL;
  END IF;
  PERFORM case_rollup_append(ARRAY(
    SELECT (r.area_id, r.own, r.category_id, r.department_id, r.channel, r.day, r.total, r.contact_required,
            r.no_contact, r.contacted, r.contacted_on_time, r.rated, r.solved, r.satisfied, r.basically_satisfied,
            r.unsatisfied, r.not_rated, r.direct_answers, r.shelved, r.returns, r.return_denied, r.responded,
            r.responded_on_time, r.rejected, r.closed, r.closed_on_time, r.reworked, r.open, r.extended, r.returned,
            r.handling_seconds, r.merged, r.dept_returns, r.dept_return_denied)::case_rollup
    FROM old_areas o JOIN new_areas n ON n.id = o.id AND o.path <> n.path
    JOIN cases c ON c.area_id = n.id
    CROSS JOIN LATERAL (
      SELECT * FROM case_rollup_rows(c, 1) UNION ALL SELECT * FROM case_rollup_event_rows(c, 1)
    ) r
    -- case_rollup_rows reads the new path: the new ancestors gain the case…
    WHERE NOT r.own AND NOT (r.area_id = ANY (string_to_array(trim(BOTH '/' FROM o.path), '/')::int[]))
    UNION ALL
    -- …and the old ancestors that are not on the new path lose it.
    SELECT (old_anc.id, false, r.category_id, r.department_id, r.channel, r.day, -r.total, -r.contact_required,
            -r.no_contact, -r.contacted, -r.contacted_on_time, -r.rated, -r.solved, -r.satisfied,
            -r.basically_satisfied, -r.unsatisfied, -r.not_rated, -r.direct_answers, -r.shelved, -r.returns,
            -r.return_denied, -r.responded, -r.responded_on_time, -r.rejected, -r.closed, -r.closed_on_time,
            -r.reworked, -r.open, -r.extended, -r.returned, -r.handling_seconds, -r.merged, -r.dept_returns,
            -r.dept_return_denied)::case_rollup
    FROM old_areas o JOIN new_areas n ON n.id = o.id AND o.path <> n.path
    JOIN cases c ON c.area_id = n.id
    CROSS JOIN LATERAL (
      SELECT * FROM case_rollup_rows(c, 1) UNION ALL SELECT * FROM case_rollup_event_rows(c, 1)
    ) r
    CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM o.path), '/')::int[]) AS old_anc(id)
    WHERE r.own AND old_anc.id <> n.id
      AND NOT (old_anc.id = ANY (string_to_array(trim(BOTH '/' FROM n.path), '/')::int[]))));
  RETURN NULL;
END
$$;
CREATE TRIGGER case_rollup_area_moved AFTER UPDATE ON area
  REFERENCING OLD TABLE AS old_areas NEW TABLE AS new_areas FOR EACH STATEMENT EXECUTE FUNCTION case_rollup_area_moved();

-- Folds the deltas into case_rollup, oldest first, a batch at a time (src/analytics/rollup.ts runs it
-- under a lock, so one process folds at a time). Rows a writer has not committed yet are not seen
-- and wait for the next fold; the view counts them meanwhile.
CREATE FUNCTION case_rollup_fold(batch integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE moved integer;
BEGIN
  WITH taken AS (
    DELETE FROM case_rollup_delta
    WHERE id IN (SELECT id FROM case_rollup_delta ORDER BY id LIMIT batch)
    RETURNING *
  ), summed AS (
    SELECT area_id, own, category_id, department_id, channel, day, sum(total) AS total,
      sum(contact_required) AS contact_required, sum(no_contact) AS no_contact, sum(contacted) AS contacted,
      sum(contacted_on_time) AS contacted_on_time, sum(rated) AS rated, sum(solved) AS solved,
      sum(satisfied) AS satisfied, sum(basically_satisfied) AS basically_satisfied, sum(unsatisfied) AS unsatisfied,
      sum(not_rated) AS not_rated, sum(direct_answers) AS direct_answers, sum(shelved) AS shelved,
      sum(returns) AS returns, sum(return_denied) AS return_denied, sum(responded) AS responded,
      sum(responded_on_time) AS responded_on_time, sum(rejected) AS rejected, sum(closed) AS closed,
      sum(closed_on_time) AS closed_on_time, sum(reworked) AS reworked, sum(open) AS open, sum(extended) AS extended,
      sum(returned) AS returned, sum(handling_seconds) AS handling_seconds, sum(merged) AS merged,
      sum(dept_returns) AS dept_returns, sum(dept_return_denied) AS dept_return_denied, count(*) AS n
    FROM taken GROUP BY area_id, own, category_id, department_id, channel, day
  ), upserted AS (
    INSERT INTO case_rollup (area_id, own, category_id, department_id, channel, day, total, contact_required,
      no_contact, contacted, contacted_on_time, rated, solved, satisfied, basically_satisfied, unsatisfied, not_rated,
      direct_answers, shelved, returns, return_denied, responded, responded_on_time, rejected, closed, closed_on_time,
      reworked, open, extended, returned, handling_seconds, merged, dept_returns, dept_return_denied)
    SELECT area_id, own, category_id, department_id, channel, day, total, contact_required, no_contact, contacted,
      contacted_on_time, rated, solved, satisfied, basically_satisfied, unsatisfied, not_rated, direct_answers, shelved,
      returns, return_denied, responded, responded_on_time, rejected, closed, closed_on_time, reworked, open, extended,
      returned, handling_seconds, merged, dept_returns, dept_return_denied
    FROM summed ORDER BY area_id, day, own, category_id, department_id, channel
    ON CONFLICT (area_id, day, own, category_id, department_id, channel) DO UPDATE SET
      total = case_rollup.total + excluded.total,
      contact_required = case_rollup.contact_required + excluded.contact_required,
      no_contact = case_rollup.no_contact + excluded.no_contact,
      contacted = case_rollup.contacted + excluded.contacted,
      contacted_on_time = case_rollup.contacted_on_time + excluded.contacted_on_time,
      rated = case_rollup.rated + excluded.rated,
      solved = case_rollup.solved + excluded.solved,
      satisfied = case_rollup.satisfied + excluded.satisfied,
      basically_satisfied = case_rollup.basically_satisfied + excluded.basically_satisfied,
      unsatisfied = case_rollup.unsatisfied + excluded.unsatisfied,
      not_rated = case_rollup.not_rated + excluded.not_rated,
      direct_answers = case_rollup.direct_answers + excluded.direct_answers,
      shelved = case_rollup.shelved + excluded.shelved,
      returns = case_rollup.returns + excluded.returns,
      return_denied = case_rollup.return_denied + excluded.return_denied,
      responded = case_rollup.responded + excluded.responded,
      responded_on_time = case_rollup.responded_on_time + excluded.responded_on_time,
      rejected = case_rollup.rejected + excluded.rejected,
      closed = case_rollup.closed + excluded.closed,
      closed_on_time = case_rollup.closed_on_time + excluded.closed_on_time,
      reworked = case_rollup.reworked + excluded.reworked,
      open = case_rollup.open + excluded.open,
      extended = case_rollup.extended + excluded.extended,
      returned = case_rollup.returned + excluded.returned,
      handling_seconds = case_rollup.handling_seconds + excluded.handling_seconds,
      merged = case_rollup.merged + excluded.merged,
      dept_returns = case_rollup.dept_returns + excluded.dept_returns,
      dept_return_denied = case_rollup.dept_return_denied + excluded.dept_return_denied
    RETURNING 1
  )
  SELECT coalesce(sum(n), 0)::int INTO moved FROM summed, (SELECT count(*) FROM upserted) u;
  RETURN moved;
END
$$;

-- The rollup recounted from the cases, a range of ids at a time (a large database must not build
-- one array of every case), folded as it goes. Writers wait meanwhile (SHARE locks), so nothing
-- lands between the count and the triggers. Used here for the cases already recorded, by bulk
-- loads that switch the triggers off (the generator), and by an operator after changing an
-- area's time zone (docs/analytics.md).
CREATE FUNCTION case_rollup_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE lo bigint; hi bigint;
BEGIN
  LOCK TABLE cases, case_event, area IN SHARE MODE;
  TRUNCATE case_rollup, case_rollup_delta;
  SELECT min(id), max(id) INTO lo, hi FROM cases;
  WHILE lo <= hi LOOP
    PERFORM case_rollup_append(ARRAY(
      SELECT r FROM cases c CROSS JOIN LATERAL case_rollup_rows(c, 1) r WHERE c.id >= lo AND c.id < lo + 20000
      UNION ALL
      SELECT r FROM cases c CROSS JOIN LATERAL case_rollup_event_rows(c, 1) r WHERE c.id >= lo AND c.id < lo + 20000));
    lo := lo + 20000;
    IF (lo / 20000) % 25 = 0 THEN
      WHILE case_rollup_fold(200000) > 0 LOOP END LOOP;
    END IF;
  END LOOP;
  WHILE case_rollup_fold(200000) > 0 LOOP END LOOP;
END
$$;

SELECT case_rollup_rebuild();

-- The live figures that depend on the clock (overdue, contact due) are read from the cases still
-- open or still waiting for a first contact, by area and submission, without touching the rest.
CREATE INDEX cases_contact_pending ON cases (area_id, submitted_at)
  WHERE contact_required AND contacted_at IS NULL AND contact_due_at IS NOT NULL AND state <> 'merged';
CREATE INDEX cases_open_submitted ON cases (area_id, submitted_at) INCLUDE (stage_due_at, department_id, category_id, channel)
  WHERE state IN ('verifying', 'submitted', 'accepted', 'dispatched', 'return_requested', 'in_progress', 'replied', 'verified');

-- Read through caseStats, which names the areas (its explicit scope check), and again here: staff
-- over the row's area.
GRANT SELECT ON case_rollup, case_rollup_delta, case_rollup_live TO grassroots_app;
ALTER TABLE case_rollup ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_rollup_delta ENABLE ROW LEVEL SECURITY;
-- The visible areas are computed once per query (an uncorrelated subquery, hashed), not per row as
-- app_area_visible(area_id) would be: a year of a street is tens of thousands of rows.
CREATE POLICY case_rollup_read ON case_rollup FOR SELECT TO grassroots_app USING (area_id IN (
  SELECT a.id FROM area a JOIN app_grants() g ON g.role = ANY (app_staff_roles()) AND a.path LIKE g.path || '%'));
CREATE POLICY case_rollup_delta_read ON case_rollup_delta FOR SELECT TO grassroots_app USING (area_id IN (
  SELECT a.id FROM area a JOIN app_grants() g ON g.role = ANY (app_staff_roles()) AND a.path LIKE g.path || '%'));
