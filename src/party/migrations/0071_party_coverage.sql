-- Coverage counts an area as covered when any active organisation is attached to it, whether or
-- not the caller may read that organisation: a community's staff asking about their street must
-- not see the neighbouring communities as gaps because row-level security hides those
-- communities' organisations from them. Only which areas and buildings are covered is given out.
CREATE FUNCTION app_party_covered_areas() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT DISTINCT o.area_id FROM party_organisation o WHERE o.status = 'active'
$$;

CREATE FUNCTION app_party_covered_buildings() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT DISTINCT ob.building_id FROM party_organisation_building ob
  JOIN party_organisation o ON o.id = ob.organisation_id
  WHERE o.status = 'active' AND o.sector = 'compound'
$$;

GRANT EXECUTE ON FUNCTION app_party_covered_areas(), app_party_covered_buildings() TO grassroots_app;
