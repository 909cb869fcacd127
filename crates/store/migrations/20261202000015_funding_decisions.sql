-- Every decision on a funding request with its actor, time and comment: the request's own
-- columns keep only the latest decider and reason, so the leader's endorsement comment was lost
-- once the coordination group decided. This table keeps each one, in order.
CREATE TABLE funding_decisions (
    request_id TEXT NOT NULL REFERENCES funding_requests (id),
    seq BIGINT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('endorse', 'return', 'approve', 'reject')),
    actor TEXT NOT NULL REFERENCES users (id),
    at BIGINT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (request_id, seq)
);

-- What the requests decided before this table can still tell: who endorsed and who decided
-- last, and the last reason (an earlier comment overwritten is not recoverable).
INSERT INTO funding_decisions (request_id, seq, action, actor, at, comment)
SELECT id, 1, 'endorse', endorsed_by, endorsed_at, '' FROM funding_requests
WHERE endorsed_by IS NOT NULL AND endorsed_at IS NOT NULL;

INSERT INTO funding_decisions (request_id, seq, action, actor, at, comment)
SELECT id, 2,
       CASE status WHEN 'approved' THEN 'approve' WHEN 'rejected' THEN 'reject' ELSE 'return' END,
       decided_by, decided_at, COALESCE(reason, '')
FROM funding_requests
WHERE decided_by IS NOT NULL AND decided_at IS NOT NULL AND status IN ('approved', 'rejected', 'returned');
