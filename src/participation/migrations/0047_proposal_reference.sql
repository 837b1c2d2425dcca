-- A proposal's reference (JY-2026-000123) is taken from its id before the row is written.
GRANT USAGE ON SEQUENCE proposal_id_seq TO grassroots_app;

-- Participants see each other's display names (an author of a proposal, a commenter), never the
-- account: residents cannot read app_user rows of others, so names come through this function.
CREATE FUNCTION app_display_names(ids integer[]) RETURNS TABLE (id integer, display_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT u.id, u.display_name FROM app_user u WHERE u.id = ANY (ids)
$$;
GRANT EXECUTE ON FUNCTION app_display_names(integer[]) TO grassroots_app;

-- A resident takes their support back while the proposal is below its threshold.
GRANT DELETE ON proposal_support TO grassroots_app;
CREATE POLICY proposal_support_take_back ON proposal_support FOR DELETE TO grassroots_app USING (user_id = app_user_id());
