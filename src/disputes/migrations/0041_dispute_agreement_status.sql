-- The state of a dispute's latest agreement and of its judicial confirmation, kept on the dispute
-- itself, so the statistics read one table: a join to the agreements checked each of a year's rows
-- against the agreement's row-level policy (one probe of the dispute per agreement).
ALTER TABLE dispute
  ADD COLUMN agreement_status text CHECK (agreement_status IN ('effective', 'performed', 'broken')),
  ADD COLUMN judicial_status text CHECK (judicial_status IN ('applied', 'confirmed', 'refused'));

UPDATE dispute d SET agreement_status = g.status, judicial_status = g.judicial_status
FROM (
  SELECT DISTINCT ON (dispute_id) dispute_id, status, judicial_status
  FROM mediation_agreement WHERE status <> 'draft'
  ORDER BY dispute_id, id DESC
) g
WHERE g.dispute_id = d.id;

-- A petition names the dispute it became (petition.dispute_id, a foreign key); the dispute's
-- petition_id says the same from the other side, checked by the use case. Two foreign keys would
-- form a cycle, and tables are copied in foreign-key order (grassroots migrate-to-postgres).
ALTER TABLE dispute DROP CONSTRAINT dispute_petition_fkey;
