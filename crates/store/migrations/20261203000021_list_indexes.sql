-- Lists are read a page at a time, newest first by id (keyset), with a count of all that match
-- (issue: lists were cut at a fixed LIMIT without saying so). Each filter a list offers has its
-- own statement and its own index here, so a page is one range of an index and its count reads
-- the index alone. The bureau never lists drafts: its indexes are partial on submitted rows,
-- which both engines have and use when the statement says `submitted_at IS NOT NULL`.
CREATE INDEX applications_submitted_id ON applications (id) WHERE submitted_at IS NOT NULL;
CREATE INDEX applications_submitted_batch_id ON applications (batch_id, id) WHERE submitted_at IS NOT NULL;
CREATE INDEX applications_submitted_status_id ON applications (status, id) WHERE submitted_at IS NOT NULL;
CREATE INDEX applications_submitted_batch_status_id ON applications (batch_id, status, id)
    WHERE submitted_at IS NOT NULL;
-- An organisation's own applications, newest first.
CREATE INDEX applications_organization_id ON applications (organization_id, id);
-- An organisation's notifications, newest first.
CREATE INDEX notifications_organization_id ON notifications (organization_id, id);
