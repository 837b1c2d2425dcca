-- Requests run as grassroots_app, a role that owns nothing, so that row-level security binds it.
-- Migrations and trusted system jobs run as the connecting (owner) role. The role is cluster-wide,
-- so creating it must tolerate another database of the same cluster having done it first.
-- An existing role is used as it is, so an owner without CREATEROLE works when an administrator
-- created grassroots_app beforehand.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'grassroots_app') THEN
    CREATE ROLE grassroots_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'grassroots_app', 'MEMBER') THEN
    EXECUTE format('GRANT grassroots_app TO %I', current_user);
  END IF;
EXCEPTION WHEN duplicate_object OR invalid_grant_operation THEN
  NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO grassroots_app;

-- The caller of the current transaction, set by the application with set_config(..., true).
CREATE FUNCTION app_user_id() RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('app.user_id', true), '')::integer
$$;

-- The caller's role grants as (role, area path) pairs; app.grants holds 'role:/1/4/,role:/1/4/9/'.
CREATE FUNCTION app_grants() RETURNS TABLE (role text, path text)
LANGUAGE sql STABLE AS $$
  SELECT split_part(g, ':', 1), split_part(g, ':', 2)
  FROM unnest(string_to_array(nullif(current_setting('app.grants', true), ''), ',')) AS g
$$;

CREATE FUNCTION app_staff_roles() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['admin', 'leader', 'staff', 'grid_worker', 'department_handler', 'mediator']
$$;
