-- The GB/T 30428 evaluation takes the cases due in a period: a handling deadline inside it, or
-- closed in it, per area subtree (src/analytics/evaluation.ts).
CREATE INDEX cases_area_handle_due ON cases (area_id, handle_due_at) WHERE handle_due_at IS NOT NULL;
CREATE INDEX cases_area_closed ON cases (area_id, closed_at) WHERE closed_at IS NOT NULL;
