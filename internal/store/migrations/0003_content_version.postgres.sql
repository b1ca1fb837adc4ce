-- licensor schema, version 3 (PostgreSQL): nothing. Version 3 gave SQLite a
-- single content version (since replaced by version 5); PostgreSQL support
-- arrived with version 5's per-license change notification.
SELECT 1;
