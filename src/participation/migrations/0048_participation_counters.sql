-- Residents move a decision's counters (their vote) and its stored result (the first read after the
-- window): the policy that lets them update a decision is narrowed to those columns, so no request
-- can rewrite a decision's text, rule or window whatever its query.
REVOKE UPDATE ON meeting_decision FROM grassroots_app;
GRANT UPDATE (votes_for, votes_against, votes_abstain, result) ON meeting_decision TO grassroots_app;
