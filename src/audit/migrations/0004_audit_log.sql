-- Append-only, hash-chained audit trail. Each entry's hash covers its content and the previous
-- entry's hash, so editing, deleting or reordering any entry breaks the chain from there on.
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_id integer,
  actor_name text,
  action text NOT NULL,
  entity_type text,
  entity_id text,
  area_id integer,
  ip text,
  purpose text,
  detail jsonb NOT NULL DEFAULT '{}',
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_area ON audit_log (area_id, at);

-- The one definition of an entry's digest, used when writing and when verifying.
CREATE FUNCTION audit_digest(e audit_log) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    e.seq, (extract(epoch FROM e.at) * 1000000)::bigint, e.actor_id, e.actor_name, e.action,
    e.entity_type, e.entity_id, e.area_id, e.ip, e.purpose, e.detail, e.prev_hash
  )::text, 'UTF8')), 'hex')
$$;

-- Entries are chained in commit order: the advisory lock serialises writers until commit, so
-- seq is gap-free and each entry sees the previous committed one.
CREATE FUNCTION audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  last audit_log%ROWTYPE;
BEGIN
  PERFORM pg_advisory_xact_lock(7311001);
  SELECT * INTO last FROM audit_log ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last.seq, 0) + 1;
  NEW.at := clock_timestamp();
  NEW.prev_hash := coalesce(last.hash, repeat('0', 64));
  NEW.hash := audit_digest(NEW);
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_chain();

CREATE FUNCTION audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON audit_log TO grassroots_app;
CREATE POLICY audit_append ON audit_log FOR INSERT TO grassroots_app WITH CHECK (true);
CREATE POLICY audit_read ON audit_log FOR SELECT TO grassroots_app
  USING ((area_id IS NOT NULL AND app_can(ARRAY['admin'], area_id)) OR app_is_root_admin());
