-- The sample's tables and triggers; run on every start (spring.sql.init.mode=always), so every statement is
-- idempotent. Sent to the server as one script (see spring.sql.init.separator in application.yml).

-- Cache invalidation: products, cached by ProductCache.
CREATE TABLE IF NOT EXISTS product (
    id    bigint PRIMARY KEY,
    name  text NOT NULL,
    price numeric(10, 2) NOT NULL
);
INSERT INTO product (id, name, price)
VALUES (1, 'Espresso', 2.50), (2, 'Cappuccino', 3.20), (3, 'Croissant', 1.90)
ON CONFLICT (id) DO NOTHING;

-- Background jobs: emails go through the durable channel 'emails' (schema pgnotify, installed by pgnotify at
-- startup with pgnotify.durable.initialize-schema=always): no outbox table of the sample's own.

-- Hot-reload: every changed setting sends its key on 'config_reload'.
CREATE TABLE IF NOT EXISTS app_setting (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO app_setting (key, value) VALUES ('greeting', 'Hello') ON CONFLICT (key) DO NOTHING;

CREATE OR REPLACE FUNCTION notify_setting_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('config_reload', COALESCE(NEW.key, OLD.key));
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS app_setting_changed ON app_setting;
CREATE TRIGGER app_setting_changed
    AFTER INSERT OR UPDATE OR DELETE ON app_setting
    FOR EACH ROW EXECUTE FUNCTION notify_setting_changed();

-- Lock coordination: one row per lock held.
CREATE TABLE IF NOT EXISTS resource_lock (
    name        text PRIMARY KEY,
    owner       text NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT now()
);
