-- licensor schema, version 7: floating cloud seats. A floating-cloud
-- license (or, later, feature) has floating_users seats, numbered 1..N: the
-- unique (owner, slot) index makes N rows the most there can ever be,
-- whatever instances race to take them, and (owner, hardware_id) gives a
-- device one seat at most. A seat is held until expires_at (the last check
-- plus floating_timeout, or the end of a borrow); an expired seat is taken
-- over by the next device that needs one. license_feature_id is 0 for the
-- license's own seats.
CREATE TABLE floating_seats (
    id {{id}},
    license_id BIGINT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    license_feature_id BIGINT NOT NULL DEFAULT 0,
    slot BIGINT NOT NULL,
    hardware_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    borrowed_until BIGINT,
    UNIQUE (license_id, license_feature_id, slot),
    UNIQUE (license_id, license_feature_id, hardware_id)
);
