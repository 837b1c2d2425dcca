-- The names of delivering organisations are read through a definer function (residents cannot read
-- the registry's organisations); it now answers only for organisations that take part as social
-- organisations on the caller's branch or deliver a service there, not for any registry row.
CREATE OR REPLACE FUNCTION app_organisation_names(ids bigint[])
RETURNS TABLE (id bigint, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT o.id, o.name FROM organisation o
  WHERE o.id = ANY (ids)
    AND (EXISTS (SELECT 1 FROM social_organisation so WHERE so.organisation_id = o.id AND so.area_id IN (SELECT app_branch_area_ids()))
         OR EXISTS (SELECT 1 FROM service s WHERE s.organisation_id = o.id AND s.area_id IN (SELECT app_branch_area_ids())))
$$;
