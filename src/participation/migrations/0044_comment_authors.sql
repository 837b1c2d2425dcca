-- Comment threads name their authors. A resident may not read other accounts (app_user is visible
-- to the user and to staff over them), so the names of the authors of the comments a caller can
-- read come through this definer function: only display names, only of comments whose area lies
-- on the caller's branch (the comment's own read policy), nothing else of the account.
CREATE FUNCTION app_comment_author_names(ids bigint[]) RETURNS TABLE (comment_id bigint, display_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT c.id, u.display_name
  FROM participation_comment c
  JOIN app_user u ON u.id = c.author_id
  WHERE c.id = ANY (ids) AND c.area_id IN (SELECT app_branch_area_ids())
$$;
REVOKE ALL ON FUNCTION app_comment_author_names(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_comment_author_names(bigint[]) TO grassroots_app;
