-- Emergency alerts (issue 17, item 2): a re-send names whom it goes to. A re-send takes the
-- recipients of the alert it repeats who were not reached (SMS failed, or neither phone nor
-- account when first sent: the registry may know them now) or who did not acknowledge.
ALTER TABLE incident_alert ADD COLUMN resend_to text CHECK (resend_to IN ('unreached', 'unacknowledged'));
ALTER TABLE incident_alert ADD CONSTRAINT incident_alert_resend_to_check_pair CHECK ((resend_of IS NULL) = (resend_to IS NULL));

-- Per-alert totals by status, and the worker's "anything still queued?" before marking an alert done.
CREATE INDEX incident_alert_recipient_status ON incident_alert_recipient (alert_id, status);
