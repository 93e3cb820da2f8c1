-- 015_wechat_binding.sql - WeChat official-account residents (issue 13):
-- a resident (the account's openid for them) bound to one compound, so that
-- later messages without an address are located by it; and which cases
-- their messages were, so that "查询" lists them and "评价" rates only
-- the resident's own case. Written only by the ledger's WechatResident
-- request (services/ledger/req_wechat.c) for the front-end of channel wechat.

CREATE TABLE wechat_bindings (
    openid        text PRIMARY KEY,
    compound_code text NOT NULL,
    bound_at      timestamptz NOT NULL DEFAULT now()
);

-- A message is one resident's; the case it became is the wechat case with
-- that channel id (cases' UNIQUE (channel, channel_id)). Linked before the
-- demand is submitted, so a case committed after WeChat's 5 seconds (the
-- gateway answered "success" meanwhile) is still the resident's.
CREATE TABLE wechat_messages (
    msg_id    text PRIMARY KEY,
    openid    text NOT NULL,
    linked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wechat_messages_by_openid ON wechat_messages (openid);

-- An openid ties one resident's cases together: personal data, kept from
-- the reports role like residents' names and phones (013). pg.sh calls
-- ld_grant_report() on every start and it grants every table: redefined to
-- take these two back each time. It also keeps every earlier migration's
-- rule (013: cases without resident_name and resident_phone; the gateway's
-- 015_gateway_open311: case_extras without resident_email, when that table
-- exists): a migration that redefines it must keep all of them, and this
-- one must run after the gateway's.
CREATE OR REPLACE FUNCTION ld_grant_report() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols text;
    owner text;
    hidden record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liandong_report') THEN
        RETURN;
    END IF;
    EXECUTE 'GRANT USAGE ON SCHEMA public TO liandong_report';
    EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO liandong_report';
    -- tables of which the reports role reads only some columns
    FOR hidden IN SELECT * FROM (VALUES
            ('cases', ARRAY['resident_name', 'resident_phone']),
            ('case_extras', ARRAY['resident_email'])) AS h (tbl, cols)
          WHERE EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public'
                          AND tablename = h.tbl) LOOP
        EXECUTE format('REVOKE SELECT ON %I FROM liandong_report', hidden.tbl);
        SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO cols
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = hidden.tbl
           AND column_name <> ALL (hidden.cols);
        EXECUTE format('GRANT SELECT (%s) ON %I TO liandong_report', cols, hidden.tbl);
    END LOOP;
    -- tables it does not read at all
    EXECUTE 'REVOKE SELECT ON wechat_bindings, wechat_messages FROM liandong_report';
    SELECT tableowner INTO owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'cases';
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public'
                   ' GRANT SELECT ON TABLES TO liandong_report', owner);
END $$;

SELECT ld_grant_report();
