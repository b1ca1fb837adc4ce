-- licensor schema, version 12: OAuth client secrets also kept sealed with
-- the server secret (as API credentials' shared keys are), because an
-- offline request file made under OAuth is an HMAC with the client secret
-- (license-api.md §2.2, §2.4) that licensor must recompute. The SHA-256
-- stays for the token endpoint. Clients made before this version have no
-- sealed secret until it is rotated.
ALTER TABLE oauth_clients ADD COLUMN secret_sealed TEXT;
ALTER TABLE oauth_clients ADD COLUMN previous_secret_sealed TEXT;
