-- An applicant may remove or replace a file while the application is a draft or returned for
-- supplement (issue: attachments could never be removed or replaced). The row is never
-- deleted: a submitted revision's form names the file by its id, and what was submitted must
-- still be shown and downloaded as it was. A removed file is only marked, with who removed it
-- and when, and, when it was replaced, the file that took its place.
ALTER TABLE attachments ADD COLUMN removed_at BIGINT;
ALTER TABLE attachments ADD COLUMN removed_by TEXT REFERENCES users (id);
ALTER TABLE attachments ADD COLUMN replaced_by TEXT REFERENCES attachments (id);
