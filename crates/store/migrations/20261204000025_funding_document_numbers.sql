-- The 请示 to the coordination group carries a document number (文号, 青人社〔YYYY〕N号):
-- assigned when a leader endorses the request and it goes to the group, the next of its year,
-- and never changed. Two endorsements at once cannot take the same number (the unique index;
-- the loser is answered 409 and tries again). Requests never endorsed have none.
ALTER TABLE funding_requests ADD COLUMN doc_year BIGINT;
ALTER TABLE funding_requests ADD COLUMN doc_seq BIGINT;
CREATE UNIQUE INDEX funding_requests_doc_number_key ON funding_requests (doc_year, doc_seq);
