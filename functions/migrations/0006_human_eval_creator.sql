-- Who created each human-evaluation study: the SHA-256 of the creating bearer token (the identity
-- EDGETUNE_TOKENS already keys on). Its report is readable by that token and by admins only.
-- Studies created before this column have none: only admins read their reports.
ALTER TABLE human_eval_studies ADD COLUMN creator TEXT;
