-- Duplicate detection asks for open cases of the same category within CASE_DUPLICATE_DISTANCE_M
-- metres: ST_DWithin on geography. The GiST index on the geometry column cannot serve that
-- predicate, so each intake measured the distance to every recent open case of its category.
CREATE INDEX cases_location_geography ON cases USING gist ((location::geography));
