-- The invoice an expense is paid against (issue: the same receipt was accepted twice). A
-- 全电发票 has a 20-digit number and no code; an older invoice an 8-digit number and a 10- or
-- 12-digit code. Expenses recorded before this migration have neither: both columns are
-- nullable, and nothing below applies to a row without a number.
ALTER TABLE expenses ADD COLUMN invoice_code TEXT;
ALTER TABLE expenses ADD COLUMN invoice_number TEXT;

-- One live expense per invoice, across all bases. A reversed expense (a correction) frees its
-- invoice, so the expense can be recorded again as it should have been. The code is part of
-- the key with COALESCE, since NULLs would never be equal in a unique index. The record use
-- case checks this first and names the earlier expense; the index decides a race between two
-- bases, whose ledgers do not lock each other.
CREATE UNIQUE INDEX expenses_invoice_key ON expenses ((COALESCE(invoice_code, '')), invoice_number)
    WHERE invoice_number IS NOT NULL AND status <> 'reversed';

-- One live expense per receipt file (content-addressed by its SM3 hash), across all bases.
-- Only rows with an invoice number are held to it, so that receipts recorded twice before this
-- migration do not stop it; the use case checks those rows as well.
CREATE UNIQUE INDEX expenses_receipt_hash_key ON expenses (receipt_hash)
    WHERE invoice_number IS NOT NULL AND status <> 'reversed';

-- The earlier expenses of the same file, rows from before this migration included. (Those of the
-- same payee, amount and date in the base are found by `expenses_base`.)
CREATE INDEX expenses_receipt ON expenses (receipt_hash);
