-- The device registry's additions: the one-time credentials of a bulk registration, and the
-- labels (building, property company) of the devices a caller may see.

-- A device import keeps the secrets it generated (CSV of code,secret, encrypted with the
-- platform's field cipher) until they are downloaded once; then they are erased and the time of
-- the download stays.
ALTER TABLE import_job ADD COLUMN credentials_enc bytea;
ALTER TABLE import_job ADD COLUMN credentials_count integer NOT NULL DEFAULT 0 CHECK (credentials_count >= 0);
ALTER TABLE import_job ADD COLUMN credentials_taken_at timestamptz;

-- A device's building and property company by name for everyone who reads the device (a
-- department's handler reads its devices but not the registry's buildings and organisations).
CREATE FUNCTION app_device_labels(ids bigint[]) RETURNS TABLE (device_id bigint, building_name text, organisation_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT d.id, b.name, o.name
  FROM device d
  LEFT JOIN building b ON b.id = d.building_id
  LEFT JOIN organisation o ON o.id = d.owner_organisation_id
  WHERE d.id = ANY (ids) AND d.id IN (SELECT app_device_ids())
$$;
GRANT EXECUTE ON FUNCTION app_device_labels(bigint[]) TO grassroots_app;

-- Which of these codes are registered anywhere (codes are unique city-wide, and a registration
-- must say so even where the caller cannot see the device).
CREATE FUNCTION app_device_codes_taken(codes text[]) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT code FROM device WHERE code = ANY (codes)
$$;
GRANT EXECUTE ON FUNCTION app_device_codes_taken(text[]) TO grassroots_app;
