-- pgnotify durable channels, schema version 2. Safe to run more than once, and upgrades version 1.
-- Shipped in pgnotify-core at io/pgnotify/durable/schema-postgresql.sql; see docs/durable.md for the design.

CREATE SCHEMA IF NOT EXISTS pgnotify;

CREATE TABLE IF NOT EXISTS pgnotify.durable_schema_version (
    version      integer     PRIMARY KEY,
    installed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Append-only: rows are inserted by publish_durable and deleted only by retention, in bulk. The identity keeps
-- PostgreSQL's default CACHE 1: a per-session cache would hand out ids out of order even under the channel's lock.
CREATE TABLE IF NOT EXISTS pgnotify.durable_message (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel      text        NOT NULL,
    key          text,
    payload      text        NOT NULL,
    published_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS durable_message_channel_id ON pgnotify.durable_message (channel, id);

-- One row per (channel, group): the position (last handled id), the lease (owner, expiry on the database clock)
-- and the epoch that fences a former owner. Updated once per batch, never once per message.
CREATE TABLE IF NOT EXISTS pgnotify.durable_group (
    channel      text        NOT NULL,
    group_name   text        NOT NULL,
    position     bigint      NOT NULL,
    inflight_max bigint      NOT NULL DEFAULT 0,
    owner        text,
    lease_until  timestamptz,
    epoch        bigint      NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (channel, group_name)
);

-- Version 2: a group may spread a channel over partitions by message key. One row per (channel, group, partition),
-- each with its own position, lease and epoch; every row of a group records the partition count it was created with,
-- since positions are only meaningful for that count. Version 1's rows become partition 0 of 1.
ALTER TABLE pgnotify.durable_group ADD COLUMN IF NOT EXISTS partition  integer NOT NULL DEFAULT 0;
ALTER TABLE pgnotify.durable_group ADD COLUMN IF NOT EXISTS partitions integer NOT NULL DEFAULT 1;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                   WHERE i.indrelid = 'pgnotify.durable_group'::regclass AND i.indisprimary AND a.attname = 'partition')
    THEN
        ALTER TABLE pgnotify.durable_group DROP CONSTRAINT IF EXISTS durable_group_pkey;
        ALTER TABLE pgnotify.durable_group ADD CONSTRAINT durable_group_pkey PRIMARY KEY (channel, group_name, partition);
    END IF;
END
$$;

-- The partition of a message: a stable hash of its key modulo the group's partition count; a message without a key
-- is in partition 0. Inlined by the planner (a single immutable expression).
CREATE OR REPLACE FUNCTION pgnotify.durable_partition(key text, partitions integer)
    RETURNS integer
    LANGUAGE sql
    IMMUTABLE
    PARALLEL SAFE
AS $$
    SELECT CASE WHEN key IS NULL OR partitions <= 1 THEN 0
                ELSE ((hashtext(key)::bigint & 2147483647) % partitions)::integer END
$$;

-- Failures only: a row per message that failed in a group, dead once it reached max-attempts.
CREATE TABLE IF NOT EXISTS pgnotify.durable_failure (
    channel      text        NOT NULL,
    group_name   text        NOT NULL,
    message_id   bigint      NOT NULL,
    attempts     integer     NOT NULL,
    last_error   text,
    dead         boolean     NOT NULL DEFAULT false,
    redrive      boolean     NOT NULL DEFAULT false,
    failed_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (channel, group_name, message_id)
);

-- Publishing: the advisory lock per channel serialises a channel's producers from the id draw to their commit, so
-- that per channel, ids become visible in id order and a reader remembering the last id it handled never skips a
-- late commit. One NOTIFY with a constant payload per transaction (PostgreSQL folds repeats) rings the doorbell.
CREATE OR REPLACE FUNCTION pgnotify.publish_durable(channel text, payload text, key text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql
AS $$
#variable_conflict use_variable
DECLARE
    new_id bigint;
BEGIN
    IF channel IS NULL OR payload IS NULL THEN
        RAISE EXCEPTION 'pgnotify.publish_durable: channel and payload must not be null';
    END IF;
    PERFORM pg_advisory_xact_lock(1885826414, hashtext(channel));
    INSERT INTO pgnotify.durable_message (channel, key, payload) VALUES (channel, key, payload) RETURNING id INTO new_id;
    PERFORM pg_notify('pgnotify.durable', '');
    RETURN new_id;
END
$$;

-- Many messages to one channel in one statement, in array order; returns the last id.
CREATE OR REPLACE FUNCTION pgnotify.publish_all_durable(channel text, payloads text[], keys text[] DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql
AS $$
#variable_conflict use_variable
DECLARE
    last_id bigint;
BEGIN
    IF channel IS NULL OR payloads IS NULL THEN
        RAISE EXCEPTION 'pgnotify.publish_all_durable: channel and payloads must not be null';
    END IF;
    PERFORM pg_advisory_xact_lock(1885826414, hashtext(channel));
    WITH inserted AS (
        INSERT INTO pgnotify.durable_message (channel, key, payload)
        SELECT channel, keys[t.ord], t.payload
        FROM unnest(payloads) WITH ORDINALITY AS t(payload, ord)
        ORDER BY t.ord
        RETURNING id)
    SELECT max(id) INTO last_id FROM inserted;
    PERFORM pg_notify('pgnotify.durable', '');
    RETURN last_id;
END
$$;

INSERT INTO pgnotify.durable_schema_version (version) VALUES (1), (2) ON CONFLICT DO NOTHING;
